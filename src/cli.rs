//! Every command-line concern in one place, as ripgrep keeps its in `flags/`: the clap
//! arguments, one group per build stage (flattened into `build`, each under its own help
//! heading), their conversion into the library's option structs (whose `Default`s are the
//! flags' defaults), and the flag that fixes a [`SettingError`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Error, bail};
use clap::{Args, Parser, Subcommand};
use zoomap::base::setting::{Setting, SettingError};
use zoomap::cmd::extract::{ExtractOptions, Shard};
use zoomap::cmd::options::BuildOptions;
use zoomap::cmd::serve::ServeOptions;
use zoomap::export::folders::FolderOptions;
use zoomap::site::css_colour;
use zoomap::site::iiif::IiifOptions;
use zoomap::site::metadata::ItemOptions;
use zoomap::site::originals::Originals;
use zoomap::stages::arrange::{LayoutOptions, Layouts};
use zoomap::stages::clusters::{ClusterCount, ClusterMethod, ClusterOptions};
use zoomap::stages::features::{CpuConvolution, DeviceChoice, FeatureOptions, Layer};
use zoomap::stages::iiif_source::{self, Canvases, IiifSourceOptions};
use zoomap::stages::reduce::ReduceOptions;
use zoomap::stages::refine::Refine;
use zoomap::stages::tags::{DEFAULT_MIN_SCORE, TagOptions, TagSource};
use zoomap::stages::thumbs::MosaicOptions;
use zoomap::stages::thumbs::{Fit, Preprocess};
use zoomap::stages::thumbs_features::{NetworkOptions, VectorOptions, default_cache_dir};
use zoomap::stages::tiles::{TileFormat, TileOptions};

/// `zoomap --version`: the version and which JPEG decoder build this binary has (build.rs).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nJPEG decoding: ",
    env!("ZOOMAP_JPEG_DECODER")
);

/// Turn a folder of images into a zoomable map where similar images sit together.
#[derive(Parser)]
#[command(version, long_version = LONG_VERSION, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Subcommand)]
pub enum Command {
    /// Build the map site of a folder of images.
    Build(Box<BuildArgs>),
    /// Write the VGG16 vectors of a folder of images (or of one shard of it) to a .npy, for
    /// `build --features`.
    Extract(Box<ExtractArgs>),
    /// Preview a built site on localhost.
    Serve(ServeArgs),
}

/// `zoomap build`.
#[derive(Args)]
pub struct BuildArgs {
    /// Folder of images (searched recursively); none with --iiif.
    #[arg(required_unless_present = "iiif")]
    images: Option<PathBuf>,
    /// Site folder to write; an existing site there is replaced when the build succeeds.
    #[arg(short, long, default_value = "site")]
    output: PathBuf,
    /// Also write items.tsv, features.npy, reduced.npy, clusters.tsv and clusters.json into
    /// this folder.
    #[arg(long)]
    export: Option<PathBuf>,
    /// Also write one folder of images per cluster (nested by level, e.g. 07-ceramics/) into
    /// this new folder: hard links, else symbolic links.
    #[arg(long)]
    export_folders: Option<PathBuf>,
    /// Copy the images into --export-folders instead of linking them.
    #[arg(long, requires = "export_folders")]
    copy: bool,
    /// Serve the site once built.
    #[arg(long)]
    serve: bool,
    /// Open the served site in a browser (implies --serve).
    #[arg(long)]
    open: bool,
    /// Port for --serve.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    #[command(flatten)]
    items: ItemArgs,
    #[command(flatten)]
    tags: TagArgs,
    #[command(flatten)]
    vectors: VectorArgs,
    #[command(flatten)]
    reduce: ReduceArgs,
    #[command(flatten)]
    mosaic: MosaicArgs,
    #[command(flatten)]
    layouts: LayoutArgs,
    #[command(flatten)]
    iiif: IiifArgs,
    #[command(flatten)]
    tiles: TileArgs,
}

#[derive(Args)]
#[command(next_help_heading = "Layouts")]
struct LayoutArgs {
    /// The maps the viewer's Layout menu offers, comma-separated, in menu order: similarity
    /// (or positions, with --positions), time, group:COLUMN, colour, place:LAT,LON. The
    /// similarity (or positions) map is always built, first where not named. Naming both
    /// similarity and positions draws the --positions file beside the similarity map
    /// [default: similarity, or positions with --positions].
    #[arg(long, value_name = "LIST")]
    layouts: Option<Layouts>,
    /// The timeline's year column [default: the one the year filter finds].
    #[arg(long, value_name = "COLUMN")]
    year_column: Option<String>,
}

#[derive(Args)]
#[command(next_help_heading = "IIIF")]
struct IiifArgs {
    /// Build from a IIIF Presentation 2.1 or 3 Manifest or Collection (a URL or a file)
    /// instead of a folder: every canvas's image fetched (cached), the Manifests' labels,
    /// metadata, dates, pages and rights as the items' metadata.
    #[arg(long, value_name = "SOURCE", conflicts_with_all = ["images", "features", "positions"])]
    iiif: Option<String>,
    /// Which canvases of each Manifest become items.
    #[arg(long, value_enum, default_value_t = Canvases::All, requires = "iiif")]
    iiif_canvases: Canvases,
    /// The longest side each image is fetched at, in pixels (within what its image service
    /// declares).
    #[arg(long, value_name = "PX", default_value_t = 1024, requires = "iiif")]
    iiif_size: u32,
    /// Requests at once to one host.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "iiif")]
    iiif_per_host: usize,
    /// The URL the site will be published at: the IIIF Manifests, Collection and image
    /// service carry absolute ids under it [default: http://127.0.0.1:8000/, zoomap serve's
    /// address, with a warning to rebuild for publishing].
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// The metadata column of each item's licence: a Creative Commons or
    /// RightsStatements.org URI becomes the IIIF `rights`, other text joins the attribution
    /// [default: a column named license, licence, rights or usage].
    #[arg(long, value_name = "COLUMN")]
    iiif_rights: Option<String>,
}

#[derive(Args)]
#[command(next_help_heading = "Machine tags")]
struct TagArgs {
    /// What each image depicts, as searchable words, a "Depicts (machine)" filter and
    /// cluster names where the metadata names none: auto (VGG16's own ImageNet classifier,
    /// where the weights have it), none, or a CSV of any tagger's tags,
    /// `filename,label,score[,wnid]`, several rows per image.
    #[arg(long, value_name = "auto|none|FILE", default_value = "auto")]
    tags: TagSource,
    /// Tags scored below this are dropped (at most 3 per image are kept).
    #[arg(long, value_name = "SCORE", default_value_t = DEFAULT_MIN_SCORE)]
    tag_min_score: f32,
}

#[derive(Args)]
#[command(next_help_heading = "Titles, links and originals")]
struct ItemArgs {
    /// Title of the map page [default: the folder's name].
    #[arg(long)]
    name: Option<String>,
    /// CSV of item metadata, one row per image (a TSV when its header holds a tab).
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// CSV column holding each image's path relative to IMAGES (or its bare file name).
    #[arg(long, default_value_t = ItemOptions::default().filename_column)]
    filename_column: String,
    /// Item title from CSV columns, e.g. "{Name} ({Year})"; `{{`/`}}` are literal braces.
    #[arg(long)]
    title: Option<String>,
    /// Item page URL from CSV columns, e.g. "https://example.org/objects/{Id}".
    #[arg(long)]
    url: Option<String>,
    /// Name clusters from these CSV columns only [default: every column that describes
    /// groups: not links or paths, not identifiers or other values near-unique per row, not
    /// long free text].
    #[arg(long, value_delimiter = ',', value_name = "COL,…")]
    name_columns: Vec<String>,
    /// The curator's saved groups, `filename,group` as the viewer's "Save as a group" writes
    /// it: a "Group" column of the metadata (a facet, searchable, shown in the panel).
    #[arg(long, value_name = "FILE")]
    groups: Option<PathBuf>,
    /// Whether the site carries the original files, for the panel's full-image view and
    /// download link: copied, hard-linked, left out, or (auto) copied when they total at most
    /// 1 GiB.
    #[arg(long, value_enum, default_value_t = ItemOptions::default().originals)]
    originals: Originals,
}

/// `zoomap extract`.
#[derive(Args)]
pub struct ExtractArgs {
    /// Folder of images (searched recursively).
    images: PathBuf,
    /// The .npy to write; the image paths go to the .txt of the same stem.
    #[arg(short, long, default_value = "features.npy")]
    output: PathBuf,
    /// Extract only the I-th of N parts of the collection (I from 0 to N−1: a SLURM array's
    /// $SLURM_ARRAY_TASK_ID, a Kubernetes indexed Job's $JOB_COMPLETION_INDEX); each image's
    /// part depends on its path alone.
    #[arg(long, value_name = "I/N", default_value = "0/1")]
    shard: Shard,
    #[command(flatten)]
    network: NetworkArgs,
}

impl ExtractArgs {
    /// The library's options for these arguments.
    pub fn options(&self) -> ExtractOptions {
        ExtractOptions {
            images: self.images.clone(),
            output: self.output.clone(),
            shard: self.shard,
            network: self.network.options(),
        }
    }
}

#[derive(Args)]
#[command(next_help_heading = "Features")]
struct VectorArgs {
    /// Use these vectors instead of VGG16's: a .npy of N×D floats (image paths, relative to
    /// IMAGES, one per line in the same-stem .txt or --features-index), or a TSV/CSV whose first
    /// column names the image and the rest are numbers. Several files (or a folder of them, or
    /// a quoted pattern such as 'features-*.npy', as `zoomap extract --shard` writes) are merged.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    features: Vec<PathBuf>,
    /// The image paths of a --features .npy, one per row.
    #[arg(long, requires = "features")]
    features_index: Option<PathBuf>,
    /// Positions computed elsewhere, instead of features: a CSV/TSV of filename,x,y (spread
    /// onto the grid) or filename,col,row (cells used as given). Images not listed are left out.
    /// No network runs, so --weights (or ZOOMAP_WEIGHTS, which must not conflict) is unused.
    /// With --layouts naming similarity and positions, the file is a layout of its own beside
    /// the similarity map instead (images not listed go to a "no position" band).
    #[arg(long)]
    positions: Option<PathBuf>,
    #[command(flatten)]
    network: NetworkArgs,
}

#[derive(Args)]
#[command(next_help_heading = "Network")]
struct NetworkArgs {
    /// VGG16 weights: torchvision's vgg16-397923af.pth or a torchvision-named .safetensors
    /// [default: downloaded once into the cache folder].
    #[arg(long, env = "ZOOMAP_WEIGHTS")]
    weights: Option<PathBuf>,
    /// Folder for downloaded weights and cached feature vectors [default: the user cache
    /// folder]/zoomap.
    #[arg(long, env = "ZOOMAP_CACHE")]
    cache: Option<PathBuf>,
    /// Feature layer [default: fc2 when the weights have a classifier, else gap].
    #[arg(long, value_enum)]
    layer: Option<Layer>,
    /// Where VGG16 runs.
    #[arg(long, value_enum, default_value_t = NetworkOptions::default().model.device)]
    device: DeviceChoice,
    /// Let --device gpu take a software adapter such as Mesa's lavapipe (tests; auto never does).
    #[arg(long, hide = true, env = "ZOOMAP_ALLOW_SOFTWARE_GPU", value_parser = clap::builder::BoolishValueParser::new(), default_value = "false")]
    allow_software_gpu: bool,
    /// How the CPU runs the convolutions: zoomap's Winograd kernels, or Burn's conv2d (the
    /// reference, for comparisons).
    #[arg(long, hide = true, value_enum, default_value_t = CpuConvolution::Winograd)]
    cpu_convolution: CpuConvolution,
    /// Images per forward pass.
    #[arg(long, default_value_t = NetworkOptions::default().batch)]
    batch: usize,
    /// How an image becomes the model's 224×224 input.
    #[arg(long, value_enum, default_value_t = NetworkOptions::default().preprocess)]
    preprocess: Preprocess,
}

#[derive(Args)]
#[command(next_help_heading = "Reduction and clusters")]
struct ReduceArgs {
    /// PCA components before t-SNE.
    #[arg(long, default_value_t = ReduceOptions::default().pca_components)]
    pca: usize,
    /// t-SNE perplexity (lowered for small collections).
    #[arg(long, default_value_t = ReduceOptions::default().perplexity)]
    perplexity: f32,
    /// Seed of random choices; given, the map is bit-identical from run to run, on any
    /// number of threads.
    #[arg(long)]
    seed: Option<u64>,
    /// Top-level clusters: auto (chosen by the Davies–Bouldin index), a number, or none.
    #[arg(long, default_value = "auto", value_parser = parse_cluster_count)]
    clusters: ClusterCount,
    /// How the top-level clusters are found: k-means (every image in a cluster) or HDBSCAN
    /// (dense groups only; the rest is noise, in no cluster).
    #[arg(long, value_enum, default_value_t = ClusterOptions::default().method)]
    cluster_method: ClusterMethod,
    /// A CSV of cluster id and name (as the viewer exports it) overriding computed names.
    #[arg(long, value_name = "FILE")]
    cluster_names: Option<PathBuf>,
}

#[derive(Args)]
#[command(next_help_heading = "Mosaic")]
struct MosaicArgs {
    /// Grid width divided by height.
    #[arg(long, default_value_t = MosaicOptions::default().aspect)]
    aspect: f64,
    /// Side of each image's square cell, in pixels.
    #[arg(long, default_value_t = MosaicOptions::default().cell_side)]
    cell: u32,
    /// How an image fills its cell.
    #[arg(long, value_enum, default_value_t = MosaicOptions::default().fit)]
    fit: Fit,
    /// Background colour, as #rrggbb.
    #[arg(long, default_value_t = Colour(MosaicOptions::default().background))]
    background: Colour,
    /// Longest side of the previews shown in the item panel.
    #[arg(long, default_value_t = MosaicOptions::default().preview_size)]
    preview_size: u32,
    /// The most megapixels an image may declare (width × height in its header); larger images
    /// are skipped without being decoded. JPEGs over 64 MP are decoded at reduced size.
    #[arg(long, default_value_t = MosaicOptions::default().max_pixels as f64 / 1e6, value_parser = parse_megapixels)]
    max_pixels: f64,
    /// Refine the t-SNE grid so that each image's nearest neighbours sit next to it: none,
    /// auto (up to 4 sweeps) or a number of sweeps.
    #[arg(long, default_value = "auto")]
    refine: Refine,
}

#[derive(Args)]
#[command(next_help_heading = "Tiles")]
struct TileArgs {
    /// DeepZoom tile size.
    #[arg(long, default_value_t = TileOptions::default().tile_size)]
    tile_size: u32,
    /// DeepZoom tile overlap.
    #[arg(long, default_value_t = TileOptions::default().overlap)]
    overlap: u32,
    /// Tile image format.
    #[arg(long, value_enum, default_value_t = TileOptions::default().format)]
    format: TileFormat,
    /// JPEG quality of tiles.
    #[arg(long, default_value_t = TileOptions::default().quality, value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: u8,
}

/// `zoomap serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// The site folder.
    #[arg(default_value = "site")]
    dir: PathBuf,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to listen on: an IP address, or `localhost`. Anything but a loopback address
    /// publishes the site to the network (the server says so when it starts).
    #[arg(long, default_value = "127.0.0.1", value_parser = parse_host)]
    host: IpAddr,
    /// Open the page in a browser.
    #[arg(long)]
    open: bool,
}

/// `--host`: an IP address, or `localhost` for the IPv4 loopback address.
fn parse_host(text: &str) -> Result<IpAddr, String> {
    if text.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    text.parse()
        .map_err(|_| format!("{text:?} is not an IP address or localhost"))
}

/// A `#rrggbb` colour as the command line reads and shows it.
#[derive(Clone, Copy)]
struct Colour([u8; 3]);

impl FromStr for Colour {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let hex = text.trim_start_matches('#');
        if hex.len() != 6 || !hex.is_ascii() {
            bail!("expected #rrggbb, got {text:?}");
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16);
        Ok(Self([channel(0)?, channel(2)?, channel(4)?]))
    }
}

impl std::fmt::Display for Colour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&css_colour(self.0))
    }
}

fn parse_cluster_count(text: &str) -> Result<ClusterCount, Error> {
    match text {
        "auto" => Ok(ClusterCount::Auto),
        "none" => Ok(ClusterCount::Off),
        number => match number.parse::<usize>() {
            Ok(k) if k >= 1 => Ok(ClusterCount::Fixed(k)),
            _ => bail!("expected auto, none or a number of clusters, got {text:?}"),
        },
    }
}

fn parse_megapixels(text: &str) -> Result<f64, Error> {
    match text.parse::<f64>() {
        Ok(mp) if mp.is_finite() && mp > 0.0 => Ok(mp),
        _ => bail!("expected a positive number of megapixels, got {text:?}"),
    }
}

impl BuildArgs {
    /// The library's options for these arguments.
    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            images: self.images(),
            output: self.output.clone(),
            items: self.items.options(),
            tags: TagOptions {
                source: self.tags.tags.clone(),
                min_score: self.tags.tag_min_score,
            },
            vectors: self.vectors.options(self.positions_beside()),
            reduce: ReduceOptions {
                pca_components: self.reduce.pca,
                perplexity: self.reduce.perplexity,
                seed: self.reduce.seed.unwrap_or(0),
                ..ReduceOptions::default()
            },
            clusters: ClusterOptions {
                count: self.reduce.clusters,
                method: self.reduce.cluster_method,
                seed: self.reduce.seed.unwrap_or(0),
                names: self.reduce.cluster_names.clone(),
            },
            mosaic: self.mosaic.options(),
            refine: self.mosaic.refine,
            layouts: self.layout_options(),
            iiif: IiifOptions {
                base_url: self.iiif.base_url.clone(),
                rights_column: self.iiif.iiif_rights.clone(),
            },
            iiif_source: self.iiif_source(),
            tiles: TileOptions {
                tile_size: self.tiles.tile_size,
                overlap: self.tiles.overlap,
                format: self.tiles.format,
                quality: self.tiles.quality,
            },
            export: self.export.clone(),
            folders: self.export_folders.clone().map(|dir| FolderOptions {
                dir,
                copy: self.copy,
            }),
        }
    }

    /// Where to serve the built site, if the user asked to.
    pub fn serve_after(&self, dir: PathBuf) -> Option<ServeOptions> {
        (self.serve || self.open).then(|| ServeOptions {
            dir,
            addr: SocketAddr::new(IpAddr::from([127, 0, 0, 1]), self.port),
            open: self.open,
        })
    }
}

impl ItemArgs {
    fn options(&self) -> ItemOptions {
        ItemOptions {
            map_title: self.name.clone(),
            metadata: self.metadata.clone(),
            filename_column: self.filename_column.clone(),
            title: self.title.clone(),
            url: self.url.clone(),
            name_columns: self.name_columns.clone(),
            originals: self.originals,
            groups: self.groups.clone(),
        }
    }
}

impl BuildArgs {
    /// The `--iiif` import, where asked.
    fn iiif_source(&self) -> Option<IiifSourceOptions> {
        Some(IiifSourceOptions {
            source: self.iiif.iiif.clone()?,
            canvases: self.iiif.iiif_canvases,
            size: self.iiif.iiif_size,
            per_host: self.iiif.iiif_per_host,
            timeout_secs: 30,
            retries: 4,
            backoff_ms: 500,
            image_limit: iiif_source::IMAGE_LIMIT,
        })
    }

    /// The images folder: the one named, or the `--iiif` import's in the cache.
    fn images(&self) -> PathBuf {
        match (&self.images, self.iiif_source()) {
            (Some(images), _) => images.clone(),
            (None, Some(source)) => {
                let cache = self
                    .vectors
                    .network
                    .cache
                    .clone()
                    .unwrap_or_else(default_cache_dir);
                source.folder(&cache).join("images")
            }
            (None, None) => PathBuf::from("."),
        }
    }

    /// Whether `--positions` is drawn as a layout beside the similarity map (the list names
    /// both) rather than replacing features.
    fn positions_beside(&self) -> bool {
        let layouts = self.layouts.layouts.as_ref();
        layouts.is_some_and(Layouts::positions_beside)
    }

    /// The layouts' options; the positions file is theirs where drawn beside similarity.
    fn layout_options(&self) -> LayoutOptions {
        LayoutOptions {
            layouts: self.layouts.layouts.clone().unwrap_or_default(),
            year_column: self.layouts.year_column.clone(),
            positions: self
                .vectors
                .positions
                .clone()
                .filter(|_| self.positions_beside()),
        }
    }
}

impl VectorArgs {
    /// The vectors' options; `beside`: the positions file is a layout, not the placement.
    fn options(&self, beside: bool) -> VectorOptions {
        VectorOptions {
            features: self.features.clone(),
            features_index: self.features_index.clone(),
            positions: self.positions.clone().filter(|_| !beside),
            network: self.network.options(),
        }
    }
}

impl NetworkArgs {
    /// The network's options.
    fn options(&self) -> NetworkOptions {
        NetworkOptions {
            weights: self.weights.clone(),
            cache_dir: self.cache.clone().unwrap_or_else(default_cache_dir),
            model: FeatureOptions {
                layer: self.layer,
                device: self.device,
                allow_software_gpu: self.allow_software_gpu,
                cpu_convolution: self.cpu_convolution,
            },
            batch: self.batch,
            preprocess: self.preprocess,
        }
    }
}

impl MosaicArgs {
    fn options(&self) -> MosaicOptions {
        MosaicOptions {
            aspect: self.aspect,
            cell_side: self.cell,
            fit: self.fit,
            background: self.background.0,
            preview_size: self.preview_size,
            max_pixels: (self.max_pixels * 1e6) as u64,
        }
    }
}

impl ServeArgs {
    /// The library's options for these arguments.
    pub fn options(&self) -> ServeOptions {
        ServeOptions {
            dir: self.dir.clone(),
            addr: SocketAddr::new(self.host, self.port),
            open: self.open,
        }
    }
}

/// The flag that changes `setting`.
fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::FilenameColumn => "--filename-column",
        Setting::Title => "--title",
        Setting::Url => "--url",
        Setting::NameColumns => "--name-columns",
        Setting::FeaturesIndex => "--features-index",
        Setting::Layer => "--layer",
        Setting::Device => "--device",
        Setting::Batch => "--batch",
        Setting::Pca => "--pca",
        Setting::Perplexity => "--perplexity",
        Setting::Aspect => "--aspect",
        Setting::CellSide => "--cell",
        Setting::PreviewSize => "--preview-size",
        Setting::Tiles => "--tile-size/--overlap",
        Setting::ExportFolders => "--export-folders",
        Setting::Output => "-o",
        Setting::Export => "--export",
    }
}

/// An error as one line, causes joined by ": " as anyhow's `{:#}` does, with the flag to
/// change where a setting is at fault.
pub fn error_line(err: &Error) -> String {
    err.chain()
        .map(|cause| match cause.downcast_ref::<SettingError>() {
            Some(setting) => format!("{setting} (see {})", flag(setting.setting)),
            None => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
}
