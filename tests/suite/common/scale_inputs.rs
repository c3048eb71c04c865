//! The inputs of `bench/scale.sh` and tests/suite/scale.rs: N small procedural images and
//! N × 4096 clustered synthetic feature vectors, as a collection of that size would give
//! `zoomap build --features`.
//!
//! [`write_inputs`] (`examples/scale_inputs.rs`: `scale_inputs N OUT [DIM]`) writes
//! `OUT/images/DDD/NNNNNNN.png` (64 × 64 px, a thousand per folder), `OUT/features.npy` (N × DIM float32, default 4096) and `OUT/features.txt` (the
//! image paths, one per row). Image i belongs to one of 40 clusters (by a hash of i, so the
//! sizes vary): its vector is the cluster's centre (ReLU of a standard normal, as fc2's are
//! non-negative) plus noise, and its picture the cluster's colour with a stripe whose angle
//! varies inside the cluster, so that a map that puts like with like shows bands of colour.
//! Vectors are written a block of rows at a time, so 1,000,000 × 4096 (16 GiB) needs little
//! memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use image::{Rgb, RgbImage};
use npyz::WriterBuilder;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

const CLUSTERS: usize = 40;
const SIDE: u32 = 64;
const BLOCK: usize = 1024;

/// Writes the images and `dim`-wide vectors of `n` items into `out`.
pub fn write_inputs(n: usize, out: &Path, dim: usize) -> Result<()> {
    let centres = cluster_centres(dim);
    write_images(n, &out.join("images"))?;
    write_features(n, dim, &centres, out)
}

/// Image i's cluster: a hash of i, so that clusters are scattered through the scan order.
fn cluster_of(i: usize) -> usize {
    let h = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    ((h >> 32) % CLUSTERS as u64) as usize
}

fn relative_path(i: usize) -> PathBuf {
    PathBuf::from(format!("{:03}/{i:07}.png", i / 1000))
}

fn cluster_centres(dim: usize) -> Vec<Vec<f32>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    (0..CLUSTERS)
        .map(|_| {
            (0..dim)
                .map(|_| {
                    let v: f32 = StandardNormal.sample(&mut rng);
                    v.max(0.0) * 2.0
                })
                .collect()
        })
        .collect()
}

fn write_images(n: usize, dir: &Path) -> Result<()> {
    for folder in 0..n.div_ceil(1000) {
        std::fs::create_dir_all(dir.join(format!("{folder:03}")))?;
    }
    (0..n).into_par_iter().try_for_each(|i| {
        let path = dir.join(relative_path(i));
        picture(i)
            .save(&path)
            .with_context(|| format!("{}: cannot write", path.display()))
    })
}

/// The cluster's colour, and a darker stripe at an angle set by the image's number.
fn picture(i: usize) -> RgbImage {
    let c = cluster_of(i);
    let hue = c as f32 / CLUSTERS as f32;
    let channel =
        |phase: f32| (127.0 + 120.0 * (std::f32::consts::TAU * (hue + phase)).cos()) as u8;
    let colour = [channel(0.0), channel(0.33), channel(0.67)];
    let angle = (i % 97) as f32 / 97.0 * std::f32::consts::PI;
    let (sin, cos) = angle.sin_cos();
    RgbImage::from_fn(SIDE, SIDE, |x, y| {
        let (u, v) = (x as f32 - 32.0, y as f32 - 32.0);
        if (u * cos + v * sin).abs() < 6.0 {
            Rgb(colour.map(|c| c / 3))
        } else {
            Rgb(colour)
        }
    })
}

fn write_features(n: usize, dim: usize, centres: &[Vec<f32>], out: &Path) -> Result<()> {
    let file = BufWriter::new(File::create(out.join("features.npy"))?);
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[n as u64, dim as u64])
        .writer(file)
        .begin_nd()?;
    for start in (0..n).step_by(BLOCK) {
        let rows: Vec<Vec<f32>> = (start..(start + BLOCK).min(n))
            .into_par_iter()
            .map(|i| vector(i, &centres[cluster_of(i)]))
            .collect();
        writer.extend(rows.into_iter().flatten())?;
    }
    writer.finish()?;
    let names: String = (0..n)
        .map(|i| format!("{}\n", relative_path(i).display()))
        .collect();
    std::fs::write(out.join("features.txt"), names)?;
    Ok(())
}

/// The centre plus Gaussian noise of standard deviation 1.5, non-negative like fc2's
/// outputs, drawn from a generator seeded by the image's number (any order, same values).
fn vector(i: usize, centre: &[f32]) -> Vec<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(i as u64);
    let jitter: f32 = rng.random_range(0.5..1.5);
    centre
        .iter()
        .map(|&c| {
            let noise: f32 = StandardNormal.sample(&mut rng);
            (c * jitter + 1.5 * noise).max(0.0)
        })
        .collect()
}
