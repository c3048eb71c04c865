//! A plain row-major matrix of f32 vectors, the currency between the numeric stages, and its
//! file form: NumPy's `.npy`, as exports write it and `--features` reads it. Matrices too
//! large for memory stay on disk ([`RowFile`]) and are read a block of rows at a time through
//! [`Rows`], as libvips streams tiles: 1,000,000 fc2 vectors are 16 GiB.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use npyz::WriterBuilder;

use crate::base::message::one_line;

/// Vectors a stage reads a block of rows at a time, wherever they are kept.
pub trait Rows: Sync {
    /// Length of each vector.
    fn dim(&self) -> usize;
    /// Number of vectors.
    fn count(&self) -> usize;
    /// Fills `out`, a whole number of rows, with the rows from `start` on.
    fn read_rows(&self, start: usize, out: &mut [f32]) -> Result<()>;
}

impl Rows for Vectors {
    fn dim(&self) -> usize {
        self.dim
    }

    fn count(&self) -> usize {
        self.rows()
    }

    fn read_rows(&self, start: usize, out: &mut [f32]) -> Result<()> {
        let from = start * self.dim;
        let values = self
            .data
            .get(from..from + out.len())
            .context("rows past the end of the matrix")?;
        out.copy_from_slice(values);
        Ok(())
    }
}

/// Rows read at a time when a whole matrix is streamed: 4 MiB of 1024-d vectors.
pub const BLOCK_ROWS: usize = 1024;

/// Calls `visit(first_row, block)` on consecutive blocks of at most [`BLOCK_ROWS`] rows, so
/// that only one block is in memory.
pub fn for_each_block(
    rows: &dyn Rows,
    mut visit: impl FnMut(usize, &[f32]) -> Result<()>,
) -> Result<()> {
    let dim = rows.dim();
    let mut block = vec![0f32; BLOCK_ROWS * dim];
    for start in (0..rows.count()).step_by(BLOCK_ROWS) {
        let len = BLOCK_ROWS.min(rows.count() - start) * dim;
        rows.read_rows(start, &mut block[..len])?;
        visit(start, &block[..len])?;
    }
    Ok(())
}

/// How a [`RowFile`] stores each value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Float {
    F32,
    F64,
}

impl Float {
    fn bytes(self) -> usize {
        match self {
            Float::F32 => 4,
            Float::F64 => 8,
        }
    }
}

/// A row-major matrix of little-endian floats on disk (an `.npy`'s data, or a file a build
/// writes), read by row with positioned reads: nothing is held in memory.
#[derive(Debug)]
pub struct RowFile {
    path: PathBuf,
    file: File,
    data_offset: u64,
    dim: usize,
    rows: usize,
    float: Float,
}

impl RowFile {
    /// Opens an `N × D` float32 or float64 `.npy` (C order, little-endian), checking its
    /// header against the file's size.
    pub fn open_npy(path: &Path) -> Result<Self> {
        let fail = |what: String| anyhow::anyhow!("{}: {}", path.display(), one_line(&what));
        let mut file = File::open(path).map_err(|e| fail(e.to_string()))?;
        let header = npyz::NpyHeader::from_reader(&mut file).map_err(|e| fail(e.to_string()))?;
        let data_offset = file.stream_position()?;
        let file_bytes = file.metadata()?.len();
        let shape = header.shape().to_vec();
        if shape.len() != 2 {
            return Err(fail(format!("expected a 2-D array, found shape {shape:?}")));
        }
        if header.order() != npyz::Order::C {
            return Err(fail(
                "Fortran-ordered arrays are not supported; save with np.ascontiguousarray".into(),
            ));
        }
        let float = npy_float(&header.dtype()).map_err(fail)?;
        check_npy_size(
            &shape,
            Some(float.bytes()),
            file_bytes.saturating_sub(data_offset),
        )
        .map_err(fail)?;
        let (rows, dim) = (usize::try_from(shape[0])?, usize::try_from(shape[1])?);
        Ok(Self {
            path: path.to_path_buf(),
            file,
            data_offset,
            dim,
            rows: if dim == 0 { 0 } else { rows },
            float,
        })
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Length of each vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of vectors.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Fills `out`, a whole number of rows, with the rows from `row` on.
    pub fn read_run(&self, row: usize, out: &mut [f32]) -> Result<()> {
        let width = self.float.bytes();
        let count = out.len() / self.dim.max(1);
        if row + count > self.rows {
            bail!(
                "{}: rows {row}..{} past its {} rows",
                self.path.display(),
                row + count,
                self.rows
            );
        }
        let mut bytes = vec![0u8; out.len() * width];
        let at = self.data_offset + (row * self.dim * width) as u64;
        self.file
            .read_exact_at(&mut bytes, at)
            .with_context(|| format!("{}: cannot read", self.path.display()))?;
        match self.float {
            Float::F32 => {
                for (v, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                    *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            Float::F64 => {
                for (v, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
                    *v = f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32;
                }
            }
        }
        Ok(())
    }
}

impl Rows for RowFile {
    fn dim(&self) -> usize {
        self.dim
    }

    fn count(&self) -> usize {
        self.rows
    }

    fn read_rows(&self, start: usize, out: &mut [f32]) -> Result<()> {
        self.read_run(start, out)
    }
}

/// The largest magnitude a feature value may have. Networks' activations and embeddings stay
/// within thousands; a value past this (say 1e18, from a corrupt or mis-typed file) would
/// overflow t-SNE's squared distances in f32, so it is refused like NaN.
pub const MAX_FEATURE_MAGNITUDE: f32 = 1e9;

/// What a row refused by [`usable_row`] holds, for its error.
pub const UNUSABLE: &str = "NaN, infinity or a value beyond ±1e9";

/// Whether every value of `row` is a number within [`MAX_FEATURE_MAGNITUDE`].
pub fn usable_row(row: &[f32]) -> bool {
    row.iter().all(|v| v.abs() <= MAX_FEATURE_MAGNITUDE)
}

/// Index of the first row that is not [`usable_row`], if any, read through a block at a time.
pub fn first_non_finite_row(rows: &dyn Rows) -> Result<Option<usize>> {
    let mut found = None;
    for_each_block(rows, |start, block| {
        if found.is_none() {
            found = block
                .chunks_exact(rows.dim().max(1))
                .position(|row| !usable_row(row))
                .map(|i| start + i);
        }
        Ok(())
    })?;
    Ok(found)
}

/// The float width of an `.npy` dtype zoomap reads: little-endian float32 or float64.
fn npy_float(dtype: &npyz::DType) -> Result<Float, String> {
    let npyz::DType::Plain(t) = dtype else {
        return Err(format!(
            "expected float32 or float64 values, found {}",
            dtype.descr()
        ));
    };
    let little = t.endianness() != npyz::Endianness::Big;
    match (t.type_char(), t.size_field(), little) {
        (npyz::TypeChar::Float, 4, true) => Ok(Float::F32),
        (npyz::TypeChar::Float, 8, true) => Ok(Float::F64),
        (npyz::TypeChar::Float, 4 | 8, false) => {
            Err("big-endian floats are not supported; save with arr.astype('<f4')".into())
        }
        _ => Err(format!(
            "expected float32 or float64 values, found {}",
            dtype.descr()
        )),
    }
}

/// Appends rows of f32 to a file as they are produced, so a build never holds every vector;
/// [`RowWriter::finish`] turns it into a [`RowFile`] to read them back.
#[derive(Debug)]
pub struct RowWriter {
    path: PathBuf,
    file: BufWriter<File>,
    dim: Option<usize>,
    rows: usize,
}

impl RowWriter {
    /// Creates (or truncates) `path`, open for reading back too.
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("{}: cannot create", path.display()))?;
        Ok(Self::over(path, file))
    }

    /// An unnamed temporary file, labelled `path` in messages: for vectors parsed from a table.
    pub fn temporary(path: &Path) -> Result<Self> {
        let file = tempfile::tempfile().context("cannot create a temporary file")?;
        Ok(Self::over(path, file))
    }

    fn over(path: &Path, file: File) -> Self {
        Self {
            path: path.to_path_buf(),
            file: BufWriter::with_capacity(1 << 20, file),
            dim: None,
            rows: 0,
        }
    }

    /// Number of rows written.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends one vector; every vector must be as long as the first.
    pub fn push(&mut self, row: &[f32]) -> Result<()> {
        let dim = *self.dim.get_or_insert(row.len());
        if row.len() != dim {
            bail!(
                "vector {} has {} values where the first has {dim}",
                self.rows,
                row.len()
            );
        }
        let bytes: Vec<u8> = row.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.file
            .write_all(&bytes)
            .with_context(|| format!("{}: cannot write", self.path.display()))?;
        self.rows += 1;
        Ok(())
    }

    /// The rows written, to read back.
    pub fn finish(self) -> Result<RowFile> {
        let path = self.path.clone();
        let file = self
            .file
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {}", path.display(), e.error()))?;
        let dim = self.dim.unwrap_or(0);
        Ok(RowFile {
            path,
            file,
            data_offset: 0,
            dim,
            rows: if dim == 0 { 0 } else { self.rows },
            float: Float::F32,
        })
    }
}

/// Chosen rows of one or more [`RowFile`]s, in a chosen order: the vectors of the images a
/// build places, wherever each is stored.
#[derive(Debug, Clone)]
pub struct Selection {
    files: Vec<Arc<RowFile>>,
    /// (file, row) of each selected row.
    picks: Vec<(u32, u32)>,
    dim: usize,
}

impl Selection {
    /// Every row of `file`, in order.
    pub fn all(file: Arc<RowFile>) -> Self {
        let picks = (0..file.rows() as u32).map(|row| (0, row)).collect();
        Self {
            dim: file.dim(),
            files: vec![file],
            picks,
        }
    }

    /// The rows `picks` (file index into `files`, row), all files having vectors of one length.
    pub fn new(files: Vec<Arc<RowFile>>, picks: Vec<(u32, u32)>) -> Self {
        let dim = files.first().map_or(0, |f| f.dim());
        Self { files, picks, dim }
    }
}

impl Rows for Selection {
    fn dim(&self) -> usize {
        self.dim
    }

    fn count(&self) -> usize {
        self.picks.len()
    }

    /// Reads each run of consecutive rows of one file with one positioned read.
    fn read_rows(&self, start: usize, out: &mut [f32]) -> Result<()> {
        let count = out.len() / self.dim.max(1);
        let picks = self
            .picks
            .get(start..start + count)
            .context("rows past the end of the selection")?;
        let mut done = 0;
        while done < count {
            let (file, row) = picks[done];
            let run = picks[done..]
                .iter()
                .enumerate()
                .take_while(|(i, p)| p.0 == file && p.1 as usize == row as usize + i)
                .count();
            let out = &mut out[done * self.dim..(done + run) * self.dim];
            self.files[file as usize].read_run(row as usize, out)?;
            done += run;
        }
        Ok(())
    }
}

/// Writes `rows` as an `N × D` float32 `.npy`, a block at a time.
pub fn write_npy_rows(path: &Path, rows: &dyn Rows) -> Result<()> {
    let file = BufWriter::new(
        File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
    );
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[rows.count() as u64, rows.dim() as u64])
        .writer(file)
        .begin_nd()?;
    for_each_block(rows, |_, block| Ok(writer.extend(block.iter().copied())?))?;
    writer.finish()?;
    Ok(())
}

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
}

/// Writes `vectors` as an `N × D` float32 `.npy`.
pub fn write_npy(path: &Path, vectors: &Vectors) -> Result<()> {
    write_npy_rows(path, vectors)
}

/// Reads an `N × D` float32 or float64 `.npy` (C order) into memory.
pub fn read_npy(path: &Path) -> Result<Vectors> {
    let file = RowFile::open_npy(path)?;
    let mut data = vec![0f32; file.rows() * file.dim()];
    file.read_run(0, &mut data)?;
    Ok(Vectors {
        dim: file.dim(),
        data,
    })
}

/// Refuses a header whose shape holds more values than the file has bytes for, before the
/// reader allocates room for them.
fn check_npy_size(shape: &[u64], item_bytes: Option<usize>, file_bytes: u64) -> Result<(), String> {
    let values = shape.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
    let needed = values
        .zip(item_bytes)
        .and_then(|(n, b)| n.checked_mul(b as u64));
    match needed {
        Some(needed) if needed <= file_bytes => Ok(()),
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
