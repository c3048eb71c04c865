//! Publishing a site: it is built in a staging folder beside the output and swapped into
//! place in one step once complete, so a failed, killed or interrupted build never leaves a
//! half-written site where a good one was.
//!
//! Each staging folder `.zoomap-build-XXXXXX` has a lock file beside it
//! (`.zoomap-build-XXXXXX.lock`), created first, locked for the build's lifetime and removed
//! last. The operating system releases the lock when the process dies however it dies, so the
//! next build recognises the leftovers of a killed one (an unlocked or missing lock) and
//! removes them, while a build running in the same folder keeps its lock and its files.
//!
//! Only a zoomap site is ever replaced: a folder holding [`paths::MARKER`] (written here, at
//! publish, listing the entries the build wrote) and [`paths::REPORT`], or a site built before
//! the marker existed (its report, page and pyramid). Whatever else a site folder holds — a
//! `.git`, a `CNAME`, pages of the user's — is carried into the new site. While carried
//! entries lie in the staging folder, a record there ([`CARRY`]) names them and their home,
//! so that a build killed at that moment leaves them for the next build to move back.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::base::message::first_few;
use crate::site::paths;

/// The record, in a staging folder, of the entries carried into it from the site it replaces.
const CARRY: &str = ".zoomap-carry.json";

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
        existing(output)?;
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

    /// Puts the finished site at `output`, with the marker listing what it wrote. An existing
    /// site is exchanged with the new one in one `renameat2(RENAME_EXCHANGE)` where the
    /// platform has it (two renames elsewhere), and removed only once the new one is in place;
    /// the entries its user added are carried over first. A folder at `output` that is neither
    /// empty nor a zoomap site is never replaced.
    pub fn publish(self, output: &Path) -> Result<()> {
        let written = entry_names(&self.dir)?;
        write_marker(&self.dir, &written)?;
        if !output.exists() {
            return std::fs::rename(&self.dir, output).with_context(|| {
                format!("{}: cannot move the new site into place", output.display())
            });
        }
        let carried = existing(output)?;
        let clashes: Vec<String> = carried
            .iter()
            .filter(|name| written.contains(name))
            .cloned()
            .collect();
        if !clashes.is_empty() {
            bail!(
                "{}: {} added to the site by hand, and the new site writes the same names; \
                 move them out of the site folder and build again",
                output.display(),
                first_few(&clashes, 5)
            );
        }
        self.carry_in(output, &carried)?;
        // The previous site then lies in the staging folder, which drop removes.
        if let Err(err) = swap(&self.dir, output) {
            move_entries(&self.dir, output, &carried);
            let _ = std::fs::remove_file(self.dir.join(CARRY));
            return Err(err);
        }
        let _ = std::fs::remove_file(output.join(CARRY));
        Ok(())
    }

    /// Moves the user's `entries` of the site at `output` into the new site, after recording
    /// them in [`CARRY`] so that no outcome loses them.
    fn carry_in(&self, output: &Path, entries: &[String]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let record = Carried {
            output: output.to_path_buf(),
            entries: entries.to_vec(),
        };
        let path = self.dir.join(CARRY);
        std::fs::write(&path, serde_json::to_vec(&record)?)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        for name in entries {
            if let Err(err) = std::fs::rename(output.join(name), self.dir.join(name)) {
                move_entries(&self.dir, output, entries);
                let _ = std::fs::remove_file(&path);
                return Err(err).with_context(|| {
                    format!(
                        "{}: cannot carry {name} into the new site",
                        output.display()
                    )
                });
            }
        }
        Ok(())
    }

    fn remove(&mut self) {
        if self.dir.join(CARRY).exists() {
            eprintln!(
                "kept {}: it holds entries of a site that could not be moved back (see {CARRY})",
                self.dir.display()
            );
            return;
        }
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

/// What [`paths::MARKER`] says: the tool, its version and the entries the build wrote.
#[derive(Serialize, Deserialize)]
struct SiteMarker {
    tool: String,
    version: String,
    written: Vec<String>,
}

/// What [`CARRY`] says: the entries carried from the site at `output`.
#[derive(Serialize, Deserialize)]
struct Carried {
    output: PathBuf,
    entries: Vec<String>,
}

fn write_marker(site: &Path, written: &[String]) -> Result<()> {
    let marker = SiteMarker {
        tool: "zoomap".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        written: written.to_vec(),
    };
    let path = site.join(paths::MARKER);
    std::fs::write(&path, serde_json::to_vec_pretty(&marker)?)
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// The names of the entries of `dir`, sorted.
fn entry_names(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot read", dir.display()))?
    {
        let entry = entry.with_context(|| format!("{}: cannot read", dir.display()))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Checks what lies at `output` before a build replaces it: nothing, an empty folder or a
/// zoomap site, whose entries that its build did not write (the user's) are returned.
/// Anything else is refused, with what was found: checked before the build starts and again
/// before publishing.
fn existing(output: &Path) -> Result<Vec<String>> {
    if !output.exists() {
        return Ok(Vec::new());
    }
    if !output.is_dir() {
        bail!("{}: exists and is not a folder", output.display());
    }
    let names = entry_names(output)?;
    if names.is_empty() {
        return Ok(names);
    }
    let Some(written) = written_by_zoomap(output) else {
        bail!(
            "{}: exists and is not a zoomap site (it holds {}); refusing to replace it: \
             choose a new or empty folder",
            output.display(),
            first_few(&names, 5)
        );
    };
    Ok(names
        .into_iter()
        .filter(|name| !written.contains(name) && name != paths::MARKER && name != CARRY)
        .collect())
}

/// The entries zoomap wrote in the site `dir`, or `None` where `dir` is not a zoomap site:
/// the marker's list (with the build report beside it), or for a site built before the
/// marker, [`paths::LEGACY_ENTRIES`] where its report, page and pyramid are zoomap's.
fn written_by_zoomap(dir: &Path) -> Option<Vec<String>> {
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(paths::REPORT)).ok()?).ok()?;
    if let Ok(bytes) = std::fs::read(dir.join(paths::MARKER)) {
        let marker: SiteMarker = serde_json::from_slice(&bytes).ok()?;
        return (marker.tool == "zoomap").then_some(marker.written);
    }
    let legacy = report.get("images_placed").is_some()
        && dir.join(paths::PAGE).is_file()
        && dir.join("map.dzi").is_file();
    legacy.then(|| paths::LEGACY_ENTRIES.map(String::from).to_vec())
}

/// Moves each of `entries` from `from` to `to` where it is in `from` and free in `to`;
/// best effort, for undoing a carry. Returns whether all of them are back.
fn move_entries(from: &Path, to: &Path, entries: &[String]) -> bool {
    let mut all = true;
    for name in entries {
        let (source, target) = (from.join(name), to.join(name));
        if source.symlink_metadata().is_ok()
            && (target.symlink_metadata().is_ok() || std::fs::rename(&source, &target).is_err())
        {
            all = false;
        }
    }
    all
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
        if !return_carried(&path) {
            continue;
        }
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

/// Moves the entries a killed build carried into the staging folder `dir` back to their
/// site; whether `dir` holds none of them any more (and may go).
fn return_carried(dir: &Path) -> bool {
    let Ok(bytes) = std::fs::read(dir.join(CARRY)) else {
        return true;
    };
    let Ok(record) = serde_json::from_slice::<Carried>(&bytes) else {
        return false;
    };
    move_entries(dir, &record.output, &record.entries)
}

fn held_by_a_running_build(lock: &Path) -> bool {
    File::open(lock).is_ok_and(|file| file.try_lock().is_err())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zoomap site in `dir` whose page says `marker`, as a build publishes it.
    fn site(dir: &Path, marker: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(paths::PAGE), marker).unwrap();
        std::fs::write(dir.join(paths::REPORT), "{}").unwrap();
        write_marker(dir, &[paths::PAGE.into(), paths::REPORT.into()]).unwrap();
    }

    /// A published site at `output` whose page says `marker`.
    fn published(output: &Path, marker: &str) {
        let staging = Staging::create(output).unwrap();
        std::fs::write(staging.path().join(paths::PAGE), marker).unwrap();
        std::fs::write(staging.path().join(paths::REPORT), "{}").unwrap();
        staging.publish(output).unwrap();
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
    fn a_folder_with_an_index_html_that_zoomap_did_not_write_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("www");
        std::fs::create_dir_all(&output).unwrap();
        std::fs::write(output.join("index.html"), "<h1>me</h1>").unwrap();
        std::fs::write(output.join("thesis.docx"), "precious").unwrap();
        let err = Staging::create(&output).unwrap_err().to_string();
        assert!(
            err.contains("not a zoomap site") && err.contains("thesis.docx"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(output.join("thesis.docx")).unwrap(),
            b"precious"
        );
        assert_eq!(
            std::fs::read(output.join("index.html")).unwrap(),
            b"<h1>me</h1>"
        );
    }

    #[test]
    fn a_rebuild_carries_what_the_user_added_to_the_site() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        published(&output, "old");
        std::fs::create_dir_all(output.join(".git/objects")).unwrap();
        std::fs::write(output.join(".git/objects/ab"), "history").unwrap();
        std::fs::write(output.join("CNAME"), "maps.example.org").unwrap();
        std::fs::write(output.join(".nojekyll"), "").unwrap();
        published(&output, "new");
        assert_eq!(
            std::fs::read(output.join(".git/objects/ab")).unwrap(),
            b"history"
        );
        assert_eq!(
            std::fs::read(output.join("CNAME")).unwrap(),
            b"maps.example.org"
        );
        assert!(output.join(".nojekyll").is_file());
        assert_eq!(std::fs::read(output.join(paths::PAGE)).unwrap(), b"new");
        let marker: SiteMarker =
            serde_json::from_slice(&std::fs::read(output.join(paths::MARKER)).unwrap()).unwrap();
        assert_eq!(marker.written, [paths::REPORT, paths::PAGE]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_added_entry_the_new_site_would_overwrite_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        published(&output, "old");
        std::fs::write(output.join("extra.html"), "mine").unwrap();
        let staging = Staging::create(&output).unwrap();
        std::fs::write(staging.path().join("extra.html"), "zoomap's").unwrap();
        let err = staging.publish(&output).unwrap_err().to_string();
        assert!(err.contains("extra.html"), "{err}");
        assert_eq!(std::fs::read(output.join("extra.html")).unwrap(), b"mine");
        assert_eq!(std::fs::read(output.join(paths::PAGE)).unwrap(), b"old");
    }

    #[test]
    fn entries_a_killed_build_was_carrying_go_back_to_their_site() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        published(&output, "old");
        // A build killed between carrying the user's CNAME in and the exchange.
        let killed = dir.path().join(".zoomap-build-killed");
        std::fs::create_dir_all(&killed).unwrap();
        std::fs::write(killed.join("CNAME"), "maps.example.org").unwrap();
        let record = Carried {
            output: output.clone(),
            entries: vec!["CNAME".into()],
        };
        std::fs::write(killed.join(CARRY), serde_json::to_vec(&record).unwrap()).unwrap();
        drop(Staging::create(&output).unwrap());
        assert_eq!(
            std::fs::read(output.join("CNAME")).unwrap(),
            b"maps.example.org"
        );
        assert!(!killed.exists());
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
