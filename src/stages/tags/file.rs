//! A tags file, as any tagger can write it (`--tags FILE`): a CSV with a header naming
//! `filename`, `label` and `score` (and optionally `wnid`, when the labels are ImageNet or
//! WordNet classes), several rows per image, in any column order. A malformed row is an
//! error naming the file and the line.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::base::table;

/// One tag of an image.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Its label.
    pub label: String,
    /// The tagger's score, 0–1.
    pub score: f32,
    /// Its WordNet id, where given.
    pub wnid: Option<String>,
}

/// Each image's tags (by its path in the collection), highest score first.
pub type Tags = HashMap<String, Vec<Tag>>;

/// Reads the tags file at `path`.
pub fn read(path: &Path) -> Result<Tags> {
    let (mut reader, header) = table::open(path, false)?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(file), Some(label), Some(score)) =
        (column("filename"), column("label"), column("score"))
    else {
        bail!(
            "{}: the header must name filename, label and score (it has {})",
            path.display(),
            header.join(", ")
        );
    };
    let wnid = column("wnid");
    let mut tags = Tags::new();
    for (k, record) in reader.records().enumerate() {
        let at = || format!("{} line {}", path.display(), k + 2);
        let record = record.with_context(at)?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        if field(file).is_empty() || field(label).is_empty() {
            bail!("{}: a tag needs a file name and a label", at());
        }
        let value: f32 = match field(score).parse() {
            Ok(v) if (0.0..=1.0).contains(&v) => v,
            _ => bail!(
                "{}: score {:?} is not a number from 0 to 1",
                at(),
                field(score)
            ),
        };
        tags.entry(field(file).replace('\\', "/"))
            .or_default()
            .push(Tag {
                label: field(label).to_string(),
                score: value,
                wnid: wnid
                    .map(field)
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            });
    }
    for list in tags.values_mut() {
        list.sort_by(|a, b| b.score.total_cmp(&a.score));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<Tags> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tags.csv");
        std::fs::write(&path, text).unwrap();
        read(&path).map_err(|e| {
            anyhow::anyhow!(
                "{}",
                format!("{e:#}").replace(&dir.path().display().to_string(), "DIR")
            )
        })
    }

    #[test]
    fn reads_tags_in_any_column_order_and_names_the_line_of_a_bad_row() {
        let tags = read_text("score,filename,label,wnid\n0.2,a.jpg,whippet,n02091134\n0.7,a.jpg,dog,\n0.5,sub/b.jpg,canoe,\n").unwrap();
        assert_eq!(
            tags["a.jpg"]
                .iter()
                .map(|t| t.label.as_str())
                .collect::<Vec<_>>(),
            ["dog", "whippet"]
        );
        assert_eq!(tags["a.jpg"][1].wnid.as_deref(), Some("n02091134"));
        assert_eq!(tags["sub/b.jpg"][0].score, 0.5);
        let error = read_text("filename,label,score\na.jpg,dog,0.5\nb.jpg,cat,high\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "DIR/tags.csv line 3: score \"high\" is not a number from 0 to 1"
        );
        let error = read_text("filename,label,score\n,dog,0.5\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 2: a tag needs a file name and a label"),
            "{error}"
        );
        assert!(
            read_text("file,tag\na.jpg,dog\n")
                .unwrap_err()
                .to_string()
                .contains("must name filename, label and score")
        );
        assert!(read_text("filename,label,score\na.jpg,dog,1.5\n").is_err());
        let short = read_text("filename,label,score\na.jpg,dog\n")
            .unwrap_err()
            .to_string();
        assert!(short.contains("line 2"), "{short}");
    }
}
