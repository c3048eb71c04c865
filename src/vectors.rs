//! A plain row-major matrix of f32 vectors, the currency between the numeric stages.

use anyhow::{Result, bail};

/// `rows` vectors of `dim` floats each, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vectors {
    /// Length of each vector.
    pub dim: usize,
    /// `rows × dim` values.
    pub data: Vec<f32>,
}

impl Vectors {
    /// Packs equally long rows; an empty list gives an empty matrix of `dim` 0.
    pub fn from_rows(rows: &[Vec<f32>]) -> Result<Self> {
        let dim = rows.first().map_or(0, Vec::len);
        if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != dim) {
            bail!(
                "vector {i} has {} values where the first has {dim}",
                row.len()
            );
        }
        Ok(Self {
            dim,
            data: rows.concat(),
        })
    }

    /// Number of vectors.
    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    /// The `i`-th vector.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Index of the first row holding a NaN or infinity, if any.
    pub fn first_non_finite_row(&self) -> Option<usize> {
        (0..self.rows()).find(|&i| self.row(i).iter().any(|v| !v.is_finite()))
    }
}
