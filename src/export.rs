//! Export for downstream tools: `items.tsv` (one row per placed image), `features.npy` (the
//! vectors laid out, before PCA) with `features.txt` (their image paths, so the pair can be fed
//! back with `--features`) and `reduced.npy` (after PCA), rows in the same order; with
//! clusters, `clusters.tsv` (each image's cluster id and name at every level) and
//! `clusters.json` (the tree).

use std::path::Path;

use anyhow::{Context, Result};

use crate::clusters::ClusterMap;
use crate::layout::Cell;
use crate::vectors::{Rows, Vectors, write_npy, write_npy_rows};

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
pub fn write_clusters(dir: &Path, rows: &[ExportRow<'_>], clusters: &ClusterMap) -> Result<()> {
    let path = dir.join("clusters.tsv");
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b'\t')
        .quote_style(csv::QuoteStyle::Necessary)
        .from_path(&path)?;
    let mut header = vec!["filename".to_string()];
    for level in 1..=clusters.levels.len() {
        header.push(format!("cluster_{level}"));
        header.push(format!("name_{level}"));
    }
    writer.write_record(&header)?;
    for (i, row) in rows.iter().enumerate() {
        let mut record = vec![row.file.to_string()];
        for level in &clusters.levels {
            let cluster = level[i].map(|c| &clusters.records[c]);
            record.push(cluster.map_or(String::new(), |c| c.id.clone()));
            record.push(cluster.map_or(String::new(), |c| c.name.clone()));
        }
        writer.write_record(&record)?;
    }
    writer
        .flush()
        .with_context(|| format!("{}: cannot write", path.display()))?;
    let json = dir.join("clusters.json");
    std::fs::write(&json, serde_json::to_vec_pretty(&clusters.records)?)
        .with_context(|| format!("{}: cannot write", json.display()))
}

/// Writes `items.tsv` into `dir` (created if needed), and beside it the features and their
/// PCA projection when the build computed them.
pub fn write_export(
    dir: &Path,
    rows: &[ExportRow<'_>],
    vectors: Option<(&dyn Rows, &Vectors)>,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    write_tsv(&dir.join("items.tsv"), rows)?;
    let Some((features, reduced)) = vectors else {
        return Ok(());
    };
    write_npy_rows(&dir.join("features.npy"), features)?;
    let names: String = rows.iter().map(|r| format!("{}\n", r.file)).collect();
    std::fs::write(dir.join("features.txt"), names)
        .with_context(|| format!("{}: cannot write", dir.display()))?;
    write_npy(&dir.join("reduced.npy"), reduced)
}

fn write_tsv(path: &Path, rows: &[ExportRow<'_>]) -> Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b'\t')
        .quote_style(csv::QuoteStyle::Necessary)
        .from_path(path)?;
    writer.write_record(["filename", "title", "url", "x", "y", "col", "row"])?;
    for row in rows {
        writer.write_record([
            row.file,
            row.title,
            row.url,
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
}
