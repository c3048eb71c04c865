//! The original image files in the site, for the viewer's full-image view and its download
//! link: copied, hard-linked (no extra space where the site is on the collection's file
//! system), or left out; by default copied when the collection is small enough.

use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::site::paths;
use crate::stages::scan::ImageFile;

/// Whether the site carries the original files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Originals {
    /// Copied when the placed images total at most [`AUTO_COPY_BYTES`], else left out.
    Auto,
    /// Copied into the site.
    Copy,
    /// Hard-linked into the site (copied where a link cannot be made, as across file systems).
    Link,
    /// Left out: the viewer shows the previews only.
    None,
}

/// The most bytes of originals `auto` copies: a site of a few thousand photos, small enough
/// to publish twice over without thinking about it.
pub const AUTO_COPY_BYTES: u64 = 1 << 30;

/// What the originals step wrote.
#[derive(Debug, Default)]
pub struct WrittenOriginals {
    /// Each placed image's original, relative to the page, in the order of `placed`.
    pub paths: Vec<Option<String>>,
    /// A note for the user when `auto` left them out.
    pub note: Option<String>,
}

/// Writes the originals of the images `placed` (scan indices into `images`) into `site` as
/// `mode` says.
pub fn write_originals(
    images: &[ImageFile],
    placed: &[usize],
    mode: Originals,
    site: &Path,
) -> Result<WrittenOriginals> {
    let mode = match mode {
        Originals::Auto => {
            let bytes: u64 = placed.iter().map(|&i| file_bytes(&images[i].path)).sum();
            if bytes > AUTO_COPY_BYTES {
                return Ok(WrittenOriginals {
                    paths: vec![None; placed.len()],
                    note: Some(format!(
                        "the original files are left out of the site: they total {:.1} GB, more than the {} GiB copied by default (choose to copy or link them)",
                        bytes as f64 / 1e9,
                        AUTO_COPY_BYTES >> 30
                    )),
                });
            }
            Originals::Copy
        }
        Originals::None => {
            return Ok(WrittenOriginals {
                paths: vec![None; placed.len()],
                note: None,
            });
        }
        other => other,
    };
    let dir = site.join(paths::ORIGINALS);
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let paths = placed
        .par_iter()
        .map(|&i| place_original(&images[i], i, mode == Originals::Link, site).map(Some))
        .collect::<Result<_>>()?;
    Ok(WrittenOriginals { paths, note: None })
}

fn file_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Copies (or hard-links, when `link`) one original into the site; returns its page path.
fn place_original(image: &ImageFile, index: usize, link: bool, site: &Path) -> Result<String> {
    let extension = image
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "img".into());
    let relative = paths::original(index, &extension);
    let target = site.join(&relative);
    let linked = link && std::fs::hard_link(&image.path, &target).is_ok();
    if !linked {
        std::fs::copy(&image.path, &target).with_context(|| {
            format!(
                "{}: cannot copy into {}",
                image.path.display(),
                target.display()
            )
        })?;
    }
    Ok(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(dir: &Path) -> Vec<ImageFile> {
        ["a.JPG", "b.png"]
            .iter()
            .map(|name| {
                let path = dir.join(name);
                std::fs::write(&path, name.repeat(100)).unwrap();
                ImageFile {
                    path,
                    name: (*name).into(),
                }
            })
            .collect()
    }

    #[test]
    fn copies_and_links_are_numbered_and_hold_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let images = collection(dir.path());
        for mode in [Originals::Copy, Originals::Link, Originals::Auto] {
            let site = tempfile::tempdir_in(dir.path()).unwrap();
            let written = write_originals(&images, &[1, 0], mode, site.path()).unwrap();
            assert_eq!(
                written.paths,
                [
                    Some("originals/1.png".into()),
                    Some("originals/0.jpg".into())
                ]
            );
            let copied = std::fs::read(site.path().join("originals/0.jpg")).unwrap();
            assert_eq!(copied, std::fs::read(&images[0].path).unwrap(), "{mode:?}");
            assert!(written.note.is_none());
        }
    }

    #[test]
    fn none_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let images = collection(dir.path());
        let site = tempfile::tempdir().unwrap();
        let written = write_originals(&images, &[0, 1], Originals::None, site.path()).unwrap();
        assert_eq!(written.paths, [None, None]);
        assert!(!site.path().join(paths::ORIGINALS).exists());
    }
}
