//! The `build` command: runs the stages in order (scan → thumbs → features → reduce → layout
//! → tiles → site), with a progress bar each, into a staging folder that replaces the output
//! folder only once everything succeeded.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::clusters::{self, ClusterMap};
use crate::features::cache::{CacheKey, FeatureCache};
use crate::features::imported::ImportedFeatures;
use crate::features::{FeatureExtractor, INPUT_SIDE};
use crate::layout::{self, Grid};
use crate::message::first_few;
use crate::options::BuildOptions;
use crate::originals::{WrittenOriginals, write_originals};
use crate::positions::{self, Positions};
use crate::progress::items_bar;
use crate::publish::Staging;
use crate::reduce::{self, Reduced};
use crate::report::{
    BuildReport, ExtractionCounts, FeatureSource, Skipped, UnlinkedUrls, peak_rss_mib,
};
use crate::scan::{self, ImageFile};
use crate::site::{self, Metadata, PageConfig, Placed, SiteData, Template, paths};
use crate::thumbs::{self, CellStore, ThumbError, ThumbOptions};
use crate::tiles::{self, MosaicSource};
use crate::vectors::Vectors;
use crate::{export, features, folders};

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

/// Times stages for the summary and the report.
#[derive(Default)]
struct Stopwatch {
    stages: Vec<(String, f64)>,
}

impl Stopwatch {
    fn run<T>(&mut self, stage: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let start = Instant::now();
        let out = work().with_context(|| format!("{stage} stage failed"))?;
        self.stages
            .push((stage.to_string(), start.elapsed().as_secs_f64()));
        Ok(out)
    }
}

/// Runs a whole build and returns its report (also written as `build-report.json`): the
/// stages in order, each timed, into a staging folder published only once all succeeded.
pub fn build(options: &BuildOptions) -> Result<BuildReport> {
    let started = Instant::now();
    let mut clock = Stopwatch::default();
    options.validate()?;
    let text = load_item_text(options)?;
    let scan = clock.run("scan", || scan_collection(options))?;
    let mut warnings = collection_warnings(&scan, text.metadata.as_ref());
    let staging = Staging::create(&options.output)?;
    let source = clock.run("weights", || load_vectors_source(options, &scan.images))?;
    let cells = CellStore::create(&staging.path().join(CELL_STORE), options.mosaic.cell_side)?;
    let extracted = clock.run("thumbs+features", || {
        thumbs_and_features(&scan.images, options, &source, &cells, staging.path())
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
    let (clusters, names_warning) = clock.run("clusters", || {
        cluster_map(&placement, &data, &text, options)
    })?;
    warnings.extend(names_warning);
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
        stage_seconds: clock.stages,
        total_seconds: started.elapsed().as_secs_f64(),
        features: source.describe(placement.reduced.as_ref().map_or(0, |(f, _)| f.dim)),
        perplexity: placement.reduced.as_ref().map(|(_, r)| r.perplexity),
        peak_rss_mib: peak_rss_mib(),
        clusters: clusters.as_ref().map(ClusterMap::summary),
        options: options.clone(),
    };
    write_report(site_dir, &report)?;
    staging.publish(&options.output)?;
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

/// The collection's images; none is an error naming what was looked for.
fn scan_collection(options: &BuildOptions) -> Result<scan::Scan> {
    let scan = scan::scan(&options.images)?;
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
        .filter(|&i| extracted.vectors[i].is_some())
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
        _ => place_by_features(placed, &extracted.vectors, options, clock),
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
    let vectors = placement.reduced.as_ref().map(|(f, r)| (f, &r.pca));
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
) -> Result<(Option<ClusterMap>, Option<String>)> {
    let Some((_, reduced)) = &placement.reduced else {
        return Ok((None, None));
    };
    let Some(hierarchy) = clusters::cluster(&reduced.pca, &options.clusters)? else {
        return Ok((None, None));
    };
    let mut names = clusters::names::name_clusters(&hierarchy, &data.naming_texts());
    let unknown = clusters::names::override_names(&hierarchy, &mut names, &text.cluster_names);
    let files: Vec<String> = data.items.iter().map(|i| i.file.clone()).collect();
    let cells: Vec<layout::Cell> = data.items.iter().map(|i| i.cell).collect();
    let map = ClusterMap::new(&hierarchy, &names, &cells, placement.grid, &files);
    let warning = if map.records.is_empty() {
        Some("no clusters: HDBSCAN found no dense group of 20 images (--cluster-method kmeans puts every image in one)".to_string())
    } else {
        unknown_names_warning(&unknown, options)
    };
    Ok((Some(map), warning))
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

/// Where a build's vectors come from.
enum VectorSource {
    /// VGG16, run on every image.
    Model(Box<FeatureExtractor>, FeatureCache),
    /// A features file the user brought.
    Imported(ImportedFeatures),
    /// No vectors: the user brought the positions.
    Positions(Positions),
}

impl VectorSource {
    fn describe(&self, dim: usize) -> FeatureSource {
        match self {
            VectorSource::Model(extractor, _) => FeatureSource::Vgg16 {
                backend: extractor.device().backend,
                device: extractor.device().name.clone(),
                weights: extractor.weights().path.clone(),
                weights_sha256: extractor.weights().sha256.clone(),
                layer: extractor.layer(),
                normalization: extractor.normalization().clone(),
            },
            VectorSource::Imported(imported) => FeatureSource::File {
                path: imported.path.clone(),
                dim,
            },
            VectorSource::Positions(positions) => FeatureSource::Positions {
                path: positions.path.clone(),
            },
        }
    }
}

/// Loads the network, or reads the user's features file and checks that every path in it
/// names an image of the collection, before any image is decoded.
fn load_vectors_source(options: &BuildOptions, images: &[ImageFile]) -> Result<VectorSource> {
    if let Some(path) = &options.vectors.positions {
        let positions = Positions::read(path)?;
        let missing = positions.missing_from(images.iter().map(|i| i.name.as_str()));
        require_known(path, &missing, options)?;
        return Ok(VectorSource::Positions(positions));
    }
    let Some(path) = &options.vectors.features else {
        let weights = features::weights::locate(
            options.vectors.weights.as_deref(),
            &options.vectors.cache_dir,
        )?;
        let extractor = FeatureExtractor::load(&weights, &options.vectors.network)?;
        let key = CacheKey {
            weights_sha256: &extractor.weights().sha256,
            layer: extractor.layer(),
            preprocess: options.vectors.preprocess,
            normalization: extractor.normalization(),
        };
        let cache = FeatureCache::open(&options.vectors.cache_dir, &key)?;
        return Ok(VectorSource::Model(Box::new(extractor), cache));
    };
    let imported = ImportedFeatures::read(path, options.vectors.features_index.as_deref())?;
    let missing = imported.missing_from(images.iter().map(|i| i.name.as_str()));
    require_known(path, &missing, options)?;
    Ok(VectorSource::Imported(imported))
}

/// Stops the build when a user's file (`path`) names images the collection lacks.
fn require_known(path: &Path, missing: &[String], options: &BuildOptions) -> Result<()> {
    if missing.is_empty() {
        return Ok(());
    }
    bail!(
        "{}: {} of its image paths name no image under {}: {}",
        path.display(),
        missing.len(),
        options.images.display(),
        first_few(missing, 5)
    )
}

/// What the thumbs and features stages produced, by scan index.
struct Extracted {
    vectors: Vec<Option<Vec<f32>>>,
    /// Each decoded image's [`thumbs::Thumb::fitted_side`] (0 where none was decoded).
    fitted_sides: Vec<u32>,
    skipped: Vec<Skipped>,
    without_features: Vec<String>,
    counts: ExtractionCounts,
}

/// Decodes images in parallel in one thread while the network runs batches in this one, so
/// the CPU never waits for a batch; cells go to the store and previews into the site.
fn thumbs_and_features(
    images: &[ImageFile],
    options: &BuildOptions,
    source: &VectorSource,
    cells: &CellStore,
    site: &Path,
) -> Result<Extracted> {
    // The model's feature cache; `None` when no model runs, so no model input is made.
    let model_cache = match source {
        VectorSource::Model(_, cache) => Some(cache),
        VectorSource::Imported(_) | VectorSource::Positions(_) => None,
    };
    let previews = site.join(paths::PREVIEWS);
    std::fs::create_dir_all(&previews)
        .with_context(|| format!("{}: cannot create", previews.display()))?;
    let thumb_options = ThumbOptions {
        cell_side: options.mosaic.cell_side,
        fit: options.mosaic.fit,
        background: options.mosaic.background,
        model_input: model_cache.map(|_| (INPUT_SIDE, options.vectors.preprocess)),
        previews: Some((previews, options.mosaic.preview_size)),
        max_pixels: options.mosaic.max_pixels,
    };
    let (wanted, without_features): (Vec<usize>, Vec<usize>) =
        (0..images.len()).partition(|&i| match source {
            VectorSource::Model(..) => true,
            VectorSource::Imported(imported) => imported.vector(&images[i].name).is_some(),
            VectorSource::Positions(positions) => positions.has(&images[i].name),
        });
    let batch = options.vectors.batch.max(1);
    let bar = items_bar(wanted.len() as u64, "images");
    let mut extracted = Extracted::empty(images.len());
    let (sender, receiver) = sync_channel::<Vec<Result<Decoded, (usize, ThumbError)>>>(2);
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(|| {
            for chunk in wanted.chunks(batch) {
                let decoded = decode_chunk(chunk, images, &thumb_options, model_cache);
                if sender.send(decoded).is_err() {
                    return;
                }
            }
            drop(sender);
        });
        for decoded in receiver {
            let count = decoded.len() as u64;
            extracted.absorb(decoded, images, source, cells, &bar)?;
            bar.inc(count);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    extracted.without_features = without_features
        .into_iter()
        .map(|i| images[i].name.clone())
        .collect();
    Ok(extracted)
}

impl Extracted {
    fn empty(images: usize) -> Self {
        Self {
            vectors: vec![None; images],
            fitted_sides: vec![0; images],
            skipped: Vec::new(),
            without_features: Vec::new(),
            counts: ExtractionCounts::default(),
        }
    }

    /// Takes one batch of decoded images: cells into the store, each vector from the cache,
    /// the user's file or the network, unusable images reported and listed; an output
    /// failure stops the build.
    fn absorb(
        &mut self,
        decoded: Vec<Result<Decoded, (usize, ThumbError)>>,
        images: &[ImageFile],
        source: &VectorSource,
        cells: &CellStore,
        bar: &indicatif::ProgressBar,
    ) -> Result<()> {
        let mut todo = Vec::new();
        for result in decoded {
            match result {
                Ok(Decoded { thumb, cached }) => {
                    cells.put(thumb.index, &thumb.cell_pixels)?;
                    self.fitted_sides[thumb.index] = thumb.fitted_side;
                    todo.extend(self.take_vector(thumb, cached, images, source));
                }
                Err((_, ThumbError::Output(err))) => return Err(err),
                Err((index, ThumbError::Unusable(reason))) => {
                    bar.suspend(|| eprintln!("skipped {reason}"));
                    self.skipped.push(Skipped {
                        file: images[index].name.clone(),
                        reason,
                    });
                }
            }
        }
        self.run_network(&todo, source)
    }

    /// Records the vector of `thumb` where no network run is needed; returns the thumb where
    /// it is.
    fn take_vector(
        &mut self,
        thumb: thumbs::Thumb,
        cached: Option<Vec<f32>>,
        images: &[ImageFile],
        source: &VectorSource,
    ) -> Option<thumbs::Thumb> {
        let index = thumb.index;
        match (source, cached) {
            (VectorSource::Imported(imported), _) => {
                self.vectors[index] = imported.vector(&images[index].name).map(<[f32]>::to_vec);
            }
            (VectorSource::Model(..), Some(vector)) => {
                self.vectors[index] = Some(vector);
                self.counts.cached += 1;
            }
            (VectorSource::Model(..), None) => return Some(thumb),
            (VectorSource::Positions(_), _) => self.vectors[index] = Some(Vec::new()),
        }
        None
    }

    /// Runs the network on the model inputs of `todo` and caches the vectors.
    fn run_network(&mut self, todo: &[thumbs::Thumb], source: &VectorSource) -> Result<()> {
        let VectorSource::Model(extractor, cache) = source else {
            return Ok(());
        };
        if todo.is_empty() {
            return Ok(());
        }
        let pixels: Vec<&[u8]> = todo
            .iter()
            .map(|t| t.model_input.as_deref().unwrap_or_default())
            .collect();
        for (thumb, vector) in todo.iter().zip(extractor.extract(&pixels)?) {
            cache.put(&thumb.content_sha256, &vector)?;
            self.vectors[thumb.index] = Some(vector);
        }
        self.counts.extracted += todo.len();
        Ok(())
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
    /// The features and their reduction, when positions came from features.
    reduced: Option<(Vectors, Reduced)>,
    /// Notes for the user.
    warnings: Vec<String>,
}

/// PCA, t-SNE and grid assignment of the placed images' vectors.
fn place_by_features(
    placed: &[usize],
    vectors: &[Option<Vec<f32>>],
    options: &BuildOptions,
    clock: &mut Stopwatch,
) -> Result<Placement> {
    let features = Vectors::from_rows(
        &placed
            .iter()
            .map(|&i| vectors[i].clone().unwrap_or_default())
            .collect::<Vec<_>>(),
    )?;
    let reduced = clock.run("reduce", || reduce::reduce(&features, &options.reduce))?;
    let grid = Grid::for_count(placed.len(), options.mosaic.aspect);
    let assigned = clock.run("layout", || layout::assign(&reduced.points, grid))?;
    Ok(Placement {
        points: reduced.points.clone(),
        assigned,
        grid,
        warnings: reduced.warnings.clone(),
        reduced: Some((features, reduced)),
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
    })
}

/// One decoded image, with its cached feature vector when the cache had one.
struct Decoded {
    thumb: thumbs::Thumb,
    cached: Option<Vec<f32>>,
}

/// Decodes a chunk of images: each file is read and its header looked at, those that decode
/// small are decoded in parallel, then the large ones one at a time, so that peak memory is
/// bounded by the largest image allowed, not by it times the number of threads.
fn decode_chunk(
    chunk: &[usize],
    images: &[ImageFile],
    options: &ThumbOptions,
    cache: Option<&FeatureCache>,
) -> Vec<Result<Decoded, (usize, ThumbError)>> {
    let read: Vec<(usize, Result<Vec<u8>, ThumbError>)> = chunk
        .par_iter()
        .map(|&i| (i, thumbs::read_image(&images[i])))
        .collect();
    let is_large = |(_, bytes): &(usize, Result<Vec<u8>, ThumbError>)| {
        bytes
            .as_ref()
            .is_ok_and(|b| thumbs::decoded_pixels(b, options) > thumbs::PARALLEL_DECODE_PIXELS)
    };
    let (large, small): (Vec<_>, Vec<_>) = read.into_iter().partition(is_large);
    let one = |(index, bytes): (usize, Result<Vec<u8>, ThumbError>)| {
        let bytes = bytes.map_err(|e| (index, e))?;
        decode_one(index, &images[index], &bytes, options, cache)
    };
    let mut decoded: Vec<_> = small.into_par_iter().map(one).collect();
    decoded.extend(large.into_iter().map(one));
    decoded
}

/// Decodes one image, looking its content up in the feature cache first so that a cache hit
/// skips making the model input.
fn decode_one(
    index: usize,
    image: &ImageFile,
    bytes: &[u8],
    options: &ThumbOptions,
    cache: Option<&FeatureCache>,
) -> Result<Decoded, (usize, ThumbError)> {
    let mut cached = None;
    let thumb = thumbs::make_thumb(index, image, bytes, options, |hash| {
        cached = cache.and_then(|cache| cache.get(hash));
        cached.is_none()
    })
    .map_err(|e| (index, e))?;
    Ok(Decoded { thumb, cached })
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
