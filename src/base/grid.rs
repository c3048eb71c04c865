//! The grid every map is laid out on: `cols × rows` square cells, one image per cell, and
//! the row-major cell index that every per-cell array and file (tiles, regions, filter
//! codes, clusters) is keyed by.

/// A grid of `cols × rows` cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Grid {
    /// Number of cell columns.
    pub cols: u32,
    /// Number of cell rows.
    pub rows: u32,
}

impl Grid {
    /// The smallest grid of about `aspect` (width / height) holding `n` cells.
    pub fn for_count(n: usize, aspect: f64) -> Self {
        let n = n.max(1);
        let cols = ((n as f64 * aspect).sqrt().ceil() as usize).clamp(1, n);
        let rows = n.div_ceil(cols);
        Self {
            cols: cols as u32,
            rows: rows as u32,
        }
    }

    /// Number of cells.
    pub fn cells(self) -> usize {
        self.cols as usize * self.rows as usize
    }

    /// The row-major position of `cell`, for per-cell arrays.
    pub fn index(self, cell: Cell) -> usize {
        cell.row as usize * self.cols as usize + cell.col as usize
    }
}

/// A cell of the grid; written to JSON as `[col, row]`, the form the viewer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "[u32; 2]")]
pub struct Cell {
    /// Column, from the left.
    pub col: u32,
    /// Row, from the top.
    pub row: u32,
}

impl From<Cell> for [u32; 2] {
    fn from(cell: Cell) -> Self {
        [cell.col, cell.row]
    }
}
