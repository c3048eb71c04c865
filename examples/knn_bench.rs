//! Times t-SNE's neighbour search on an `N × D` float32 `.npy`: the clustered approximate
//! search at several probe counts, each with its recall of the exact neighbours of a seeded
//! sample of 2,000 rows (found exactly for those rows alone, so a million rows stays
//! affordable), and the exact search itself up to 200,000 rows. bench/knn.sh runs it.
//!
//! `cargo run --release --example knn_bench -- INPUT.npy [K] [PROBES,...]` (K defaults to 90,
//! what perplexity 30 asks for; probes to 4,8,12,16)

use std::path::Path;
use std::time::Instant;

use rand::SeedableRng;
use zoomap::base::neighbours::{
    EXACT_LIMIT, Neighbour, Search, nearest, nearest_of, nearest_probing, shared_fraction,
};
use zoomap::base::vectors::read_npy;

/// Rows whose exact neighbours the recall is measured on.
const SAMPLE: usize = 2000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(input) = args.first() else {
        return Err("usage: knn_bench INPUT.npy [K] [PROBES,...]".into());
    };
    let k: usize = args.get(1).map_or(Ok(90), |k| k.parse())?;
    let probes: Vec<usize> = args
        .get(2)
        .map_or("4,8,12,16", String::as_str)
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let x = read_npy(Path::new(input))?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let sample = rand::seq::index::sample(&mut rng, x.rows(), SAMPLE.min(x.rows())).into_vec();
    let wanted = nearest_of(&x, &sample, k);
    let of_sample = |all: &[Vec<Neighbour>]| -> Vec<Vec<Neighbour>> {
        sample.iter().map(|&i| all[i].clone()).collect()
    };
    println!("rows={} k={k}", x.rows());
    for p in probes {
        let start = Instant::now();
        let found = nearest_probing(&x, k, p);
        let seconds = start.elapsed().as_secs_f64();
        let recall = shared_fraction(&wanted, &of_sample(&found));
        println!("clustered probes={p:<3} seconds={seconds:8.2} recall={recall:.4}");
    }
    if x.rows() <= EXACT_LIMIT {
        let start = Instant::now();
        let found = nearest(&x, k, Search::Exact);
        let seconds = start.elapsed().as_secs_f64();
        let recall = shared_fraction(&wanted, &of_sample(&found));
        println!("exact              seconds={seconds:8.2} recall={recall:.4}");
    }
    Ok(())
}
