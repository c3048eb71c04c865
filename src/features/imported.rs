//! Bring-your-own features: vectors computed elsewhere, read from a `.npy` (with a text file of
//! image paths beside it) or from a TSV/CSV whose first column names the image.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::scan::image_name;
use crate::setting::{Setting, SettingError};
use crate::table;
use crate::vectors::Vectors;
use crate::vectors::read_npy;

/// Vectors read from a file, each named by its image's path relative to the collection.
#[derive(Debug, Clone)]
pub struct ImportedFeatures {
    /// The file they came from.
    pub path: PathBuf,
    /// Image path (with `/` separators) to row of `vectors`.
    pub rows: HashMap<String, usize>,
    /// One vector per row.
    pub vectors: Vectors,
}

impl ImportedFeatures {
    /// Reads `path`: a `.npy` of N × D float32/float64 with the N image paths in `index` (by
    /// default the same stem with `.txt`), or a `.tsv`/`.csv` of name then numbers (a header
    /// row is recognised by its non-numeric values). Rows with NaN/inf or the wrong length
    /// are errors naming the line.
    pub fn read(path: &Path, index: Option<&Path>) -> Result<Self> {
        let is_npy = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
        let (names, vectors) = if is_npy {
            let index = index.map_or_else(|| path.with_extension("txt"), Path::to_path_buf);
            read_npy_with_index(path, &index)?
        } else {
            read_table(path)?
        };
        let mut rows = HashMap::with_capacity(names.len());
        for (row, name) in names.into_iter().enumerate() {
            if let Some(first) = rows.insert(name.clone(), row) {
                bail!(
                    "{}: {name:?} has two vectors (rows {} and {})",
                    path.display(),
                    first + 1,
                    row + 1
                );
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            rows,
            vectors,
        })
    }

    /// The vector of the image named `name`, if the file has one.
    pub fn vector(&self, name: &str) -> Option<&[f32]> {
        self.rows.get(name).map(|&row| self.vectors.row(row))
    }

    /// Names in the file that are not among `images`, sorted.
    pub fn missing_from<'a>(&self, images: impl Iterator<Item = &'a str>) -> Vec<String> {
        table::missing(self.rows.keys(), &images.collect())
    }
}

fn read_npy_with_index(path: &Path, index: &Path) -> Result<(Vec<String>, Vectors)> {
    let vectors = read_npy(path)?;
    let text = std::fs::read_to_string(index).map_err(|err| {
        SettingError::error(
            Setting::FeaturesIndex,
            format!(
                "{}: cannot read the image paths of {}: {err}",
                index.display(),
                path.display()
            ),
        )
    })?;
    let names: Vec<String> = text
        .lines()
        .map(image_name)
        .filter(|n| !n.is_empty())
        .collect();
    if names.len() != vectors.rows() {
        bail!(
            "{}: {} image paths for {} rows of {}",
            index.display(),
            names.len(),
            vectors.rows(),
            path.display()
        );
    }
    if let Some(row) = vectors.first_non_finite_row() {
        bail!(
            "{}: row {} ({}) holds NaN or infinity",
            path.display(),
            row + 1,
            names[row]
        );
    }
    Ok((names, vectors))
}

fn read_table(path: &Path) -> Result<(Vec<String>, Vectors)> {
    let fail =
        |line: usize, what: String| anyhow::anyhow!("{}: line {line}: {what}", path.display());
    let mut reader = table::reader_builder(path)?
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("{}: cannot read features", path.display()))?;
    let mut names = Vec::new();
    let mut data = Vec::new();
    let mut dim = None;
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let record = record.map_err(|e| fail(line, e.to_string()))?;
        let parsed: Result<Vec<f32>, _> = record
            .iter()
            .skip(1)
            .map(|v| v.trim().parse::<f32>())
            .collect();
        let values = match parsed {
            Ok(values) => values,
            Err(_) if line == 1 => continue,
            Err(e) => return Err(fail(line, format!("not a number: {e}"))),
        };
        if values.is_empty() {
            return Err(fail(line, "no values after the image name".into()));
        }
        let expected = *dim.get_or_insert(values.len());
        if values.len() != expected {
            return Err(fail(
                line,
                format!("{} values where earlier rows have {expected}", values.len()),
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(fail(line, "NaN or infinity".into()));
        }
        names.push(image_name(&record[0]));
        data.extend(values);
    }
    if names.is_empty() {
        bail!("{}: no feature rows", path.display());
    }
    Ok((
        names,
        Vectors {
            dim: dim.unwrap_or(0),
            data,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::write_npy;

    #[test]
    fn reads_npy_with_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let npy = dir.path().join("f.npy");
        write_npy(
            &npy,
            &Vectors {
                dim: 2,
                data: vec![1.0, 2.0, 3.0, 4.0],
            },
        )
        .unwrap();
        std::fs::write(dir.path().join("f.txt"), "a/x.jpg\n./b.png\n").unwrap();
        let f = ImportedFeatures::read(&npy, None).unwrap();
        assert_eq!(f.vector("a/x.jpg"), Some(&[1.0, 2.0][..]));
        assert_eq!(f.vector("b.png"), Some(&[3.0, 4.0][..]));
        assert_eq!(f.missing_from(["a/x.jpg"].into_iter()), vec!["b.png"]);
    }

    #[test]
    fn index_length_must_match() {
        let dir = tempfile::tempdir().unwrap();
        let npy = dir.path().join("f.npy");
        write_npy(
            &npy,
            &Vectors {
                dim: 1,
                data: vec![1.0, 2.0],
            },
        )
        .unwrap();
        let index = dir.path().join("names.txt");
        std::fs::write(&index, "a.jpg\n").unwrap();
        let err = ImportedFeatures::read(&npy, Some(&index))
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 image paths for 2 rows"), "{err}");
    }

    #[test]
    fn reads_tsv_with_or_without_header() {
        let dir = tempfile::tempdir().unwrap();
        let tsv = dir.path().join("f.tsv");
        std::fs::write(&tsv, "image\tf0\tf1\na.jpg\t0.5\t1\nb.jpg\t-2\t3e-1\n").unwrap();
        let f = ImportedFeatures::read(&tsv, None).unwrap();
        assert_eq!(f.vector("b.jpg"), Some(&[-2.0, 0.3][..]));
        let csv = dir.path().join("f.csv");
        std::fs::write(&csv, "a.jpg,1,2\n").unwrap();
        assert_eq!(ImportedFeatures::read(&csv, None).unwrap().vectors.dim, 2);
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let tsv = dir.path().join("f.tsv");
        std::fs::write(&tsv, "a.jpg\t1\t2\nb.jpg\t1\nc.jpg\t1\tNaN\n").unwrap();
        let err = ImportedFeatures::read(&tsv, None).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("1 values where earlier rows have 2"),
            "{err}"
        );
        std::fs::write(&tsv, "a.jpg\t1\t2\nc.jpg\t1\tinf\n").unwrap();
        let err = ImportedFeatures::read(&tsv, None).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("NaN or infinity"),
            "{err}"
        );
        std::fs::write(&tsv, "a.jpg\t1\nb.jpg\tx\n").unwrap();
        let err = ImportedFeatures::read(&tsv, None).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("not a number"),
            "{err}"
        );
    }

    #[test]
    fn non_finite_npy_rows_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let npy = dir.path().join("f.npy");
        write_npy(
            &npy,
            &Vectors {
                dim: 1,
                data: vec![1.0, f32::NAN],
            },
        )
        .unwrap();
        std::fs::write(dir.path().join("f.txt"), "a.jpg\nb.jpg\n").unwrap();
        let err = ImportedFeatures::read(&npy, None).unwrap_err().to_string();
        assert!(err.contains("row 2 (b.jpg)"), "{err}");
    }
}
