//! The published site: item records from the metadata CSV (titles and URLs from `{Column}`
//! templates), split into the files a page fetches as it needs them, the viewer page rendered
//! with minijinja, and the viewer's assets, all embedded in the binary.

pub mod data;
pub mod facets;
pub mod groups;
pub mod iiif;
pub mod links;
pub mod metadata;
pub mod naming;
pub mod originals;
pub mod paths;
pub mod publish;
pub mod search;
mod version;

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use include_dir::{Dir, include_dir};
use serde::Serialize;

use crate::base::grid::{Cell, Grid};
use crate::stages::clusters::ClusterMap;
use crate::stages::clusters::names::ItemText;
use crate::stages::tags::MachineTag;
use crate::stages::tiles::Level;

pub use data::write_data;
pub use metadata::{Metadata, Template};

/// The Content-Security-Policy of every site page: scripts, styles, images and data from the
/// site itself only, no inline script or style, no plugins, no `<base>` or form targets. The
/// page carries it in a `<meta http-equiv>` (so any static host applies it) and `serve` also
/// sends it as a header.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'none'";

static STATIC_ASSETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/static");
const INDEX_TEMPLATE: &str = include_str!("../../templates/index.html");

/// One placed image as the viewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Path relative to the collection.
    pub file: String,
    /// Hover and panel title.
    pub title: String,
    /// Page opened from the panel, if any: only a URL [`links::is_safe_link`] accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The item's URL when it may not be a link (such as `javascript:`): shown as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_text: Option<String>,
    /// The item's grid cell.
    pub cell: Cell,
    /// The item's preview image, relative to the page.
    pub preview: String,
    /// The original file copied or linked into the site, relative to the page, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// The metadata row's values, in the order of `SiteData::columns`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// What a model or tagger says the image depicts, best first: shown and searched apart
    /// from the collection's own metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<MachineTag>,
}

/// Everything the viewer needs besides the tiles, written as the `data/` folder.
#[derive(Debug, Clone, Serialize)]
pub struct SiteData {
    /// The map's title.
    pub title: String,
    /// The map's grid.
    pub grid: Grid,
    /// Side of a grid cell, in mosaic pixels.
    pub cell_side: u32,
    /// Metadata column names.
    pub columns: Vec<String>,
    /// One record per placed image, in the order of the export's rows.
    pub items: Vec<Item>,
    /// The metadata columns the viewer filters by as checkboxes ([`facets::find_facets`]).
    pub facets: Vec<facets::Facet>,
    /// The year column, if any ([`facets::find_years`]).
    pub years: Option<facets::Years>,
    /// Per column, whether it may name clusters ([`naming::nameable_columns`]).
    pub naming: Vec<bool>,
    /// Each item's nearest items in feature space (rows of `items`), when positions came
    /// from features: the viewer's "more like this".
    #[serde(skip)]
    pub similar: Option<crate::base::neighbours::Similar>,
    /// The map's layouts, in the Layout menu's order (`--layouts`; the map's own among
    /// them): none for a site written without the build's layouts step.
    #[serde(skip)]
    pub layouts: Vec<data::SiteLayout>,
    /// The URLs of the site's IIIF Manifests, for the viewer's IIIF links; None for a site
    /// written without them.
    #[serde(skip)]
    pub iiif: Option<iiif::IiifIndex>,
}

impl SiteData {
    /// The site data of `items`, with the facets and the year column found in their metadata
    /// (found once, for the filter files and for naming clusters).
    pub fn new(
        title: String,
        grid: Grid,
        cell_side: u32,
        columns: Vec<String>,
        items: Vec<Item>,
    ) -> Self {
        let years = facets::find_years(&columns, &items);
        let mut facets = facets::find_facets(&columns, &items, years.as_ref().map(|y| y.column));
        facets.extend(facets::depicts_facet(columns.len(), &items));
        let naming = naming::nameable_columns(&columns, &items);
        Self {
            title,
            grid,
            cell_side,
            columns,
            items,
            facets,
            years,
            naming,
            similar: None,
            layouts: Vec::new(),
            iiif: None,
        }
    }

    /// Names clusters from the columns named in `chosen` only (`--name-columns`), when any.
    pub fn name_by(&mut self, chosen: &[String]) -> anyhow::Result<()> {
        if !chosen.is_empty() {
            self.naming = naming::chosen_columns(&self.columns, chosen)?;
        }
        Ok(())
    }

    /// What each item says of itself, for naming clusters: the search index's words of its
    /// nameable columns and file stem, its value of each nameable facet and its year.
    pub fn naming_texts(&self) -> Vec<ItemText> {
        let nameable = |column: usize| self.naming.get(column).copied().unwrap_or(false);
        let facets: Vec<&facets::Facet> =
            self.facets.iter().filter(|f| nameable(f.column)).collect();
        self.items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let stem = item.file.rsplit('/').next().unwrap_or(&item.file);
                let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
                let fields = (item.fields.iter().enumerate())
                    .filter(|&(c, _)| nameable(c))
                    .map(|(_, field)| field.as_str());
                let mut words: Vec<String> = fields
                    .chain(std::iter::once(stem))
                    .flat_map(search::words)
                    .collect();
                words.sort_unstable();
                words.dedup();
                ItemText {
                    words,
                    facet_values: facets
                        .iter()
                        .filter_map(|f| match &f.codes {
                            facets::FacetCodes::One(codes) => f.values.get(usize::from(codes[i])),
                            facets::FacetCodes::Several(_) => None,
                        })
                        .cloned()
                        .collect(),
                    year: self
                        .years
                        .as_ref()
                        .map(|y| y.years[i])
                        .filter(|&y| y != facets::NO_YEAR),
                    tags: (item.tags.iter())
                        .map(|t| t.words().map(|(w, n)| (w.to_string(), n)).collect())
                        .collect(),
                }
            })
            .collect()
    }
}

/// An image's place on the map, before metadata is joined.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Path relative to the collection.
    pub file: String,
    /// The image's grid cell.
    pub cell: Cell,
    /// Preview image path relative to the page.
    pub preview: String,
    /// The original file in the site, relative to the page, if it is there.
    pub original: Option<String>,
    /// Its machine tags, best first.
    pub tags: Vec<MachineTag>,
}

/// Builds the item records: titles and URLs from the templates where a metadata row
/// exists, the file name otherwise. A URL that may not be a link goes to `url_text`, and an
/// empty one is none.
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
                 original,
                 tags,
             }| {
                let row = metadata.and_then(|m| m.row_for(file));
                let fallback_title = file.rsplit('/').next().unwrap_or(file).to_string();
                let rendered = row
                    .zip(url)
                    .map(|(row, t)| t.render_url(row))
                    .filter(|u| !u.trim().is_empty());
                let (url, url_text) = match rendered {
                    Some(u) if links::is_safe_link(&u) => (Some(u), None),
                    other => (None, other),
                };
                Item {
                    file: file.clone(),
                    title: match (row, title) {
                        (Some(row), Some(t)) => t.render(row),
                        _ => fallback_title,
                    },
                    url,
                    url_text,
                    cell: *cell,
                    preview: preview.clone(),
                    original: original.clone(),
                    fields: row.map(<[String]>::to_vec).unwrap_or_default(),
                    tags: tags.clone(),
                }
            },
        )
        .collect()
}

/// An RGB colour as CSS writes it, `#rrggbb`: how the page and the command line show the
/// background.
pub fn css_colour([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
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
    /// Item data folder, relative to the page.
    pub data: String,
    /// Background colour as CSS.
    pub background: String,
    /// The pyramid's levels, coarsest first.
    pub levels: Vec<Level>,
    /// The most screen pixels per mosaic pixel the viewer zooms to ([`max_zoom`]).
    pub max_zoom: f64,
}

/// How far past its cells' own resolution the map zooms, as OpenSeadragon's
/// `maxZoomPixelRatio` does: beyond this, pixels only get bigger.
pub const MAX_PIXEL_RATIO: f64 = 1.5;

/// The deepest zoom worth offering, in screen pixels per mosaic pixel: [`MAX_PIXEL_RATIO`]
/// times the median share of its cell's resolution an image has (1 when images are at least
/// as large as their cells; 224 / 256 for 224-pixel photos in 256-pixel cells), so small
/// images are not stretched into mush.
pub fn max_zoom(fitted_sides: impl Iterator<Item = u32>, cell_side: u32) -> f64 {
    let mut shares: Vec<f64> = fitted_sides
        .map(|side| (f64::from(side) / f64::from(cell_side.max(1))).min(1.0))
        .collect();
    if shares.is_empty() {
        return MAX_PIXEL_RATIO;
    }
    shares.sort_by(f64::total_cmp);
    MAX_PIXEL_RATIO * shares[shares.len() / 2]
}

/// Writes `index.html`, the `data/` folder (with the `clusters`, if any) and the viewer's
/// assets into `dir`.
pub fn write_site(
    dir: &Path,
    data: &SiteData,
    clusters: Option<&ClusterMap>,
    page: &PageConfig,
) -> Result<()> {
    write_data(dir, data, clusters)?;
    fs::write(dir.join(paths::THEME), theme_css(page))?;
    write_assets(&dir.join(paths::ASSETS))?;
    let version = version::content_version(dir, &[paths::PAGE, paths::REPORT])?;
    fs::write(dir.join(paths::PAGE), render_page(page, &version)?)?;
    Ok(())
}

/// The viewer's assets into `assets`, less the unit tests that sit beside its modules
/// (`*.test.js`, run by `node --test static/`).
fn write_assets(assets: &Path) -> Result<()> {
    fs::create_dir_all(assets)?;
    let shipped = STATIC_ASSETS
        .files()
        .filter(|file| !file.path().to_string_lossy().ends_with(".test.js"));
    for file in shipped {
        let path = assets.join(file.path());
        fs::write(&path, file.contents())
            .with_context(|| format!("{}: cannot write viewer asset", path.display()))?;
    }
    Ok(())
}

/// What the page's config script holds: the page settings and the site's content version,
/// which the viewer adds to every URL it fetches ([`version`]).
#[derive(Serialize)]
struct PageScript<'a> {
    #[serde(flatten)]
    page: &'a PageConfig,
    version: &'a str,
}

/// The viewer page, from the embedded template, for the site whose content has `version`.
pub fn render_page(page: &PageConfig, version: &str) -> Result<String> {
    let mut env = minijinja::Environment::new();
    env.add_template("index.html", INDEX_TEMPLATE)?;
    Ok(env
        .get_template("index.html")?
        .render(minijinja::context! {
            page,
            config => PageScript { page, version },
            version,
            csp => CONTENT_SECURITY_POLICY,
        })?)
}

/// The site's own style: its page colour, in a file because the CSP allows no inline style.
fn theme_css(page: &PageConfig) -> String {
    format!("body {{ background: {}; }}\n", page.background)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_take_titles_from_the_template_or_the_file_name() {
        let columns: Vec<String> = ["File", "Name", "Year"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("items.csv");
        fs::write(&csv, "File,Name,Year\nsub/a.jpg,Vase,1901\n").unwrap();
        let meta = Metadata::load(&csv, "File").unwrap();
        let title = Template::parse("{Name} ({Year})", &columns).unwrap();
        let place = |file: &str, col| Placed {
            file: file.into(),
            cell: Cell { col, row: 0 },
            preview: String::new(),
            original: None,
            tags: Vec::new(),
        };
        let placed = vec![place("sub/a.jpg", 0), place("c.png", 1)];
        let items = items(&placed, Some(&meta), Some(&title), None);
        assert_eq!(items[0].title, "Vase (1901)");
        assert_eq!(items[1].title, "c.png");
        assert!(items[1].fields.is_empty());
    }

    fn page_titled(title: &str) -> PageConfig {
        PageConfig {
            title: title.into(),
            width: 512,
            height: 256,
            tile_size: 254,
            overlap: 1,
            format: "jpg".into(),
            tiles: paths::TILES.into(),
            data: paths::DATA.into(),
            background: "#111".into(),
            levels: crate::stages::tiles::Pyramid {
                width: 512,
                height: 256,
            }
            .levels(254),
            max_zoom: MAX_PIXEL_RATIO,
        }
    }

    #[test]
    fn page_renders_with_escaped_title() {
        let html = render_page(&page_titled("<Ships & Boats>"), "0").unwrap();
        assert!(html.contains("&lt;Ships &amp; Boats&gt;"), "{html}");
        assert!(html.contains("\"tile_size\":254"));
        assert!(html.contains("http-equiv=\"Content-Security-Policy\""));
        assert!(!html.contains("style="), "no inline style under the CSP");
    }

    #[test]
    fn a_title_cannot_close_the_config_script_or_the_page_title() {
        let title = "</script><script>alert(1)</script></title><img src=x onerror=alert(1)>";
        let html = render_page(&page_titled(title), "0").unwrap();
        assert_eq!(html.matches("<script").count(), 2, "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(!html.contains("</script><script>"), "{html}");
    }
}
