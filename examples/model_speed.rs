//! Times the feature stage's parts separately on real photos, to show where a build's
//! feature time goes: decode + resize to model inputs (all cores), then the network alone.
//! bench/features.sh runs it beside the full build and PyTorch.
//!
//! `cargo run --release --example model_speed -- WEIGHTS BATCH IMAGE...`; `DEVICE=gpu` runs
//! the network on a GPU adapter (bench/features-gpu.sh). The first batch runs once untimed, as
//! bench/torch_vgg16.py's warm-up does.

use std::path::Path;

/// mimalloc reuses the network's large activation buffers instead of returning them to the
/// kernel after every layer: 20x fewer page faults and ~3% faster feature extraction, measured
/// with examples/model_speed.rs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

use rayon::prelude::*;
use zoomap::stages::features::{DeviceChoice, FeatureExtractor, FeatureOptions, INPUT_SIDE};
use zoomap::stages::thumbs::{Preprocess, decode_upright_rgb, model_input};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [weights, batch, images @ ..] = args.as_slice() else {
        return Err("usage: model_speed WEIGHTS BATCH IMAGE...".into());
    };
    let batch: usize = batch.parse()?;
    let options = FeatureOptions {
        layer: None,
        device: match std::env::var("DEVICE").as_deref() {
            Ok("gpu") => DeviceChoice::Gpu,
            _ => DeviceChoice::Cpu,
        },
        ..FeatureOptions::default()
    };
    let extractor = FeatureExtractor::load(Path::new(weights), &options)?;

    let start = Instant::now();
    let inputs = images
        .par_iter()
        .map(|path| {
            let image = decode_upright_rgb(Path::new(path), [0, 0, 0])?;
            Ok(model_input(&image, INPUT_SIDE, Preprocess::Crop))
        })
        .collect::<Result<Vec<_>, Box<dyn std::error::Error + Send + Sync>>>()
        .map_err(|e| e.to_string())?;
    let decode = start.elapsed().as_secs_f64();

    let warm_up: Vec<&[u8]> = inputs.iter().take(batch).map(Vec::as_slice).collect();
    extractor.extract(&warm_up)?;
    let start = Instant::now();
    for chunk in inputs.chunks(batch) {
        let refs: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        extractor.extract(&refs)?;
    }
    let model = start.elapsed().as_secs_f64();
    let n = images.len() as f64;
    println!("decode_resize {:.2} img/s", n / decode);
    println!("model_only {:.2} img/s", n / model);
    Ok(())
}
