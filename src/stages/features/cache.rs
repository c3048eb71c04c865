//! A feature cache on disk, so that rebuilding a collection only runs the network on images it
//! has not seen: one file per image, keyed by the image's content hash, in a folder keyed by
//! everything else the vector depends on (weights, layer, preprocessing).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::{INPUT_SIDE, Layer, Normalization};
use crate::stages::thumbs::Preprocess;

/// Everything a cached vector depends on besides the image: a cache folder holds the vectors
/// of one key.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheKey<'a> {
    /// SHA-256 of the weights file.
    pub weights_sha256: &'a str,
    /// The layer the vector is read from.
    pub layer: Layer,
    /// How the image became the model's input.
    pub preprocess: Preprocess,
    /// The input's mean and standard deviation.
    pub normalization: &'a Normalization,
}

impl CacheKey<'_> {
    /// The key's description, hashed into the folder's name; written exactly as caches made
    /// before the key was typed were, so that they still match.
    fn description(&self) -> String {
        format!(
            "weights={}|layer={:?}|preprocess={:?}|normalization={:?}|side={INPUT_SIDE}",
            self.weights_sha256, self.layer, self.preprocess, self.normalization
        )
    }
}

/// Cached feature vectors of one model configuration.
#[derive(Debug, Clone)]
pub struct FeatureCache {
    dir: PathBuf,
}

const DIGEST_LEN: usize = 32;

impl FeatureCache {
    /// The cache under `root` of the vectors made as `key` says.
    pub fn open(root: &Path, key: &CacheKey<'_>) -> Result<Self> {
        let context = key.description();
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

    fn key<'a>(weights_sha256: &'a str, normalization: &'a Normalization) -> CacheKey<'a> {
        CacheKey {
            weights_sha256,
            layer: Layer::Gap,
            preprocess: Preprocess::Crop,
            normalization,
        }
    }

    #[test]
    fn the_folder_name_is_that_of_caches_made_before_the_key_was_typed() {
        let imagenet = Normalization::torchvision();
        let key = key("ab12", &imagenet);
        let old = "weights=ab12|layer=Gap|preprocess=Crop|normalization=Normalization { bgr: false, \
            scale: 0.003921569, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }|side=224";
        assert_eq!(key.description(), old);
        let dir = tempfile::tempdir().unwrap();
        let cache = FeatureCache::open(dir.path(), &key).unwrap();
        let folder = hex::encode(Sha256::digest(format!("zoomap-features-v1|{old}")));
        assert_eq!(cache.dir, dir.path().join("features").join(&folder[..16]));
    }

    #[test]
    fn round_trips_and_separates_keys() {
        let dir = tempfile::tempdir().unwrap();
        let imagenet = Normalization::torchvision();
        let a = FeatureCache::open(dir.path(), &key("1", &imagenet)).unwrap();
        let b = FeatureCache::open(dir.path(), &key("2", &imagenet)).unwrap();
        a.put("abc", &[1.0, -2.5]).unwrap();
        assert_eq!(a.get("abc"), Some(vec![1.0, -2.5]));
        assert_eq!(b.get("abc"), None);
        assert_eq!(a.get("other"), None);
    }

    #[test]
    fn damaged_entries_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let cache =
            FeatureCache::open(dir.path(), &key("x", &Normalization::torchvision())).unwrap();
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
