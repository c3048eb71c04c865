//! The site's version: a hash of the content of every file the viewer fetches (tiles,
//! previews, originals, item data, its own scripts). The viewer asks for each with
//! `?v=<version>`, so a browser or CDN cache never serves a file of one build beside a file of
//! another (the new titles beside the old tiles), while a rebuild that changes nothing keeps
//! every URL, and every cached file, valid.

use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// Hex digits kept: 64 bits, ample to tell builds of one site apart.
const VERSION_HEX: usize = 16;

/// The version of the site being written in `dir`: each file's path relative to `dir` and
/// its SHA-256, in path order, hashed together. Dotfiles (staging stores, markers) and the
/// files that carry the version or describe the build (the page, the report) are left out.
pub fn content_version(dir: &Path, left_out: &[&str]) -> Result<String> {
    let mut files: Vec<(String, std::path::PathBuf)> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let relative = e.path().strip_prefix(dir).unwrap_or(e.path());
            (relative.to_string_lossy().into_owned(), e.into_path())
        })
        .filter(|(relative, _)| !left_out.contains(&relative.as_str()))
        .collect();
    files.sort();
    let digests: Vec<String> = files
        .par_iter()
        .map(|(_, path)| crate::base::digest::sha256_file(path))
        .collect::<Result<_>>()?;
    let mut version = Sha256::new();
    for ((relative, _), digest) in files.iter().zip(digests) {
        version.update(relative.as_bytes());
        version.update([0]);
        version.update(digest.as_bytes());
    }
    Ok(hex::encode(version.finalize())[..VERSION_HEX].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_follows_the_content_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        std::fs::create_dir_all(site.join("data")).unwrap();
        std::fs::write(site.join("data/index.json"), "{}").unwrap();
        std::fs::write(site.join("index.html"), "page").unwrap();
        let first = content_version(site, &["index.html"]).unwrap();
        assert_eq!(first.len(), VERSION_HEX);
        std::fs::write(site.join("index.html"), "another page").unwrap();
        std::fs::write(site.join(".cells"), "staging").unwrap();
        assert_eq!(content_version(site, &["index.html"]).unwrap(), first);
        std::fs::write(site.join("data/index.json"), "{\"a\":1}").unwrap();
        assert_ne!(content_version(site, &["index.html"]).unwrap(), first);
    }
}
