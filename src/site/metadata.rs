//! The metadata CSV joined to images by file name, and the `{Column}` templates that turn a
//! row into an item's title and URL.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::base::setting::{Setting, SettingError, check};
use crate::base::table;
use crate::site::originals::Originals;
use crate::stages::scan::image_name;

/// The metadata CSV: a header and one row per image, keyed by the filename column.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// Column names, in file order.
    pub columns: Vec<String>,
    /// The filename column's value (normalised to `/` separators) to the row's values.
    rows: HashMap<String, Vec<String>>,
}

impl Metadata {
    /// Reads `path`, keying rows by `filename_column`. A missing column, a duplicated file
    /// name or an unreadable row is an error naming the file and line.
    pub fn load(path: &Path, filename_column: &str) -> Result<Self> {
        let fail = |what: String| anyhow::anyhow!("{}: {what}", path.display());
        let (mut reader, columns) = table::open(path, false)?;
        let key = columns
            .iter()
            .position(|c| c == filename_column)
            .ok_or_else(|| {
                SettingError::error(
                    Setting::FilenameColumn,
                    format!(
                        "{}: no column {filename_column:?} for the file names (columns: {})",
                        path.display(),
                        columns.join(", ")
                    ),
                )
            })?;
        let mut rows = HashMap::new();
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| fail(e.to_string()))?;
            if record.iter().all(|field| field.trim().is_empty()) {
                continue; // the empty `,,,,` rows a spreadsheet leaves below its data
            }
            let values: Vec<String> = record.iter().map(str::to_string).collect();
            let name = image_name(&values[key]);
            if rows.insert(name.clone(), values).is_some() {
                bail!(
                    "{}: line {}: {name:?} appears twice",
                    path.display(),
                    line + 2
                );
            }
        }
        Ok(Self { columns, rows })
    }

    /// Adds the column `name` holding `values` (keyed by image name, as the rows are): rows
    /// without a value get "", and an image with a value but no row gets a row of its own,
    /// its file name in `filename_column` (added first where there are no columns yet).
    pub fn add_column(
        &mut self,
        name: &str,
        filename_column: &str,
        values: &std::collections::BTreeMap<String, String>,
    ) {
        if self.columns.is_empty() {
            self.columns.push(filename_column.to_string());
        }
        let key = self
            .columns
            .iter()
            .position(|c| c == filename_column)
            .unwrap_or(0);
        let width = self.columns.len();
        self.columns.push(name.to_string());
        for row in self.rows.values_mut() {
            row.push(String::new());
        }
        for (image, value) in values {
            let row = self.rows.entry(image.clone()).or_insert_with(|| {
                let mut row = vec![String::new(); width + 1];
                row[key] = image.clone();
                row
            });
            row[width] = value.clone();
        }
    }

    /// The row of the image named `name` (its path relative to the collection), matched
    /// exactly or, failing that, by the bare file name.
    pub fn row_for(&self, name: &str) -> Option<&[String]> {
        self.rows
            .get(name)
            .or_else(|| name.rsplit('/').next().and_then(|base| self.rows.get(base)))
            .map(Vec::as_slice)
    }

    /// Refuses a row keyed by a bare file name (no folder) that would attach to two or more of
    /// the images `names` (as `2019/IMG_0001.jpg` and `2020/IMG_0001.jpg`), naming two of them:
    /// one row describing several images is a mistake the map would repeat silently.
    pub fn check_bare_names<'a>(&self, names: impl Iterator<Item = &'a str>) -> Result<()> {
        let mut matched: HashMap<&str, Vec<&str>> = HashMap::new();
        for name in names {
            let base = name.rsplit('/').next().unwrap_or(name);
            if base != name && !self.rows.contains_key(name) && self.rows.contains_key(base) {
                matched.entry(base).or_default().push(name);
            }
        }
        let mut ambiguous: Vec<(&str, Vec<&str>)> = matched
            .into_iter()
            .filter(|(_, paths)| paths.len() > 1)
            .collect();
        ambiguous.sort();
        if let Some((base, paths)) = ambiguous.first() {
            bail!(
                "the metadata row for {base:?} matches {} images ({} and {}); name each image \
                 by its path inside the collection in the file-name column",
                paths.len(),
                paths[0],
                paths[1]
            );
        }
        Ok(())
    }

    /// File names the CSV lists that match none of `names`, sorted.
    pub fn unmatched<'a>(&self, names: impl Iterator<Item = &'a str>) -> Vec<String> {
        let mut known: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for name in names {
            known.insert(name);
            known.insert(name.rsplit('/').next().unwrap_or(name));
        }
        table::missing(self.rows.keys(), &known)
    }
}

/// A `{Column}` template for titles and URLs; `{{` and `}}` stand for literal braces.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Column(usize),
}

impl Template {
    /// Parses `text` against the CSV's `columns`; an unknown or unclosed column is an error.
    pub fn parse(text: &str, columns: &[String]) -> Result<Self> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    if !text.contains(&format!("{{{name}}}")) {
                        bail!("template {text:?}: unclosed {{{name}");
                    }
                    let index = columns.iter().position(|c| *c == name).with_context(|| {
                        format!(
                            "template {text:?}: no column {name:?} in the metadata (columns: {})",
                            columns.join(", ")
                        )
                    })?;
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                    parts.push(Part::Column(index));
                }
                '}' => {
                    bail!("template {text:?}: unmatched '}}' (write '}}}}' for a literal brace)")
                }
                c => literal.push(c),
            }
        }
        parts.push(Part::Text(literal));
        parts.retain(|p| *p != Part::Text(String::new()));
        Ok(Self { parts })
    }

    /// The URL template filled from one CSV row: each field inserted after the template's
    /// first character is percent-encoded as one URL component (RFC 3986's unreserved
    /// characters kept), so `a/../../admin` cannot climb out of the path the template names;
    /// a field the template starts with is the URL itself and goes in as written.
    pub fn render_url(&self, row: &[String]) -> String {
        use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
        const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let mut url = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => url.push_str(text),
                Part::Column(i) => {
                    let value = row.get(*i).map_or("", String::as_str);
                    if url.is_empty() {
                        url.push_str(value);
                    } else {
                        url.extend(utf8_percent_encode(value, COMPONENT));
                    }
                }
            }
        }
        url
    }

    /// The template filled from one CSV row, for reading (a title): an empty field takes with
    /// it the punctuation and spaces that only frame it, so `{Name} ({Year})` with no year
    /// reads "Name", not "Name ()" ([`drop_frame`]).
    pub fn render(&self, row: &[String]) -> String {
        let mut pieces: Vec<String> = Vec::with_capacity(self.parts.len());
        let mut empty = Vec::new();
        for part in &self.parts {
            let value = match part {
                Part::Text(text) => text.as_str(),
                Part::Column(i) => row.get(*i).map_or("", |v| v.trim()),
            };
            if matches!(part, Part::Column(_)) && value.is_empty() {
                empty.push(pieces.len());
            }
            pieces.push(value.to_string());
        }
        for &at in &empty {
            drop_frame(&mut pieces, at, |k| matches!(self.parts[k], Part::Text(_)));
        }
        pieces.concat().trim().to_string()
    }
}

/// Removes the frame of the empty field at `at` from the literal pieces beside it: the run of
/// spaces and punctuation that ends the literal before it ("Name (" → "Name", "A, " → "A"),
/// with, where that run opens a bracket, the literal after it up to the closing one; or,
/// for a field with no literal before it, the run that starts the literal after it.
fn drop_frame(pieces: &mut [String], at: usize, literal: impl Fn(usize) -> bool) {
    let framing = |c: char| !c.is_alphanumeric();
    let before = at.checked_sub(1).filter(|&k| literal(k));
    let after = Some(at + 1).filter(|&k| k < pieces.len() && literal(k));
    let Some(before) = before else {
        if let Some(after) = after {
            pieces[after] = pieces[after].trim_start_matches(framing).to_string();
        }
        return;
    };
    let kept = pieces[before].trim_end_matches(framing).len();
    let run = pieces[before].split_off(kept);
    let closing = run.chars().rev().find_map(|c| match c {
        '(' => Some(')'),
        '[' => Some(']'),
        '«' => Some('»'),
        '“' => Some('”'),
        _ => None,
    });
    if let (Some(close), Some(after)) = (closing, after) {
        let head: String = pieces[after].chars().take_while(|&c| framing(c)).collect();
        if let Some(end) = head.find(close) {
            pieces[after].drain(..end + close.len_utf8());
        }
    }
}

/// The page's title, each item's text and what its panel offers.
#[derive(Debug, Clone, Serialize)]
pub struct ItemOptions {
    /// Title of the map page; defaults to the collection folder's name.
    pub map_title: Option<String>,
    /// Metadata CSV.
    pub metadata: Option<PathBuf>,
    /// The CSV column naming each image.
    pub filename_column: String,
    /// Item title template, such as `{Name} ({Year})`.
    pub title: Option<String>,
    /// Item URL template, such as `https://example.org/objects/{Id}`.
    pub url: Option<String>,
    /// The columns cluster names may come from; empty: those that describe groups
    /// ([`super::naming`]).
    pub name_columns: Vec<String>,
    /// Whether the site carries the original files, for the full-image view and download.
    pub originals: Originals,
    /// The curator's saved groups (`filename,group`), a column of the metadata.
    pub groups: Option<PathBuf>,
}

impl Default for ItemOptions {
    fn default() -> Self {
        Self {
            map_title: None,
            metadata: None,
            filename_column: "filename".into(),
            title: None,
            url: None,
            name_columns: Vec::new(),
            originals: Originals::Auto,
            groups: None,
        }
    }
}

impl ItemOptions {
    /// A template's `{Column}`s come from the metadata: one without it is refused. (Whether
    /// the columns exist is checked once the CSV's header is read, still before decoding.)
    pub fn validate(&self) -> Result<()> {
        for (template, setting, what) in [
            (&self.title, Setting::Title, "title"),
            (&self.url, Setting::Url, "URL"),
        ] {
            check(
                template.is_none() || self.metadata.is_some(),
                setting,
                format!("the {what} template needs a metadata CSV: its {{Column}}s come from it"),
            )?;
        }
        check(
            self.name_columns.is_empty() || self.metadata.is_some(),
            Setting::NameColumns,
            "cluster names can be limited to metadata columns only when there is a metadata CSV",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn columns() -> Vec<String> {
        ["File", "Name", "Year", "Id"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn templates_fill_columns_and_keep_literal_braces() {
        let t = Template::parse("{Name} ({Year}) {{raw}}", &columns()).unwrap();
        let row: Vec<String> = ["a.jpg", "Vase", "1901", "7"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(t.render(&row), "Vase (1901) {raw}");
        let url = Template::parse("https://x.org/objects/{Id}", &columns()).unwrap();
        assert_eq!(url.render(&row), "https://x.org/objects/7");
        let climbing = ["a.jpg", "a/../../admin", "", "?x=1&y"].map(String::from);
        assert_eq!(
            Template::parse("https://x.org/objects/{Name}/{Id}", &columns())
                .unwrap()
                .render_url(&climbing),
            "https://x.org/objects/a%2F..%2F..%2Fadmin/%3Fx%3D1%26y"
        );
        let whole = ["a.jpg", "https://iiif.example.org/m/1", "", ""].map(String::from);
        assert_eq!(
            Template::parse("{Name}", &columns())
                .unwrap()
                .render_url(&whole),
            "https://iiif.example.org/m/1"
        );
    }

    #[test]
    fn an_empty_field_takes_its_frame_with_it() {
        let render = |template: &str, row: [&str; 4]| {
            let row = row.map(String::from);
            Template::parse(template, &columns()).unwrap().render(&row)
        };
        fn row<'a>(name: &'a str, year: &'a str) -> [&'a str; 4] {
            ["a.jpg", name, year, "7"]
        }
        assert_eq!(render("{Name} ({Year})", row("Vase", "")), "Vase");
        assert_eq!(render("{Name} ({Year})", row("Vase", "  ")), "Vase");
        assert_eq!(
            render("{Name} ({Year})", row("Vase", "1901")),
            "Vase (1901)"
        );
        assert_eq!(render("{Name}, {Year}", row("Vase", "")), "Vase");
        assert_eq!(render("{Year}, {Name}", row("Vase", "")), "Vase");
        assert_eq!(
            render("{Name} [{Year}] no. {Id}", row("Vase", "")),
            "Vase no. 7"
        );
        assert_eq!(render("{Name} – {Year}", row("", "1901")), "1901");
        assert_eq!(render("Item {Id}: {Name}", row("", "")), "Item 7");
    }

    #[test]
    fn template_errors_name_the_problem() {
        let err = Template::parse("{Nmae}", &columns())
            .unwrap_err()
            .to_string();
        assert!(err.contains("Nmae") && err.contains("Name"), "{err}");
        assert!(Template::parse("{Name", &columns()).is_err());
        assert!(Template::parse("a } b", &columns()).is_err());
    }

    #[test]
    fn a_bare_name_that_matches_two_images_is_an_error_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("m.csv");
        std::fs::write(&csv, "filename,Name\nIMG_0001.jpg,Daisy by the lake\n").unwrap();
        let metadata = Metadata::load(&csv, "filename").unwrap();
        let names = ["2019/IMG_0001.jpg", "2020/IMG_0001.jpg"];
        let err = metadata
            .check_bare_names(names.into_iter())
            .unwrap_err()
            .to_string();
        assert!(err.contains(names[0]) && err.contains(names[1]), "{err}");
        metadata
            .check_bare_names(names[..1].iter().copied())
            .unwrap();
    }

    #[test]
    fn csv_joins_on_path_or_bare_name_and_reports_unmatched_rows() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("items.csv");
        fs::write(&csv, "File,Name,Year,Id\nsub/a.jpg,Vase,1901,1\nb.png,\"Bowl, blue\",1850,2\nghost.jpg,Ghost,1,3\n").unwrap();
        let meta = Metadata::load(&csv, "File").unwrap();
        assert_eq!(meta.row_for("sub/a.jpg").unwrap()[1], "Vase");
        assert_eq!(meta.row_for("other/b.png").unwrap()[1], "Bowl, blue");
        assert!(meta.row_for("c.png").is_none());
        assert_eq!(
            meta.unmatched(["sub/a.jpg", "x/b.png"].into_iter()),
            vec!["ghost.jpg"]
        );
    }

    #[test]
    fn the_empty_rows_a_spreadsheet_leaves_below_its_data_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("items.csv");
        fs::write(&csv, "File,Name\r\na.jpg,Vase\r\n,\r\n,\r\n , \r\n").unwrap();
        let meta = Metadata::load(&csv, "File").unwrap();
        assert_eq!(meta.row_for("a.jpg").unwrap()[1], "Vase");
        assert!(meta.unmatched(["a.jpg"].into_iter()).is_empty());
    }

    #[test]
    fn missing_filename_column_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("items.csv");
        fs::write(&csv, "Name,Year\nVase,1901\n").unwrap();
        let err = Metadata::load(&csv, "filename").unwrap_err().to_string();
        assert!(
            err.contains("items.csv") && err.contains("filename"),
            "{err}"
        );
    }
}
