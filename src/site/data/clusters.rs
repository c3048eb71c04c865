//! The clusters as the viewer fetches them, one level at a time: `clusters/{level}.json`
//! (each cluster's id, name, size, parent and children in the levels around it, bounds,
//! label cell and example previews) and `clusters/{level}.bin` (per cell, the index of its
//! cluster in that level, in as few bytes as the level's count needs). The page reads level 0
//! at the start and the rest as the zoom or the tree reaches them, so a million-item map with
//! tens of thousands of clusters still opens on a few kilobytes.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::file::write as write_file;
use crate::base::grid::Cell;
use crate::site::SiteData;
use crate::stages::clusters::ClusterMap;

/// `index.json`'s entry for one level.
#[derive(Debug, Serialize)]
pub struct LevelEntry {
    /// Clusters in the level.
    count: usize,
    /// The records file, relative to `data/`.
    records: String,
    /// The per-cell codes file, relative to `data/`.
    codes: String,
    /// Bytes per cell code (1, 2 or 4, little-endian); [`no_cluster`] of it means no cluster.
    bytes: u8,
}

/// One cluster as the viewer reads it.
#[derive(Debug, Serialize)]
struct Record<'a> {
    id: &'a str,
    name: &'a str,
    /// Set when the name is only a number (`ClusterRecord::numbered`): the viewer lists it
    /// but does not draw it on the map.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    numbered: bool,
    size: usize,
    /// Index of the parent in the level above.
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<usize>,
    /// First child's index in the level below, and the number of children.
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<[usize; 2]>,
    bounds: [u32; 4],
    label: Cell,
    /// Previews of its most central images, the representative first.
    examples: Vec<&'a str>,
}

/// Writes the cluster files under `out` (the data folder); returns the index entries.
pub fn write(out: &Path, data: &SiteData, map: &ClusterMap) -> Result<Vec<LevelEntry>> {
    std::fs::create_dir_all(out.join("clusters"))?;
    let starts = map.level_starts();
    let mut entries = Vec::new();
    for (level, assignment) in map.levels.iter().enumerate() {
        let (start, end) = (starts[level], starts[level + 1]);
        let records: Vec<Record<'_>> = (start..end)
            .map(|c| record(data, map, &starts, c))
            .collect();
        let count = end - start;
        let bytes = code_bytes(count);
        let codes = cell_codes(data, assignment, start, bytes);
        let entry = LevelEntry {
            count,
            records: format!("clusters/{level}.json"),
            codes: format!("clusters/{level}.bin"),
            bytes,
        };
        write_file(&out.join(&entry.records), &serde_json::to_vec(&records)?)?;
        write_file(&out.join(&entry.codes), &codes)?;
        entries.push(entry);
    }
    Ok(entries)
}

/// Record `c` of `map`, its parent and children as indices within their levels (which
/// begin at `starts`).
fn record<'a>(data: &'a SiteData, map: &'a ClusterMap, starts: &[usize], c: usize) -> Record<'a> {
    let cluster = &map.records[c];
    let level = cluster.level;
    Record {
        id: &cluster.id,
        name: &cluster.name,
        numbered: cluster.numbered,
        size: cluster.size,
        parent: cluster.parent_index.map(|p| p - starts[level - 1]),
        // A cluster's children are consecutive in the next level ([`ClusterMap`]).
        children: cluster
            .children
            .first()
            .map(|&first| [first - starts[level + 1], cluster.children.len()]),
        bounds: cluster.footprint.bounds,
        label: cluster.footprint.label,
        examples: cluster
            .examples
            .iter()
            .map(|&row| data.items[row].preview.as_str())
            .collect(),
    }
}

/// Bytes per code for a level of `count` clusters, keeping the largest value for "none".
fn code_bytes(count: usize) -> u8 {
    if count < usize::from(u8::MAX) {
        1
    } else if count < usize::from(u16::MAX) {
        2
    } else {
        4
    }
}

/// The code of a cell in no cluster, for codes of `bytes` bytes: all ones, the largest value.
pub fn no_cluster(bytes: u8) -> u64 {
    (1u64 << (8 * u32::from(bytes))) - 1
}

/// Per cell, the level index of its item's cluster (`assignment` by item, global indices
/// from `start`), little-endian in `bytes` bytes; [`no_cluster`] where no cluster is.
fn cell_codes(data: &SiteData, assignment: &[Option<usize>], start: usize, bytes: u8) -> Vec<u8> {
    let width = usize::from(bytes);
    let none = no_cluster(bytes).to_le_bytes();
    let mut codes: Vec<u8> = (0..data.grid.cells())
        .flat_map(|_| none[..width].iter().copied())
        .collect();
    for (item, cluster) in data.items.iter().zip(assignment) {
        if let Some(c) = cluster {
            let at = data.grid.index(item.cell) * width;
            let value = ((c - start) as u32).to_le_bytes();
            codes[at..at + width].copy_from_slice(&value[..width]);
        }
    }
    codes
}
