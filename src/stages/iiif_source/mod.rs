//! `zoomap build --iiif SOURCE`: a map straight from a IIIF Presentation 2.1 or 3 Manifest
//! or Collection (a URL or a file). Collections are followed (nested ones too, each document
//! fetched once), every canvas (or each Manifest's first) becomes an item, its image fetched
//! at most `--iiif-size` pixels on its longest side ([`request`]), and the Manifest's label,
//! metadata pairs, `navDate`, `homepage`, `rights` and `requiredStatement` become the item's
//! metadata columns ([`table`]), so titles, links, facets, year filters and cluster names work
//! as with a CSV. The stage writes an images folder and a metadata table in the cache and the
//! build maps them as any folder; downloads go through [`http::Fetcher`] (polite, retried,
//! bounded, cached). A document or image that fails is left out with one line naming its URL
//! and why; the build goes on with the rest.

mod http;
mod parse;
mod request;
mod table;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use http::FetchOptions;
use http::Fetcher;
use parse::{Document, Image, Manifest};

/// The most bytes of a IIIF JSON document read.
const JSON_LIMIT: u64 = 64 << 20;
/// The most bytes of an image read by default (the decoder's own limits apply after).
pub const IMAGE_LIMIT: u64 = 256 << 20;
/// Documents and images fetched at once in all (each host still gets at most `per_host`).
const WORKERS: usize = 8;

/// Which canvases of a Manifest become items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Canvases {
    /// Every canvas.
    #[default]
    All,
    /// Each Manifest's first canvas.
    First,
}

/// The `--iiif` options.
#[derive(Debug, Clone, Serialize)]
pub struct IiifSourceOptions {
    /// The Manifest or Collection: a URL or a file.
    pub source: String,
    /// Which canvases become items.
    pub canvases: Canvases,
    /// The longest side an image is fetched at, in pixels.
    pub size: u32,
    /// Requests at once to one host.
    pub per_host: usize,
    /// Longest a request may take, in seconds.
    pub timeout_secs: u64,
    /// Retries of a request that may succeed later (429, 5xx, network errors).
    pub retries: u32,
    /// The first wait before a retry, in milliseconds, doubled each time.
    pub backoff_ms: u64,
    /// The most bytes of an image read ([`IMAGE_LIMIT`]); a larger answer is cut off.
    pub image_limit: u64,
}

impl IiifSourceOptions {
    /// Refuses options no import can use.
    pub fn validate(&self) -> Result<()> {
        if !(64..=16384).contains(&self.size) {
            bail!("--iiif-size {}: between 64 and 16384 pixels", self.size);
        }
        if self.per_host == 0 || self.timeout_secs == 0 {
            bail!("--iiif-per-host and the timeout must be at least 1");
        }
        Ok(())
    }

    /// The folder of this source's import under the cache folder `cache`: its images and
    /// its metadata table (the same source, the same folder, so reruns find their files).
    pub fn folder(&self, cache: &Path) -> PathBuf {
        let digest = hex::encode(Sha256::digest(self.source.as_bytes()));
        cache.join("iiif").join("sources").join(&digest[..16])
    }
}

/// What the import made: the folder of images and the table of their metadata.
#[derive(Debug)]
pub struct Imported {
    /// The source's label (its Collection's or Manifest's).
    pub label: String,
    /// The images, one `{k:06}.{ext}` per item.
    pub images: PathBuf,
    /// Their metadata (`filename`, `Title`, `Manifest`, …).
    pub metadata: PathBuf,
    /// One line per document or image left out.
    pub skipped: Vec<String>,
}

/// Imports the source into its folder under `cache`, joining the `user` metadata table
/// (its key column holding Manifest ids) where given.
pub fn import(
    options: &IiifSourceOptions,
    cache: &Path,
    user: Option<(&Path, &str)>,
) -> Result<Imported> {
    let fetcher = Fetcher::new(FetchOptions {
        per_host: options.per_host,
        timeout: Duration::from_secs(options.timeout_secs),
        retries: options.retries,
        backoff: Duration::from_millis(options.backoff_ms),
        cache: cache.join("iiif").join("http"),
    });
    import_with(&fetcher, options, user, &options.folder(cache))
}

/// [`import`] with a given fetcher, into `folder`.
fn import_with(
    fetcher: &Fetcher,
    options: &IiifSourceOptions,
    user: Option<(&Path, &str)>,
    folder: &Path,
) -> Result<Imported> {
    let mut skipped = Vec::new();
    let (label, manifests) = read_manifests(fetcher, &options.source, &mut skipped)?;
    let items = items_of(&manifests, options.canvases);
    let urls = parallel(&items, |(manifest, canvas)| {
        image_url(
            fetcher,
            &manifests[*manifest].canvases[*canvas],
            options.size,
        )
    });
    let images = folder.join("images");
    if images.exists() {
        std::fs::remove_dir_all(&images)
            .with_context(|| format!("{}: cannot clear", images.display()))?;
    }
    std::fs::create_dir_all(&images)
        .with_context(|| format!("{}: cannot create", images.display()))?;
    let fetched = parallel(&urls, |url| {
        let url = url.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
        fetcher.get(url, options.image_limit, |bytes| {
            image::guess_format(bytes)
                .map(|_| ())
                .context("not an image (an HTML page?)")
        })
    });
    let mut rows = Vec::new();
    let bar = crate::base::progress::items_bar(items.len() as u64, "IIIF images");
    for (k, (item, file)) in items.iter().zip(fetched).enumerate() {
        bar.inc(1);
        match file.and_then(|path| link_image(&path, &images, k)) {
            Ok(name) => rows.push((name, *item)),
            Err(error) => skipped.push(format!("{error:#}")),
        }
    }
    bar.finish_and_clear();
    if rows.is_empty() {
        bail!(
            "{}: no image of the source could be fetched ({})",
            options.source,
            skipped.first().map_or("no canvas", String::as_str)
        );
    }
    let metadata = folder.join("items.csv");
    table::write(&metadata, &manifests, &rows, user)?;
    Ok(Imported {
        label,
        images,
        metadata,
        skipped,
    })
}

/// The source's label and every Manifest of it, in document order: Collections followed
/// breadth first, each document fetched once; a failed member is a line in `skipped`, a
/// failed source an error.
fn read_manifests(
    fetcher: &Fetcher,
    source: &str,
    skipped: &mut Vec<String>,
) -> Result<(String, Vec<Manifest>)> {
    let mut manifests = Vec::new();
    let mut seen: HashSet<String> = HashSet::from([source.to_string()]);
    let first = read_document(fetcher, source).context("--iiif")?;
    let label = match &first {
        Document::Collection(label, _) => label.clone(),
        Document::Manifest(manifest) => manifest.label.clone(),
    };
    let mut level = vec![first];
    while !level.is_empty() {
        let mut next = Vec::new();
        for document in level {
            match document {
                Document::Manifest(manifest) => manifests.push(manifest),
                Document::Collection(_, members) => {
                    next.extend(members.into_iter().filter(|id| seen.insert(id.clone())));
                }
            }
        }
        level = Vec::new();
        // Each error names its URL (the fetcher's or the parse's context).
        for read in parallel(&next, |id| read_document(fetcher, id)) {
            match read {
                Ok(document) => level.push(document),
                Err(error) => skipped.push(format!("{error:#}")),
            }
        }
    }
    Ok((label, manifests))
}

/// The IIIF document at `source`: a URL fetched (and cached), or a file read.
fn read_document(fetcher: &Fetcher, source: &str) -> Result<Document> {
    let is_url = source.starts_with("http://") || source.starts_with("https://");
    let bytes = if is_url {
        let path = fetcher.get(source, JSON_LIMIT, |bytes| parse_json(bytes).map(|_| ()))?;
        std::fs::read(&path)?
    } else {
        std::fs::read(source).with_context(|| format!("{source}: cannot read"))?
    };
    parse::document(&parse_json(&bytes).with_context(|| source.to_string())?)
}

/// `bytes` as JSON: an error saying what came instead (an HTML page, broken JSON).
fn parse_json(bytes: &[u8]) -> Result<serde_json::Value> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(b' ', |i| bytes[i]);
    if start == b'<' {
        bail!("not JSON but HTML or XML (an error page?)");
    }
    let json: serde_json::Value = serde_json::from_slice(bytes).context("malformed JSON")?;
    parse::document(&json)?;
    Ok(json)
}

/// The (manifest, canvas) of each item, in order.
fn items_of(manifests: &[Manifest], canvases: Canvases) -> Vec<(usize, usize)> {
    manifests
        .iter()
        .enumerate()
        .flat_map(|(m, manifest)| {
            let count = match canvases {
                Canvases::All => manifest.canvases.len(),
                Canvases::First => manifest.canvases.len().min(1),
            };
            (0..count).map(move |c| (m, c))
        })
        .collect()
}

/// The URL to fetch `canvas`'s image from, reading its service's `info.json` where the
/// Manifest does not say enough (a level-0 service's sizes, an image of unknown size).
fn image_url(fetcher: &Fetcher, canvas: &parse::Canvas, bound: u32) -> Result<String> {
    if let Some(url) = request::image_url(&canvas.image, canvas.size, bound)
        && !matches!(&canvas.image, Image::Service(s) if s.level == 0 && s.sizes.is_empty())
    {
        return Ok(url);
    }
    let Image::Service(service) = &canvas.image else {
        unreachable!("a direct image always has its URL");
    };
    let info_url = format!("{}/info.json", service.id);
    let path = fetcher.get(&info_url, JSON_LIMIT, |bytes| {
        let json: serde_json::Value = serde_json::from_slice(bytes).context("malformed JSON")?;
        parse::image_service(&json)
            .map(|_| ())
            .context("not an image service's info.json")
    })?;
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)?;
    let mut info = parse::image_service(&json).context("not an image service's info.json")?;
    info.id = service.id.clone();
    let image = Image::Service(info);
    request::image_url(&image, canvas.size, bound).with_context(|| format!("{info_url}: no size"))
}

/// Puts the cached image `path` into `images` as item `k`, named by its format.
fn link_image(path: &Path, images: &Path, k: usize) -> Result<String> {
    let bytes = std::fs::read(path)?;
    let format = image::guess_format(&bytes).context("not an image")?;
    let extension = format.extensions_str().first().copied().unwrap_or("img");
    let name = format!("{k:06}.{extension}");
    let to = images.join(&name);
    std::fs::hard_link(path, &to)
        .or_else(|_| std::fs::copy(path, &to).map(|_| ()))
        .with_context(|| format!("{}: cannot write", to.display()))?;
    Ok(name)
}

/// `work` on each of `items` on [`WORKERS`] threads (downloads wait on the network, not
/// the cores), results in order.
fn parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    match rayon::ThreadPoolBuilder::new().num_threads(WORKERS).build() {
        Ok(pool) => pool.install(|| items.par_iter().map(&work).collect()),
        Err(_) => items.iter().map(work).collect(),
    }
}
