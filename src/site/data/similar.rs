//! Each item's nearest items in feature space, for the viewer's "more like this": one binary
//! file per region of cells (as the records), fetched when an item's panel opens. A cell
//! holds [`Similar::k`] neighbour cells, nearest first, each as its cell index + 1 (0: none)
//! in 3 little-endian bytes (4 on grids past 16.7 million cells): 36 bytes per cell at 12
//! neighbours, so a million items add about 36 MB. JSON would take twice that.

use std::fs;
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use super::file::{self, cell_index};
use super::regions::REGION_CELLS;
use crate::base::neighbours::Similar;
use crate::site::SiteData;

/// The index entry: neighbours per cell and bytes per neighbour.
#[derive(Debug, Serialize)]
pub struct SimilarEntry {
    k: usize,
    bytes: usize,
}

/// Writes `similar/{region column}_{region row}.bin` under `out` (the data folder), each
/// [`REGION_CELLS`]² cells of `k` neighbours (row-major within the region, past the grid's
/// edge too, so a cell's place in its file is fixed); `None` without neighbours.
pub fn write(out: &Path, data: &SiteData) -> Result<Option<SimilarEntry>> {
    let Some(similar) = &data.similar else {
        return Ok(None);
    };
    let bytes = if data.grid.cells() < (1 << 24) { 3 } else { 4 };
    let per_cell = per_cell(data, similar);
    let dir = out.join("similar");
    fs::create_dir_all(&dir)?;
    let across = data.grid.cols.div_ceil(REGION_CELLS);
    let down = data.grid.rows.div_ceil(REGION_CELLS);
    (0..across * down).into_par_iter().try_for_each(|k| {
        let (rc, rr) = (k % across, k / across);
        let mut buffer =
            Vec::with_capacity((REGION_CELLS * REGION_CELLS) as usize * similar.k * bytes);
        for row in rr * REGION_CELLS..(rr + 1) * REGION_CELLS {
            for col in rc * REGION_CELLS..(rc + 1) * REGION_CELLS {
                let inside = col < data.grid.cols && row < data.grid.rows;
                let cell = (row * data.grid.cols + col) as usize;
                for n in 0..similar.k {
                    let value = if inside {
                        per_cell[cell * similar.k + n]
                    } else {
                        0
                    };
                    buffer.extend_from_slice(&value.to_le_bytes()[..bytes]);
                }
            }
        }
        file::write(&dir.join(format!("{rc}_{rr}.bin")), &buffer)
    })?;
    Ok(Some(SimilarEntry {
        k: similar.k,
        bytes,
    }))
}

/// Per cell, its item's neighbours' cells + 1 (0 for none and for empty cells).
fn per_cell(data: &SiteData, similar: &Similar) -> Vec<u32> {
    let mut cells = vec![0u32; data.grid.cells() * similar.k];
    for (row, item) in data.items.iter().enumerate() {
        let at = cell_index(data, item) as usize * similar.k;
        for (n, neighbour) in similar.row(row).enumerate() {
            cells[at + n] = cell_index(data, &data.items[neighbour]) + 1;
        }
    }
    cells
}
