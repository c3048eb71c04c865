//! Finding, fetching and reading VGG16 weights in torchvision's layout.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::store::{ModuleSnapshot, PyTorchToBurnAdapter, PytorchStore, SafetensorsStore};
use sha2::{Digest, Sha256};

use super::model::{TORCHVISION_FC_INDICES, Vgg16, Vgg16Config};

/// torchvision's ImageNet VGG16 weights.
pub const TORCHVISION_VGG16_URL: &str = "https://download.pytorch.org/models/vgg16-397923af.pth";
/// The prefix of the sha256 of [`TORCHVISION_VGG16_URL`], which torchvision puts in the file name.
pub const TORCHVISION_VGG16_SHA256_PREFIX: &str = "397923af";

/// A weights file, inspected: its tensors' names and shapes, its declared metadata and hash.
#[derive(Debug, Clone)]
pub struct WeightsFile {
    /// Where it is.
    pub path: PathBuf,
    /// Hex sha256 of the whole file, for the build report and feature cache keys.
    pub sha256: String,
    /// Tensor name to shape, in torchvision naming.
    pub shapes: HashMap<String, Vec<usize>>,
    /// The safetensors `__metadata__` (empty for `.pth`).
    pub metadata: HashMap<String, String>,
}

impl WeightsFile {
    /// Reads the names, shapes and metadata of a `.safetensors` or `.pth` file.
    pub fn inspect(path: &Path) -> Result<Self> {
        let (shapes, metadata) = if is_safetensors(path) {
            read_safetensors_header(path)
        } else {
            read_pth_shapes(path).map(|shapes| (shapes, HashMap::new()))
        }
        .with_context(|| format!("{}: cannot read weights", path.display()))?;
        let sha256 = crate::base::digest::sha256_file(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            sha256,
            shapes,
            metadata,
        })
    }

    /// Whether fc6 and fc7 are in the file.
    pub fn has_classifier(&self) -> bool {
        TORCHVISION_FC_INDICES
            .iter()
            .all(|i| self.shapes.contains_key(&format!("classifier.{i}.weight")))
    }

    /// Checks that the file holds every parameter of `config` with the right shape: the
    /// first problem is one error naming the tensor (in the file's own naming) and the shapes.
    pub fn check_against(&self, config: &Vgg16Config) -> Result<()> {
        for (name, expected) in config.torchvision_shapes() {
            match self.shapes.get(&name) {
                None => bail!(
                    "{}: missing tensor {name} (expected shape {expected:?})",
                    self.path.display()
                ),
                Some(found) if *found != expected => {
                    bail!(
                        "{}: tensor {name} has shape {found:?}, expected {expected:?}",
                        self.path.display()
                    )
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Loads the file's tensors into `model` (built from `config`, which
    /// [`check_against`](Self::check_against) has accepted) through burn-store, renumbering
    /// torchvision's `Sequential` indices and transposing linear weights.
    pub fn load_into(&self, mut model: Vgg16) -> Result<Vgg16> {
        let fail = |e: String| {
            anyhow::anyhow!(
                "{}: cannot load weights: {}",
                self.path.display(),
                e.replace('\n', " ")
            )
        };
        let result = if is_safetensors(&self.path) {
            let mut store = SafetensorsStore::from_file(&self.path)
                .with_from_adapter(PyTorchToBurnAdapter)
                .map_indices_contiguous(true)
                .allow_partial(true);
            model
                .load_from(&mut store)
                .map_err(|e| fail(e.to_string()))?
        } else {
            let mut store = PytorchStore::from_file(&self.path)
                .map_indices_contiguous(true)
                .allow_partial(true);
            model
                .load_from(&mut store)
                .map_err(|e| fail(e.to_string()))?
        };
        if let Some(error) = result.errors.first() {
            return Err(fail(error.to_string()));
        }
        if let Some((path, _)) = result.missing.first() {
            return Err(fail(format!("no value for {path}")));
        }
        Ok(model)
    }
}

/// Whether `path` names a `.safetensors` file (else PyTorch's pickle format).
pub(super) fn is_safetensors(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("safetensors"))
}

type Header = (HashMap<String, Vec<usize>>, HashMap<String, String>);

/// A `.safetensors` file's header, read from its start; leaves `file` at the data.
pub(super) fn read_safetensors_metadata(file: &mut File) -> Result<safetensors::tensor::Metadata> {
    let mut len = [0u8; 8];
    file.read_exact(&mut len)?;
    let len = usize::try_from(u64::from_le_bytes(len))?;
    if len > 100 << 20 {
        bail!("safetensors header of {len} bytes is not plausible");
    }
    let mut header = vec![0u8; len];
    file.read_exact(&mut header)?;
    Ok(serde_json::from_slice(&header)?)
}

fn read_safetensors_header(path: &Path) -> Result<Header> {
    let metadata = read_safetensors_metadata(&mut File::open(path)?)?;
    let shapes = metadata
        .tensors()
        .into_iter()
        .map(|(name, info)| (name, info.shape.clone()))
        .collect();
    Ok((shapes, metadata.metadata().clone().unwrap_or_default()))
}

fn read_pth_shapes(path: &Path) -> Result<HashMap<String, Vec<usize>>> {
    let reader = burn::store::pytorch_reader::PytorchReader::new(path)?;
    Ok(reader
        .tensors()
        .iter()
        .map(|(name, tensor)| (name.clone(), tensor.shape().to_vec()))
        .collect())
}

/// Where the weights come from: the file given, else the cached download, else a fresh
/// download of torchvision's VGG16 into `cache_dir`.
pub fn locate(explicit: Option<&Path>, cache_dir: &Path) -> Result<PathBuf> {
    if let Some(path) = explicit {
        if !path.is_file() {
            bail!("{}: weights file not found", path.display());
        }
        return Ok(path.to_path_buf());
    }
    let cached = cache_dir.join("vgg16-397923af.pth");
    if !cached.is_file() {
        download(TORCHVISION_VGG16_URL, &cached, TORCHVISION_VGG16_SHA256_PREFIX).with_context(|| {
            format!(
                "no VGG16 weights: pass --weights FILE (torchvision vgg16-397923af.pth or a .safetensors) \
                 or set ZOOMAP_WEIGHTS, or bring vectors with --features; downloading {TORCHVISION_VGG16_URL} failed"
            )
        })?;
    }
    Ok(cached)
}

/// Downloads `url` to `dest` with a progress bar, checks that the file's sha256 starts with
/// `sha256_prefix`, and only then moves it into place: an interrupted or corrupt download
/// never leaves a file at `dest`.
pub fn download(url: &str, dest: &Path, sha256_prefix: &str) -> Result<()> {
    let dir = dest.parent().context("destination has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let mut partial = tempfile::NamedTempFile::new_in(dir)?;
    let response = ureq::get(url)
        .call()
        .with_context(|| format!("{url}: request failed"))?;
    let total = response.body().content_length();
    let bar = crate::base::progress::bytes_bar(total, "downloading weights");
    let mut body = response.into_body().into_reader();
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut received = 0u64;
    loop {
        let n = body
            .read(&mut buffer)
            .with_context(|| format!("{url}: download interrupted"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        partial.write_all(&buffer[..n])?;
        received += n as u64;
        bar.set_position(received);
    }
    bar.finish_and_clear();
    if let Some(total) = total.filter(|&t| t != received) {
        bail!("{url}: download interrupted after {received} of {total} bytes");
    }
    let digest = hex::encode(hasher.finalize());
    if !digest.starts_with(sha256_prefix) {
        bail!("{url}: checksum mismatch: sha256 {digest} does not start with {sha256_prefix}");
    }
    partial
        .persist(dest)
        .with_context(|| format!("{}: cannot write", dest.display()))?;
    Ok(())
}
