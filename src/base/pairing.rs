//! The record that a `.npy` of vectors and the `.txt` of their image names were written
//! together. Row counts alone cannot tell a stale or swapped `.txt` of the same length, and
//! a wrong pair puts every image at another image's place without any error. `zoomap extract`
//! and `--export` write `<stem>.pairing.json` beside the pair (both files' SHA-256 and the row
//! count); `build --features` checks a pair against its record where there is one.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::base::digest::sha256_file;

/// What the record holds.
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Pairing {
    /// Rows of the `.npy`, lines of the `.txt`.
    rows: usize,
    /// SHA-256 of the whole `.npy` file, in hex.
    vectors_sha256: String,
    /// SHA-256 of the whole `.txt` file, in hex.
    names_sha256: String,
}

/// The record's path for the `.npy` at `npy`: `features.npy` → `features.pairing.json`.
pub fn record_path(npy: &Path) -> PathBuf {
    npy.with_extension("pairing.json")
}

/// Writes to `record` that the `.npy` at `npy` (of `rows` rows) and the `.txt` at `txt` belong
/// together. Called on the files' final contents, under any names.
pub fn record(npy: &Path, txt: &Path, rows: usize, record: &Path) -> Result<()> {
    let pairing = Pairing {
        rows,
        vectors_sha256: sha256_file(npy)?,
        names_sha256: sha256_file(txt)?,
    };
    std::fs::write(record, serde_json::to_vec_pretty(&pairing)?)
        .with_context(|| format!("{}: cannot write", record.display()))
}

/// Refuses a `.npy` and `.txt` whose record says they were not written together: the
/// vectors or the names changed since. A pair without a record (made by another tool) passes.
pub fn check(npy: &Path, txt: &Path) -> Result<()> {
    let path = record_path(npy);
    let Ok(text) = std::fs::read(&path) else {
        return Ok(());
    };
    let recorded: Pairing = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not a pairing record", path.display()))?;
    let (file, changed) = if sha256_file(npy)? != recorded.vectors_sha256 {
        (npy, "vectors")
    } else if sha256_file(txt)? != recorded.names_sha256 {
        (txt, "image names")
    } else {
        return Ok(());
    };
    bail!(
        "{}: its {changed} are not those written with the other file of the pair ({} and {}, as {} records): \
         extract again, or delete {} if the pair is right",
        file.display(),
        npy.display(),
        txt.display(),
        path.display(),
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(dir: &Path) -> (PathBuf, PathBuf) {
        let (npy, txt) = (dir.join("f.npy"), dir.join("f.txt"));
        std::fs::write(&npy, b"vectors").unwrap();
        std::fs::write(&txt, "a.jpg\nb.jpg\n").unwrap();
        (npy, txt)
    }

    #[test]
    fn a_pair_passes_as_recorded_and_either_file_changed_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (npy, txt) = pair(dir.path());
        check(&npy, &txt).unwrap();
        record(&npy, &txt, 2, &record_path(&npy)).unwrap();
        assert!(dir.path().join("f.pairing.json").exists());
        check(&npy, &txt).unwrap();
        std::fs::write(&txt, "b.jpg\na.jpg\n").unwrap();
        let err = check(&npy, &txt).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}: its image names", txt.display())),
            "{err}"
        );
        std::fs::write(&npy, b"other vectors").unwrap();
        let err = check(&npy, &txt).unwrap_err().to_string();
        assert!(
            err.contains("its vectors are not those") && !err.contains('\n'),
            "{err}"
        );
    }
}
