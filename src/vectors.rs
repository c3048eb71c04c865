//! A plain row-major matrix of f32 vectors, the currency between the numeric stages, and its
//! file form: NumPy's `.npy`, as exports write it and `--features` reads it.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, Result, bail};
use npyz::WriterBuilder;

use crate::message::one_line;

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

/// Writes `vectors` as an `N × D` float32 `.npy`.
pub fn write_npy(path: &Path, vectors: &Vectors) -> Result<()> {
    let file = BufWriter::new(
        File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
    );
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[vectors.rows() as u64, vectors.dim as u64])
        .writer(file)
        .begin_nd()?;
    writer.extend(vectors.data.iter().copied())?;
    writer.finish()?;
    Ok(())
}

/// Reads an `N × D` float32 or float64 `.npy` (C order).
pub fn read_npy(path: &Path) -> Result<Vectors> {
    let fail = |what: String| anyhow::anyhow!("{}: {}", path.display(), one_line(&what));
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let npy = npyz::NpyFile::new(&bytes[..]).map_err(|e| fail(e.to_string()))?;
    let shape = npy.shape().to_vec();
    if shape.len() != 2 {
        return Err(fail(format!("expected a 2-D array, found shape {shape:?}")));
    }
    if npy.order() != npyz::Order::C {
        return Err(fail(
            "Fortran-ordered arrays are not supported; save with np.ascontiguousarray".into(),
        ));
    }
    let dim = usize::try_from(shape[1])?;
    check_npy_size(&shape, npy.dtype().num_bytes(), bytes.len()).map_err(fail)?;
    let data: Vec<f32> = match npy.dtype() {
        npyz::DType::Plain(t) if t.type_char() == npyz::TypeChar::Float && t.size_field() == 4 => {
            npy.into_vec::<f32>()
        }
        npyz::DType::Plain(t) if t.type_char() == npyz::TypeChar::Float && t.size_field() == 8 => {
            npy.into_vec::<f64>()
                .map(|v| v.into_iter().map(|x| x as f32).collect())
        }
        other => {
            return Err(fail(format!(
                "expected float32 or float64 values, found {}",
                other.descr()
            )));
        }
    }
    .map_err(|e| fail(e.to_string()))?;
    let mut vectors = Vectors { dim, data };
    if dim == 0 {
        vectors.data.clear();
    }
    Ok(vectors)
}

/// Refuses a header whose shape holds more values than the file has bytes for, before the
/// reader allocates room for them.
fn check_npy_size(
    shape: &[u64],
    item_bytes: Option<usize>,
    file_bytes: usize,
) -> Result<(), String> {
    let values = shape.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
    let needed = values
        .zip(item_bytes)
        .and_then(|(n, b)| n.checked_mul(b as u64));
    match needed {
        Some(needed) if needed <= file_bytes as u64 => Ok(()),
        _ => Err(format!(
            "its header declares shape {shape:?}, more values than its {file_bytes} bytes hold"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vectors {
            dim: 3,
            data: vec![1.0, 2.0, 3.0, 4.0, 5.5, -6.0],
        };
        write_npy(&dir.path().join("a.npy"), &v).unwrap();
        assert_eq!(read_npy(&dir.path().join("a.npy")).unwrap(), v);
    }
}
