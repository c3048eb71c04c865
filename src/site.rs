//! The published site: item records from the metadata CSV (titles and URLs from `{Column}`
//! templates), the viewer page rendered with minijinja, and the viewer's assets, all embedded
//! in the binary.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use include_dir::{Dir, include_dir};
use serde::Serialize;

use crate::scan::image_name;

static STATIC_ASSETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/static");
const INDEX_TEMPLATE: &str = include_str!("../templates/index.html");

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
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| fail(e.to_string()))?;
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| fail(e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let key = columns
            .iter()
            .position(|c| c == filename_column)
            .ok_or_else(|| fail(format!("no column {filename_column:?} (columns: {}); choose one with --filename-column", columns.join(", "))))?;
        let mut rows = HashMap::new();
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| fail(e.to_string()))?;
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

    /// The row of the image named `name` (its path relative to the collection), matched
    /// exactly or, failing that, by the bare file name.
    pub fn row_for(&self, name: &str) -> Option<&[String]> {
        self.rows
            .get(name)
            .or_else(|| name.rsplit('/').next().and_then(|base| self.rows.get(base)))
            .map(Vec::as_slice)
    }

    /// File names the CSV lists that match none of `names`, sorted.
    pub fn unmatched<'a>(&self, names: impl Iterator<Item = &'a str>) -> Vec<String> {
        let mut known: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for name in names {
            known.insert(name);
            known.insert(name.rsplit('/').next().unwrap_or(name));
        }
        let mut missing: Vec<String> = self
            .rows
            .keys()
            .filter(|k| !known.contains(k.as_str()))
            .cloned()
            .collect();
        missing.sort();
        missing
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

    /// The template filled from one CSV row.
    pub fn render(&self, row: &[String]) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.as_str(),
                Part::Column(i) => row.get(*i).map_or("", String::as_str),
            })
            .collect()
    }
}

/// One placed image as the viewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Path relative to the collection.
    pub file: String,
    /// Hover and panel title.
    pub title: String,
    /// Page opened from the panel, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Grid column and row.
    pub cell: [u32; 2],
    /// The item's preview image, relative to the page.
    pub preview: String,
    /// The metadata row's values, in the order of `SiteData::columns`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// Everything the viewer needs besides the tiles, written as `items.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteData {
    /// The map's title.
    pub title: String,
    /// Grid columns and rows.
    pub grid: [u32; 2],
    /// Cell side in mosaic pixels.
    pub cell: u32,
    /// Metadata column names.
    pub columns: Vec<String>,
    /// One record per placed image, in the order of the export's rows.
    pub items: Vec<Item>,
}

/// An image's place on the map, before metadata is joined.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Path relative to the collection.
    pub file: String,
    /// Grid column and row.
    pub cell: [u32; 2],
    /// Preview image path relative to the page.
    pub preview: String,
}

/// Builds the item records: titles and URLs from the templates where a metadata row
/// exists, the file name otherwise.
pub fn items(
    placed: &[Placed],
    metadata: Option<&Metadata>,
    title: Option<&Template>,
    url: Option<&Template>,
) -> Vec<Item> {
    placed
        .iter()
        .map(
            |Placed {
                 file,
                 cell,
                 preview,
             }| {
                let row = metadata.and_then(|m| m.row_for(file));
                let fallback_title = file.rsplit('/').next().unwrap_or(file).to_string();
                Item {
                    file: file.clone(),
                    title: match (row, title) {
                        (Some(row), Some(t)) => t.render(row),
                        _ => fallback_title,
                    },
                    url: row.zip(url).map(|(row, t)| t.render(row)),
                    cell: *cell,
                    preview: preview.clone(),
                    fields: row.map(<[String]>::to_vec).unwrap_or_default(),
                }
            },
        )
        .collect()
}

/// What the page template needs to draw the map without fetching the DZI description.
#[derive(Debug, Clone, Serialize)]
pub struct PageConfig {
    /// Map title.
    pub title: String,
    /// Mosaic width, in pixels.
    pub width: u32,
    /// Mosaic height, in pixels.
    pub height: u32,
    /// DZI tile size.
    pub tile_size: u32,
    /// DZI overlap.
    pub overlap: u32,
    /// Tile file extension.
    pub format: String,
    /// Tiles folder, relative to the page.
    pub tiles: String,
    /// Item data, relative to the page.
    pub data: String,
    /// Background colour as CSS.
    pub background: String,
}

/// Writes `index.html`, `items.json` and the viewer's assets into `dir`.
pub fn write_site(dir: &Path, data: &SiteData, page: &PageConfig) -> Result<()> {
    fs::write(dir.join("items.json"), serde_json::to_vec(data)?)?;
    fs::write(dir.join("index.html"), render_page(page)?)?;
    let assets = dir.join("static");
    fs::create_dir_all(&assets)?;
    STATIC_ASSETS
        .extract(&assets)
        .with_context(|| format!("{}: cannot write viewer assets", assets.display()))?;
    Ok(())
}

/// The viewer page, from the embedded template.
pub fn render_page(page: &PageConfig) -> Result<String> {
    let mut env = minijinja::Environment::new();
    env.add_template("index.html", INDEX_TEMPLATE)?;
    Ok(env
        .get_template("index.html")?
        .render(minijinja::context! { page })?)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let title = Template::parse("{Name} ({Year})", &meta.columns).unwrap();
        let place = |file: &str, col| Placed {
            file: file.into(),
            cell: [col, 0],
            preview: String::new(),
        };
        let placed = vec![place("sub/a.jpg", 0), place("c.png", 1)];
        let items = items(&placed, Some(&meta), Some(&title), None);
        assert_eq!(items[0].title, "Vase (1901)");
        assert_eq!(items[1].title, "c.png");
        assert!(items[1].fields.is_empty());
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

    #[test]
    fn page_renders_with_escaped_title() {
        let page = PageConfig {
            title: "<Ships & Boats>".into(),
            width: 512,
            height: 256,
            tile_size: 254,
            overlap: 1,
            format: "jpg".into(),
            tiles: "map_files".into(),
            data: "items.json".into(),
            background: "#111".into(),
        };
        let html = render_page(&page).unwrap();
        assert!(html.contains("&lt;Ships &amp; Boats&gt;"), "{html}");
        assert!(html.contains("\"tile_size\":254"));
    }
}
