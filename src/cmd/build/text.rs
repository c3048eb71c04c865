//! What a build reads to word its items and clusters: the metadata CSV, the title and URL
//! templates and the curator's cluster names, all read and checked before any image is.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::cmd::options::BuildOptions;
use crate::site::{Metadata, Template, groups};
use crate::stages::clusters;

/// The templates and metadata, checked before any heavy work.
pub struct TextSources {
    pub metadata: Option<Metadata>,
    pub title: Option<Template>,
    pub url: Option<Template>,
    /// The curator's cluster names (`--cluster-names`), by cluster id.
    pub cluster_names: BTreeMap<String, String>,
}

impl TextSources {
    /// Reads the metadata CSV, parses the templates against its columns and reads the curator's
    /// cluster names.
    pub fn load(options: &BuildOptions) -> Result<Self> {
        let metadata = options
            .items
            .metadata
            .as_deref()
            .map(|path| Metadata::load(path, &options.items.filename_column))
            .transpose()?;
        let metadata = match &options.items.groups {
            Some(path) => Some(groups::join_groups(
                metadata,
                path,
                &options.items.filename_column,
            )?),
            None => metadata,
        };
        let columns = metadata
            .as_ref()
            .map(|m| m.columns.clone())
            .unwrap_or_default();
        let template =
            |text: &Option<String>| text.as_deref().map(|t| Template::parse(t, &columns));
        crate::site::naming::chosen_columns(&columns, &options.items.name_columns)?;
        Ok(Self {
            title: template(&options.items.title).transpose()?,
            url: template(&options.items.url).transpose()?,
            metadata,
            cluster_names: options
                .clusters
                .names
                .as_deref()
                .map(clusters::names::read_names)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}
