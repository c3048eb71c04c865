//! Feature extraction: a VGG16 forward pass per image, batched, on the GPU through burn-wgpu
//! when a real adapter exists and on Burn's Flex CPU backend otherwise.

pub mod cache;
pub mod classes;
mod device;
pub mod imported;
pub mod model;
pub mod weights;
pub mod winograd;

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use crate::base::setting::{Setting, SettingError};

pub use classes::ClassHead;
pub use device::{Backend, ChosenDevice, DeviceChoice, choose_device};
pub use model::{Layer, Vgg16, Vgg16Config, Vgg16Size};
pub use weights::WeightsFile;
pub use winograd::CpuTrunk;

/// Side of the square input VGG16 is fed.
pub const INPUT_SIDE: u32 = 224;

/// How 8-bit RGB pixels become the network's input, as the weights were trained.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Normalization {
    /// Whether the network expects channels in BGR order (Caffe) rather than RGB.
    pub bgr: bool,
    /// Multiplier taking 0–255 to the trained range (1/255 for torchvision, 1 for Caffe).
    pub scale: f32,
    /// Per-channel mean, in the network's channel order, subtracted after scaling.
    pub mean: [f32; 3],
    /// Per-channel standard deviation, in the network's channel order.
    pub std: [f32; 3],
}

impl Normalization {
    /// torchvision's ImageNet preprocessing: RGB in 0–1, normalised by ImageNet mean and std.
    pub fn torchvision() -> Self {
        Self {
            bgr: false,
            scale: 1.0 / 255.0,
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
        }
    }

    /// The preprocessing a safetensors file declares in its `__metadata__`
    /// (`input_channel_order`, `input_scale`, `input_mean`, `input_std`), else torchvision's.
    pub fn from_metadata(metadata: &HashMap<String, String>) -> Result<Self> {
        let mut norm = Self::torchvision();
        if let Some(order) = metadata.get("input_channel_order") {
            norm.bgr = match order.to_ascii_uppercase().as_str() {
                "BGR" => true,
                "RGB" => false,
                other => bail!("input_channel_order {other:?} is neither RGB nor BGR"),
            };
        }
        if let Some(scale) = metadata.get("input_scale") {
            norm.scale = match scale.as_str() {
                "0-255" => 1.0,
                "0-1" => 1.0 / 255.0,
                other => bail!("input_scale {other:?} is neither 0-1 nor 0-255"),
            };
        }
        if let Some(mean) = metadata.get("input_mean") {
            norm.mean = parse_triple(mean).context("input_mean")?;
        }
        if let Some(std) = metadata.get("input_std") {
            norm.std = parse_triple(std).context("input_std")?;
        }
        Ok(norm)
    }

    /// Writes one `side × side` RGB8 image as planar, normalised floats in the network's
    /// channel order.
    fn write_planar(&self, rgb: &[u8], out: &mut [f32]) {
        let plane = rgb.len() / 3;
        for c in 0..3 {
            let source = if self.bgr { 2 - c } else { c };
            let (mean, inv_std) = (self.mean[c], 1.0 / self.std[c]);
            for (value, px) in out[c * plane..(c + 1) * plane]
                .iter_mut()
                .zip(rgb.chunks_exact(3))
            {
                *value = (f32::from(px[source]) * self.scale - mean) * inv_std;
            }
        }
    }
}

fn parse_triple(text: &str) -> Result<[f32; 3]> {
    let values: Vec<f32> = text
        .split(',')
        .map(|v| v.trim().parse())
        .collect::<Result<_, _>>()?;
    values
        .try_into()
        .map_err(|v: Vec<f32>| anyhow::anyhow!("expected 3 values, found {}", v.len()))
}

/// How the CPU runs VGG16's convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum CpuConvolution {
    /// zoomap's channels-last Winograd F(2×2, 3×3) convolutions ([`CpuTrunk`]).
    #[default]
    Winograd,
    /// Burn's own conv2d on Flex: the reference the Winograd path is tested against.
    Burn,
}

/// What a build asks of the feature stage.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FeatureOptions {
    /// Which layer to keep; `None` picks fc2 when the weights have a classifier, else gap.
    pub layer: Option<Layer>,
    /// Where to run.
    pub device: DeviceChoice,
    /// Whether `gpu` may take a software adapter (`ZOOMAP_ALLOW_SOFTWARE_GPU=1`): for tests of
    /// the wgpu path on machines without a GPU.
    pub allow_software_gpu: bool,
    /// The convolutions on the CPU (the GPU always runs Burn's).
    pub cpu_convolution: CpuConvolution,
}

/// The network on `device`. Where fc6 exceeds the adapter's binding limit it is loaded on
/// the host, fc6 split there, and only then moved to the adapter.
fn load_model(file: &WeightsFile, config: &Vgg16Config, device: &ChosenDevice) -> Result<Vgg16> {
    match device.max_binding_bytes {
        Some(limit) if config.fc6_bytes() > limit => {
            let host = file.load_into(config.init(&Device::flex()))?;
            Ok(host.split_fc6(limit).to_device(&device.device))
        }
        _ => file.load_into(config.init(&device.device)),
    }
}

/// A loaded network, ready to turn batches of model inputs into feature vectors.
pub struct FeatureExtractor {
    model: Vgg16,
    /// The trunk on the CPU, when the network runs there with Winograd convolutions.
    cpu_trunk: Option<CpuTrunk>,
    device: ChosenDevice,
    normalization: Normalization,
    layer: Layer,
    weights: WeightsFile,
}

impl FeatureExtractor {
    /// Loads VGG16 from `weights` onto the device `options` choose.
    pub fn load(weights: &Path, options: &FeatureOptions) -> Result<Self> {
        Self::from_file(WeightsFile::inspect(weights)?, options)
    }

    /// Loads the VGG16 an inspected weights file describes (VGG16 itself, or a narrower copy
    /// of the same structure).
    pub fn from_file(file: WeightsFile, options: &FeatureOptions) -> Result<Self> {
        let layer = match options.layer {
            Some(Layer::Fc2) if !file.has_classifier() => {
                return Err(SettingError::error(
                    Setting::Layer,
                    format!(
                        "{}: the fc2 layer needs classifier.0 and classifier.3 weights, which this file lacks",
                        file.path.display()
                    ),
                ));
            }
            Some(layer) => layer,
            None if file.has_classifier() => Layer::Fc2,
            None => Layer::Gap,
        };
        let normalization = Normalization::from_metadata(&file.metadata)
            .with_context(|| format!("{}: bad preprocessing metadata", file.path.display()))?;
        let size = Vgg16Size::from_shapes(&file.shapes).with_context(|| {
            format!(
                "{}: no VGG16 first convolution (features.0.weight of 64 output channels)",
                file.path.display()
            )
        })?;
        let config = Vgg16Config {
            size,
            classifier: layer == Layer::Fc2,
        };
        file.check_against(&config)?;
        let device = choose_device(options.device, options.allow_software_gpu)?;
        let model = load_model(&file, &config, &device)?;
        let cpu_trunk = (device.backend == Backend::Flex
            && options.cpu_convolution == CpuConvolution::Winograd)
            .then(|| model.conv_weights().map(CpuTrunk::new))
            .transpose()?;
        Ok(Self {
            model,
            cpu_trunk,
            device,
            normalization,
            layer,
            weights: file,
        })
    }

    /// Feature vectors, one per `INPUT_SIDE²` RGB8 input, in order.
    pub fn extract(&self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let side = (inputs[0].len() / 3).isqrt();
        let per_image = 3 * side * side;
        let mut batch = vec![0f32; inputs.len() * per_image];
        for (input, out) in inputs.iter().zip(batch.chunks_exact_mut(per_image)) {
            self.normalization.write_planar(input, out);
        }
        let device = &self.device.device;
        let output = match &self.cpu_trunk {
            Some(trunk) => {
                let trunk_out = trunk.forward(&batch, inputs.len(), side);
                let cells = side / 32;
                let channels = trunk_out.len() / (inputs.len() * cells * cells);
                let data = TensorData::new(trunk_out, [inputs.len(), channels, cells, cells]);
                self.model.head(Tensor::from_data(data, device), self.layer)
            }
            None => {
                let data = TensorData::new(batch, [inputs.len(), 3, side, side]);
                self.model
                    .forward(Tensor::from_data(data, device), self.layer)
            }
        };
        let values = output
            .into_data()
            .as_slice::<f32>()
            .map_err(|e| anyhow::anyhow!("reading features back: {e:?}"))?
            .to_vec();
        let dim = values.len() / inputs.len();
        Ok(values.chunks_exact(dim).map(<[f32]>::to_vec).collect())
    }

    /// The layer whose vectors [`extract`](Self::extract) returns.
    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// The device the network runs on.
    pub fn device(&self) -> &ChosenDevice {
        &self.device
    }

    /// The weights file in use.
    pub fn weights(&self) -> &WeightsFile {
        &self.weights
    }

    /// The input normalisation the weights declare.
    pub fn normalization(&self) -> &Normalization {
        &self.normalization
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caffe_metadata_gives_bgr_mean_subtraction() {
        let metadata: HashMap<String, String> = [
            ("input_channel_order", "BGR"),
            ("input_scale", "0-255"),
            ("input_mean", "103.939,116.779,123.68"),
            ("input_std", "1,1,1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let norm = Normalization::from_metadata(&metadata).unwrap();
        let mut out = [0f32; 3];
        norm.write_planar(&[10, 20, 30], &mut out);
        assert_eq!(out, [30.0 - 103.939, 20.0 - 116.779, 10.0 - 123.68]);
    }

    #[test]
    fn torchvision_normalisation_by_default() {
        let norm = Normalization::from_metadata(&HashMap::new()).unwrap();
        let mut out = [0f32; 3];
        norm.write_planar(&[255, 0, 0], &mut out);
        assert!((out[0] - (1.0 - 0.485) / 0.229).abs() < 1e-6);
        assert!((out[1] - (-0.456 / 0.224)).abs() < 1e-6);
    }

    #[test]
    fn bad_metadata_is_an_error() {
        let metadata = HashMap::from([("input_channel_order".to_string(), "XYZ".to_string())]);
        assert!(Normalization::from_metadata(&metadata).is_err());
    }
}
