//! A feature cache on disk, so that rebuilding a collection only runs the network on images it
//! has not seen: one file per image, keyed by the image's content hash, in a folder keyed by
//! everything else the vector depends on (weights, layer, preprocessing).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// Cached feature vectors of one model configuration.
#[derive(Debug, Clone)]
pub struct FeatureCache {
    dir: PathBuf,
}

const DIGEST_LEN: usize = 32;

impl FeatureCache {
    /// The cache under `root` for vectors that depend on `context` (a description of the
    /// weights' hash, the layer and the preprocessing).
    pub fn open(root: &Path, context: &str) -> Result<Self> {
        let key = hex::encode(Sha256::digest(format!("zoomap-features-v1|{context}")));
        let dir = root.join("features").join(&key[..16]);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create the feature cache", dir.display()))?;
        Ok(Self { dir })
    }

    fn entry(&self, content_sha256: &str) -> PathBuf {
        self.dir.join(format!("{content_sha256}.f32"))
    }

    /// The cached vector of the image whose bytes hash to `content_sha256`; `None` when absent
    /// or when the entry is damaged (its checksum does not match), so it gets recomputed.
    pub fn get(&self, content_sha256: &str) -> Option<Vec<f32>> {
        let bytes = std::fs::read(self.entry(content_sha256)).ok()?;
        let split = bytes.len().checked_sub(DIGEST_LEN)?;
        let (values, digest) = bytes.split_at(split);
        if values.is_empty() || values.len() % 4 != 0 || Sha256::digest(values).as_slice() != digest
        {
            return None;
        }
        Some(
            values
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    }

    /// Stores a vector, writing to a temporary file first so a crash leaves no partial entry.
    pub fn put(&self, content_sha256: &str, vector: &[f32]) -> Result<()> {
        let mut bytes: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
        let digest = Sha256::digest(&bytes);
        bytes.extend_from_slice(&digest);
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut file, &bytes)?;
        file.persist(self.entry(content_sha256))
            .with_context(|| format!("{}: cannot write the feature cache", self.dir.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_separates_contexts() {
        let dir = tempfile::tempdir().unwrap();
        let a = FeatureCache::open(dir.path(), "weights=1|layer=gap").unwrap();
        let b = FeatureCache::open(dir.path(), "weights=2|layer=gap").unwrap();
        a.put("abc", &[1.0, -2.5]).unwrap();
        assert_eq!(a.get("abc"), Some(vec![1.0, -2.5]));
        assert_eq!(b.get("abc"), None);
        assert_eq!(a.get("other"), None);
    }

    #[test]
    fn damaged_entries_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FeatureCache::open(dir.path(), "x").unwrap();
        cache.put("abc", &[1.0, 2.0, 3.0]).unwrap();
        let path = cache.entry("abc");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[0] ^= 0xFF;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.get("abc"), None);
        std::fs::write(&path, &bytes[..10]).unwrap();
        assert_eq!(cache.get("abc"), None);
    }
}
