//! What every data step shares: writing a file so that a failure names it, and laying
//! per-item values out per cell, the key of every per-cell file.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::site::{Item, SiteData};

/// Writes `bytes` to `path`, naming the file on failure.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}

/// An item's cell as a row-major index, the key of every per-cell file.
pub fn cell_index(data: &SiteData, item: &Item) -> u32 {
    data.grid.index(item.cell) as u32
}

/// Per-item values laid out per cell, `empty` where no item sits.
pub fn per_cell<T: Copy>(data: &SiteData, values: &[T], empty: T) -> Vec<T> {
    let mut cells = vec![empty; data.grid.cells()];
    for (item, &value) in data.items.iter().zip(values) {
        cells[cell_index(data, item) as usize] = value;
    }
    cells
}
