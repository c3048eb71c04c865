//! Export for downstream tools: `items.tsv` (one row per placed image), `features.npy` (the
//! vectors laid out, before PCA) with `features.txt` (their image paths, so the pair can be fed
//! back with `--features`) and `reduced.npy` (after PCA), rows in the same order; with
//! clusters, `clusters.tsv` (each image's cluster id and name at every level) and
//! `clusters.json` (the tree); with near-duplicates, `duplicates.tsv` (group, file); with
//! layouts, `layouts.tsv` (each image's cell in every layout); with machine tags, `tags.tsv`.
//!
//! Each file is written under a temporary name and renamed into place, and the folder gets a
//! marker ([`EXPORT_MARKER`]) listing them: a later export replaces only those, and a folder
//! holding anything else is refused before the build starts ([`check_folder`]).

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::base::message::first_few;
use crate::base::pairing;
use crate::base::table::spreadsheet_text;
use crate::stages::duplicates::Duplicates;
pub use crate::stages::scan::EXPORT_MARKER;
use crate::stages::tags::MachineTag;

use crate::base::grid::Cell;
use crate::base::vectors::{Rows, Vectors, write_npy, write_npy_rows};
use crate::stages::clusters::ClusterMap;

/// One placed image's row in `items.tsv`.
#[derive(Debug, Clone)]
pub struct ExportRow<'a> {
    /// Path relative to the collection.
    pub file: &'a str,
    /// Item title.
    pub title: &'a str,
    /// Item URL, or empty.
    pub url: &'a str,
    /// 2-D position before grid assignment (t-SNE's, or the one given).
    pub point: [f32; 2],
    /// Grid cell.
    pub cell: Cell,
}

/// Writes `clusters.tsv` (filename, then the cluster id and name at each level, empty where
/// a row's cluster was not split that deep) and `clusters.json` into `dir`; `clusters`'
/// rows are `rows`.
pub fn write_clusters_table(
    dir: &Path,
    rows: &[ExportRow<'_>],
    clusters: &ClusterMap,
) -> Result<()> {
    replace(dir, "clusters.tsv", |path| {
        write_clusters_tsv(path, rows, clusters)
    })?;
    replace(dir, "clusters.json", |path| {
        std::fs::write(path, serde_json::to_vec_pretty(&clusters.records)?)
            .with_context(|| format!("{}: cannot write", path.display()))
    })?;
    add_to_marker(dir, &["clusters.tsv", "clusters.json"])
}

/// Writes `duplicates.tsv` into `dir`: `group` (numbered from 1) and `file`, one row per image
/// in a near-duplicate group; `rows` are the groups' rows.
pub fn write_duplicates_table(
    dir: &Path,
    rows: &[ExportRow<'_>],
    duplicates: &Duplicates,
) -> Result<()> {
    replace(dir, "duplicates.tsv", |path| {
        let mut writer = tsv_writer(path)?;
        writer.write_record(["group", "file"])?;
        for (g, members) in duplicates.groups.iter().enumerate() {
            for &m in members {
                writer.write_record([(g + 1).to_string(), spreadsheet_text(rows[m].file)])?;
            }
        }
        writer
            .flush()
            .with_context(|| format!("{}: cannot write", path.display()))
    })?;
    add_to_marker(dir, &["duplicates.tsv"])
}

/// Writes `tags.tsv` into `dir`: `filename`, `label`, `score` and `groups` (its WordNet
/// groups, nearest first, `; `-separated), one row per machine tag of each image, in the
/// shape `--tags FILE` reads back.
pub fn write_tags_table(dir: &Path, rows: &[ExportRow<'_>], tags: &[&[MachineTag]]) -> Result<()> {
    replace(dir, "tags.tsv", |path| {
        let mut writer = tsv_writer(path)?;
        writer.write_record(["filename", "label", "score", "groups"])?;
        for (row, tags) in rows.iter().zip(tags) {
            for tag in *tags {
                writer.write_record([
                    spreadsheet_text(row.file),
                    spreadsheet_text(&tag.label),
                    format!("{:.4}", tag.score),
                    spreadsheet_text(&tag.groups.join("; ")),
                ])?;
            }
        }
        writer
            .flush()
            .with_context(|| format!("{}: cannot write", path.display()))
    })?;
    add_to_marker(dir, &["tags.tsv"])
}

/// Writes `layouts.tsv` into `dir`: `filename`, then `col_NAME` and `row_NAME` for each
/// layout of `layouts` (its name, and each row's cell in it, rows in the order of `rows`).
pub fn write_layouts_table(
    dir: &Path,
    rows: &[ExportRow<'_>],
    layouts: &[(&str, Vec<Cell>)],
) -> Result<()> {
    replace(dir, "layouts.tsv", |path| {
        let mut writer = tsv_writer(path)?;
        let header = layouts
            .iter()
            .flat_map(|(name, _)| [format!("col_{name}"), format!("row_{name}")]);
        writer.write_record(std::iter::once("filename".to_string()).chain(header))?;
        for (r, row) in rows.iter().enumerate() {
            let cells = layouts
                .iter()
                .flat_map(|(_, cells)| [cells[r].col.to_string(), cells[r].row.to_string()]);
            writer.write_record(std::iter::once(spreadsheet_text(row.file)).chain(cells))?;
        }
        writer
            .flush()
            .with_context(|| format!("{}: cannot write", path.display()))
    })?;
    add_to_marker(dir, &["layouts.tsv"])
}

/// A tab-separated writer to `path`, quoting only where a field needs it.
fn tsv_writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    Ok(csv::WriterBuilder::new()
        .delimiter(b'\t')
        .quote_style(csv::QuoteStyle::Necessary)
        .from_path(path)?)
}

fn write_clusters_tsv(path: &Path, rows: &[ExportRow<'_>], clusters: &ClusterMap) -> Result<()> {
    let mut writer = tsv_writer(path)?;
    let mut header = vec!["filename".to_string()];
    for level in 1..=clusters.levels.len() {
        header.push(format!("cluster_{level}"));
        header.push(format!("name_{level}"));
    }
    writer.write_record(&header)?;
    for (i, row) in rows.iter().enumerate() {
        let mut record = vec![spreadsheet_text(row.file)];
        for level in &clusters.levels {
            let cluster = level[i].map(|c| &clusters.records[c]);
            record.push(cluster.map_or(String::new(), |c| spreadsheet_text(&c.id)));
            record.push(cluster.map_or(String::new(), |c| spreadsheet_text(&c.name)));
        }
        writer.write_record(&record)?;
    }
    writer
        .flush()
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// Writes `items.tsv` into `dir` (created if needed), and beside it the features and their
/// PCA projection when the build computed them.
pub fn write_export(
    dir: &Path,
    rows: &[ExportRow<'_>],
    vectors: Option<(&dyn Rows, &Vectors)>,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    check_folder(dir)?;
    replace(dir, "items.tsv", |path| write_tsv(path, rows))?;
    let Some((features, reduced)) = vectors else {
        return add_to_marker(dir, &["items.tsv"]);
    };
    replace(dir, "features.npy", |path| write_npy_rows(path, features))?;
    let names: String = rows.iter().map(|r| format!("{}\n", r.file)).collect();
    replace(dir, "features.txt", |path| {
        std::fs::write(path, &names).with_context(|| format!("{}: cannot write", path.display()))
    })?;
    replace(dir, "features.pairing.json", |path| {
        let (npy, txt) = (dir.join("features.npy"), dir.join("features.txt"));
        pairing::record(&npy, &txt, rows.len(), path)
    })?;
    replace(dir, "reduced.npy", |path| write_npy(path, reduced))?;
    add_to_marker(
        dir,
        &[
            "items.tsv",
            "features.npy",
            "features.txt",
            "features.pairing.json",
            "reduced.npy",
        ],
    )
}

/// Refuses an export folder holding files that an earlier export did not write (as its
/// marker lists them): the export never overwrites a user's file. Absent or empty is fine.
pub fn check_folder(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let ours = marker_files(dir);
    let mut foreign: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != EXPORT_MARKER && !ours.contains(name))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    bail!(
        "{}: holds files an export did not write ({}); export into a new or empty folder",
        dir.display(),
        first_few(&foreign, 5)
    )
}

/// The files an earlier export listed in `dir`'s marker.
fn marker_files(dir: &Path) -> Vec<String> {
    std::fs::read(dir.join(EXPORT_MARKER))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Adds `names` to the marker of the export folder `dir`.
fn add_to_marker(dir: &Path, names: &[&str]) -> Result<()> {
    let mut listed = marker_files(dir);
    for name in names {
        if !listed.iter().any(|n| n == name) {
            listed.push((*name).to_string());
        }
    }
    listed.sort();
    replace(dir, EXPORT_MARKER, |path| {
        std::fs::write(path, serde_json::to_vec_pretty(&listed)?)
            .with_context(|| format!("{}: cannot write", path.display()))
    })
}

/// Writes `dir/name` through `write` into a temporary file beside it, renamed into place once
/// complete: a failed or killed export leaves the previous file whole.
fn replace(dir: &Path, name: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let temp = tempfile::Builder::new()
        .prefix(".zoomap-export-")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot write", dir.display()))?
        .into_temp_path();
    write(&temp)?;
    let target = dir.join(name);
    temp.persist(&target)
        .with_context(|| format!("{}: cannot write", target.display()))
}

fn write_tsv(path: &Path, rows: &[ExportRow<'_>]) -> Result<()> {
    let mut writer = tsv_writer(path)?;
    writer.write_record(["filename", "title", "url", "x", "y", "col", "row"])?;
    for row in rows {
        writer.write_record([
            &spreadsheet_text(row.file),
            &spreadsheet_text(row.title),
            &spreadsheet_text(row.url),
            &row.point[0].to_string(),
            &row.point[1].to_string(),
            &row.cell.col.to_string(),
            &row.cell.row.to_string(),
        ])?;
    }
    writer
        .flush()
        .with_context(|| format!("{}: cannot write", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_has_a_header_and_one_row_per_item() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [ExportRow {
            file: "a b.jpg",
            title: "A\tB",
            url: "",
            point: [0.5, -1.0],
            cell: Cell { col: 2, row: 3 },
        }];
        let v = Vectors {
            dim: 1,
            data: vec![1.0],
        };
        write_export(dir.path(), &rows, Some((&v as &dyn Rows, &v))).unwrap();
        let text = std::fs::read_to_string(dir.path().join("items.tsv")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "filename\ttitle\turl\tx\ty\tcol\trow");
        assert_eq!(lines[1], "a b.jpg\t\"A\tB\"\t\t0.5\t-1\t2\t3");
    }

    fn one_row() -> [ExportRow<'static>; 1] {
        [ExportRow {
            file: "a.jpg",
            title: "A",
            url: "",
            point: [0.0, 0.0],
            cell: Cell { col: 0, row: 0 },
        }]
    }

    #[test]
    fn an_export_never_overwrites_a_file_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("items.tsv"), "my own table").unwrap();
        let err = write_export(dir.path(), &one_row(), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("items.tsv") && err.contains("did not write"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(dir.path().join("items.tsv")).unwrap(),
            b"my own table"
        );
    }

    #[test]
    fn a_second_export_replaces_its_own_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        write_export(dir.path(), &one_row(), None).unwrap();
        check_folder(dir.path()).unwrap();
        write_export(dir.path(), &one_row(), None).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [EXPORT_MARKER, "items.tsv"]);
    }
}
