//! Runs zoomap's t-SNE (the reduce stage's second half) on an `N × D` float32 `.npy` and
//! writes the 2-D embedding as `N × 2` `.npy`, printing the wall time. bench/tsne.sh runs it
//! beside openTSNE on the same inputs.
//!
//! `cargo run --release --example tsne_bench -- INPUT.npy OUTPUT.npy [reproducible|parallel]
//! [exact|approximate]` (the neighbour search; by default the one a build picks for N rows)

use std::path::Path;
use std::time::Instant;

use zoomap::base::neighbours::Search;
use zoomap::base::vectors::Vectors;
use zoomap::base::vectors::{read_npy, write_npy};
use zoomap::stages::reduce::tsne;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, mode @ ..] = args.as_slice() else {
        return Err(
            "usage: tsne_bench INPUT.npy OUTPUT.npy [reproducible|parallel] [exact|approximate]"
                .into(),
        );
    };
    let reproducible = mode.first().is_some_and(|m| m == "reproducible");
    let x = read_npy(Path::new(input))?;
    let search = match mode.get(1).map(String::as_str) {
        Some("exact") => Search::Exact,
        Some("approximate") => Search::Approximate,
        Some(other) => return Err(format!("unknown search {other:?}").into()),
        None => Search::for_rows(x.rows()),
    };
    let start = Instant::now();
    let points = tsne(&x, 30.0, reproducible, search)?.points;
    let seconds = start.elapsed().as_secs_f64();
    let embedding = Vectors {
        dim: 2,
        data: points.into_iter().flatten().collect(),
    };
    write_npy(Path::new(output), &embedding)?;
    println!("seconds={seconds:.3}");
    Ok(())
}
