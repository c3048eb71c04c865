//! Time per VGG16 layer on Burn's Flex backend, as the feature stage runs it: each 3×3
//! convolution with its ReLU, and each 2×2 max-pool, on a batch of 224-pixel inputs, with the
//! GFLOP/s each convolution reaches; then the same for zoomap's own CPU trunk
//! (`features::CpuTrunk`: channels-last Winograd, pools fused), whose GFLOP/s count the
//! direct convolution's multiplies so that the two tables compare.
//!
//! `cargo run --release --example conv_layers -- [BATCH] [REPEATS]` (defaults 8 and 3); set
//! `RAYON_NUM_THREADS` as bench/features.sh does.

use std::time::Instant;

use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use zoomap::stages::features::{CpuTrunk, Vgg16Config, Vgg16Size};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// VGG16's output channels per convolution, 0 for a pool.
const LAYOUT: [usize; 18] = [
    64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0,
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let batch = args.first().copied().unwrap_or(8);
    let repeats = args.get(1).copied().unwrap_or(3).max(1);
    let values: Vec<f32> = (0..batch * 3 * SIDE * SIDE)
        .map(|i| ((i * 7919) % 255) as f32 / 255.0 - 0.5)
        .collect();
    println!("Burn's Flex conv2d");
    burn_layers(&values, batch, repeats);
    println!("\nzoomap's CPU trunk (Winograd F(2×2,3×3), bias, ReLU and pool fused)");
    winograd_layers(&values, batch, repeats)
}

/// Input side.
const SIDE: usize = 224;

/// Direct-convolution FLOPs of a 3×3 convolution on a batch.
fn conv_flops(batch: usize, inputs: usize, outputs: usize, side: usize) -> f64 {
    2.0 * (batch * outputs * side * side * inputs * 9) as f64
}

fn winograd_layers(
    values: &[f32],
    batch: usize,
    repeats: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let config = Vgg16Config {
        size: Vgg16Size::FULL,
        classifier: false,
    };
    let model = config.init(&Device::flex());
    let trunk = CpuTrunk::new(model.conv_weights()?);
    trunk.forward(values, batch, SIDE);
    let mut seconds = [0.0; 13];
    for _ in 0..repeats {
        let mut last = Instant::now();
        trunk.forward_observed(values, batch, SIDE, |i| {
            seconds[i] += last.elapsed().as_secs_f64();
            last = Instant::now();
        });
    }
    let (mut channels, mut side) = (3, SIDE);
    let widths = LAYOUT.iter().enumerate().filter(|(_, w)| **w > 0);
    for (conv, (at, &width)) in widths.enumerate() {
        let pool = LAYOUT.get(at + 1) == Some(&0);
        let time = seconds[conv] / repeats as f64;
        let out_side = if pool { side / 2 } else { side };
        let name = format!("conv{}+relu{}", conv + 1, if pool { "+pool" } else { "" });
        let shape = format!("{channels}×{side}×{side} → {width}×{out_side}×{out_side}");
        let rate = conv_flops(batch, channels, width, side) / time / 1e9;
        println!("{name:16} {shape:28} {:9.1}  {rate:7.1}", time * 1e3);
        (channels, side) = (width, out_side);
    }
    let total: f64 = seconds.iter().sum::<f64>() / repeats as f64;
    println!(
        "trunk total: {:.1} ms per batch of {batch}, {:.2} img/s",
        total * 1e3,
        batch as f64 / total
    );
    Ok(())
}

fn burn_layers(values: &[f32], batch: usize, repeats: usize) {
    let device = Device::flex();
    let (mut channels, mut side) = (3, SIDE);
    let mut x: Tensor<4> = Tensor::from_data(
        TensorData::new(values.to_vec(), [batch, 3, side, side]),
        &device,
    );
    let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
    let (mut total, mut conv_index) = (0.0, 0);
    println!("layer            shape (C×H×W in → out)      ms/batch  GFLOP/s");
    for &width in &LAYOUT {
        let (name, shape, flops, run): (String, String, f64, Box<dyn Fn(Tensor<4>) -> Tensor<4>>) =
            if width == 0 {
                let shape = format!(
                    "{channels}×{side}×{side} → {channels}×{}×{}",
                    side / 2,
                    side / 2
                );
                side /= 2;
                ("pool".into(), shape, 0.0, Box::new(|t| pool.forward(t)))
            } else {
                conv_index += 1;
                let conv = Conv2dConfig::new([channels, width], [3, 3])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(&device);
                let flops = conv_flops(batch, channels, width, side);
                let shape = format!("{channels}×{side}×{side} → {width}×{side}×{side}");
                channels = width;
                (
                    format!("conv{conv_index}+relu"),
                    shape,
                    flops,
                    Box::new(move |t| relu(conv.forward(t))),
                )
            };
        let mut out = run(x.clone());
        force(&out);
        let start = Instant::now();
        for _ in 0..repeats {
            out = run(x.clone());
            force(&out);
        }
        let seconds = start.elapsed().as_secs_f64() / repeats as f64;
        total += seconds;
        let rate = if flops > 0.0 {
            format!("{:7.1}", flops / seconds / 1e9)
        } else {
            "      -".into()
        };
        println!("{name:16} {shape:28} {:9.1}  {rate}", seconds * 1e3);
        x = out;
    }
    println!(
        "trunk total: {:.1} ms per batch of {batch}, {:.2} img/s",
        total * 1e3,
        batch as f64 / total
    );
}

/// Waits for `t` to be computed (reading one value back).
fn force(t: &Tensor<4>) {
    let _ = t.clone().slice([0..1, 0..1, 0..1, 0..1]).into_data();
}
