//! The site as IIIF, the way museums, libraries and archives exchange images: the mosaic as
//! an Image API 3.0 level-0 image ([`image`]), the map and each item as Presentation 3
//! Manifests and the items as a Collection ([`presentation`], [`items`]), so Mirador,
//! Universal Viewer or any IIIF client opens them. IIIF ids are absolute: every file is
//! written for the URL the site will be published at (`--base-url`).

pub mod image;
mod items;
pub mod presentation;

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};
use url::Url;

use crate::site::{SiteData, paths};
pub use image::{ImageInfo, Transfer};
pub use items::ItemColumns;
use presentation::{english, text};

/// The address `zoomap serve` answers on by default: the base URL of a site built without
/// `--base-url`.
pub const SERVE_URL: &str = "http://127.0.0.1:8000/";

/// The IIIF options: the site's public URL and the licence column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IiifOptions {
    /// The URL the site will be published at (`--base-url`); None: [`SERVE_URL`].
    pub base_url: Option<String>,
    /// The column holding each item's licence (`--iiif-rights`); None: found by name.
    pub rights_column: Option<String>,
}

impl IiifOptions {
    /// The base URL, checked: an absolute `http`/`https` URL, ending in `/`.
    pub fn base(&self) -> Result<Url> {
        let text = self.base_url.as_deref().unwrap_or(SERVE_URL);
        let mut url =
            Url::parse(text).with_context(|| format!("--base-url {text:?}: not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            bail!("--base-url {text:?}: IIIF ids need an http:// or https:// URL");
        }
        if url.query().is_some() || url.fragment().is_some() {
            bail!("--base-url {text:?}: a site's URL has no query or fragment");
        }
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        Ok(url)
    }

    /// Checks, before any work, that the metadata `columns` hold the `--iiif-rights` column.
    pub fn check_columns(&self, columns: &[String]) -> Result<()> {
        ItemColumns::find(columns, self.rights_column.as_deref()).map(|_| ())
    }

    /// Refuses a base URL IIIF cannot use, before any work.
    pub fn validate(&self) -> Result<()> {
        self.base().map(|_| ())
    }

    /// The note for a site whose IIIF ids point at `zoomap serve` rather than where it will
    /// be published.
    pub fn note(&self) -> Option<String> {
        self.base_url.is_none().then(|| {
            format!(
                "IIIF ids point at {SERVE_URL} (zoomap serve); to publish the IIIF files, \
                 rebuild with --base-url and the site's public URL"
            )
        })
    }
}

/// What the viewer needs of the site's IIIF (index.json's `iiif`): absolute URLs.
#[derive(Debug, Clone, Serialize)]
pub struct IiifIndex {
    /// The map's Manifest.
    pub manifest: String,
    /// The items' Collection.
    pub collection: String,
    /// An item's Manifest is this followed by its map cell index and `.json`.
    pub items: String,
}

impl IiifIndex {
    /// The URLs of a site published at `base`.
    pub fn new(base: &Url) -> Self {
        let at = |path: &str| format!("{base}{path}");
        Self {
            manifest: at(paths::IIIF_MANIFEST),
            collection: at(paths::IIIF_COLLECTION),
            items: at(&format!("{}/", paths::IIIF_ITEMS)),
        }
    }
}

/// Writes the site's IIIF into `dir`: the image (its tiles taken from the DeepZoom tile
/// folder `tiles` as `how` says), the map's Manifest, the items' Manifests and Collection.
pub fn write_iiif(
    dir: &Path,
    data: &SiteData,
    (image, tiles, how): (&ImageInfo, &Path, Transfer),
    options: &IiifOptions,
) -> Result<()> {
    let base = options.base()?;
    let image_id = format!("{base}{}", paths::IIIF_IMAGE);
    image::write_image(image, tiles, &dir.join(paths::IIIF_IMAGE), &image_id, how)?;
    let columns = ItemColumns::find(&data.columns, options.rights_column.as_deref())?;
    write_json(
        &dir.join(paths::IIIF_MANIFEST),
        &map_manifest(data, image, &base),
    )?;
    items::write_items(dir, data, &columns, &base)
}

/// The map's Manifest: one Canvas the mosaic's size, painted by its largest whole-image
/// size with the level-0 image service, so a client zooms to the full tiles.
fn map_manifest(data: &SiteData, image: &ImageInfo, base: &Url) -> Value {
    let label = text(&data.title);
    let image_id = format!("{base}{}", paths::IIIF_IMAGE);
    let (size, path) = image.largest_size();
    let body = presentation::ImageResource {
        id: format!("{image_id}/{path}"),
        format: "image/jpeg",
        size,
    };
    let service = json!({"id": image_id, "type": "ImageService3", "profile": "level0"});
    let canvas_id = format!("{base}{}/canvas", paths::IIIF);
    let canvas = presentation::canvas(
        &canvas_id,
        &label,
        body.json(Some(service)),
        [image.width, image.height],
    );
    let mut manifest = presentation::manifest(&format!("{base}{}", paths::IIIF_MANIFEST), &label);
    let count = data.items.len();
    manifest["summary"] = english(&format!(
        "A map of {count} images, similar ones side by side, built by zoomap {}.",
        env!("CARGO_PKG_VERSION")
    ));
    manifest["metadata"] = json!([
        {"label": english("Images"), "value": text(&count.to_string())},
        {"label": english("Built by"), "value": text(&format!("zoomap {}", env!("CARGO_PKG_VERSION")))},
    ]);
    manifest["homepage"] = json!([{
        "id": base.as_str(), "type": "Text", "label": label, "format": "text/html",
    }]);
    manifest["seeAlso"] = json!([{
        "id": format!("{base}{}", paths::IIIF_COLLECTION),
        "type": "Dataset",
        "label": english("The map's items, one Manifest each (a IIIF Collection)"),
        "format": "application/ld+json",
        "profile": "http://iiif.io/api/presentation/3/context.json",
    }]);
    manifest["items"] = json!([canvas]);
    manifest
}

/// Writes `value` as JSON into `path`, creating its folder.
pub(crate) fn write_json(path: &Path, value: &Value) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create", parent.display()))?;
    }
    fs::write(path, serde_json::to_vec(value)?)
        .with_context(|| format!("{}: cannot write", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_is_absolute_http_and_ends_in_a_slash() {
        let base = |url: &str| {
            IiifOptions {
                base_url: Some(url.into()),
                rights_column: None,
            }
            .base()
            .map(|u| u.to_string())
        };
        assert_eq!(
            base("https://example.org/maps/ceramics").unwrap(),
            "https://example.org/maps/ceramics/"
        );
        assert_eq!(IiifOptions::default().base().unwrap().as_str(), SERVE_URL);
        for bad in [
            "example.org/maps",
            "ftp://example.org/",
            "https://example.org/?a=1",
            "mailto:a@b",
        ] {
            assert!(base(bad).is_err(), "{bad}");
        }
        assert!(IiifOptions::default().note().is_some());
        let index = IiifIndex::new(&Url::parse("https://h/m/").unwrap());
        assert_eq!(index.items, "https://h/m/iiif/items/");
    }
}
