//! The other layouts of the map (`--layouts`): for each, one little-endian u32 per cell of
//! its grid naming the item there by its cell on the map (`layouts/{name}.bin`, u32::MAX
//! where empty), so that every record, filter, search and cluster file is shared by all
//! layouts and a layout costs its tiles and 4 bytes a cell; and `index.json`'s list of
//! layouts (name, menu label, grid, pyramid, labels).

use std::fs;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::file;
use crate::base::grid::{Cell, Grid};
use crate::site::{SiteData, paths};
use crate::stages::arrange::Label;
use crate::stages::tiles::Level;

/// Marks an empty cell in a layout's cell file.
pub const NO_ITEM: u32 = u32::MAX;

/// A layout of the map as the site writer is given it.
#[derive(Debug, Clone, Serialize)]
pub struct SiteLayout {
    /// Its name in URLs and files (`time`, `group-2`).
    pub name: String,
    /// Its name in the Layout menu.
    pub label: String,
    /// Its grid.
    pub grid: Grid,
    /// The items' cells, in the order of the site's items; None for the map's own layout.
    #[serde(skip)]
    pub cells: Option<Vec<Cell>>,
    /// What the viewer writes on it.
    pub labels: Vec<Label>,
    /// Its DeepZoom pyramid: the `.dzi`'s name (relative to the page, without extension),
    /// its size in pixels and its levels.
    pub pyramid: String,
    /// Mosaic width and height, in pixels.
    pub size: [u32; 2],
    /// The pyramid's levels, coarsest first.
    pub levels: Vec<Level>,
}

impl SiteLayout {
    /// The map's own layout (`name`, menu `label`) on `grid`, its pyramid the site's
    /// [`paths::PYRAMID`] of `size` pixels and `levels`.
    pub fn own(
        name: String,
        label: String,
        grid: Grid,
        size: [u32; 2],
        levels: Vec<Level>,
    ) -> Self {
        Self {
            name,
            label,
            grid,
            cells: None,
            labels: Vec::new(),
            pyramid: paths::PYRAMID.into(),
            size,
            levels,
        }
    }
}

/// `index.json`'s entry of a layout.
#[derive(Debug, Serialize)]
pub struct LayoutEntry<'a> {
    #[serde(flatten)]
    layout: &'a SiteLayout,
    /// Its cell file, null for the map's own layout.
    cells: Option<String>,
}

/// Writes each layout's cell file under `out` (the data folder); returns their entries.
pub fn write<'a>(out: &Path, data: &'a SiteData) -> Result<Vec<LayoutEntry<'a>>> {
    let mut entries = Vec::with_capacity(data.layouts.len());
    for layout in &data.layouts {
        let cells = match &layout.cells {
            Some(cells) => {
                fs::create_dir_all(out.join("layouts"))?;
                let name = format!("layouts/{}.bin", layout.name);
                file::write(&out.join(&name), &cell_file(data, layout.grid, cells))?;
                Some(name)
            }
            None => None,
        };
        entries.push(LayoutEntry { layout, cells });
    }
    Ok(entries)
}

/// Per cell of `grid`, the map cell of the item there (items in the order of `data`'s).
fn cell_file(data: &SiteData, grid: Grid, cells: &[Cell]) -> Vec<u8> {
    let mut at = vec![NO_ITEM; grid.cells()];
    for (item, cell) in data.items.iter().zip(cells) {
        at[grid.index(*cell)] = data.grid.index(item.cell) as u32;
    }
    at.iter().flat_map(|v| v.to_le_bytes()).collect()
}
