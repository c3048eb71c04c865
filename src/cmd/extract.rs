//! The `extract` command: VGG16 vectors of one deterministic shard of a collection written to
//! a `.npy` and the `.txt` of their image paths, as the seed tools' extract scripts do, so
//! that a million images can be spread over many machines (a SLURM array, a Kubernetes
//! indexed Job, N shells) and the shards given together to `build --features`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::base::pairing;
use crate::base::vectors::{RowFile, Selection, write_npy_rows};
use crate::stages::features::INPUT_SIDE;
use crate::stages::scan::{self, ImageFile};
use crate::stages::thumbs::{DEFAULT_MAX_PIXELS, Fit, ThumbOptions};
use crate::stages::thumbs_features::{self, Plan};
use crate::stages::thumbs_features::{ExtractionCounts, NetworkOptions, Skipped};

/// The I-th of N parts of a collection: the images whose path hashes to I modulo N. The part
/// of an image depends on its path alone, so adding images never moves others between shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 0.
    pub index: u64,
    /// How many parts.
    pub count: u64,
}

impl Default for Shard {
    /// The whole collection.
    fn default() -> Self {
        Self { index: 0, count: 1 }
    }
}

impl std::str::FromStr for Shard {
    type Err = anyhow::Error;

    /// `I/N`, with I from 0 to N − 1.
    fn from_str(text: &str) -> Result<Self> {
        let parsed = text
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index < count => Ok(Self { index, count }),
            _ => bail!("expected I/N with 0 ≤ I < N (such as 0/4), got {text:?}"),
        }
    }
}

impl std::fmt::Display for Shard {
    /// `I/N`, as parsed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the image at `name` (its path relative to the collection) is in this shard.
    pub fn holds(&self, name: &str) -> bool {
        let digest = Sha256::digest(name.as_bytes());
        let head = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
        head % self.count == self.index
    }
}

/// What `zoomap extract` is told.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// The collection's folder.
    pub images: PathBuf,
    /// The `.npy` to write; the image paths go to the `.txt` of the same stem.
    pub output: PathBuf,
    /// The part of the collection to extract.
    pub shard: Shard,
    /// The network, its weights, the cache and the batch size.
    pub network: NetworkOptions,
}

/// What an extraction did.
#[derive(Debug, Clone)]
pub struct ExtractReport {
    /// The part extracted.
    pub shard: Shard,
    /// Images in the collection.
    pub images_found: usize,
    /// Images in this shard.
    pub in_shard: usize,
    /// Vectors written.
    pub written: usize,
    /// Vectors computed and read from the cache.
    pub counts: ExtractionCounts,
    /// Images that could not be used.
    pub skipped: Vec<Skipped>,
    /// Wall time.
    pub seconds: f64,
}

impl ExtractReport {
    /// The lines printed at the end.
    pub fn summary(&self, output: &Path) -> String {
        let mut lines = vec![format!(
            "shard {}: {} of {} images; {} vectors written to {} ({} computed, {} from the cache) in {:.1}s",
            self.shard,
            self.in_shard,
            self.images_found,
            self.written,
            output.display(),
            self.counts.extracted,
            self.counts.cached,
            self.seconds
        )];
        lines.extend(self.skipped.iter().map(|s| format!("skipped {}", s.reason)));
        lines.join("\n")
    }
}

/// Extracts the vectors of the shard's images, in scan order, into `options.output` and its
/// `.txt`, each written beside under a temporary name and renamed into place once complete.
pub fn extract(options: &ExtractOptions) -> Result<ExtractReport> {
    let started = Instant::now();
    let scan = scan::scan(&options.images)?;
    let images: Vec<ImageFile> = scan
        .images
        .iter()
        .filter(|image| options.shard.holds(&image.name))
        .cloned()
        .collect();
    if images.is_empty() {
        bail!(
            "{}: shard {} holds none of its {} images (use fewer shards)",
            options.images.display(),
            options.shard,
            scan.images.len()
        );
    }
    for image in &images {
        check_index_name(&image.name)?;
    }
    let source = thumbs_features::load_model(&options.network)?;
    create_parent(&options.output)?;
    let _writing = lock_output(&options.output)?;
    let store = partial(&options.output, "vectors");
    let plan = Plan {
        thumbs: ThumbOptions {
            cell_side: 0,
            fit: Fit::Contain,
            background: [0; 3],
            model_input: Some((INPUT_SIDE, options.network.preprocess)),
            previews: None,
            max_pixels: DEFAULT_MAX_PIXELS,
        },
        batch: options.network.batch,
        cells: None,
        vector_store: &store,
    };
    let extracted = thumbs_features::thumbs_and_features(&images, &plan, &source);
    let written = extracted.and_then(|extracted| {
        let names: Vec<&str> = images
            .iter()
            .zip(&extracted.has_vector)
            .filter(|(_, has)| **has)
            .map(|(image, _)| image.name.as_str())
            .collect();
        write_shard(&options.output, extracted.store.clone(), &names)?;
        Ok(ExtractReport {
            shard: options.shard,
            images_found: scan.images.len(),
            in_shard: images.len(),
            written: names.len(),
            counts: extracted.counts,
            skipped: extracted.skipped,
            seconds: started.elapsed().as_secs_f64(),
        })
    });
    let _ = std::fs::remove_file(&store);
    written
}

/// Creates the folder `path` is to be written in, so that each task of an array job can
/// name its own file in a folder that does not exist yet.
fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create the folder", parent.display())),
        _ => Ok(()),
    }
}

/// Refuses an image name that the `.txt` index (one name per line, read back trimmed and with
/// `/` separators by `build --features`) cannot carry: a line break or other control
/// character, a leading or trailing space, a backslash, a byte order mark, or bytes that are
/// not UTF-8 (the scan shows them as U+FFFD). Asked before any work, with the fix.
fn check_index_name(name: &str) -> Result<()> {
    let problem = if name.chars().any(char::is_control) {
        Some("a line break or control character")
    } else if name.split('/').any(|part| part.trim() != part) {
        Some("a space at the start or end of a part")
    } else if name.contains('\\') {
        Some("a backslash")
    } else if name.contains('\u{FEFF}') {
        Some("a byte order mark")
    } else if name.contains('\u{FFFD}') {
        Some("bytes that are not UTF-8")
    } else {
        None
    };
    match problem {
        Some(problem) => bail!(
            "{}: the name holds {problem}, which the .txt index of image names cannot carry; \
             rename the file",
            crate::base::message::printable(name)
        ),
        None => Ok(()),
    }
}

/// Locks `output` for this extraction (a hidden `.lock` file beside it, released by the
/// operating system however the process ends): two extractions into the same file would
/// otherwise rename their `.npy` and `.txt` into place interleaved, pairing one run's vectors
/// with the other's image names.
fn lock_output(output: &Path) -> Result<std::fs::File> {
    let lock_path = partial(output, "lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("{}: cannot create", lock_path.display()))?;
    if lock.try_lock().is_err() {
        bail!(
            "{}: another zoomap extract is writing it; wait for it or choose another -o",
            output.display()
        );
    }
    Ok(lock)
}

/// `path` with `.{what}.partial` added to its name, in its folder.
fn partial(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map_or("features".into(), |n| n.to_string_lossy());
    path.with_file_name(format!(".{name}.{what}.partial"))
}

/// Writes the `.npy`, its `.txt` and their pairing record under temporary names, then renames
/// each into place.
fn write_shard(output: &Path, store: Option<Arc<RowFile>>, names: &[&str]) -> Result<()> {
    let Some(store) = store else {
        bail!("no vectors were written");
    };
    let (npy, txt, record) = (
        partial(output, "npy"),
        partial(output, "txt"),
        partial(output, "pairing"),
    );
    write_npy_rows(&npy, &Selection::all(store))?;
    let lines: String = names.iter().map(|n| format!("{n}\n")).collect();
    std::fs::write(&txt, lines).with_context(|| format!("{}: cannot write", txt.display()))?;
    pairing::record(&npy, &txt, names.len(), &record)?;
    for (from, to) in [
        (record, pairing::record_path(output)),
        (txt, output.with_extension("txt")),
        (npy, output.to_path_buf()),
    ] {
        std::fs::rename(&from, &to).with_context(|| format!("{}: cannot write", to.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_index_cannot_carry_are_refused_and_others_pass() {
        for name in [
            "a\nb.jpg",
            " a.jpg",
            "dir/a.jpg ",
            "a\\b.jpg",
            "\u{FEFF}a.jpg",
            "a\u{FFFD}.jpg",
        ] {
            let err = check_index_name(name).unwrap_err().to_string();
            assert!(
                err.contains("rename the file") && !err.contains('\n'),
                "{err}"
            );
        }
        for name in ["a b.jpg", "dir/ü é.jpg", "日本/写真.jpg"] {
            check_index_name(name).unwrap();
        }
    }

    #[test]
    fn a_second_extraction_into_the_same_file_is_refused_while_the_first_runs() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("features.npy");
        let first = lock_output(&output).unwrap();
        let err = lock_output(&output).unwrap_err().to_string();
        assert!(err.contains("another zoomap extract"), "{err}");
        drop(first);
        lock_output(&output).unwrap();
    }

    #[test]
    fn shards_split_a_collection_into_disjoint_parts() {
        let names: Vec<String> = (0..1000).map(|i| format!("dir/{i}.jpg")).collect();
        let shards: Vec<Shard> = (0..4).map(|index| Shard { index, count: 4 }).collect();
        let mut sizes = [0; 4];
        for name in &names {
            let holders: Vec<usize> = (0..4).filter(|&s| shards[s].holds(name)).collect();
            assert_eq!(holders.len(), 1, "{name}");
            sizes[holders[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| (200..300).contains(&n)), "{sizes:?}");
        assert!(names.iter().all(|n| Shard::default().holds(n)));
    }

    #[test]
    fn shard_text_is_index_slash_count() {
        assert_eq!(
            "2/8".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 8 }
        );
        for bad in ["8/8", "1", "a/2", "0/0", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
