//! Where everything lies in a site folder: the one owner of the names that the build, the
//! page, the server and publishing agree on.

/// The viewer page.
pub const PAGE: &str = "index.html";
/// What makes a folder a zoomap site: a JSON file naming the tool, its version and the
/// entries the build wrote (`publish` writes and reads it), beside [`REPORT`].
pub const MARKER: &str = crate::stages::scan::SITE_MARKER;
/// The entries of a site built before [`MARKER`] existed: what such a build wrote.
pub const LEGACY_ENTRIES: [&str; 9] = [
    PAGE, THEME, ASSETS, DATA, PREVIEWS, "map.dzi", TILES, ORIGINALS, REPORT,
];
/// The site's own style (its page colour).
pub const THEME: &str = "theme.css";
/// The viewer's script and style, from the binary.
pub const ASSETS: &str = "static";
/// Item records, search shards and filter codes.
pub const DATA: &str = "data";
/// The panel previews, one `{index}.jpg` per image.
pub const PREVIEWS: &str = "previews";
/// The DeepZoom pyramid's name: `map.dzi`, with its tiles in [`TILES`].
pub const PYRAMID: &str = "map";
/// The pyramid's tile folder, named by the DZI rule `{name}_files`.
pub const TILES: &str = "map_files";
/// The original image files, when the build copies or links them in.
pub const ORIGINALS: &str = "originals";
/// What the build did.
pub const REPORT: &str = "build-report.json";
/// The site's IIIF: the image, the Manifests and the Collections.
pub const IIIF: &str = "iiif";
/// The mosaic as a IIIF level-0 image (`info.json` and its tiles).
pub const IIIF_IMAGE: &str = "iiif/map";
/// The map's IIIF Manifest.
pub const IIIF_MANIFEST: &str = "iiif/manifest.json";
/// The IIIF Collection of the items' Manifests.
pub const IIIF_COLLECTION: &str = "iiif/collection.json";
/// The items' Manifests, `{cell}.json`.
pub const IIIF_ITEMS: &str = "iiif/items";
/// The nested Collections of a large map's items, `{k}.json`.
pub const IIIF_COLLECTIONS: &str = "iiif/collections";

/// The preview of the image at scan index `index`, relative to the page.
pub fn preview(index: usize) -> String {
    format!("{PREVIEWS}/{}", crate::stages::thumbs::preview_file(index))
}

/// The IIIF Manifest of the item in map cell `cell`, relative to the page (the viewer's
/// `iiif.js manifestUrl` builds the same from index.json's `iiif.items`).
pub fn iiif_item(cell: usize) -> String {
    format!("{IIIF_ITEMS}/{cell}.json")
}

/// The original of the image at scan index `index` whose file name ends in `.{extension}`,
/// relative to the page: numbered like the previews, so no user file name reaches a URL.
pub fn original(index: usize, extension: &str) -> String {
    format!("{ORIGINALS}/{index}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_folder_follows_the_dzi_rule() {
        assert_eq!(TILES, format!("{PYRAMID}_files"));
    }
}
