//! `--export-folders`: the clusters as folders, as the seed tools leave them (Mozgalo's and
//! tringn's one folder per cluster), nested by level like ImageMachine's tree:
//! `07-ceramics/03-vases/` holds the images of cluster `7-3` that no deeper cluster splits
//! further, so `find 07-ceramics -type f` lists the whole top-level cluster. Each image is
//! hard-linked (no extra space), else symbolic-linked (across file systems), or copied with
//! `copy`; images in no cluster (HDBSCAN's noise) go to `unclustered/`. The folder appears
//! only once complete.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::base::setting::{Setting, check};
use crate::stages::clusters::ClusterMap;

/// Where the cluster folders go, and how the images get there.
#[derive(Debug, Clone, Serialize)]
pub struct FolderOptions {
    /// The folder to create; it must not exist, or be empty.
    pub dir: PathBuf,
    /// Copy the images instead of linking them.
    pub copy: bool,
}

impl FolderOptions {
    /// Refuses a folder that holds anything: the clusters' folders would mix with it.
    pub fn validate(&self) -> Result<()> {
        check(
            is_empty_or_absent(&self.dir),
            Setting::ExportFolders,
            format!(
                "{}: already exists and is not an empty folder",
                self.dir.display()
            ),
        )
    }
}

fn is_empty_or_absent(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !dir.exists(),
    }
}

/// The folder of images that belong to no cluster.
pub const UNCLUSTERED: &str = "unclustered";
/// Characters of a cluster's name kept in its folder's name.
const NAME_CHARS: usize = 40;

/// How the images got into the folders.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LinkCounts {
    /// Hard links.
    pub hard_links: usize,
    /// Symbolic links, where a hard link could not be made.
    pub symlinks: usize,
    /// Copies.
    pub copies: usize,
}

/// Writes the cluster folders of `clusters` (whose rows are the images at `sources`) as
/// `options` say.
pub fn write_folders(
    options: &FolderOptions,
    clusters: &ClusterMap,
    sources: &[PathBuf],
) -> Result<LinkCounts> {
    let parent = options
        .dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("{}: cannot create", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".zoomap-folders-")
        .tempdir_in(parent)
        .with_context(|| format!("{}: cannot write", parent.display()))?;
    let folders = cluster_folders(clusters);
    let mut placed = LinkCounts::default();
    let mut taken = HashSet::new();
    for (row, source) in sources.iter().enumerate() {
        let leaf = clusters.levels.iter().rev().find_map(|level| level[row]);
        let folder = leaf.map_or(Path::new(UNCLUSTERED), |c| folders[c].as_path());
        let dir = staging.path().join(folder);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        let target = free_name(&dir, source, &mut taken);
        put(source, &target, options.copy, &mut placed)?;
    }
    let marker = staging.path().join(crate::stages::scan::FOLDERS_MARKER);
    let stamp = serde_json::json!({ "tool": "zoomap", "version": env!("CARGO_PKG_VERSION") });
    std::fs::write(&marker, stamp.to_string())
        .with_context(|| format!("{}: cannot write", marker.display()))?;
    if options.dir.exists() {
        // Checked empty before the build started.
        std::fs::remove_dir(&options.dir)
            .with_context(|| format!("{}: cannot replace", options.dir.display()))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, &options.dir)
        .with_context(|| format!("{}: cannot write", options.dir.display()))?;
    Ok(placed)
}

/// Each cluster's folder, relative to the export folder: its parent's folder, then
/// `{index among its siblings, zero-padded}-{name as a file name}`.
fn cluster_folders(clusters: &ClusterMap) -> Vec<PathBuf> {
    let top = clusters.records.iter().filter(|r| r.level == 0).count();
    let mut folders: Vec<PathBuf> = Vec::with_capacity(clusters.records.len());
    for record in &clusters.records {
        let rank = record.id.rsplit('-').next().unwrap_or(&record.id);
        let rank: usize = rank.parse().unwrap_or(0);
        // Parents come before their children.
        let parent = record
            .parent_index
            .map(|p| (&clusters.records[p], &folders[p]));
        let siblings = parent.map_or(top, |(p, _)| p.children.len());
        let width = (siblings.max(1) - 1).to_string().len().max(2);
        let name = format!("{rank:0width$}-{}", file_name(&record.name));
        folders.push(
            parent
                .map_or_else(PathBuf::new, |(_, f)| f.clone())
                .join(name),
        );
    }
    folders
}

/// A name as a portable file name: lower-case letters and digits, other runs as one `-`.
fn file_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.chars().take(NAME_CHARS).collect();
    match out.trim_end_matches('-') {
        "" => "group".into(),
        kept => kept.to_string(),
    }
}

/// `source`'s file name in `dir`, numbered (`a-2.jpg`) when another image took it.
fn free_name(dir: &Path, source: &Path, taken: &mut HashSet<PathBuf>) -> PathBuf {
    let stem = source
        .file_stem()
        .map_or("image".into(), |s| s.to_string_lossy());
    let extension = source
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut target = dir.join(format!("{stem}{extension}"));
    let mut n = 2;
    while !taken.insert(target.clone()) {
        target = dir.join(format!("{stem}-{n}{extension}"));
        n += 1;
    }
    target
}

/// Links (or copies) one image, counting how.
fn put(source: &Path, target: &Path, copy: bool, placed: &mut LinkCounts) -> Result<()> {
    let failed = |what: &str| {
        format!(
            "{}: cannot {what} into {}",
            source.display(),
            target.display()
        )
    };
    if copy {
        std::fs::copy(source, target).with_context(|| failed("copy"))?;
        placed.copies += 1;
    } else if std::fs::hard_link(source, target).is_ok() {
        placed.hard_links += 1;
    } else {
        let absolute = std::path::absolute(source).with_context(|| failed("link"))?;
        symlink(&absolute, target).with_context(|| failed("link"))?;
        placed.symlinks += 1;
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(source: &Path, target: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(source, target)
}

#[cfg(windows)]
fn symlink(source: &Path, target: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(source, target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::grid::Cell;
    use crate::stages::clusters::{ClusterRecord, geometry::Footprint};

    fn record(id: &str, parent: Option<(&str, usize)>, name: &str) -> ClusterRecord {
        ClusterRecord {
            id: id.into(),
            parent: parent.map(|(p, _)| p.to_string()),
            parent_index: parent.map(|(_, i)| i),
            children: Vec::new(),
            level: id.matches('-').count(),
            name: name.into(),
            numbered: false,
            size: 1,
            footprint: Footprint {
                bounds: [0, 0, 0, 0],
                regions: 1,
                label: Cell { col: 0, row: 0 },
            },
            representative: String::new(),
            examples: Vec::new(),
        }
    }

    #[test]
    fn images_go_to_their_deepest_cluster_and_noise_apart() {
        let dir = tempfile::tempdir().unwrap();
        let sources: Vec<PathBuf> = ["a/x.jpg", "b/x.jpg", "c.png"]
            .iter()
            .map(|name| {
                let path = dir.path().join("images").join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, name).unwrap();
                path
            })
            .collect();
        let clusters = ClusterMap {
            records: vec![
                ClusterRecord {
                    children: vec![2],
                    ..record("0", None, "Blue vases & bowls")
                },
                record("1", None, "Été"),
                record("0-0", Some(("0", 0)), "Blue vases & bowls 1"),
            ],
            levels: vec![vec![Some(0), Some(0), None], vec![Some(2), Some(2), None]],
        };
        let out = dir.path().join("folders");
        for copy in [false, true] {
            let options = FolderOptions {
                dir: out.clone(),
                copy,
            };
            let placed = write_folders(&options, &clusters, &sources).unwrap();
            let leaf = out.join("00-blue-vases-bowls/00-blue-vases-bowls-1");
            assert_eq!(std::fs::read(leaf.join("x.jpg")).unwrap(), b"a/x.jpg");
            assert_eq!(std::fs::read(leaf.join("x-2.jpg")).unwrap(), b"b/x.jpg");
            assert_eq!(
                std::fs::read(out.join("unclustered/c.png")).unwrap(),
                b"c.png"
            );
            assert!(
                !out.join("01-été").exists(),
                "an empty cluster makes no folder"
            );
            let total = placed.hard_links + placed.symlinks + placed.copies;
            assert_eq!((total, placed.copies), (3, if copy { 3 } else { 0 }));
            std::fs::remove_dir_all(&out).unwrap();
        }
    }

    #[test]
    fn names_become_portable_file_names() {
        assert_eq!(file_name("Blue vases & bowls"), "blue-vases-bowls");
        assert_eq!(file_name("1850–1870"), "1850-1870");
        assert_eq!(file_name("../.."), "group");
        assert_eq!(file_name("Été, Köln"), "été-köln");
    }
}
