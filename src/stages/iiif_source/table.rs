//! The imported items' metadata table: `filename` (the image in the import's folder),
//! `Title` (the Manifest's label, with the canvas's where a Manifest has several), then
//! `Manifest` (its id), `Canvas`, `Date` (`navDate`), `URL` (`homepage`), `Rights` and
//! `Attribution`, then every metadata label met in any Manifest, in the order met; then the
//! columns of the user's `--metadata` table, joined on the Manifest id. An input of the
//! build's, read back as any metadata table: values are written as they are (the
//! spreadsheet rule's `'` would show in titles and facets).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::parse::Manifest;
use crate::base::table;

/// The columns every import has, before the metadata labels.
pub const FIXED: [&str; 8] = [
    "filename",
    "Title",
    "Manifest",
    "Canvas",
    "Date",
    "URL",
    "Rights",
    "Attribution",
];

/// Writes the table of `rows` (each an image name and its manifest and canvas) into `path`.
pub fn write(
    path: &Path,
    manifests: &[Manifest],
    rows: &[(String, (usize, usize))],
    user: Option<(&Path, &str)>,
) -> Result<()> {
    let labels = metadata_labels(manifests);
    let (user_columns, user_rows) = match user {
        Some((file, key)) => read_user(file, key)?,
        None => (Vec::new(), HashMap::new()),
    };
    let mut writer = csv::Writer::from_path(path)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    let header = FIXED
        .iter()
        .map(|s| s.to_string())
        .chain(labels.iter().cloned())
        .chain(user_columns.iter().cloned());
    writer.write_record(header.collect::<Vec<_>>())?;
    for (name, (m, c)) in rows {
        let manifest = &manifests[*m];
        let canvas = &manifest.canvases[*c];
        let title = match (manifest.canvases.len() > 1, canvas.label.is_empty()) {
            (true, false) => format!("{} — {}", manifest.label, canvas.label),
            _ => manifest.label.clone(),
        };
        let fixed = [
            name.clone(),
            title,
            manifest.id.clone(),
            canvas.label.clone(),
            manifest.nav_date.clone().unwrap_or_default(),
            manifest.homepage.clone().unwrap_or_default(),
            manifest.rights.clone().unwrap_or_default(),
            manifest.attribution.clone().unwrap_or_default(),
        ];
        let values = labels.iter().map(|label| {
            let found = manifest
                .metadata
                .iter()
                .filter(|(l, _)| l == label)
                .map(|(_, v)| v.as_str());
            found.collect::<Vec<_>>().join("; ")
        });
        let theirs = user_rows
            .get(&manifest.id)
            .cloned()
            .unwrap_or_else(|| vec![String::new(); user_columns.len()]);
        let record: Vec<String> = fixed.into_iter().chain(values).chain(theirs).collect();
        writer.write_record(record)?;
    }
    writer
        .flush()
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// Every metadata label of the Manifests, in the order first met, less the fixed columns'.
fn metadata_labels(manifests: &[Manifest]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for (label, _) in manifests.iter().flat_map(|m| &m.metadata) {
        if !labels.contains(label) && !FIXED.iter().any(|f| f.eq_ignore_ascii_case(label)) {
            labels.push(label.clone());
        }
    }
    labels
}

/// A user's table: its columns less the key, and each row's values by its Manifest id.
type UserTable = (Vec<String>, HashMap<String, Vec<String>>);

/// The user's table at `path`, keyed by its column `key`.
fn read_user(path: &Path, key: &str) -> Result<UserTable> {
    let (mut reader, header) = table::open(path, false)?;
    let Some(k) = header.iter().position(|h| h == key) else {
        bail!(
            "{}: no column {key:?} (with --iiif it holds each row's Manifest id)",
            path.display()
        );
    };
    let columns: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != k)
        .map(|(_, h)| h.clone())
        .collect();
    let mut rows = HashMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{} line {}", path.display(), line + 2))?;
        let values = record
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k)
            .map(|(_, v)| v.to_string())
            .collect();
        rows.insert(record.get(k).unwrap_or("").trim().to_string(), values);
    }
    Ok((columns, rows))
}
