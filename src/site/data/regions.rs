//! Item records in one file per square region of cells (fetched on hover, click and search)
//! and the bitmap of occupied cells (fetched after the first paint).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use super::file::{self, cell_index};
use crate::site::{Item, SiteData};

/// Cells per side of a region file: 256 records, a few tens of kilobytes.
pub const REGION_CELLS: u32 = 16;

/// Writes `regions/` and `occupied.bin` under `out` (the data folder); returns the index
/// entry, the region side in cells.
pub fn write(out: &Path, data: &SiteData) -> Result<u32> {
    write_regions(&out.join("regions"), data)?;
    file::write(&out.join("occupied.bin"), &occupied(data))?;
    Ok(REGION_CELLS)
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
        file::write(
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
