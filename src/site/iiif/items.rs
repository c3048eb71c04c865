//! One IIIF Manifest per item (`iiif/items/{cell}.json`, named by the item's cell on the map
//! as every per-item file of the site is) and the Collection of them.

use std::path::Path;

use anyhow::{Result, bail};
use rayon::prelude::*;
use serde_json::{Value, json};
use url::Url;

use super::presentation::{self, ImageResource, english, text, value};
use super::write_json;
use crate::site::facets::NO_YEAR;
use crate::site::{Item, SiteData, paths};

/// Column names (lower case) that hold an item's attribution: its `requiredStatement`.
const ATTRIBUTION: [&str; 7] = [
    "attribution",
    "credit",
    "credit line",
    "creditline",
    "courtesy",
    "copyright",
    "rights holder",
];
/// Column names (lower case) that hold an item's licence: its `rights` where the value is a
/// licence URI, else shown with the attribution.
const LICENCE: [&str; 6] = [
    "license",
    "licence",
    "rights",
    "rights statement",
    "usage",
    "usage rights",
];
/// Column names (lower case) that describe an item: its `summary`.
const DESCRIPTION: [&str; 4] = ["description", "summary", "caption", "abstract"];

/// The metadata columns that become an item Manifest's own properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemColumns {
    /// Attribution (`requiredStatement`).
    attribution: Option<usize>,
    /// Licence (`rights`).
    licence: Option<usize>,
    /// Description (`summary`).
    description: Option<usize>,
}

impl ItemColumns {
    /// Finds the columns among `columns` by their common names (case and spaces aside); the
    /// licence column is `rights` where named (an error if there is no such column).
    pub fn find(columns: &[String], rights: Option<&str>) -> Result<Self> {
        let named = |names: &[&str]| {
            columns.iter().position(|c| {
                let c = c.trim().to_lowercase().replace(['_', '-'], " ");
                names.contains(&c.as_str())
            })
        };
        let licence = match rights {
            Some(column) => match columns.iter().position(|c| c == column) {
                Some(index) => Some(index),
                None => bail!("--iiif-rights: the metadata has no column {column:?}"),
            },
            None => named(&LICENCE),
        };
        Ok(Self {
            attribution: named(&ATTRIBUTION),
            licence,
            description: named(&DESCRIPTION),
        })
    }
}

/// Writes every item's Manifest and the Collection of them into the site folder `dir`.
pub fn write_items(dir: &Path, data: &SiteData, columns: &ItemColumns, base: &Url) -> Result<()> {
    data.items
        .par_iter()
        .enumerate()
        .try_for_each(|(row, item)| {
            let manifest = item_manifest(dir, data, (row, item), columns, base);
            write_json(
                &dir.join(paths::iiif_item(data.grid.index(item.cell))),
                &manifest,
            )
        })?;
    write_collections(dir, data, base)
}

/// The Manifest of `item` (row `row` of the site's items).
fn item_manifest(
    dir: &Path,
    data: &SiteData,
    (row, item): (usize, &Item),
    columns: &ItemColumns,
    base: &Url,
) -> Value {
    let cell = data.grid.index(item.cell);
    let id = format!("{base}{}", paths::iiif_item(cell));
    let label = text(&item.title);
    let mut manifest = presentation::manifest(&id, &label);
    let field = |column: Option<usize>| {
        column
            .and_then(|c| item.fields.get(c))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    };
    let summary =
        field(columns.description).map_or_else(|| text(&format!("In {}", data.title)), value);
    manifest["summary"] = summary;
    manifest["metadata"] = metadata(data, item);
    if let Some(year) = data
        .years
        .as_ref()
        .map(|y| y.years[row])
        .filter(|&y| y != NO_YEAR)
        && let Some(date) = presentation::nav_date(i32::from(year))
    {
        manifest["navDate"] = json!(date);
    }
    manifest["homepage"] = homepage(item, cell, base);
    let preview = resource(dir, &item.preview, base);
    if let Some(preview) = &preview {
        manifest["thumbnail"] = json!([preview.json(None)]);
    }
    add_rights(
        &mut manifest,
        field(columns.attribution),
        field(columns.licence),
    );
    manifest["partOf"] =
        json!([{"id": format!("{base}{}", paths::IIIF_COLLECTION), "type": "Collection"}]);
    let body = item
        .original
        .as_ref()
        .and_then(|o| resource(dir, o, base))
        .or(preview);
    if let Some(body) = body {
        let canvas_id = format!("{base}{}/{cell}/canvas", paths::IIIF_ITEMS);
        let size = body.size;
        manifest["items"] = json!([presentation::canvas(
            &canvas_id,
            &label,
            body.json(None),
            size
        )]);
    } else {
        manifest["items"] = json!([]);
    }
    manifest
}

/// Every metadata column of `item` with a value, as label/value pairs.
fn metadata(data: &SiteData, item: &Item) -> Value {
    let pairs: Vec<Value> = data
        .columns
        .iter()
        .zip(&item.fields)
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(column, v)| json!({"label": text(column), "value": value(v)}))
        .collect();
    json!(pairs)
}

/// The item's pages: its own (the `--url` template's, made absolute) and its place on the map.
fn homepage(item: &Item, cell: usize, base: &Url) -> Value {
    let own = item.url.as_deref().and_then(|url| base.join(url).ok());
    let mut pages: Vec<Value> = own
        .map(|url| json!({"id": url.as_str(), "type": "Text", "label": text(&item.title), "format": "text/html"}))
        .into_iter()
        .collect();
    pages.push(json!({
        "id": format!("{base}#item={cell}"),
        "type": "Text",
        "label": english("On the map"),
        "format": "text/html",
    }));
    json!(pages)
}

/// `requiredStatement` from the attribution (with a licence that is no licence URI beside
/// it) and `rights` from a licence URI.
fn add_rights(manifest: &mut Value, attribution: Option<&str>, licence: Option<&str>) {
    let uri = licence.filter(|l| presentation::is_rights_uri(l));
    if let Some(uri) = uri {
        manifest["rights"] = json!(uri.trim());
    }
    let statement: Vec<&str> = attribution
        .into_iter()
        .chain(licence.filter(|_| uri.is_none()))
        .collect();
    if !statement.is_empty() {
        manifest["requiredStatement"] = json!({
            "label": english("Attribution"),
            "value": value(&statement.join(". ")),
        });
    }
}

/// The image file at `relative` in the site, as a resource at `base` with its size read
/// from its header; None where it cannot be read.
fn resource(dir: &Path, relative: &str, base: &Url) -> Option<ImageResource> {
    let (width, height) = dimensions(&dir.join(relative))?;
    let extension = Path::new(relative).extension()?.to_string_lossy();
    Some(ImageResource {
        id: format!("{base}{relative}"),
        format: presentation::image_format(&extension),
        size: [width, height],
    })
}

/// Most bytes a header read may allocate: a hostile original (a PNG with a giant chunk)
/// took 800 MB through `image::image_dimensions`, which sets no limit.
const HEADER_ALLOC: u64 = 16 << 20;

/// The width and height in the header of the image at `path`, read within [`HEADER_ALLOC`].
fn dimensions(path: &Path) -> Option<(u32, u32)> {
    let mut reader = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(HEADER_ALLOC);
    reader.limits(limits);
    reader.into_dimensions().ok()
}

/// The items' Collection: their Manifests, or past [`presentation::PER_COLLECTION`] nested
/// Collections of that many each, in the items' order.
fn write_collections(dir: &Path, data: &SiteData, base: &Url) -> Result<()> {
    let references: Vec<Value> = data
        .items
        .iter()
        .map(|item| {
            let id = format!("{base}{}", paths::iiif_item(data.grid.index(item.cell)));
            presentation::reference(&id, "Manifest", &text(&item.title))
        })
        .collect();
    let label = text(&data.title);
    let top_id = format!("{base}{}", paths::IIIF_COLLECTION);
    if references.len() <= presentation::PER_COLLECTION {
        return write_json(
            &dir.join(paths::IIIF_COLLECTION),
            &presentation::collection(&top_id, &label, references),
        );
    }
    let mut parts = Vec::new();
    for (k, chunk) in references.chunks(presentation::PER_COLLECTION).enumerate() {
        let path = format!("{}/{k}.json", paths::IIIF_COLLECTIONS);
        let first = k * presentation::PER_COLLECTION + 1;
        let part_label = english(&format!("Items {first}–{}", first + chunk.len() - 1));
        let id = format!("{base}{path}");
        write_json(
            &dir.join(&path),
            &presentation::collection(&id, &part_label, chunk.to_vec()),
        )?;
        parts.push(presentation::reference(&id, "Collection", &part_label));
    }
    write_json(
        &dir.join(paths::IIIF_COLLECTION),
        &presentation::collection(&top_id, &label, parts),
    )
}
