//! Times t-SNE's neighbour search both ways on an `N × D` float32 `.npy` and prints the
//! approximate search's recall of the exact neighbours. bench/knn.sh runs it.
//!
//! `cargo run --release --example knn_bench -- INPUT.npy [K]` (K defaults to 90, what
//! perplexity 30 asks for)

use std::path::Path;
use std::time::Instant;

use zoomap::base::neighbours::{Search, nearest, shared_fraction};
use zoomap::base::vectors::read_npy;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(input) = args.first() else {
        return Err("usage: knn_bench INPUT.npy [K]".into());
    };
    let k: usize = args.get(1).map_or(Ok(90), |k| k.parse())?;
    let x = read_npy(Path::new(input))?;
    let timed = |search| {
        let start = Instant::now();
        let found = nearest(&x, k, search);
        (found, start.elapsed().as_secs_f64())
    };
    let (exact, exact_seconds) = timed(Search::Exact);
    let (approximate, approximate_seconds) = timed(Search::Approximate);
    println!(
        "rows={} k={k} exact_seconds={exact_seconds:.2} approximate_seconds={approximate_seconds:.2} recall={:.4}",
        x.rows(),
        shared_fraction(&exact, &approximate)
    );
    Ok(())
}
