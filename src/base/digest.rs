//! SHA-256 of files: the one way zoomap names a file's content (weights checked against
//! torchvision's, a vector file tied to its names, the site's content version).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// Hex SHA-256 of a file's bytes, read in a stream.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut reader = BufReader::with_capacity(
        1 << 20,
        File::open(path).with_context(|| format!("{}: cannot open", path.display()))?,
    );
    let mut hasher = Sha256::new();
    std::io::copy(&mut reader, &mut hasher)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(hex::encode(hasher.finalize()))
}
