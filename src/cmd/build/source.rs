//! The `--iiif` import, the build's first stage where asked: the source's images and
//! metadata fetched into the cache (`stages::iiif_source`), then the build's options pointed
//! at them, so every later stage maps them as any folder with a metadata table.

use anyhow::Result;

use super::stopwatch::Stopwatch;
use crate::cmd::options::BuildOptions;
use crate::stages::iiif_source;

/// The options of a build from the `--iiif` source (None without one) and a line per
/// document or image the import left out.
pub fn import(
    options: &BuildOptions,
    clock: &mut Stopwatch,
) -> Result<(Option<BuildOptions>, Vec<String>)> {
    let Some(source) = &options.iiif_source else {
        return Ok((None, Vec::new()));
    };
    let user = options
        .items
        .metadata
        .as_deref()
        .map(|path| (path, options.items.filename_column.as_str()));
    let cache = &options.vectors.network.cache_dir;
    let imported = clock.run("iiif-fetch", || iiif_source::import(source, cache, user))?;
    let mut imported_options = options.clone();
    imported_options.images = imported.images;
    let items = &mut imported_options.items;
    items.metadata = Some(imported.metadata);
    items.filename_column = "filename".into();
    items.title.get_or_insert_with(|| "{Title}".into());
    items.url.get_or_insert_with(|| "{URL}".into());
    if items.map_title.is_none() && !imported.label.is_empty() {
        items.map_title = Some(imported.label);
    }
    let notes = imported
        .skipped
        .iter()
        .map(|why| format!("IIIF: left out {why}"))
        .collect();
    Ok((Some(imported_options), notes))
}
