//! What a build can be told: the options of every stage, read by `build` (which runs the
//! stages) and by `report` (which records them in `build-report.json`).

use std::path::PathBuf;

use serde::Serialize;

use crate::features::{DeviceChoice, Layer};
use crate::thumbs::{Fit, Preprocess};
use crate::tiles::TileFormat;

/// Everything a build can be told.
#[derive(Debug, Clone, Serialize)]
pub struct BuildOptions {
    /// The collection's folder.
    pub images: PathBuf,
    /// The site folder to write (replaced atomically).
    pub output: PathBuf,
    /// Title of the map page; defaults to the collection folder's name.
    pub map_title: Option<String>,
    /// Metadata CSV.
    pub metadata: Option<PathBuf>,
    /// The CSV column naming each image.
    pub filename_column: String,
    /// Item title template, such as `{Name} ({Year})`.
    pub title: Option<String>,
    /// Item URL template, such as `https://example.org/objects/{Id}`.
    pub url: Option<String>,
    /// Vectors computed elsewhere (`.npy` + paths, or TSV/CSV), used instead of VGG16.
    pub features: Option<PathBuf>,
    /// The image paths of a `.npy` given with `features` (default: same stem, `.txt`).
    pub features_index: Option<PathBuf>,
    /// VGG16 weights file; downloaded and cached when absent.
    pub weights: Option<PathBuf>,
    /// Folder for downloaded weights and the feature cache.
    pub cache_dir: PathBuf,
    /// Feature layer; `None` picks by what the weights hold.
    pub layer: Option<Layer>,
    /// Where VGG16 runs.
    pub device: DeviceChoice,
    /// Images per forward pass.
    pub batch: usize,
    /// How images become the model's input.
    pub preprocess: Preprocess,
    /// PCA components.
    pub pca: usize,
    /// t-SNE perplexity.
    pub perplexity: f32,
    /// A positions file (`filename,x,y` or `filename,col,row`) that replaces features and
    /// reduction.
    pub positions: Option<PathBuf>,
    /// Seed of random choices; when given, the map is also bit-identical from run to run
    /// (t-SNE then runs on one thread).
    pub seed: Option<u64>,
    /// Grid width / height.
    pub aspect: f64,
    /// Cell side in pixels.
    pub cell: u32,
    /// How images fill their cells.
    pub fit: Fit,
    /// Background colour.
    pub background: [u8; 3],
    /// Tile side.
    pub tile_size: u32,
    /// Tile overlap.
    pub overlap: u32,
    /// Tile format.
    pub format: TileFormat,
    /// JPEG quality.
    pub quality: u8,
    /// Longest side of panel previews.
    pub preview_size: u32,
    /// The most pixels an image may declare; larger ones are skipped undecoded.
    pub max_pixels: u64,
    /// Folder for `items.tsv`, `features.npy` and `reduced.npy`.
    pub export: Option<PathBuf>,
}
