//! Bring-your-own features: vectors computed elsewhere, read from `.npy` files (each with a
//! text file of image paths beside it) or from TSV/CSVs whose first column names the image;
//! several files (the shards of `zoomap extract --shard`, a folder or a glob of them) are
//! merged. `.npy` vectors stay on disk and are read by row when used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use crate::base::setting::{Setting, SettingError};
use crate::base::table;
use crate::base::vectors::{RowFile, RowWriter, Selection, first_non_finite_row};
use crate::stages::scan::image_name;

/// Vectors read from one or more files, each named by its image's path relative to the
/// collection.
#[derive(Debug, Clone)]
pub struct ImportedFeatures {
    /// The files they came from, in the order read.
    pub paths: Vec<PathBuf>,
    /// Each file's vectors.
    files: Vec<Arc<RowFile>>,
    /// Image path (with `/` separators) to (file, row).
    rows: HashMap<String, (u32, u32)>,
}

impl ImportedFeatures {
    /// Reads every file `specs` name: each spec is a file, a folder (its `.npy`, `.tsv` and
    /// `.csv` files) or a glob pattern such as `features-*.npy`. A `.npy` holds N × D
    /// float32/float64 with the N image paths in `index` (one file only; by default the
    /// same stem with `.txt`), a `.tsv`/`.csv` a name then numbers per row (a header row is
    /// recognised by its non-numeric values). Rows with NaN/inf or the wrong length, an image
    /// in two files and files of different lengths are errors naming the files and lines.
    pub fn read(specs: &[PathBuf], index: Option<&Path>) -> Result<Self> {
        let mut paths = Vec::new();
        for spec in specs {
            paths.extend(feature_files(spec)?);
        }
        if index.is_some() && paths.len() != 1 {
            bail!(
                "--features-index names the image paths of one .npy, but {} feature files were given",
                paths.len()
            );
        }
        let mut merged = Self {
            paths: Vec::new(),
            files: Vec::new(),
            rows: HashMap::new(),
        };
        for path in paths {
            let (names, file) = read_one(&path, index)?;
            merged.add(path, names, file)?;
        }
        Ok(merged)
    }

    /// Adds one file's vectors, refusing a length that differs from the first file's and an
    /// image that already has a vector.
    fn add(&mut self, path: PathBuf, names: Vec<String>, file: RowFile) -> Result<()> {
        if let (Some(first), Some(dim)) = (self.paths.first(), self.files.first().map(|f| f.dim()))
            && dim != file.dim()
        {
            bail!(
                "{}: {}-d vectors, where {} has {dim}-d",
                path.display(),
                file.dim(),
                first.display()
            );
        }
        let at = self.files.len() as u32;
        for (row, name) in names.into_iter().enumerate() {
            if let Some((other, first)) = self.rows.insert(name.clone(), (at, row as u32)) {
                let other = &self.paths.get(other as usize).unwrap_or(&path);
                bail!(
                    "{name:?} has two vectors: {} row {} and {} row {}",
                    other.display(),
                    first + 1,
                    path.display(),
                    row + 1
                );
            }
        }
        self.paths.push(path);
        self.files.push(Arc::new(file));
        Ok(())
    }

    /// Whether the image named `name` has a vector.
    pub fn has(&self, name: &str) -> bool {
        self.rows.contains_key(name)
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.files.first().map_or(0, |f| f.dim())
    }

    /// The vectors of `names`, in that order, as rows read from their files when used;
    /// names without a vector are left out.
    pub fn select<'a>(&self, names: impl Iterator<Item = &'a str>) -> Selection {
        let picks = names.filter_map(|n| self.rows.get(n).copied()).collect();
        Selection::new(self.files.clone(), picks)
    }

    /// The first file (in the order read) naming images that are not among `images`, with
    /// those names, sorted.
    pub fn first_unknown<'a>(
        &self,
        images: impl Iterator<Item = &'a str>,
    ) -> Option<(&Path, Vec<String>)> {
        let images = images.collect();
        let missing = table::missing(self.rows.keys(), &images);
        let file = missing.iter().map(|name| self.rows[name].0).min()?;
        let in_file = missing
            .into_iter()
            .filter(|name| self.rows[name].0 == file)
            .collect();
        Some((&self.paths[file as usize], in_file))
    }
}

/// The feature files `spec` names: itself, the `.npy`/`.tsv`/`.csv` files of a folder (sorted),
/// or the files a glob pattern matches (sorted); none is an error.
fn feature_files(spec: &Path) -> Result<Vec<PathBuf>> {
    if spec.is_dir() {
        let mut files = Vec::new();
        for entry in
            std::fs::read_dir(spec).with_context(|| format!("{}: cannot list", spec.display()))?
        {
            let path = entry?.path();
            if path.is_file() && is_feature_file(&path) {
                files.push(path);
            }
        }
        files.sort();
        if files.is_empty() {
            bail!("{}: holds no .npy, .tsv or .csv file", spec.display());
        }
        return Ok(files);
    }
    let text = spec.to_string_lossy();
    if spec.exists() || !text.contains(['*', '?', '[']) {
        return Ok(vec![spec.to_path_buf()]);
    }
    let pattern = glob::glob(&text).with_context(|| format!("{text}: not a valid file pattern"))?;
    let mut files: Vec<PathBuf> = pattern
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{text}: no file matches");
    }
    Ok(files)
}

fn is_feature_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["npy", "tsv", "csv"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// One file's image names and vectors.
fn read_one(path: &Path, index: Option<&Path>) -> Result<(Vec<String>, RowFile)> {
    if is_npy(path) {
        let index = index.map_or_else(|| path.with_extension("txt"), Path::to_path_buf);
        read_npy_with_index(path, &index)
    } else {
        read_table(path)
    }
}

fn read_npy_with_index(path: &Path, index: &Path) -> Result<(Vec<String>, RowFile)> {
    let vectors = RowFile::open_npy(path)?;
    crate::base::pairing::check(path, index)?;
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
    if let Some(row) = first_non_finite_row(&vectors)? {
        bail!(
            "{}: row {} ({}) holds {}",
            path.display(),
            row + 1,
            names[row],
            crate::base::vectors::UNUSABLE
        );
    }
    Ok((names, vectors))
}

/// A table's names, and its vectors written to an unnamed temporary file as they are parsed.
fn read_table(path: &Path) -> Result<(Vec<String>, RowFile)> {
    let fail =
        |line: usize, what: String| anyhow::anyhow!("{}: line {line}: {what}", path.display());
    let mut reader = table::reader_builder(path)?
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("{}: cannot read features", path.display()))?;
    let mut names = Vec::new();
    let mut vectors = RowWriter::temporary(path)?;
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
        if !crate::base::vectors::usable_row(&values) {
            return Err(fail(line, crate::base::vectors::UNUSABLE.into()));
        }
        names.push(image_name(&record[0]));
        vectors.push(&values)?;
    }
    if names.is_empty() {
        bail!("{}: no feature rows", path.display());
    }
    Ok((names, vectors.finish()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::vectors::{Rows, Vectors, write_npy};

    /// The vector of `name`, read back.
    fn vector(features: &ImportedFeatures, name: &str) -> Option<Vec<f32>> {
        let one = features.select(std::iter::once(name));
        let mut out = vec![0f32; features.dim()];
        (one.count() == 1).then(|| {
            one.read_rows(0, &mut out).unwrap();
            out
        })
    }

    fn read(path: &Path, index: Option<&Path>) -> Result<ImportedFeatures> {
        ImportedFeatures::read(&[path.to_path_buf()], index)
    }

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
        let f = read(&npy, None).unwrap();
        assert_eq!(vector(&f, "a/x.jpg"), Some(vec![1.0, 2.0]));
        assert_eq!(vector(&f, "b.png"), Some(vec![3.0, 4.0]));
        assert_eq!(
            f.first_unknown(["a/x.jpg"].into_iter()),
            Some((npy.as_path(), vec!["b.png".to_string()]))
        );
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
        let err = read(&npy, Some(&index)).unwrap_err().to_string();
        assert!(err.contains("1 image paths for 2 rows"), "{err}");
    }

    #[test]
    fn reads_tsv_with_or_without_header() {
        let dir = tempfile::tempdir().unwrap();
        let tsv = dir.path().join("f.tsv");
        std::fs::write(&tsv, "image\tf0\tf1\na.jpg\t0.5\t1\nb.jpg\t-2\t3e-1\n").unwrap();
        let f = read(&tsv, None).unwrap();
        assert_eq!(vector(&f, "b.jpg"), Some(vec![-2.0, 0.3]));
        let csv = dir.path().join("f.csv");
        std::fs::write(&csv, "a.jpg,1,2\n").unwrap();
        assert_eq!(read(&csv, None).unwrap().dim(), 2);
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let tsv = dir.path().join("f.tsv");
        std::fs::write(&tsv, "a.jpg\t1\t2\nb.jpg\t1\nc.jpg\t1\tNaN\n").unwrap();
        let err = read(&tsv, None).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("1 values where earlier rows have 2"),
            "{err}"
        );
        for huge in ["inf", "1e18"] {
            std::fs::write(&tsv, format!("a.jpg\t1\t2\nc.jpg\t1\t{huge}\n")).unwrap();
            let err = read(&tsv, None).unwrap_err().to_string();
            assert!(
                err.contains("line 2") && err.contains("NaN, infinity or a value beyond"),
                "{err}"
            );
        }
        std::fs::write(&tsv, "a.jpg\t1\nb.jpg\tx\n").unwrap();
        let err = read(&tsv, None).unwrap_err().to_string();
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
        let err = read(&npy, None).unwrap_err().to_string();
        assert!(err.contains("row 2 (b.jpg)"), "{err}");
    }

    fn shard(dir: &Path, name: &str, dim: usize, images: &[&str]) -> PathBuf {
        let npy = dir.join(format!("{name}.npy"));
        let data = (0..images.len() * dim).map(|i| i as f32).collect();
        write_npy(&npy, &Vectors { dim, data }).unwrap();
        std::fs::write(npy.with_extension("txt"), images.join("\n")).unwrap();
        npy
    }

    #[test]
    fn shards_merge_from_a_folder_or_a_pattern() {
        let dir = tempfile::tempdir().unwrap();
        shard(dir.path(), "features-0", 2, &["a.jpg", "c.jpg"]);
        shard(dir.path(), "features-1", 2, &["b.jpg"]);
        let by_folder = ImportedFeatures::read(&[dir.path().to_path_buf()], None).unwrap();
        let pattern = dir.path().join("features-*.npy");
        let by_pattern = ImportedFeatures::read(&[pattern], None).unwrap();
        for merged in [&by_folder, &by_pattern] {
            assert_eq!(merged.paths.len(), 2);
            assert_eq!(vector(merged, "c.jpg"), Some(vec![2.0, 3.0]));
            assert_eq!(vector(merged, "b.jpg"), Some(vec![0.0, 1.0]));
        }
        let names = ["b.jpg", "a.jpg", "c.jpg"];
        let picked = by_folder.select(names.into_iter());
        let mut all = vec![0f32; 6];
        picked.read_rows(0, &mut all).unwrap();
        assert_eq!(all, [0.0, 1.0, 0.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn shards_that_disagree_are_errors_naming_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = shard(dir.path(), "a", 2, &["x.jpg", "y.jpg"]);
        let b = shard(dir.path(), "b", 2, &["z.jpg", "y.jpg"]);
        let c = shard(dir.path(), "c", 3, &["w.jpg"]);
        let err = ImportedFeatures::read(&[a.clone(), b.clone()], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"y.jpg\" has two vectors")
                && err.contains(&format!("{} row 2", a.display()))
                && err.contains(&format!("{} row 2", b.display())),
            "{err}"
        );
        let err = ImportedFeatures::read(&[a.clone(), c.clone()], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&c.display().to_string())
                && err.contains(&a.display().to_string())
                && err.contains("3-d"),
            "{err}"
        );
        let err = ImportedFeatures::read(&[dir.path().join("nothing-*.npy")], None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no file matches"), "{err}");
    }
}
