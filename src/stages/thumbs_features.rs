//! The thumbs and features stage: every image decoded once (in parallel, in a producer
//! thread) into its mosaic cell, preview and model input while the network runs batches, each
//! vector taken from the feature cache, the user's files or VGG16, and the network's vectors
//! written to disk in scan order as they come. `build` and `extract` both run it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use anyhow::{Result, bail};
use rayon::prelude::*;
use serde::Serialize;

use crate::base::message::first_few;
use crate::base::progress::items_bar;
use crate::base::setting::{Setting, check};
use crate::base::vectors::{RowFile, RowWriter};
use crate::stages::features::cache::{CacheKey, FeatureCache};
use crate::stages::features::imported::ImportedFeatures;
use crate::stages::features::{
    self, Backend, FeatureExtractor, FeatureOptions, Layer, Normalization,
};
use crate::stages::positions::Positions;
use crate::stages::scan::ImageFile;
use crate::stages::thumbs::{self, CellStore, Preprocess, ThumbError, ThumbOptions};

/// Where each image's vector comes from: VGG16 by default, or a file the user brings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VectorOptions {
    /// Vectors computed elsewhere (`.npy` + paths, or TSV/CSV), used instead of VGG16: files,
    /// folders of them or glob patterns, merged.
    pub features: Vec<PathBuf>,
    /// The image paths of a `.npy` given with `features` (default: same stem, `.txt`).
    pub features_index: Option<PathBuf>,
    /// A positions file (`filename,x,y` or `filename,col,row`) that replaces features and
    /// reduction.
    pub positions: Option<PathBuf>,
    /// The network, when neither is given.
    pub network: NetworkOptions,
}

impl VectorOptions {
    /// Refuses what the network could not run with.
    pub fn validate(&self) -> Result<()> {
        if self.positions.is_some() && !self.features.is_empty() {
            bail!(
                "--positions replaces --features; to show both, name both maps in --layouts \
                 (similarity,positions)"
            );
        }
        self.network.validate()
    }
}

/// VGG16 as a build or an extraction runs it: its weights, the cache, its layer and
/// device, and how images are batched and made its input.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkOptions {
    /// VGG16 weights file; downloaded and cached when absent.
    pub weights: Option<PathBuf>,
    /// Folder for downloaded weights and the feature cache.
    pub cache_dir: PathBuf,
    /// The network's layer and device.
    pub model: FeatureOptions,
    /// Images per forward pass.
    pub batch: usize,
    /// How images become the model's input.
    pub preprocess: Preprocess,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            weights: None,
            cache_dir: default_cache_dir(),
            model: FeatureOptions::default(),
            batch: 8,
            preprocess: Preprocess::Crop,
        }
    }
}

impl NetworkOptions {
    /// Refuses an empty batch.
    pub fn validate(&self) -> Result<()> {
        check(
            self.batch >= 1,
            Setting::Batch,
            "a forward pass needs at least 1 image",
        )
    }
}

/// The user's cache folder's `zoomap` folder (the system's temporary folder where there is
/// no cache folder): where weights are downloaded and feature vectors kept.
pub fn default_cache_dir() -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("zoomap")
}

/// An image left out of the map, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Path relative to the collection.
    pub file: String,
    /// One line: the file and the reason.
    pub reason: String,
}

/// How many vectors the network computed and how many came from the feature cache.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ExtractionCounts {
    /// Images the network ran on.
    pub extracted: usize,
    /// Images whose vector was in the cache.
    pub cached: usize,
}

/// Where a build's feature vectors came from.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FeatureSource {
    /// VGG16 ran on every image.
    Vgg16 {
        /// Burn backend.
        backend: Backend,
        /// Device the network ran on.
        device: String,
        /// Weights file used.
        weights: PathBuf,
        /// Its sha256.
        weights_sha256: String,
        /// Feature layer used.
        layer: Layer,
        /// Input preprocessing used.
        normalization: Normalization,
    },
    /// The user's features files.
    Files {
        /// The files, in the order read.
        paths: Vec<PathBuf>,
        /// Length of their vectors.
        dim: usize,
    },
    /// The user's positions file: no features, no reduction.
    Positions {
        /// The file.
        path: PathBuf,
    },
}

/// Where a build's vectors come from.
pub enum VectorSource {
    /// VGG16, run on every image.
    Model(Box<FeatureExtractor>, FeatureCache),
    /// A features file the user brought.
    Imported(ImportedFeatures),
    /// No vectors: the user brought the positions.
    Positions(Positions),
}

impl VectorSource {
    /// What the build report says about the vectors.
    pub fn describe(&self) -> FeatureSource {
        match self {
            VectorSource::Model(extractor, _) => FeatureSource::Vgg16 {
                backend: extractor.device().backend,
                device: extractor.device().name.clone(),
                weights: extractor.weights().path.clone(),
                weights_sha256: extractor.weights().sha256.clone(),
                layer: extractor.layer(),
                normalization: extractor.normalization().clone(),
            },
            VectorSource::Imported(imported) => FeatureSource::Files {
                paths: imported.paths.clone(),
                dim: imported.dim(),
            },
            VectorSource::Positions(positions) => FeatureSource::Positions {
                path: positions.path.clone(),
            },
        }
    }
}

/// Loads the network, or reads the user's features files and checks that every path in them
/// names an image of the collection, before any image is decoded.
pub fn load_vectors_source(
    options: &VectorOptions,
    collection: &Path,
    images: &[ImageFile],
) -> Result<VectorSource> {
    if let Some(path) = &options.positions {
        return Ok(VectorSource::Positions(read_positions(
            path, collection, images,
        )?));
    }
    if options.features.is_empty() {
        return load_model(&options.network);
    }
    let imported = ImportedFeatures::read(&options.features, options.features_index.as_deref())?;
    if let Some((path, missing)) = imported.first_unknown(images.iter().map(|i| i.name.as_str())) {
        require_known(path, &missing, collection)?;
    }
    Ok(VectorSource::Imported(imported))
}

/// VGG16 with the weights and settings of `network`, and its feature cache.
pub fn load_model(network: &NetworkOptions) -> Result<VectorSource> {
    let weights = features::weights::locate(network.weights.as_deref(), &network.cache_dir)?;
    let extractor = FeatureExtractor::load(&weights, &network.model)?;
    let key = CacheKey {
        weights_sha256: &extractor.weights().sha256,
        layer: extractor.layer(),
        preprocess: network.preprocess,
        normalization: extractor.normalization(),
    };
    let cache = FeatureCache::open(&network.cache_dir, &key)?;
    Ok(VectorSource::Model(Box::new(extractor), cache))
}

/// Stops the build when a user's file (`path`) names images the collection lacks.
/// Reads the positions file at `path` and checks that every image it names is one of
/// `images` in `collection`.
pub fn read_positions(path: &Path, collection: &Path, images: &[ImageFile]) -> Result<Positions> {
    let positions = Positions::read(path)?;
    let missing = positions.missing_from(images.iter().map(|i| i.name.as_str()));
    require_known(path, &missing, collection)?;
    Ok(positions)
}

fn require_known(path: &Path, missing: &[String], collection: &Path) -> Result<()> {
    if missing.is_empty() {
        return Ok(());
    }
    bail!(
        "{}: {} of its image paths name no image under {}: {}",
        path.display(),
        missing.len(),
        collection.display(),
        first_few(missing, 5)
    )
}

/// What the thumbs and features stage produced, by scan index.
pub struct Extracted {
    /// Whether each image has a vector (or, with positions given, a position).
    pub has_vector: Vec<bool>,
    /// The network's vectors as they are written, in scan order.
    writer: Option<RowWriter>,
    /// The network's vectors, in scan order of the images that have one.
    pub store: Option<Arc<RowFile>>,
    /// Each decoded image's [`thumbs::Thumb::fitted_side`] (0 where none was decoded).
    pub fitted_sides: Vec<u32>,
    /// Images that could not be used, with the reason.
    pub skipped: Vec<Skipped>,
    /// Images the user's file gives no vector (or position).
    pub without_features: Vec<String>,
    /// Vectors computed and vectors read from the cache.
    pub counts: ExtractionCounts,
}

/// How the stage runs.
pub struct Plan<'a> {
    /// What to derive from each image; the model input only where the network runs.
    pub thumbs: ThumbOptions,
    /// Images per forward pass.
    pub batch: usize,
    /// Where the cells go; none when only vectors are wanted (`zoomap extract`).
    pub cells: Option<&'a CellStore>,
    /// The file the network's vectors are written to as they come.
    pub vector_store: &'a Path,
}

/// Decodes images in parallel in one thread while the network runs batches in this one, so
/// the CPU never waits for a batch; cells go to the store, previews where `plan` says and
/// the network's vectors to `plan.vector_store`, in scan order.
pub fn thumbs_and_features(
    images: &[ImageFile],
    plan: &Plan<'_>,
    source: &VectorSource,
) -> Result<Extracted> {
    // The model's feature cache; `None` when no model runs, so no model input is made.
    let model_cache = match source {
        VectorSource::Model(_, cache) => Some(cache),
        VectorSource::Imported(_) | VectorSource::Positions(_) => None,
    };
    let mut thumb_options = plan.thumbs.clone();
    if model_cache.is_none() {
        thumb_options.model_input = None;
    }
    let (wanted, without_features): (Vec<usize>, Vec<usize>) =
        (0..images.len()).partition(|&i| match source {
            VectorSource::Model(..) => true,
            VectorSource::Imported(imported) => imported.has(&images[i].name),
            VectorSource::Positions(positions) => positions.has(&images[i].name),
        });
    let batch = plan.batch.max(1);
    let bar = items_bar(wanted.len() as u64, "images");
    let mut extracted = Extracted::empty(images.len());
    if model_cache.is_some() {
        extracted.writer = Some(RowWriter::create(plan.vector_store)?);
    }
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
            extracted.absorb(decoded, images, source, plan.cells, &bar)?;
            bar.inc(count);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    extracted.store = extracted
        .writer
        .take()
        .map(RowWriter::finish)
        .transpose()?
        .map(Arc::new);
    extracted.without_features = without_features
        .into_iter()
        .map(|i| images[i].name.clone())
        .collect();
    Ok(extracted)
}

impl Extracted {
    fn empty(images: usize) -> Self {
        Self {
            has_vector: vec![false; images],
            writer: None,
            store: None,
            fitted_sides: vec![0; images],
            skipped: Vec::new(),
            without_features: Vec::new(),
            counts: ExtractionCounts::default(),
        }
    }

    /// Takes one batch of decoded images: cells into the store, each vector from the cache,
    /// the user's file or the network, unusable images reported and listed; an output
    /// failure stops the build. The network's vectors are stored in scan order.
    fn absorb(
        &mut self,
        decoded: Vec<Result<Decoded, (usize, ThumbError)>>,
        images: &[ImageFile],
        source: &VectorSource,
        cells: Option<&CellStore>,
        bar: &indicatif::ProgressBar,
    ) -> Result<()> {
        let mut vectors = Vec::new();
        let mut todo = Vec::new();
        for result in decoded {
            match result {
                Ok(Decoded { thumb, cached }) => {
                    if let Some(cells) = cells {
                        cells.put(thumb.index, &thumb.cell_pixels)?;
                    }
                    self.fitted_sides[thumb.index] = thumb.fitted_side;
                    match (source, cached) {
                        (VectorSource::Model(..), Some(vector)) => {
                            self.counts.cached += 1;
                            vectors.push((thumb.index, vector));
                        }
                        (VectorSource::Model(..), None) => todo.push(thumb),
                        _ => self.has_vector[thumb.index] = true,
                    }
                }
                Err((_, ThumbError::Output(err))) => return Err(err),
                Err((index, ThumbError::Unusable(reason))) => {
                    bar.suspend(|| {
                        eprintln!("skipped {}", crate::base::message::printable(&reason))
                    });
                    self.skipped.push(Skipped {
                        file: images[index].name.clone(),
                        reason,
                    });
                }
            }
        }
        vectors.extend(self.run_network(&todo, source)?);
        self.store_vectors(vectors)
    }

    /// Appends a batch's vectors to the store in scan order (batches come in scan order, but
    /// large images are decoded after the rest of theirs).
    fn store_vectors(&mut self, mut vectors: Vec<(usize, Vec<f32>)>) -> Result<()> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        vectors.sort_unstable_by_key(|(index, _)| *index);
        for (index, vector) in vectors {
            writer.push(&vector)?;
            self.has_vector[index] = true;
        }
        Ok(())
    }

    /// Runs the network on the model inputs of `todo`, caches the vectors and returns them
    /// by scan index.
    fn run_network(
        &mut self,
        todo: &[thumbs::Thumb],
        source: &VectorSource,
    ) -> Result<Vec<(usize, Vec<f32>)>> {
        let VectorSource::Model(extractor, cache) = source else {
            return Ok(Vec::new());
        };
        if todo.is_empty() {
            return Ok(Vec::new());
        }
        let pixels: Vec<&[u8]> = todo
            .iter()
            .map(|t| t.model_input.as_deref().unwrap_or_default())
            .collect();
        let mut vectors = Vec::with_capacity(todo.len());
        for (thumb, vector) in todo.iter().zip(extractor.extract(&pixels)?) {
            cache.put(&thumb.content_sha256, &vector)?;
            vectors.push((thumb.index, vector));
        }
        self.counts.extracted += todo.len();
        Ok(vectors)
    }
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
