//! The search shards, one file per shard key (fetched per query word), from the index
//! [`crate::site::search`] builds.

use std::fs;
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use super::file::{self, cell_index};
use crate::site::SiteData;
use crate::site::search::{self, SearchIndex};

/// `index.json`'s entry: which search shards exist, and which pairs were split by three
/// characters.
#[derive(Debug, Serialize)]
pub struct SearchKeys {
    keys: Vec<String>,
    split: Vec<String>,
}

/// Writes `search/{key}.json` for every shard of `data`'s search index under `out` (the
/// data folder); returns the index entry.
pub fn write(out: &Path, data: &SiteData) -> Result<SearchKeys> {
    let index = search::build(
        &data.items,
        |item| cell_index(data, item),
        search::SPLIT_BYTES,
    );
    write_shards(&out.join("search"), &index)?;
    Ok(SearchKeys {
        keys: index.keys().cloned().collect(),
        split: index.split.clone(),
    })
}

/// One `{key}.json` per search shard, in parallel.
fn write_shards(dir: &Path, index: &SearchIndex) -> Result<()> {
    fs::create_dir_all(dir)?;
    let keys: Vec<&String> = index.keys().collect();
    keys.par_iter().try_for_each(|key| match index.shard(key) {
        Some(shard) => file::write(
            &dir.join(format!("{key}.json")),
            &serde_json::to_vec(&shard)?,
        ),
        None => Ok(()),
    })
}
