//! The `build` command: the stages in order, each timed, into a staging folder that
//! replaces the output folder only once everything succeeded. [`build`] is the list of
//! stages; `text` reads what words the items, `place` runs the placement stages, `layouts`
//! the other layouts,
//! `site_input` prepares what the site writer is given, `outputs` writes the exports and
//! `stopwatch` times it all.

mod iiif;
mod layouts;
mod outputs;
mod place;
mod site_input;
mod source;
mod stopwatch;
mod tagging;
mod text;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::base::message::first_few;
use crate::base::progress::items_bar;
use crate::cmd::options::{BuildOptions, resolved};
use crate::cmd::report::{BuildReport, UnlinkedUrls};
use crate::site::iiif::IiifIndex;
use crate::site::originals::{WrittenOriginals, write_originals};
use crate::site::publish::Staging;
use crate::site::{self, Metadata, paths};
use crate::stages::clusters::ClusterMap;
use crate::stages::features::INPUT_SIDE;
use crate::stages::positions::Positions;
use crate::stages::scan::{self, Scan};
use crate::stages::thumbs::{CellStore, ThumbOptions};
use crate::stages::thumbs_features::{self, Extracted, VectorSource};
use crate::stages::tiles::{self, MosaicSource};
use place::{Placement, place};
use stopwatch::Stopwatch;
use text::TextSources;

/// What the stages up to the placement produced, which every later stage reads.
pub struct Mapped {
    /// The collection's image files.
    scan: Scan,
    /// Where the vectors came from.
    source: VectorSource,
    /// What each image gave: its vector, its thumbnail's size, or why it was skipped.
    extracted: Extracted,
    /// Scan indices of the images on the map.
    placed: Vec<usize>,
    /// Where they go.
    placement: Placement,
    /// The user's positions drawn as a layout beside the similarity map, if they are.
    positions_beside: Option<Positions>,
}

/// Runs a whole build and returns its report (also written as `build-report.json`): the
/// stages in order, each timed, into a staging folder published only once all succeeded.
pub fn build(options: &BuildOptions) -> Result<BuildReport> {
    let mut clock = Stopwatch::start();
    options.validate()?;
    let (imported, import_notes) = source::import(options, &mut clock)?;
    let options = imported.as_ref().unwrap_or(options);
    let text = TextSources::load(options)?;
    let columns = text.metadata.as_ref().map(|m| m.columns.clone());
    let columns = columns.unwrap_or_default();
    options.layouts.check_columns(&columns)?;
    options.iiif.check_columns(&columns)?;
    let tag_file = tagging::read_file(options)?;
    let scan = clock.run("scan", || scan_collection(options, &text))?;
    // A metadata table made of `--groups` alone names only the grouped images: no warning.
    let csv = text
        .metadata
        .as_ref()
        .filter(|_| options.items.metadata.is_some());
    let mut notes = import_notes;
    notes.extend(collection_warnings(&scan, csv));
    let output = resolved(&options.output);
    let staging = Staging::create(&output)?;
    let dir = staging.path();
    let source = clock.run("weights", || {
        thumbs_features::load_vectors_source(&options.vectors, &options.images, &scan.images)
    })?;
    let positions_beside = (options.layouts.positions.as_ref())
        .map(|path| thumbs_features::read_positions(path, &options.images, &scan.images))
        .transpose()?;
    let cells = CellStore::create(&dir.join(CELL_STORE), options.mosaic.cell_side)?;
    let extracted = clock.run("thumbs+features", || {
        extract(options, &scan, &source, &cells, dir)
    })?;
    notes.extend(missing_vectors_warning(&extracted, &source));
    let placed = placed_images(&scan, &extracted)?;
    let placement = place(&scan, &placed, &extracted, &source, options, &mut clock)?;
    notes.extend(placement.warnings.iter().cloned());
    let mapped = Mapped {
        scan,
        source,
        extracted,
        placed,
        placement,
        positions_beside,
    };
    let originals = clock.run("originals", || originals(&mapped, options, dir))?;
    notes.extend(originals.note.clone());
    let (tags, tags_note) = clock.run("tags", || tagging::tags(options, &mapped, tag_file))?;
    notes.extend(tags_note);
    let mut data = site_input::site_data(options, &text, &mapped, &originals, tags)?;
    let placement = (mapped.placement.assigned.as_slice(), mapped.placement.grid);
    let pyramid = clock.run("tiles", || {
        write_mosaic(
            &cells,
            &mapped.placed,
            placement,
            (options, &options.tiles),
            dir,
            paths::PYRAMID,
        )
    })?;
    let iiif_tiles = clock.run("iiif-tiles", || iiif::tiles(options, &mapped, &cells, dir))?;
    data.layouts =
        layouts::build_layouts(options, &mapped, &data, (&cells, pyramid, dir), &mut clock)?;
    std::fs::remove_file(dir.join(CELL_STORE))?;
    let (clusters, cluster_notes) = clock.run("clusters", || {
        site_input::cluster_map(&mapped.placement, &data, &text, options)
    })?;
    notes.extend(cluster_notes);
    let unlinked_urls = UnlinkedUrls::of(&data.items);
    notes.extend(unlinked_urls.warning());
    let page = site_input::page_config(options, &mapped, pyramid);
    data.iiif = Some(IiifIndex::new(&options.iiif.base()?));
    clock.run("site", || {
        site::write_site(dir, &data, clusters.as_ref(), &page)
    })?;
    clock.run("iiif", || {
        iiif::write(options, &data, pyramid, &iiif_tiles, dir)
    })?;
    notes.extend(options.iiif.note());
    let output_notes = write_outputs(options, &mapped, &data, clusters.as_ref(), &mut clock)?;
    notes.extend(output_notes);
    let found = Found {
        clusters: clusters.as_ref(),
        unlinked_urls,
        notes,
        pyramid,
    };
    let report = report(options, mapped, found, clock);
    write_report(dir, &report)?;
    remove_if_present(&dir.join(VECTOR_STORE))?;
    staging.publish(&output)?;
    Ok(report)
}

/// `--export` and `--export-folders`, where asked; their notes for the user.
fn write_outputs(
    options: &BuildOptions,
    mapped: &Mapped,
    data: &site::SiteData,
    clusters: Option<&ClusterMap>,
    clock: &mut Stopwatch,
) -> Result<Vec<String>> {
    if let Some(dir) = &options.export {
        clock.run("export", || {
            outputs::write_export(dir, data, &mapped.placement, clusters)
        })?;
    }
    let Some(folders) = &options.folders else {
        return Ok(Vec::new());
    };
    let sources: Vec<PathBuf> = mapped
        .placed
        .iter()
        .map(|&i| mapped.scan.images[i].path.clone())
        .collect();
    let note = clock.run("folders", || {
        outputs::write_cluster_folders(folders, clusters, &sources)
    })?;
    Ok(note.into_iter().collect())
}

/// What the stages after the placement found, for the report.
struct Found<'a> {
    clusters: Option<&'a ClusterMap>,
    unlinked_urls: UnlinkedUrls,
    /// Every warning of the build, in the order the stages gave them.
    notes: Vec<String>,
    pyramid: tiles::Pyramid,
}

/// The originals stage: the placed images' files in the site, as `--originals` says.
fn originals(mapped: &Mapped, options: &BuildOptions, dir: &Path) -> Result<WrittenOriginals> {
    let images = &mapped.scan.images;
    write_originals(images, &mapped.placed, options.items.originals, dir)
}

/// The report of a build whose stages all ran.
fn report(
    options: &BuildOptions,
    mapped: Mapped,
    found: Found<'_>,
    clock: Stopwatch,
) -> BuildReport {
    let Mapped {
        scan,
        source,
        extracted,
        placed,
        placement,
        ..
    } = mapped;
    let reduced = placement.reduced.as_ref().map(|(_, r)| r);
    BuildReport {
        images_found: scan.images.len(),
        images_placed: placed.len(),
        skipped: extracted.skipped,
        without_features: extracted.without_features,
        extraction: extracted.counts,
        unlinked_urls: found.unlinked_urls,
        warnings: found.notes,
        grid: placement.grid,
        mosaic: [found.pyramid.width, found.pyramid.height],
        peak_rss_mib: clock.peak(),
        total_seconds: clock.elapsed(),
        stage_seconds: clock.stages,
        stage_peak_rss_mib: clock.peaks,
        features: source.describe(),
        perplexity: reduced.map(|r| r.perplexity),
        neighbour_search: reduced.map(|r| r.neighbour_search),
        refined: placement.refined,
        clusters: found.clusters.map(ClusterMap::summary),
        duplicates: placement.duplicates.as_ref().map(|d| d.summary()),
        options: options.clone(),
    }
}

/// The thumbs and features stage over the whole collection: cells into `cells`, previews
/// and vectors into the staging folder `dir`.
fn extract(
    options: &BuildOptions,
    scan: &Scan,
    source: &VectorSource,
    cells: &CellStore,
    dir: &Path,
) -> Result<Extracted> {
    let plan = thumbs_features::Plan {
        thumbs: thumb_options(options, dir)?,
        batch: options.vectors.network.batch,
        cells: Some(cells),
        vector_store: &dir.join(VECTOR_STORE),
    };
    thumbs_features::thumbs_and_features(&scan.images, &plan, source)
}

/// `build-report.json` in the site.
fn write_report(site: &Path, report: &BuildReport) -> Result<()> {
    let path = site.join(paths::REPORT);
    std::fs::write(&path, serde_json::to_vec_pretty(report)?)
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// The cell thumbnails' store in the staging folder, removed once the tiles are written.
const CELL_STORE: &str = ".cells";

/// The network's vectors in the staging folder, in scan order of the placed images, so that
/// a build never holds them all in memory; removed before the site is published.
const VECTOR_STORE: &str = ".vectors";

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("{}: cannot remove", path.display()))
        }
        _ => Ok(()),
    }
}

/// What the build derives from each image: its cell, its preview (into the site's previews
/// folder, created here) and, when the network runs, its model input.
fn thumb_options(options: &BuildOptions, site: &Path) -> Result<ThumbOptions> {
    let previews = site.join(paths::PREVIEWS);
    std::fs::create_dir_all(&previews)
        .with_context(|| format!("{}: cannot create", previews.display()))?;
    Ok(ThumbOptions {
        cell_side: options.mosaic.cell_side,
        fit: options.mosaic.fit,
        background: options.mosaic.background,
        model_input: Some((INPUT_SIDE, options.vectors.network.preprocess)),
        previews: Some((previews, options.mosaic.preview_size)),
        max_pixels: options.mosaic.max_pixels,
    })
}

/// The collection's images; none is an error naming what was looked for.
fn scan_collection(options: &BuildOptions, text: &TextSources) -> Result<Scan> {
    let scan = scan::scan(&options.images)?;
    if let Some(metadata) = &text.metadata {
        let path = options.items.metadata.as_deref().unwrap_or(Path::new(""));
        metadata
            .check_bare_names(scan.images.iter().map(|i| i.name.as_str()))
            .with_context(|| format!("{}", path.display()))?;
    }
    if scan.images.is_empty() {
        bail!(
            "{}: no images found (looked for {})",
            options.images.display(),
            scan::IMAGE_EXTENSIONS.join(", ")
        );
    }
    Ok(scan)
}

/// What the scan could not visit, metadata rows that name no image and images that no
/// metadata row names (their titles fall back to the file name).
fn collection_warnings(scan: &Scan, metadata: Option<&Metadata>) -> Vec<String> {
    let mut warnings = scan.problems.clone();
    let Some(metadata) = metadata else {
        return warnings;
    };
    let unmatched = metadata.unmatched(scan.images.iter().map(|i| i.name.as_str()));
    if !unmatched.is_empty() {
        warnings.push(format!(
            "{} metadata rows name no image: {}",
            unmatched.len(),
            first_few(&unmatched, 3)
        ));
    }
    let without: Vec<String> = (scan.images.iter())
        .filter(|image| metadata.row_for(&image.name).is_none())
        .map(|image| image.name.clone())
        .collect();
    if !without.is_empty() {
        warnings.push(format!(
            "{} images have no metadata row (titled by their file name, empty in every column): {}",
            without.len(),
            first_few(&without, 3)
        ));
    }
    warnings
}

/// The warning for images the user's features or positions file leaves out.
fn missing_vectors_warning(extracted: &Extracted, source: &VectorSource) -> Option<String> {
    if extracted.without_features.is_empty() {
        return None;
    }
    let missing = match source {
        VectorSource::Positions(_) => "position in the positions file",
        _ => "vector in the features file",
    };
    Some(format!(
        "{} images have no {missing} and are left out: {}",
        extracted.without_features.len(),
        first_few(&extracted.without_features, 3)
    ))
}

/// Scan indices of the images that go on the map; none is an error.
fn placed_images(scan: &Scan, extracted: &Extracted) -> Result<Vec<usize>> {
    let placed: Vec<usize> = (0..scan.images.len())
        .filter(|&i| extracted.has_vector[i])
        .collect();
    if placed.is_empty() {
        bail!(
            "none of the {} images could be read; see the messages above",
            scan.images.len()
        );
    }
    Ok(placed)
}

/// The tiles of one layout: the mosaic of the placed images' cells (`placed`: their slots
/// in `cells`; `assigned`: their cells on `grid`), streamed into the pyramid `name` of `site`.
fn write_mosaic(
    cells: &CellStore,
    placed: &[usize],
    (assigned, grid): layouts::LayoutCells<'_>,
    (options, tile_options): (&BuildOptions, &tiles::TileOptions),
    site: &Path,
    name: &str,
) -> Result<tiles::Pyramid> {
    let mut slots = vec![None; grid.cells()];
    for (&slot, cell) in placed.iter().zip(assigned) {
        slots[grid.index(*cell)] = Some(slot);
    }
    let read_cell = |slot: usize| cells.get(slot);
    let source = MosaicSource {
        grid,
        cell_side: options.mosaic.cell_side,
        background: options.mosaic.background,
        slots: &slots,
        read_cell: &read_cell,
    };
    let pyramid = tiles::Pyramid {
        width: grid.cols * options.mosaic.cell_side,
        height: grid.rows * options.mosaic.cell_side,
    };
    let bar = items_bar(tiles::tile_count(pyramid, tile_options.tile_size), "tiles");
    let written = tiles::write_pyramid(&source, site, name, tile_options, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    Ok(written)
}
