//! Grid-assignment benchmark on synthetic t-SNE-like 2-D points (seeded Gaussian clusters
//! of uneven size and spread over a sparse background): wall time, peak RSS and cost of
//! the method `zoomap build` picks for N, and beside it the exact solver's time and cost
//! where that fits, or a baseline of the blocked method with large blocks and no
//! refinement. bench/layout.sh runs it for N = 1k … 1M, one process per N.
//!
//! `cargo run --release --example layout_bench -- N [exact|blocks4096|blocks:BLOCK:PASSES]`

use std::time::Instant;

use rand::{Rng, SeedableRng};
use zoomap::base::grid::Grid;
use zoomap::cmd::report::peak_rss_mib;
use zoomap::stages::layout::{Method, assign_with, assignment_cost};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .first()
        .ok_or("usage: layout_bench N [exact|blocks4096]")?
        .parse()?;
    let points = clustered_points(n, 7);
    let grid = Grid::for_count(n, 1.0);
    let method = match args.get(1).map(String::as_str) {
        None => Method::for_count(n),
        Some("exact") => Method::Exact,
        Some("blocks4096") => Method::Blocked {
            block: 4096,
            passes: 0,
        },
        Some(other) => match other.split(':').collect::<Vec<_>>().as_slice() {
            ["blocks", block, passes] => Method::Blocked {
                block: block.parse()?,
                passes: passes.parse()?,
            },
            _ => return Err(format!("unknown method {other}").into()),
        },
    };
    let start = Instant::now();
    let cells = assign_with(&points, grid, method)?;
    let seconds = start.elapsed().as_secs_f64();
    let cost = assignment_cost(&points, grid, &cells);
    println!(
        "n={n} method={method:?} seconds={seconds:.3} cost={cost:.1} cost_per_point={:.4} peak_rss_mib={:.0}",
        cost / n as f64,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}

/// `n` points laid out like a t-SNE map: 70% in 40 uniform disks (random centres, areas in
/// proportion to random weights, together half the map), 30% spread uniformly over the square,
/// so dense clusters sit among sparse gaps at a density ratio of about six.
fn clustered_points(n: usize, seed: u64) -> Vec<[f32; 2]> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let in_disk = |rng: &mut rand_chacha::ChaCha8Rng, radius: f64| {
        let (r, a) = (
            radius * rng.random_range(0.0f64..1.0).sqrt(),
            rng.random_range(0.0..std::f64::consts::TAU),
        );
        [r * a.cos(), r * a.sin()]
    };
    let weights: Vec<f64> = (0..40).map(|_| rng.random_range(0.2..1.0)).collect();
    let total: f64 = weights.iter().sum();
    let clusters: Vec<([f64; 2], f64, f64)> = weights
        .iter()
        .map(|&w| {
            let centre = [rng.random_range(-40.0..40.0), rng.random_range(-40.0..40.0)];
            (
                centre,
                100.0 * (0.5 * w / total / std::f64::consts::PI).sqrt(),
                w,
            )
        })
        .collect();
    (0..n)
        .map(|_| {
            let [x, y] = if rng.random_bool(0.3) {
                [rng.random_range(-50.0..50.0), rng.random_range(-50.0..50.0)]
            } else {
                let mut pick = rng.random_range(0.0..total);
                let (centre, radius, _) = clusters
                    .iter()
                    .find(|c| {
                        pick -= c.2;
                        pick < 0.0
                    })
                    .unwrap_or(&clusters[0]);
                let [dx, dy] = in_disk(&mut rng, *radius);
                [centre[0] + dx, centre[1] + dy]
            };
            [x as f32, y as f32]
        })
        .collect()
}
