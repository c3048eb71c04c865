//! Publishing a site: it is built in a staging folder beside the output and swapped into
//! place in one step once complete, so a failed, killed or interrupted build never leaves a
//! half-written site where a good one was.
//!
//! Each staging folder `.zoomap-build-XXXXXX` has a lock file beside it
//! (`.zoomap-build-XXXXXX.lock`), created first, locked for the build's lifetime and removed
//! last. The operating system releases the lock when the process dies however it dies, so the
//! next build recognises the leftovers of a killed one (an unlocked or missing lock) and
//! removes them, while a build running in the same folder keeps its lock and its files.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::site::paths;

/// The start of every staging name (folder, lock file, set-aside old site).
const STAGING_PREFIX: &str = ".zoomap-build-";

/// A locked staging folder; dropped unpublished, it is removed with its lock.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    lock_path: PathBuf,
    lock: Option<File>,
}

impl Staging {
    /// Removes what killed builds left beside `output`, then creates and locks a new staging
    /// folder there (on the output's file system, so that publishing is a rename).
    pub fn create(output: &Path) -> Result<Self> {
        let parent = parent_of(output);
        std::fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create", parent.display()))?;
        check_replaceable(output)?;
        remove_stale(parent);
        let lock_file = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .suffix(".lock")
            .tempfile_in(parent)
            .with_context(|| format!("{}: cannot create a staging folder", parent.display()))?;
        let (lock, lock_path) = lock_file
            .keep()
            .with_context(|| format!("{}: cannot create a staging folder", parent.display()))?;
        lock.try_lock()
            .with_context(|| format!("{}: cannot lock", lock_path.display()))?;
        let dir = lock_path.with_extension("");
        let staging = Self {
            dir,
            lock_path,
            lock: Some(lock),
        };
        std::fs::create_dir(&staging.dir)
            .with_context(|| format!("{}: cannot create", staging.dir.display()))?;
        Ok(staging)
    }

    /// The folder to build into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Puts the finished site at `output`. An existing site is exchanged with the new one in
    /// one `renameat2(RENAME_EXCHANGE)` where the platform has it (two renames elsewhere), and
    /// removed only once the new one is in place. A folder at `output` that is neither empty
    /// nor a zoomap site is never replaced.
    pub fn publish(self, output: &Path) -> Result<()> {
        if !output.exists() {
            return std::fs::rename(&self.dir, output).with_context(|| {
                format!("{}: cannot move the new site into place", output.display())
            });
        }
        check_replaceable(output)?;
        // The previous site then lies in the staging folder, which drop removes.
        swap(&self.dir, output)
    }

    fn remove(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(self.dir.with_extension("old"));
        let _ = std::fs::remove_file(&self.lock_path);
        self.lock = None;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.lock.is_some() {
            self.remove();
        }
    }
}

/// Refuses an `output` that holds something other than a zoomap site (an empty folder is
/// fine): checked before the build starts and again before publishing.
fn check_replaceable(output: &Path) -> Result<()> {
    if !output.exists() || output.join(paths::PAGE).is_file() {
        return Ok(());
    }
    let empty = std::fs::read_dir(output).is_ok_and(|mut entries| entries.next().is_none());
    if !empty {
        bail!(
            "{}: exists and is not a zoomap site; refusing to replace it",
            output.display()
        );
    }
    Ok(())
}

fn parent_of(output: &Path) -> &Path {
    output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Exchanges the folders `new` and `output` in one step; where the platform or file system
/// cannot, moves `output` aside to `new.old`, then `new` into place.
fn swap(new: &Path, output: &Path) -> Result<()> {
    if exchange(new, output).is_ok() {
        return Ok(());
    }
    let old = new.with_extension("old");
    std::fs::rename(output, &old)
        .with_context(|| format!("{}: cannot move the previous site aside", output.display()))?;
    std::fs::rename(new, output)
        .with_context(|| format!("{}: cannot move the new site into place", output.display()))?;
    std::fs::rename(&old, new)
        .with_context(|| format!("{}: cannot move the previous site", old.display()))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let path = |p: &Path| {
        CString::new(p.as_os_str().as_bytes()).map_err(|_| std::io::ErrorKind::InvalidInput)
    };
    let (a, b) = (path(a)?, path(b)?);
    // SAFETY: both are NUL-terminated paths that outlive the call.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Removes every staging folder, lock and set-aside site in `parent` whose lock no running
/// build holds. Best effort: what cannot be removed now is tried again by the next build.
fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(STAGING_PREFIX) else {
            continue;
        };
        let stem = rest.split('.').next().unwrap_or(rest);
        let lock = parent.join(format!("{STAGING_PREFIX}{stem}.lock"));
        if held_by_a_running_build(&lock) {
            continue;
        }
        let path = entry.path();
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

fn held_by_a_running_build(lock: &Path) -> bool {
    File::open(lock).is_ok_and(|file| file.try_lock().is_err())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(dir: &Path, marker: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("index.html"), marker).unwrap();
    }

    #[test]
    fn publish_replaces_a_site_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        site(&output, "old");
        let staging = Staging::create(&output).unwrap();
        site(staging.path(), "new");
        staging.publish(&output).unwrap();
        assert_eq!(
            std::fs::read_to_string(output.join("index.html")).unwrap(),
            "new"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only the site remains: {left:?}");
    }

    #[test]
    fn an_unpublished_staging_folder_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        let staging = Staging::create(&output).unwrap();
        std::fs::write(staging.path().join("tile.jpg"), "x").unwrap();
        drop(staging);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn leftovers_of_dead_builds_go_and_a_live_build_keeps_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        // A killed build: its folder, its lock file (no longer locked), a set-aside site.
        for stale in [".zoomap-build-dead01", ".zoomap-build-dead01.old"] {
            site(&dir.path().join(stale), "stale");
        }
        std::fs::write(dir.path().join(".zoomap-build-dead01.lock"), "").unwrap();
        // A folder of a build killed before its lock existed.
        site(&dir.path().join(".zoomap-build-nolock"), "stale");
        let live = Staging::create(&output).unwrap();
        let other = Staging::create(&output).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names.len(),
            4,
            "two live builds, each a folder and a lock: {names:?}"
        );
        assert!(live.path().is_dir() && other.path().is_dir());
        assert!(
            names
                .iter()
                .all(|n| !n.contains("dead01") && !n.contains("nolock"))
        );
    }

    #[test]
    fn a_folder_that_is_not_a_site_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("documents");
        std::fs::create_dir_all(&output).unwrap();
        std::fs::write(output.join("thesis.docx"), "precious").unwrap();
        let err = Staging::create(&output).unwrap_err().to_string();
        assert!(err.contains("not a zoomap site"), "{err}");
        assert!(output.join("thesis.docx").is_file());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
