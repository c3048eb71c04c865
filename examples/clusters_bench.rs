//! Times the cluster hierarchy on synthetic points, for bench/clusters.sh: N points in D
//! dimensions drawn around 40 seeded centres (so the hierarchy has structure to find), then
//! `clusters::cluster` with the automatic top level; prints seconds, levels, clusters per
//! level and peak RSS.
//! Usage: clusters_bench N D

use std::time::Instant;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use zoomap::base::vectors::Vectors;
use zoomap::cmd::report::peak_rss_mib;
use zoomap::stages::clusters::{ClusterOptions, cluster};

/// Centres the points are drawn around.
const CENTRES: usize = 40;

fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let [n, dim] = args[..] else {
        anyhow::bail!("usage: clusters_bench N D");
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let unit = Normal::new(0.0f32, 1.0)?;
    let centres: Vec<f32> = (0..CENTRES * dim)
        .map(|_| 6.0 * unit.sample(&mut rng))
        .collect();
    let mut data = Vec::with_capacity(n * dim);
    for i in 0..n {
        let c = i % CENTRES;
        data.extend((0..dim).map(|d| centres[c * dim + d] + unit.sample(&mut rng)));
    }
    let points = Vectors { dim, data };
    let started = Instant::now();
    let hierarchy = cluster(&points, &ClusterOptions::default())?.expect("enough points");
    let seconds = started.elapsed().as_secs_f64();
    let per_level: Vec<usize> = (0..hierarchy.levels())
        .map(|l| hierarchy.clusters.iter().filter(|c| c.level == l).count())
        .collect();
    println!(
        "{n} points × {dim}: {seconds:.1} s, {} levels, clusters per level {per_level:?}, peak RSS {:.0} MiB",
        hierarchy.levels(),
        peak_rss_mib().unwrap_or(0.0)
    );
    Ok(())
}
