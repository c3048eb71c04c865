//! What a build can be told: one option struct per stage, nested in [`BuildOptions`] as zola
//! nests its config, each with the defaults a user gets when they say nothing, and checked by
//! [`BuildOptions::validate`] before any image is decoded. Read by `build` (which runs the
//! stages) and by `report` (which records them in `build-report.json`).

use std::path::{Component, Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::clusters::ClusterOptions;
use crate::features::FeatureOptions;
use crate::folders::FolderOptions;
use crate::originals::Originals;
use crate::reduce::ReduceOptions;
use crate::refine::Refine;
use crate::setting::{Setting, SettingError};
use crate::thumbs::{DEFAULT_MAX_PIXELS, Fit, Preprocess};
use crate::tiles::TileOptions;

/// The smallest perplexity accepted: below it each point's neighbourhood is one point and the
/// affinities' search for a bandwidth stalls (perplexity 1 took 40× the time of 30).
pub const MIN_PERPLEXITY: f32 = 2.0;
/// The largest perplexity accepted: t-SNE keeps 3 × perplexity neighbours per point, so
/// memory and time grow with it, and maps stop improving well below it.
pub const MAX_PERPLEXITY: f32 = 100.0;

/// Everything a build can be told.
#[derive(Debug, Clone, Serialize)]
pub struct BuildOptions {
    /// The collection's folder.
    pub images: PathBuf,
    /// The site folder to write (replaced atomically).
    pub output: PathBuf,
    /// The page's title and each item's text, from the metadata CSV.
    pub items: ItemOptions,
    /// Where each image's vector comes from.
    pub vectors: VectorOptions,
    /// PCA and t-SNE.
    pub reduce: ReduceOptions,
    /// The cluster hierarchy.
    pub clusters: ClusterOptions,
    /// The grid, its cells and the previews.
    pub mosaic: MosaicOptions,
    /// The DeepZoom pyramid.
    pub tiles: TileOptions,
    /// Folder for `items.tsv`, `features.npy` and `reduced.npy`.
    pub export: Option<PathBuf>,
    /// One folder of images per cluster.
    pub folders: Option<FolderOptions>,
}

impl BuildOptions {
    /// The options of a build of `images` into `output` with every default.
    pub fn new(images: PathBuf, output: PathBuf) -> Self {
        Self {
            images,
            output,
            items: ItemOptions::default(),
            vectors: VectorOptions::default(),
            reduce: ReduceOptions::default(),
            clusters: ClusterOptions::default(),
            mosaic: MosaicOptions::default(),
            tiles: TileOptions::default(),
            export: None,
            folders: None,
        }
    }

    /// Refuses options no build can use, naming the setting to change, before any file is
    /// read: the checks a bad value would otherwise fail only stages later.
    pub fn validate(&self) -> Result<()> {
        self.check_paths()?;
        self.items.validate()?;
        self.vectors.validate()?;
        check(
            self.reduce.pca_components >= 1,
            Setting::Pca,
            "PCA needs at least 1 component",
        )?;
        check(
            (MIN_PERPLEXITY..=MAX_PERPLEXITY).contains(&self.reduce.perplexity),
            Setting::Perplexity,
            format!(
                "perplexity {} is outside {MIN_PERPLEXITY}–{MAX_PERPLEXITY} (t-SNE's useful range; \
                 30 is the default)",
                self.reduce.perplexity
            ),
        )?;
        self.mosaic.validate()?;
        if let Some(folders) = &self.folders {
            check(
                is_empty_or_absent(&folders.dir),
                Setting::ExportFolders,
                format!(
                    "{}: already exists and is not an empty folder",
                    folders.dir.display()
                ),
            )?;
        }
        self.tiles
            .validate()
            .map_err(|err| SettingError::error(Setting::Tiles, err.to_string()))
    }
}

impl BuildOptions {
    /// Refuses, before any work, outputs that would destroy or read back what the build
    /// reads or writes: a site folder that is, holds or lies inside the images folder; an
    /// export or cluster-folders tree inside the site (a rebuild replaces it), holding the
    /// site, inside the images (the next scan would read it back) or overlapping the other;
    /// an export folder that holds one of the build's input files.
    fn check_paths(&self) -> Result<()> {
        let images = resolved(&self.images);
        let output = resolved(&self.output);
        check(
            !overlap(&output, &images),
            Setting::Output,
            format!(
                "{}: is, holds or lies inside the images folder {}; write the site elsewhere",
                self.output.display(),
                self.images.display()
            ),
        )?;
        let trees = [
            (Setting::Export, self.export.as_deref()),
            (
                Setting::ExportFolders,
                self.folders.as_ref().map(|f| f.dir.as_path()),
            ),
        ];
        for (setting, dir) in trees {
            let Some(dir) = dir else { continue };
            let resolved_dir = resolved(dir);
            for (other, what) in [(&output, "the site folder"), (&images, "the images folder")] {
                check(
                    !overlap(&resolved_dir, other),
                    setting,
                    format!("{}: is, holds or lies inside {what}", dir.display()),
                )?;
            }
        }
        if let (Some(export), Some(folders)) = (&self.export, &self.folders) {
            check(
                !overlap(&resolved(export), &resolved(&folders.dir)),
                Setting::ExportFolders,
                "the export folder and the cluster folders overlap",
            )?;
        }
        self.check_export_spares_inputs()
    }

    /// Refuses an export folder that holds one of the build's input files, or files an
    /// export did not write.
    fn check_export_spares_inputs(&self) -> Result<()> {
        let Some(export) = &self.export else {
            return Ok(());
        };
        crate::export::check_folder(export)
            .map_err(|err| SettingError::error(Setting::Export, format!("{err:#}")))?;
        let export = resolved(export);
        let inputs = self
            .vectors
            .features
            .iter()
            .chain(&self.vectors.features_index)
            .chain(&self.vectors.positions)
            .chain(&self.vectors.weights)
            .chain(&self.items.metadata)
            .chain(&self.clusters.names);
        for input in inputs {
            check(
                !resolved(input).starts_with(&export),
                Setting::Export,
                format!(
                    "{}: an input of this build lies in the export folder, which the export \
                     would overwrite; export elsewhere",
                    input.display()
                ),
            )?;
        }
        Ok(())
    }
}

/// `path` made absolute with symbolic links, `.` and `..` resolved: the deepest part that
/// exists canonicalized, the rest appended.
pub fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut rest = Vec::new();
    let mut base = absolute.as_path();
    loop {
        if let Ok(real) = base.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                match part {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::Normal(name) => out.push(name),
                    _ => {}
                }
            }
            return out;
        }
        let Some(parent) = base.parent() else {
            return absolute;
        };
        rest.extend(base.components().next_back());
        base = parent;
    }
}

/// Whether one of two resolved paths is or lies inside the other.
fn overlap(a: &Path, b: &Path) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

fn is_empty_or_absent(dir: &std::path::Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !dir.exists(),
    }
}

/// `Ok` when `holds`, else the error `message` about `setting`.
fn check(holds: bool, setting: Setting, message: impl Into<String>) -> Result<()> {
    if holds {
        Ok(())
    } else {
        Err(SettingError::error(setting, message))
    }
}

/// The page's title, each item's text and what its panel offers.
#[derive(Debug, Clone, Serialize)]
pub struct ItemOptions {
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
    /// Whether the site carries the original files, for the full-image view and download.
    pub originals: Originals,
}

impl Default for ItemOptions {
    fn default() -> Self {
        Self {
            map_title: None,
            metadata: None,
            filename_column: "filename".into(),
            title: None,
            url: None,
            originals: Originals::Auto,
        }
    }
}

impl ItemOptions {
    /// A template's `{Column}`s come from the metadata: one without it is refused. (Whether
    /// the columns exist is checked once the CSV's header is read, still before decoding.)
    fn validate(&self) -> Result<()> {
        for (template, setting, what) in [
            (&self.title, Setting::Title, "title"),
            (&self.url, Setting::Url, "URL"),
        ] {
            check(
                template.is_none() || self.metadata.is_some(),
                setting,
                format!("the {what} template needs a metadata CSV: its {{Column}}s come from it"),
            )?;
        }
        Ok(())
    }
}

/// Where each image's vector comes from: VGG16 by default, or a file the user brings.
#[derive(Debug, Clone, Serialize)]
pub struct VectorOptions {
    /// Vectors computed elsewhere (`.npy` + paths, or TSV/CSV), used instead of VGG16: files,
    /// folders of them or glob patterns, merged.
    pub features: Vec<PathBuf>,
    /// The image paths of a `.npy` given with `features` (default: same stem, `.txt`).
    pub features_index: Option<PathBuf>,
    /// A positions file (`filename,x,y` or `filename,col,row`) that replaces features and
    /// reduction.
    pub positions: Option<PathBuf>,
    /// VGG16 weights file; downloaded and cached when absent.
    pub weights: Option<PathBuf>,
    /// Folder for downloaded weights and the feature cache.
    pub cache_dir: PathBuf,
    /// The network's layer and device.
    pub network: FeatureOptions,
    /// Images per forward pass.
    pub batch: usize,
    /// How images become the model's input.
    pub preprocess: Preprocess,
}

impl Default for VectorOptions {
    fn default() -> Self {
        Self {
            features: Vec::new(),
            features_index: None,
            positions: None,
            weights: None,
            cache_dir: default_cache_dir(),
            network: FeatureOptions::default(),
            batch: 8,
            preprocess: Preprocess::Crop,
        }
    }
}

impl VectorOptions {
    fn validate(&self) -> Result<()> {
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

/// The grid, its cells and the previews.
#[derive(Debug, Clone, Serialize)]
pub struct MosaicOptions {
    /// Grid width / height.
    pub aspect: f64,
    /// Side of each image's square cell, in pixels.
    pub cell_side: u32,
    /// How images fill their cells.
    pub fit: Fit,
    /// Colour of letterbox bars, empty cells and the page.
    pub background: [u8; 3],
    /// Longest side of panel previews.
    pub preview_size: u32,
    /// The most pixels an image may declare; larger ones are skipped undecoded.
    pub max_pixels: u64,
    /// How much the t-SNE grid is refined on the PCA neighbours.
    pub refine: Refine,
}

impl Default for MosaicOptions {
    fn default() -> Self {
        Self {
            aspect: 1.0,
            cell_side: 256,
            fit: Fit::Contain,
            background: [0x11; 3],
            preview_size: 1024,
            max_pixels: DEFAULT_MAX_PIXELS,
            refine: Refine::Auto,
        }
    }
}

/// The largest cell side: 4096² RGB pixels are 48 MiB per cell, and a cell far larger than
/// a screen shows nothing more.
const MAX_CELL_SIDE: u32 = 4096;

impl MosaicOptions {
    fn validate(&self) -> Result<()> {
        check(
            self.aspect.is_finite() && self.aspect > 0.0,
            Setting::Aspect,
            format!("aspect {} is not a positive number", self.aspect),
        )?;
        check(
            (1..=MAX_CELL_SIDE).contains(&self.cell_side),
            Setting::CellSide,
            format!(
                "cell side {} is not within 1–{MAX_CELL_SIDE} pixels",
                self.cell_side
            ),
        )?;
        check(
            self.preview_size >= 1,
            Setting::PreviewSize,
            "previews need a side of at least 1 pixel",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dir: &Path, images: &str, output: &str) -> BuildOptions {
        BuildOptions::new(dir.join(images), dir.join(output))
    }

    #[test]
    fn perplexities_outside_the_useful_range_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        for (perplexity, ok) in [(1e-9, false), (1.0, false), (f32::NAN, false), (1e3, false)]
            .into_iter()
            .chain([(2.0, true), (30.0, true), (100.0, true)])
        {
            let mut o = options(dir.path(), "imgs", "site");
            o.reduce.perplexity = perplexity;
            assert_eq!(o.validate().is_ok(), ok, "perplexity {perplexity}");
        }
    }

    #[test]
    fn outputs_overlapping_the_images_or_each_other_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("www/photos")).unwrap();
        for (images, output) in [
            ("www/photos", "www"),
            ("www/photos", "www/photos"),
            ("www", "www/photos/site"),
            ("www", "www/./photos/../site"),
        ] {
            let err = options(dir.path(), images, output).validate().unwrap_err();
            assert!(
                err.to_string().contains("images folder"),
                "{images} -o {output}: {err}"
            );
        }
        let mut export_in_site = options(dir.path(), "www/photos", "site");
        export_in_site.export = Some(dir.path().join("site/export"));
        assert!(export_in_site.validate().is_err());
        let mut export_holding_input = options(dir.path(), "www/photos", "site");
        export_holding_input.export = Some(dir.path().join("out"));
        export_holding_input.vectors.features = vec![dir.path().join("out/features.npy")];
        let err = export_holding_input.validate().unwrap_err().to_string();
        assert!(err.contains("features.npy"), "{err}");
        options(dir.path(), "www/photos", "site")
            .validate()
            .unwrap();
    }
}
