//! The item data, split so a page loads only what its view needs, written as a list of
//! steps that each write their files and return their entry of `index.json`: the regions of
//! item records and the occupied-cell bitmap ([`regions`]), per-cell facet and year codes
//! ([`filters`]), the search shards ([`shards`]), the cluster levels ([`clusters`]) and each
//! item's nearest items ([`similar`]) and the other layouts' cells ([`layouts`]). This
//! module owns `index.json`'s schema ([`Index`]) and writes it last; the viewer's mirror of
//! it (`static/schema.js`) is checked against it by a parity test.

mod clusters;
mod file;
mod filters;
mod layouts;
mod regions;
mod shards;
mod similar;

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::SiteData;
use crate::stages::clusters::ClusterMap;

pub use clusters::no_cluster;
pub use layouts::{NO_ITEM, SiteLayout};
pub use regions::REGION_CELLS;

/// The version of the data's layout, bumped when the viewer of an older build could not
/// read it.
pub const DATA_VERSION: u32 = 1;

/// `index.json`: what the page reads before anything else.
#[derive(Debug, Serialize)]
pub struct Index<'a> {
    /// [`DATA_VERSION`].
    version: u32,
    title: &'a str,
    /// Columns and rows.
    grid: [u32; 2],
    /// Side of a grid cell, in mosaic pixels.
    cell: u32,
    count: usize,
    columns: &'a [String],
    /// Cells per side of a region file.
    region: u32,
    #[serde(flatten)]
    filters: filters::FilterEntries<'a>,
    search: shards::SearchKeys,
    /// The cluster levels, top first; empty without clusters.
    clusters: Vec<clusters::LevelEntry>,
    /// The nearest items' files; null where positions were given.
    similar: Option<similar::SimilarEntry>,
    /// The map's layouts, in menu order; empty where it has only its own.
    layouts: Vec<layouts::LayoutEntry<'a>>,
    /// The site's IIIF Manifests; null for a site written without them.
    iiif: Option<&'a crate::site::iiif::IiifIndex>,
}

/// Writes the `data/` folder of a site for `data` and its `clusters`, if any: each step,
/// then `index.json` from their entries.
pub fn write_data(dir: &Path, data: &SiteData, clusters: Option<&ClusterMap>) -> Result<()> {
    let out = dir.join(super::paths::DATA);
    let index = Index {
        version: DATA_VERSION,
        title: &data.title,
        grid: [data.grid.cols, data.grid.rows],
        cell: data.cell_side,
        count: data.items.len(),
        columns: &data.columns,
        region: regions::write(&out, data)?,
        filters: filters::write(&out, data)?,
        search: shards::write(&out, data)?,
        clusters: match clusters {
            Some(map) => clusters::write(&out, data, map)?,
            None => Vec::new(),
        },
        similar: similar::write(&out, data)?,
        layouts: layouts::write(&out, data)?,
        iiif: data.iiif.as_ref(),
    };
    file::write(&out.join("index.json"), &serde_json::to_vec(&index)?)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::base::grid::{Cell, Grid};
    use crate::base::neighbours::Similar;
    use crate::site::{Item, facets, search};

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
                tags: Vec::new(),
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
        assert!(index["similar"].is_null(), "no neighbours given");
    }

    #[test]
    fn each_cell_lists_its_items_nearest_cells() {
        let dir = tempfile::tempdir().unwrap();
        let mut data = site(40, 20);
        // Item i's neighbours: i + 1 and i + 21 (when they exist), then none.
        let rows: Vec<u32> = (0..40u32)
            .flat_map(|i| {
                let next = |j: u32| if j < 40 { j } else { Similar::NONE };
                let (a, b) = (next(i + 1), next(i + 21));
                [a, if a == Similar::NONE { a } else { b }, Similar::NONE]
            })
            .collect();
        data.similar = Some(Similar { k: 3, rows });
        write_data(dir.path(), &data, None).unwrap();
        let index = json(&dir.path().join("data/index.json"));
        assert_eq!(index["similar"], serde_json::json!({"k": 3, "bytes": 3}));
        let left = fs::read(dir.path().join("data/similar/0_0.bin")).unwrap();
        let right = fs::read(dir.path().join("data/similar/1_0.bin")).unwrap();
        assert_eq!((left.len(), right.len()), (256 * 9, 256 * 9));
        let at = |bytes: &[u8], slot: usize, n: usize| {
            let o = (slot * 3 + n) * 3;
            u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], 0])
        };
        // Item 2 sits at (2, 0): slot 2 of region 0_0; its neighbours are cells 3 and 23.
        assert_eq!(
            [at(&left, 2, 0), at(&left, 2, 1), at(&left, 2, 2)],
            [4, 24, 0]
        );
        // Item 37 at (17, 1): slot 16 + 1 of region 1_0; neighbour 38 only (58 is past 40).
        assert_eq!([at(&right, 17, 0), at(&right, 17, 1)], [39, 0]);
        assert_eq!(at(&left, 16 * 5, 0), 0, "row 5 is past the grid");
    }
}
