//! Export for downstream tools: `items.tsv` (one row per placed image), `features.npy` (the
//! vectors laid out, before PCA) with `features.txt` (their image paths, so the pair can be fed
//! back with `--features`) and `reduced.npy` (after PCA), rows in the same order.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, Result};
use npyz::WriterBuilder;

use crate::message::one_line;
use crate::vectors::Vectors;

/// One placed image's row in `items.tsv`.
#[derive(Debug, Clone)]
pub struct ExportRow<'a> {
    /// Path relative to the collection.
    pub file: &'a str,
    /// Item title.
    pub title: &'a str,
    /// Item URL, or empty.
    pub url: &'a str,
    /// 2-D position before grid assignment (t-SNE's, or the one given).
    pub point: [f32; 2],
    /// Grid cell (column, row).
    pub cell: [u32; 2],
}

/// Writes `items.tsv` into `dir` (created if needed), and beside it the features and their
/// PCA projection when the build computed them.
pub fn write_export(
    dir: &Path,
    rows: &[ExportRow<'_>],
    vectors: Option<(&Vectors, &Vectors)>,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    write_tsv(&dir.join("items.tsv"), rows)?;
    let Some((features, reduced)) = vectors else {
        return Ok(());
    };
    write_npy(&dir.join("features.npy"), features)?;
    let names: String = rows.iter().map(|r| format!("{}\n", r.file)).collect();
    std::fs::write(dir.join("features.txt"), names)
        .with_context(|| format!("{}: cannot write", dir.display()))?;
    write_npy(&dir.join("reduced.npy"), reduced)
}

fn write_tsv(path: &Path, rows: &[ExportRow<'_>]) -> Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b'\t')
        .quote_style(csv::QuoteStyle::Necessary)
        .from_path(path)?;
    writer.write_record(["filename", "title", "url", "x", "y", "col", "row"])?;
    for row in rows {
        writer.write_record([
            row.file,
            row.title,
            row.url,
            &row.point[0].to_string(),
            &row.point[1].to_string(),
            &row.cell[0].to_string(),
            &row.cell[1].to_string(),
        ])?;
    }
    writer
        .flush()
        .with_context(|| format!("{}: cannot write", path.display()))
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

    #[test]
    fn tsv_has_a_header_and_one_row_per_item() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [ExportRow {
            file: "a b.jpg",
            title: "A\tB",
            url: "",
            point: [0.5, -1.0],
            cell: [2, 3],
        }];
        let v = Vectors {
            dim: 1,
            data: vec![1.0],
        };
        write_export(dir.path(), &rows, Some((&v, &v))).unwrap();
        let text = std::fs::read_to_string(dir.path().join("items.tsv")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "filename\ttitle\turl\tx\ty\tcol\trow");
        assert_eq!(lines[1], "a b.jpg\t\"A\tB\"\t\t0.5\t-1\t2\t3");
    }
}
