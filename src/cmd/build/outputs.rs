//! What a build writes beside the site when asked: `--export` (tables and vectors) and
//! `--export-folders` (one folder of images per cluster).

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::place::Placement;
use crate::base::grid::Cell;
use crate::base::vectors::Rows;
use crate::export::{folders, tables};
use crate::site;
use crate::stages::clusters::ClusterMap;

/// `--export`: one row per item with its 2-D point and cell, the vectors and the
/// near-duplicate groups when features were reduced, and each item's cell in every layout.
pub fn write_export(
    dir: &Path,
    data: &site::SiteData,
    placement: &Placement,
    clusters: Option<&ClusterMap>,
) -> Result<()> {
    let items = &data.items;
    let rows: Vec<tables::ExportRow<'_>> = items
        .iter()
        .zip(&placement.points)
        .map(|(item, point)| tables::ExportRow {
            file: &item.file,
            title: &item.title,
            url: item.url.as_deref().unwrap_or(""),
            point: *point,
            cell: item.cell,
        })
        .collect();
    let vectors = placement
        .reduced
        .as_ref()
        .map(|(f, r)| (f as &dyn Rows, &r.pca));
    tables::write_export(dir, &rows, vectors)?;
    if let Some(duplicates) = &placement.duplicates {
        tables::write_duplicates_table(dir, &rows, duplicates)?;
    }
    if items.iter().any(|i| !i.tags.is_empty()) {
        let tags: Vec<&[_]> = items.iter().map(|i| i.tags.as_slice()).collect();
        tables::write_tags_table(dir, &rows, &tags)?;
    }
    if data.layouts.len() > 1 {
        let layouts: Vec<(&str, Vec<Cell>)> = (data.layouts.iter())
            .map(|l| {
                let own = || items.iter().map(|i| i.cell).collect();
                (l.name.as_str(), l.cells.clone().unwrap_or_else(own))
            })
            .collect();
        tables::write_layouts_table(dir, &rows, &layouts)?;
    }
    match clusters {
        Some(map) => tables::write_clusters_table(dir, &rows, map),
        None => Ok(()),
    }
}

/// `--export-folders`; a warning when there are no clusters to write.
pub fn write_cluster_folders(
    options: &folders::FolderOptions,
    clusters: Option<&ClusterMap>,
    sources: &[PathBuf],
) -> Result<Option<String>> {
    let Some(clusters) = clusters else {
        return Ok(Some(format!(
            "{}: not written, this build has no clusters",
            options.dir.display()
        )));
    };
    let placed = folders::write_folders(options, clusters, sources)?;
    Ok((placed.symlinks > 0).then(|| {
        format!(
            "{}: {} images are symbolic links (no hard link across file systems); they break if the collection moves",
            options.dir.display(),
            placed.symlinks
        )
    }))
}
