//! The item data, split so a page loads only what its view needs: a small `index.json`
//! (grid, counts, columns, filters), a bitmap of occupied cells, item records in one file per square region of cells
//! (fetched on hover, click and search), per-cell facet and year codes (fetched when a
//! filter is first used) and the search shards (fetched per query).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use super::facets::{self, Facet, Years};
use super::{Item, SiteData, search};
use crate::clusters::ClusterMap;

/// Cells per side of a region file: 256 records, a few tens of kilobytes.
pub const REGION_CELLS: u32 = 16;

/// `index.json`: what the page reads before anything else.
#[derive(Debug, Serialize)]
struct Index<'a> {
    version: u32,
    title: &'a str,
    /// Columns and rows.
    grid: [u32; 2],
    /// Side of a grid cell, in mosaic pixels.
    cell: u32,
    count: usize,
    columns: &'a [String],
    region: u32,
    facets: Vec<FacetEntry<'a>>,
    years: Option<YearsEntry<'a>>,
    search: SearchKeys<'a>,
    /// The cluster levels, top first; empty without clusters.
    clusters: Vec<super::clusters::LevelEntry>,
}

/// Which search shards exist, and which pairs were split by three characters.
#[derive(Debug, Serialize)]
struct SearchKeys<'a> {
    keys: Vec<&'a str>,
    split: &'a [String],
}

#[derive(Debug, Serialize)]
struct FacetEntry<'a> {
    #[serde(flatten)]
    facet: &'a Facet,
    file: String,
}

#[derive(Debug, Serialize)]
struct YearsEntry<'a> {
    #[serde(flatten)]
    years: &'a Years,
    file: &'static str,
}

/// Writes the `data/` folder of a site for `data` and its `clusters`, if any.
pub fn write_data(dir: &Path, data: &SiteData, clusters: Option<&ClusterMap>) -> Result<()> {
    let out = dir.join(super::paths::DATA);
    write_regions(&out.join("regions"), data)?;
    write(&out.join("occupied.bin"), &occupied(data))?;
    let years = data.years.as_ref();
    let facet_entries = write_filters(&out, data, &data.facets, years)?;
    let search_index = search::build(
        &data.items,
        |item| cell_index(data, item),
        search::SPLIT_BYTES,
    );
    write_search(&out.join("search"), &search_index)?;
    let index = Index {
        version: 1,
        title: &data.title,
        grid: [data.grid.cols, data.grid.rows],
        cell: data.cell_side,
        count: data.items.len(),
        columns: &data.columns,
        region: REGION_CELLS,
        facets: facet_entries,
        years: years.map(|years| YearsEntry {
            years,
            file: YEARS_FILE,
        }),
        search: SearchKeys {
            keys: search_index.keys().map(String::as_str).collect(),
            split: &search_index.split,
        },
        clusters: match clusters {
            Some(map) => super::clusters::write_clusters(&out, data, map)?,
            None => Vec::new(),
        },
    };
    write(&out.join("index.json"), &serde_json::to_vec(&index)?)
}

const YEARS_FILE: &str = "years.bin";

/// An item's cell as a row-major index, the key of every per-cell file.
fn cell_index(data: &SiteData, item: &Item) -> u32 {
    data.grid.index(item.cell) as u32
}

/// Per-item values laid out per cell, `empty` where no item sits.
fn per_cell<T: Copy>(data: &SiteData, values: &[T], empty: T) -> Vec<T> {
    let mut cells = vec![empty; data.grid.cells()];
    for (item, &value) in data.items.iter().zip(values) {
        cells[cell_index(data, item) as usize] = value;
    }
    cells
}

/// `facets/{k}.bin` (one byte per cell) for each facet and `years.bin` (little-endian i16 per
/// cell) for the year column; returns the facets' index entries.
fn write_filters<'a>(
    out: &Path,
    data: &SiteData,
    facets: &'a [Facet],
    years: Option<&Years>,
) -> Result<Vec<FacetEntry<'a>>> {
    fs::create_dir_all(out.join("facets"))?;
    let mut entries = Vec::new();
    for (k, facet) in facets.iter().enumerate() {
        let file = format!("facets/{k}.bin");
        write(
            &out.join(&file),
            &per_cell(data, &facet.codes, facets::NO_VALUE),
        )?;
        entries.push(FacetEntry { facet, file });
    }
    if let Some(years) = years {
        let per_cell = per_cell(data, &years.years, facets::NO_YEAR);
        let bytes: Vec<u8> = per_cell.iter().flat_map(|y| y.to_le_bytes()).collect();
        write(&out.join(YEARS_FILE), &bytes)?;
    }
    Ok(entries)
}

/// One `{key}.json` per search shard, in parallel.
fn write_search(dir: &Path, index: &search::SearchIndex) -> Result<()> {
    fs::create_dir_all(dir)?;
    let keys: Vec<&String> = index.keys().collect();
    keys.par_iter().try_for_each(|key| match index.shard(key) {
        Some(shard) => write(
            &dir.join(format!("{key}.json")),
            &serde_json::to_vec(&shard)?,
        ),
        None => Ok(()),
    })
}

/// One JSON array of item records per region of [`REGION_CELLS`]² cells, named
/// `{region column}_{region row}.json`; regions without items get an empty array so the
/// viewer never meets a missing file.
fn write_regions(dir: &Path, data: &SiteData) -> Result<()> {
    fs::create_dir_all(dir)?;
    let mut regions: BTreeMap<(u32, u32), Vec<&Item>> = BTreeMap::new();
    for item in &data.items {
        let key = (item.cell.col / REGION_CELLS, item.cell.row / REGION_CELLS);
        regions.entry(key).or_default().push(item);
    }
    let across = data.grid.cols.div_ceil(REGION_CELLS);
    let down = data.grid.rows.div_ceil(REGION_CELLS);
    (0..across * down).into_par_iter().try_for_each(|k| {
        let key = (k % across, k / across);
        let records = regions.get(&key).map_or(&[][..], Vec::as_slice);
        write(
            &dir.join(format!("{}_{}.json", key.0, key.1)),
            &serde_json::to_vec(records)?,
        )
    })
}

/// One bit per cell, least significant first, set where an item sits: lets the viewer skip
/// empty cells without fetching their region.
fn occupied(data: &SiteData) -> Vec<u8> {
    let mut bits = vec![0u8; data.grid.cells().div_ceil(8)];
    for item in &data.items {
        let cell = cell_index(data, item) as usize;
        bits[cell / 8] |= 1 << (cell % 8);
    }
    bits
}

/// Writes `bytes` to `path`, naming the file on failure.
pub(super) fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Cell, Grid};

    fn site(n: u32, cols: u32) -> SiteData {
        let items = (0..n)
            .map(|i| Item {
                file: format!("{i}.jpg"),
                title: format!("Item {i}"),
                url: None,
                url_text: None,
                cell: Cell {
                    col: i % cols,
                    row: i / cols,
                },
                preview: format!("previews/{i}.jpg"),
                original: None,
                fields: vec![
                    format!("{i}.jpg"),
                    ["vase", "bowl"][(i % 2) as usize].into(),
                    format!("{}", 1800 + i),
                ],
            })
            .collect();
        SiteData::new(
            "t".into(),
            Grid {
                cols,
                rows: n.div_ceil(cols),
            },
            16,
            vec!["file".into(), "Kind".into(), "Year".into()],
            items,
        )
    }

    fn json(path: &Path) -> serde_json::Value {
        serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn regions_cover_the_grid_and_hold_each_item_once() {
        let dir = tempfile::tempdir().unwrap();
        let data = site(700, 40);
        write_data(dir.path(), &data, None).unwrap();
        let regions = dir.path().join("data/regions");
        assert_eq!(fs::read_dir(&regions).unwrap().count(), 3 * 2);
        let mut seen = 0;
        for entry in fs::read_dir(&regions).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let (rx, ry) = name.split_once('_').unwrap();
            let (rx, ry): (u64, u64) = (rx.parse().unwrap(), ry.parse().unwrap());
            for record in json(&path).as_array().unwrap() {
                let cell = &record["cell"];
                assert_eq!(cell[0].as_u64().unwrap() / 16, rx, "{name}");
                assert_eq!(cell[1].as_u64().unwrap() / 16, ry, "{name}");
                seen += 1;
            }
        }
        assert_eq!(seen, 700);
    }

    #[test]
    fn index_lists_filters_and_cells_carry_their_codes() {
        let dir = tempfile::tempdir().unwrap();
        let data = site(100, 12);
        write_data(dir.path(), &data, None).unwrap();
        let index = json(&dir.path().join("data/index.json"));
        assert_eq!(index["count"], 100);
        assert_eq!(index["grid"], serde_json::json!([12, 9]));
        assert_eq!(index["facets"][0]["name"], "Kind");
        assert_eq!(index["facets"][0]["file"], "facets/0.bin");
        assert_eq!(index["years"]["min"], 1800);
        assert_eq!(index["years"]["max"], 1899);
        let kinds = fs::read(dir.path().join("data/facets/0.bin")).unwrap();
        assert_eq!(kinds.len(), 108);
        let vase = index["facets"][0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .position(|v| v == "vase")
            .unwrap() as u8;
        assert_eq!(kinds[14], vase, "item 14 is a vase");
        assert_eq!(kinds[107], facets::NO_VALUE, "cell 107 is empty");
        let occupied = fs::read(dir.path().join("data/occupied.bin")).unwrap();
        assert_eq!(occupied.len(), 14);
        assert_eq!(
            (occupied[12], occupied[13]),
            (0b1111, 0),
            "cells 96..99 hold items"
        );
        let years = fs::read(dir.path().join("data/years.bin")).unwrap();
        assert_eq!(i16::from_le_bytes([years[2 * 37], years[2 * 37 + 1]]), 1837);
        let key = search::shard_key("it", 2);
        let keys = index["search"]["keys"].as_array().unwrap();
        assert!(keys.contains(&key.clone().into()));
        assert!(dir.path().join(format!("data/search/{key}.json")).is_file());
    }
}
