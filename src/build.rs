//! The `build` command: runs the stages in order (scan → thumbs → features → reduce → layout
//! → tiles → site), with a progress bar each, into a staging folder that replaces the output
//! folder only once everything succeeded.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::clusters::{self, ClusterMap};
use crate::extraction::{self, Extracted, VectorSource};
use crate::features::INPUT_SIDE;
use crate::layout::{self, Grid};
use crate::message::first_few;
use crate::neighbours::Graph;
use crate::options::BuildOptions;
use crate::originals::{WrittenOriginals, write_originals};
use crate::positions::{self, Positions};
use crate::progress::items_bar;
use crate::publish::Staging;
use crate::reduce::{self, Reduced};
use crate::refine::{self, Refined};
use crate::report::{BuildReport, UnlinkedUrls, peak_rss_mib, reset_peak_rss};
use crate::scan;
use crate::site::{self, Metadata, PageConfig, Placed, SiteData, Template, paths};
use crate::thumbs::{CellStore, ThumbOptions};
use crate::tiles::{self, MosaicSource};
use crate::vectors::{Rows, Selection};
use crate::{export, folders};

/// The templates and metadata, checked before any heavy work.
struct ItemText {
    metadata: Option<Metadata>,
    title: Option<Template>,
    url: Option<Template>,
    /// The curator's cluster names (`--cluster-names`), by cluster id.
    cluster_names: BTreeMap<String, String>,
}

fn load_item_text(options: &BuildOptions) -> Result<ItemText> {
    let metadata = options
        .items
        .metadata
        .as_deref()
        .map(|path| Metadata::load(path, &options.items.filename_column))
        .transpose()?;
    let columns = metadata
        .as_ref()
        .map(|m| m.columns.clone())
        .unwrap_or_default();
    let template = |text: &Option<String>| text.as_deref().map(|t| Template::parse(t, &columns));
    Ok(ItemText {
        title: template(&options.items.title).transpose()?,
        url: template(&options.items.url).transpose()?,
        metadata,
        cluster_names: options
            .clusters
            .names
            .as_deref()
            .map(clusters::names::read_names)
            .transpose()?
            .unwrap_or_default(),
    })
}

/// Times stages, and measures each one's peak memory, for the summary and the report.
#[derive(Default)]
struct Stopwatch {
    stages: Vec<(String, f64)>,
    peaks: Vec<(String, f64)>,
    /// The highest peak of any stage so far: the process's peak, as the kernel's is reset.
    overall_peak: Option<f64>,
}

impl Stopwatch {
    fn run<T>(&mut self, stage: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let before = peak_rss_mib();
        let reset = reset_peak_rss();
        let start = Instant::now();
        let out = work().with_context(|| format!("{stage} stage failed"))?;
        self.stages
            .push((stage.to_string(), start.elapsed().as_secs_f64()));
        if let Some(peak) = peak_rss_mib() {
            if reset {
                self.peaks.push((stage.to_string(), peak));
            }
            self.overall_peak = Some(
                before
                    .unwrap_or(0.0)
                    .max(peak)
                    .max(self.overall_peak.unwrap_or(0.0)),
            );
        }
        Ok(out)
    }

    /// The process's peak memory so far, in MiB.
    fn peak(&self) -> Option<f64> {
        match (self.overall_peak, peak_rss_mib()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Runs a whole build and returns its report (also written as `build-report.json`): the
/// stages in order, each timed, into a staging folder published only once all succeeded.
pub fn build(options: &BuildOptions) -> Result<BuildReport> {
    let started = Instant::now();
    let mut clock = Stopwatch::default();
    options.validate()?;
    let text = load_item_text(options)?;
    let scan = clock.run("scan", || scan_collection(options, text.metadata.as_ref()))?;
    let mut warnings = collection_warnings(&scan, text.metadata.as_ref());
    let output = crate::options::resolved(&options.output);
    let staging = Staging::create(&output)?;
    let source = clock.run("weights", || {
        extraction::load_vectors_source(options, &scan.images)
    })?;
    let cells = CellStore::create(&staging.path().join(CELL_STORE), options.mosaic.cell_side)?;
    let extracted = clock.run("thumbs+features", || {
        let plan = extraction::Plan {
            thumbs: thumb_options(options, staging.path())?,
            batch: options.vectors.batch,
            cells: Some(&cells),
            vector_store: &staging.path().join(VECTOR_STORE),
        };
        extraction::thumbs_and_features(&scan.images, &plan, &source)
    })?;
    warnings.extend(missing_vectors_warning(&extracted, &source));
    let placed = placed_images(&scan, &extracted)?;
    let placement = place(&scan, &placed, &extracted, &source, options, &mut clock)?;
    warnings.extend(placement.warnings.iter().cloned());
    let site_dir = staging.path();
    let pyramid = clock.run("tiles", || {
        write_tiles(&cells, &placed, &placement, options, site_dir)
    })?;
    std::fs::remove_file(site_dir.join(CELL_STORE))?;
    let originals = clock.run("originals", || {
        write_originals(&scan.images, &placed, options.items.originals, site_dir)
    })?;
    warnings.extend(originals.note.clone());
    let items = item_records(&scan, &placed, &placement.assigned, &originals, &text);
    let data = site_data(options, &text, placement.grid, items);
    let (clusters, cluster_warnings) = clock.run("clusters", || {
        cluster_map(&placement, &data, &text, options)
    })?;
    warnings.extend(cluster_warnings);
    let unlinked_urls = UnlinkedUrls::of(&data.items);
    warnings.extend(unlinked_urls.warning());
    let page = page_config(options, pyramid, native_zoom(&placed, &extracted, options));
    clock.run("site", || {
        site::write_site(site_dir, &data, clusters.as_ref(), &page)
    })?;
    if let Some(dir) = &options.export {
        clock.run("export", || {
            write_export(dir, &data.items, &placement, clusters.as_ref())
        })?;
    }
    if let Some(folders) = &options.folders {
        let sources: Vec<_> = placed
            .iter()
            .map(|&i| scan.images[i].path.clone())
            .collect();
        warnings.extend(clock.run("folders", || {
            write_cluster_folders(folders, clusters.as_ref(), &sources)
        })?);
    }
    let report = BuildReport {
        images_found: scan.images.len(),
        images_placed: placed.len(),
        skipped: extracted.skipped,
        without_features: extracted.without_features,
        extraction: extracted.counts,
        unlinked_urls,
        warnings,
        grid: placement.grid,
        mosaic: [pyramid.width, pyramid.height],
        peak_rss_mib: clock.peak(),
        stage_seconds: clock.stages,
        stage_peak_rss_mib: clock.peaks,
        total_seconds: started.elapsed().as_secs_f64(),
        features: source.describe(),
        perplexity: placement.reduced.as_ref().map(|(_, r)| r.perplexity),
        neighbour_search: placement.reduced.as_ref().map(|(_, r)| r.neighbour_search),
        refined: placement.refined,
        clusters: clusters.as_ref().map(ClusterMap::summary),
        options: options.clone(),
    };
    write_report(site_dir, &report)?;
    remove_if_present(&site_dir.join(VECTOR_STORE))?;
    staging.publish(&output)?;
    Ok(report)
}

/// `build-report.json` in the site.
fn write_report(site: &Path, report: &BuildReport) -> Result<()> {
    let path = site.join(paths::REPORT);
    std::fs::write(&path, serde_json::to_vec_pretty(report)?)
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// The viewer's deepest zoom, from the placed images' sides against their cells.
fn native_zoom(placed: &[usize], extracted: &Extracted, options: &BuildOptions) -> f64 {
    let sides = placed.iter().map(|&i| extracted.fitted_sides[i]);
    site::max_zoom(sides, options.mosaic.cell_side)
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
        model_input: Some((INPUT_SIDE, options.vectors.preprocess)),
        previews: Some((previews, options.mosaic.preview_size)),
        max_pixels: options.mosaic.max_pixels,
    })
}

/// The collection's images; none is an error naming what was looked for.
fn scan_collection(options: &BuildOptions, metadata: Option<&Metadata>) -> Result<scan::Scan> {
    let scan = scan::scan(&options.images)?;
    if let Some(metadata) = metadata {
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

/// What the scan could not visit, and metadata rows that name no image.
fn collection_warnings(scan: &scan::Scan, metadata: Option<&Metadata>) -> Vec<String> {
    let mut warnings = scan.problems.clone();
    if let Some(metadata) = metadata {
        let unmatched = metadata.unmatched(scan.images.iter().map(|i| i.name.as_str()));
        if !unmatched.is_empty() {
            warnings.push(format!(
                "{} metadata rows name no image: {}",
                unmatched.len(),
                first_few(&unmatched, 3)
            ));
        }
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
fn placed_images(scan: &scan::Scan, extracted: &Extracted) -> Result<Vec<usize>> {
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

/// Where the placed images go: the user's positions, or features reduced and laid out.
fn place(
    scan: &scan::Scan,
    placed: &[usize],
    extracted: &Extracted,
    source: &VectorSource,
    options: &BuildOptions,
    clock: &mut Stopwatch,
) -> Result<Placement> {
    match source {
        VectorSource::Positions(positions) => {
            let names: Vec<&str> = placed
                .iter()
                .map(|&i| scan.images[i].name.as_str())
                .collect();
            clock.run("layout", || {
                place_given(positions, &names, options.mosaic.aspect)
            })
        }
        VectorSource::Imported(imported) => {
            let names = placed.iter().map(|&i| scan.images[i].name.as_str());
            place_by_features(imported.select(names), options, clock)
        }
        VectorSource::Model(..) => {
            let store = extracted.store.clone().context("no vectors were stored")?;
            place_by_features(Selection::all(store), options, clock)
        }
    }
}

/// The viewer's record of each placed image, in the order of `placed`.
fn item_records(
    scan: &scan::Scan,
    placed: &[usize],
    assigned: &[layout::Cell],
    originals: &WrittenOriginals,
    text: &ItemText,
) -> Vec<site::Item> {
    let records: Vec<Placed> = placed
        .iter()
        .zip(assigned)
        .zip(&originals.paths)
        .map(|((&i, cell), original)| Placed {
            file: scan.images[i].name.clone(),
            cell: *cell,
            preview: paths::preview(i),
            original: original.clone(),
        })
        .collect();
    site::items(
        &records,
        text.metadata.as_ref(),
        text.title.as_ref(),
        text.url.as_ref(),
    )
}

fn site_data(
    options: &BuildOptions,
    text: &ItemText,
    grid: Grid,
    items: Vec<site::Item>,
) -> SiteData {
    let columns = text
        .metadata
        .as_ref()
        .map(|m| m.columns.clone())
        .unwrap_or_default();
    SiteData::new(
        map_title(options),
        grid,
        options.mosaic.cell_side,
        columns,
        items,
    )
}

/// `--export`: one row per item with its 2-D point and cell, and the vectors when features
/// were reduced.
fn write_export(
    dir: &Path,
    items: &[site::Item],
    placement: &Placement,
    clusters: Option<&ClusterMap>,
) -> Result<()> {
    let rows: Vec<export::ExportRow<'_>> = items
        .iter()
        .zip(&placement.points)
        .map(|(item, point)| export::ExportRow {
            file: &item.file,
            title: &item.title,
            url: item.url.as_deref().unwrap_or(""),
            point: *point,
            cell: item.cell,
        })
        .collect();
    let vectors = placement
        .reduced
        .as_ref()
        .map(|(f, r)| (f as &dyn Rows, &r.pca));
    export::write_export(dir, &rows, vectors)?;
    match clusters {
        Some(map) => export::write_clusters(dir, &rows, map),
        None => Ok(()),
    }
}

/// `--export-folders`; a warning when there are no clusters to write.
fn write_cluster_folders(
    options: &folders::FolderOptions,
    clusters: Option<&ClusterMap>,
    sources: &[std::path::PathBuf],
) -> Result<Option<String>> {
    let Some(clusters) = clusters else {
        return Ok(Some(format!(
            "{}: not written, this build has no clusters",
            options.dir.display()
        )));
    };
    let placed = folders::write_folders(options, clusters, sources)?;
    Ok((placed.symlinks > 0).then(|| {
        format!(
            "{}: {} images are symbolic links (no hard link across file systems); they break if the collection moves",
            options.dir.display(),
            placed.symlinks
        )
    }))
}

/// Clusters the PCA vectors t-SNE saw, names them from the items' text and places them on
/// the grid; none where positions were given or the stage is off. Curator names for ids the
/// build has not make a warning.
fn cluster_map(
    placement: &Placement,
    data: &SiteData,
    text: &ItemText,
    options: &BuildOptions,
) -> Result<(Option<ClusterMap>, Vec<String>)> {
    let Some((_, reduced)) = &placement.reduced else {
        return Ok((None, Vec::new()));
    };
    let mut warnings: Vec<String> = clusters::count_warning(&options.clusters, reduced.pca.rows())
        .into_iter()
        .collect();
    let Some(hierarchy) = clusters::cluster(&reduced.pca, &options.clusters)? else {
        return Ok((None, warnings));
    };
    let mut names = clusters::names::name_clusters(&hierarchy, &data.naming_texts());
    let unknown = clusters::names::override_names(&hierarchy, &mut names, &text.cluster_names);
    let files: Vec<String> = data.items.iter().map(|i| i.file.clone()).collect();
    let cells: Vec<layout::Cell> = data.items.iter().map(|i| i.cell).collect();
    let map = ClusterMap::new(&hierarchy, &names, &cells, placement.grid, &files);
    warnings.extend(if map.records.is_empty() {
        Some("no clusters: HDBSCAN found no dense group of 20 images (--cluster-method kmeans puts every image in one)".to_string())
    } else {
        unknown_names_warning(&unknown, options)
    });
    Ok((Some(map), warnings))
}

fn unknown_names_warning(unknown: &[String], options: &BuildOptions) -> Option<String> {
    let path = options.clusters.names.as_deref()?;
    let first = unknown.first()?;
    Some(format!(
        "{}: {} cluster ids name no cluster of this build (first: {first}); the names of a rebuild with another --seed or collection do not carry over",
        path.display(),
        unknown.len()
    ))
}

fn map_title(options: &BuildOptions) -> String {
    options.items.map_title.clone().unwrap_or_else(|| {
        options
            .images
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "zoomap".into())
    })
}

fn page_config(options: &BuildOptions, pyramid: tiles::Pyramid, max_zoom: f64) -> PageConfig {
    PageConfig {
        title: map_title(options),
        width: pyramid.width,
        height: pyramid.height,
        tile_size: options.tiles.tile_size,
        overlap: options.tiles.overlap,
        format: options.tiles.format.extension().into(),
        tiles: paths::TILES.into(),
        data: paths::DATA.into(),
        background: site::css_colour(options.mosaic.background),
        levels: pyramid.levels(options.tiles.tile_size),
        max_zoom,
    }
}

/// Where the placed images go, in scan order of the placed ones.
struct Placement {
    /// 2-D positions before grid assignment.
    points: Vec<[f32; 2]>,
    /// Each image's cell.
    assigned: Vec<layout::Cell>,
    /// The grid.
    grid: Grid,
    /// The features (read from disk when used) and their reduction, when positions came
    /// from features.
    reduced: Option<(Selection, Reduced)>,
    /// Notes for the user.
    warnings: Vec<String>,
    /// What the grid refinement did, when positions came from features.
    refined: Option<Refined>,
}

/// PCA, t-SNE and grid assignment of the placed images' vectors, in their order.
fn place_by_features(
    features: Selection,
    options: &BuildOptions,
    clock: &mut Stopwatch,
) -> Result<Placement> {
    let mut reduced = clock.run("reduce", || reduce::reduce(&features, &options.reduce))?;
    let grid = Grid::for_count(features.count(), options.mosaic.aspect);
    let mut assigned = clock.run("layout", || layout::assign(&reduced.points, grid))?;
    let refined = clock.run("refine", || {
        refine::refine(
            &mut assigned,
            grid,
            &reduced.neighbours,
            options.mosaic.refine,
        )
    })?;
    // The neighbour lists served only the refinement; a million of them are 480 MB.
    reduced.neighbours = Graph::default();
    Ok(Placement {
        points: reduced.points.clone(),
        assigned,
        grid,
        warnings: reduced.warnings.clone(),
        reduced: Some((features, reduced)),
        refined: Some(refined),
    })
}

/// The user's positions for the images `names`: given cells as they are, given points spread
/// onto a grid as t-SNE's would be.
fn place_given(positions: &Positions, names: &[&str], aspect: f64) -> Result<Placement> {
    let (points, assigned, grid) = match &positions.placement {
        positions::Placement::Cells(cells) => {
            let assigned: Vec<layout::Cell> = names.iter().map(|n| cells[*n]).collect();
            let points = assigned
                .iter()
                .map(|c| [c.col as f32 + 0.5, c.row as f32 + 0.5])
                .collect();
            let grid = positions::grid_of(&assigned);
            (points, assigned, grid)
        }
        positions::Placement::Points(given) => {
            let points: Vec<[f32; 2]> = names.iter().map(|n| given[*n]).collect();
            let grid = Grid::for_count(points.len(), aspect);
            let assigned = layout::assign(&points, grid)?;
            (points, assigned, grid)
        }
    };
    Ok(Placement {
        points,
        assigned,
        grid,
        reduced: None,
        warnings: Vec::new(),
        refined: None,
    })
}

fn write_tiles(
    cells: &CellStore,
    placed: &[usize],
    placement: &Placement,
    options: &BuildOptions,
    site: &Path,
) -> Result<tiles::Pyramid> {
    let (assigned, grid) = (&placement.assigned, placement.grid);
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
    let bar = items_bar(tiles::tile_count(pyramid, options.tiles.tile_size), "tiles");
    let written = tiles::write_pyramid(&source, site, paths::PYRAMID, &options.tiles, &|n| {
        bar.inc(n)
    })?;
    bar.finish_and_clear();
    Ok(written)
}
