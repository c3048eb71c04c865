//! The cell thumbnails of a collection on disk, between the thumbs stage that writes them
//! and the tiles stage that draws the mosaic from them.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The cell thumbnails of a collection, kept on disk (one fixed-size RGB8 record per image)
/// so that memory stays flat however many images there are.
#[derive(Debug)]
pub struct CellStore {
    file: File,
    path: PathBuf,
    side: u32,
}

impl CellStore {
    /// Creates an empty store of `side × side` cells at `path`.
    pub fn create(path: &Path, side: u32) -> Result<Self> {
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("{}: cannot create cell store", path.display()))?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            side,
        })
    }

    fn record(&self) -> u64 {
        u64::from(self.side) * u64::from(self.side) * 3
    }

    /// Stores the pixels of cell `slot` (safe to call from several threads).
    pub fn put(&self, slot: usize, pixels: &[u8]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        debug_assert_eq!(pixels.len() as u64, self.record());
        self.file
            .write_all_at(pixels, slot as u64 * self.record())
            .with_context(|| format!("{}: cannot write cell", self.path.display()))
    }

    /// Reads the pixels of cell `slot`.
    pub fn get(&self, slot: usize) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let mut pixels = vec![0u8; self.record() as usize];
        self.file
            .read_exact_at(&mut pixels, slot as u64 * self.record())
            .with_context(|| format!("{}: cannot read cell {slot}", self.path.display()))?;
        Ok(pixels)
    }
}
