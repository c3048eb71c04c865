//! VGG16 as a Burn module, shaped after torchvision's `vgg16` so its weights load by name.

use std::collections::HashMap;

use anyhow::Result;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};

use super::winograd::ConvWeights;

/// Output channels of the 13 convolutions, `0` marking the 2×2 max-pools between blocks
/// (torchvision's configuration "D").
const VGG16_LAYOUT: [usize; 18] = [
    64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0,
];

/// Indices of the convolutions inside torchvision's `features` `Sequential` (ReLUs and pools
/// take the other indices), in the order of [`Vgg16::features`].
pub const TORCHVISION_CONV_INDICES: [usize; 13] = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];

/// Indices of fc6 and fc7 inside torchvision's `classifier` `Sequential`.
pub const TORCHVISION_FC_INDICES: [usize; 2] = [0, 3];

/// The representation a build keeps for each image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The 4096-d output of fc7 (Keras' "fc2") after its ReLU; needs classifier weights.
    Fc2,
    /// The 512-d global average of the last convolution block (after its max-pool).
    Gap,
}

/// Layer widths: VGG16's own, or a narrower copy with the same structure (tests store such
/// small networks, with outputs computed by PyTorch, as fixtures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vgg16Size {
    /// Divides every convolution's width (1 = VGG16).
    pub width_divisor: usize,
    /// Width of fc6 and fc7 (4096 = VGG16).
    pub hidden: usize,
}

impl Vgg16Size {
    /// VGG16 itself.
    pub const FULL: Self = Self {
        width_divisor: 1,
        hidden: 4096,
    };

    /// The widths a weights file's first convolution and fc6 imply (torchvision names and
    /// layout); `None` when the first convolution is missing or not a VGG16 width.
    pub fn from_shapes(shapes: &HashMap<String, Vec<usize>>) -> Option<Self> {
        let first = *shapes.get("features.0.weight")?.first()?;
        let width_divisor = (first > 0 && 64 % first == 0).then_some(64 / first)?;
        let hidden = shapes
            .get("classifier.0.weight")
            .and_then(|s| s.first().copied())
            .unwrap_or(4096);
        Some(Self {
            width_divisor,
            hidden,
        })
    }
}

/// What to build: the network, with or without its classifier layers.
#[derive(Debug, Clone)]
pub struct Vgg16Config {
    /// Layer widths.
    pub size: Vgg16Size,
    /// Whether fc6 and fc7 exist.
    pub classifier: bool,
}

/// VGG16: 13 3×3 convolutions with ReLU, 5 max-pools, then (optionally) fc6 and fc7.
#[derive(Module, Debug)]
pub struct Vgg16 {
    /// The convolutions, in order; loaded from `features.{0,2,5,…,28}` (torchvision's
    /// `Sequential` indices, renumbered contiguously).
    pub features: Vec<Conv2d>,
    /// fc6 and fc7 (empty without classifier weights); loaded from `classifier.{0,3}`.
    /// After [`split_fc6`](Vgg16::split_fc6), fc7 alone.
    pub classifier: Vec<Linear>,
    /// fc6 as column blocks, each a weight an adapter can bind (empty unless split).
    pub fc6_blocks: Vec<Linear>,
    pool: MaxPool2d,
}

impl Vgg16Config {
    /// Every parameter's torchvision name and shape (`[out, in, 3, 3]` convolutions,
    /// `[out, in]` linear layers), in the order the network uses them.
    pub fn torchvision_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let mut shapes = Vec::new();
        let mut channels = 3;
        let widths = VGG16_LAYOUT.iter().filter(|&&w| w > 0);
        for (&index, &width) in TORCHVISION_CONV_INDICES.iter().zip(widths) {
            let out = width / self.size.width_divisor;
            shapes.push((
                format!("features.{index}.weight"),
                vec![out, channels, 3, 3],
            ));
            shapes.push((format!("features.{index}.bias"), vec![out]));
            channels = out;
        }
        if self.classifier {
            let inputs = [channels * 7 * 7, self.size.hidden];
            for (&index, &input) in TORCHVISION_FC_INDICES.iter().zip(&inputs) {
                shapes.push((
                    format!("classifier.{index}.weight"),
                    vec![self.size.hidden, input],
                ));
                shapes.push((format!("classifier.{index}.bias"), vec![self.size.hidden]));
            }
        }
        shapes
    }

    /// Bytes of fc6's weight (0 without the classifier): what an adapter must bind at once
    /// unless fc6 is split.
    pub fn fc6_bytes(&self) -> u64 {
        self.torchvision_shapes()
            .into_iter()
            .find(|(name, _)| name == "classifier.0.weight")
            .map_or(0, |(_, shape)| (shape.iter().product::<usize>() * 4) as u64)
    }

    /// Creates the network with uninitialised weights (Burn initialises parameters lazily, so
    /// loading real weights afterwards costs no random initialisation).
    pub fn init(&self, device: &Device) -> Vgg16 {
        let mut convs = Vec::new();
        let mut channels = 3;
        for &width in VGG16_LAYOUT.iter().filter(|&&w| w > 0) {
            let out = width / self.size.width_divisor;
            convs.push(
                Conv2dConfig::new([channels, out], [3, 3])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(device),
            );
            channels = out;
        }
        let hidden = self.size.hidden;
        let classifier = if self.classifier {
            vec![
                LinearConfig::new(channels * 7 * 7, hidden).init(device),
                LinearConfig::new(hidden, hidden).init(device),
            ]
        } else {
            Vec::new()
        };
        let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        Vgg16 {
            features: convs,
            classifier,
            fc6_blocks: Vec::new(),
            pool,
        }
    }
}

impl Vgg16 {
    /// The convolutional trunk: `[B, 3, H, W]` normalised input to `[B, C, H/32, W/32]`.
    pub fn trunk(&self, input: Tensor<4>) -> Tensor<4> {
        let mut x = input;
        let mut convs = self.features.iter();
        for &width in &VGG16_LAYOUT {
            x = if width == 0 {
                self.pool.forward(x)
            } else {
                let conv = convs
                    .next()
                    .expect("one convolution per non-zero layout entry");
                relu(conv.forward(x))
            };
        }
        x
    }

    /// The feature vectors `[B, dim]` of `layer` for a normalised batch `[B, 3, 224, 224]`.
    pub fn forward(&self, input: Tensor<4>, layer: Layer) -> Tensor<2> {
        self.head(self.trunk(input), layer)
    }

    /// The feature vectors `[B, dim]` of `layer` from the trunk's output `[B, C, 7, 7]`
    /// (computed by [`trunk`](Self::trunk) or by the CPU's own convolutions).
    pub fn head(&self, trunk: Tensor<4>, layer: Layer) -> Tensor<2> {
        match layer {
            Layer::Gap => {
                let [batch, channels, _, _] = trunk.dims();
                trunk.mean_dim(3).mean_dim(2).reshape([batch, channels])
            }
            Layer::Fc2 => {
                let [batch, channels, h, w] = trunk.dims();
                let flat = trunk.reshape([batch, channels * h * w]);
                let start = if self.fc6_blocks.is_empty() {
                    flat
                } else {
                    let parts = self.fc6_blocks.iter().map(|fc| fc.forward(flat.clone()));
                    relu(Tensor::cat(parts.collect(), 1))
                };
                self.classifier
                    .iter()
                    .fold(start, |x, fc| relu(fc.forward(x)))
            }
        }
    }

    /// Replaces fc6 by column blocks of at most `max_binding_bytes` each: VGG16's fc6
    /// weight is 411 MB and many adapters bind at most 128 MiB per buffer. Call it on the
    /// host (Flex) before moving the model to the adapter, so that the whole weight never
    /// lands there.
    pub fn split_fc6(mut self, max_binding_bytes: u64) -> Self {
        let fits = |fc6: &Linear| {
            let [inputs, outputs] = fc6.weight.dims();
            (inputs * outputs * 4) as u64 <= max_binding_bytes
        };
        if !self.fc6_blocks.is_empty() || self.classifier.first().is_none_or(fits) {
            return self;
        }
        let fc6 = self.classifier.remove(0);
        let weight = fc6.weight.val();
        let [inputs, outputs] = weight.dims();
        let columns = (max_binding_bytes as usize / (inputs * 4)).clamp(1, outputs);
        let bias = fc6.bias.map(|b| b.val());
        self.fc6_blocks = (0..outputs)
            .step_by(columns)
            .map(|start| {
                let range = start..(start + columns).min(outputs);
                Linear {
                    weight: Param::from_tensor(weight.clone().slice([0..inputs, range.clone()])),
                    bias: bias
                        .as_ref()
                        .map(|b| Param::from_tensor(b.clone().slice([range]))),
                }
            })
            .collect();
        self
    }

    /// The convolutions' weights as host floats, in order, each marked with whether a pool
    /// follows it: what [`CpuTrunk`](super::winograd::CpuTrunk) transforms.
    pub fn conv_weights(&self) -> Result<Vec<ConvWeights>> {
        let pools_after = VGG16_LAYOUT
            .windows(2)
            .filter(|pair| pair[0] > 0)
            .map(|pair| pair[1] == 0);
        self.features
            .iter()
            .zip(pools_after)
            .map(|(conv, pool)| {
                let weight = conv.weight.val();
                let inputs = weight.dims()[1];
                let bias = match &conv.bias {
                    Some(bias) => host_floats(bias.val().into_data())?,
                    None => vec![0.0; weight.dims()[0]],
                };
                Ok(ConvWeights {
                    weight: host_floats(weight.into_data())?,
                    bias,
                    inputs,
                    pool,
                })
            })
            .collect()
    }
}

fn host_floats(data: TensorData) -> Result<Vec<f32>> {
    data.try_into_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("reading convolution weights: {e:?}"))
}
