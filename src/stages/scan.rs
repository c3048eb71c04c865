//! Finds the images of a collection: a stable, sorted list of image files under a folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use walkdir::{DirEntry, WalkDir};

/// The marker file of a zoomap site (`publish` writes it, `site::paths` names it).
pub const SITE_MARKER: &str = ".zoomap-site.json";
/// The marker file of an `--export` folder.
pub const EXPORT_MARKER: &str = ".zoomap-export.json";
/// The marker file of an `--export-folders` tree.
pub const FOLDERS_MARKER: &str = ".zoomap-folders.json";

/// File extensions (lower case) that the `thumbs` stage can decode.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"];

/// One image file found in the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// Absolute or caller-relative path, usable to open the file.
    pub path: PathBuf,
    /// Path relative to the collection root with `/` separators: the image's identity in
    /// metadata, exports and the site.
    pub name: String,
}

/// What a scan found: the images, and the entries it could not read (with the reason).
#[derive(Debug, Default)]
pub struct Scan {
    /// Image files in stable (byte-wise sorted by relative name) order.
    pub images: Vec<ImageFile>,
    /// Entries that could not be visited, such as symlink loops or unreadable folders.
    pub problems: Vec<String>,
}

/// Walks `root` for image files, skipping hidden files and folders and what zoomap wrote (a
/// site, an export, cluster folders: a folder holding one of the markers above), following
/// symlinks (loops are reported, not followed), in stable sorted order.
pub fn scan(root: &Path) -> Result<Scan> {
    if !root.is_dir() {
        bail!("{}: not a folder of images", root.display());
    }
    let mut scan = Scan::default();
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !(is_hidden(entry) || is_zoomap_output(entry)));
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() && has_image_extension(entry.path()) => {
                let name = relative_name(root, entry.path()).with_context(|| {
                    format!("{}: outside the collection", entry.path().display())
                })?;
                scan.images.push(ImageFile {
                    path: entry.into_path(),
                    name,
                });
            }
            Ok(_) => {}
            Err(err) => scan.problems.push(err.to_string()),
        }
    }
    scan.images.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(scan)
}

/// An image path as a user wrote it (in a metadata CSV, a features index) in the scan's naming:
/// trimmed, `/` separators, no leading `./`.
pub fn image_name(written: &str) -> String {
    written
        .trim()
        .replace('\\', "/")
        .trim_start_matches("./")
        .to_string()
}

/// A folder zoomap wrote: its images are copies, previews and tiles of the collection's.
fn is_zoomap_output(entry: &DirEntry) -> bool {
    entry.file_type().is_dir()
        && [SITE_MARKER, EXPORT_MARKER, FOLDERS_MARKER]
            .iter()
            .any(|marker| entry.path().join(marker).is_file())
}

fn is_hidden(entry: &DirEntry) -> bool {
    entry.file_name().to_string_lossy().starts_with('.')
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

fn relative_name(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn finds_images_sorted_skipping_hidden_and_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/.hidden")).unwrap();
        for name in [
            "b/z.JPG",
            "a.png",
            "b/.hidden/x.png",
            ".secret.png",
            "notes.txt",
            "b/c.webp",
        ] {
            fs::write(root.join(name), b"x").unwrap();
        }
        let scan = scan(root).unwrap();
        let names: Vec<&str> = scan.images.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a.png", "b/c.webp", "b/z.JPG"]);
    }

    #[test]
    fn what_zoomap_wrote_inside_a_collection_is_not_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (folder, marker) in [
            ("site", SITE_MARKER),
            ("export", EXPORT_MARKER),
            ("by-cluster", FOLDERS_MARKER),
        ] {
            fs::create_dir_all(root.join(folder).join("deep")).unwrap();
            fs::write(root.join(folder).join(marker), b"{}").unwrap();
            fs::write(root.join(folder).join("deep/copy.jpg"), b"x").unwrap();
        }
        fs::write(root.join("photo.jpg"), b"x").unwrap();
        let names: Vec<String> = scan(root)
            .unwrap()
            .images
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(names, ["photo.jpg"]);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_reported_not_followed_forever() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("sub/a.png"), b"x").unwrap();
        std::os::unix::fs::symlink(root, root.join("sub/loop")).unwrap();
        let scan = scan(root).unwrap();
        assert_eq!(scan.images.len(), 1);
        assert_eq!(scan.problems.len(), 1, "{:?}", scan.problems);
    }

    #[test]
    fn missing_folder_is_an_error() {
        let err = scan(Path::new("/no/such/folder")).unwrap_err();
        assert!(err.to_string().contains("/no/such/folder"));
    }
}
