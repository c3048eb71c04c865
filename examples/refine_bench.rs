//! Grid-refinement cost at N items: wall time and peak RSS of `refine::refine` with a given
//! number of sweeps on a synthetic neighbour graph shaped like t-SNE's after the grid
//! assignment (each item's 60 neighbours drawn, seeded, from the items within 7 cells of its
//! own, distances rising with rank), so the refinement's work per cell is what a real map
//! costs. Every sweep scores every cell's whole window whatever it finds, so the time is that
//! of a real map refined with as many sweeps. bench/refine.sh runs it for N = 10k … 1M.
//!
//! `cargo run --release --example refine_bench -- N [SWEEPS=4]`

use std::time::Instant;

use rand::{Rng, SeedableRng};
use zoomap::base::grid::{Cell, Grid};
use zoomap::base::neighbours::{Graph, KEPT_NEIGHBOURS, Neighbour};
use zoomap::cmd::report::peak_rss_mib;
use zoomap::stages::refine::{Refine, refine};

/// How far, in cells, an item's synthetic neighbours sit from it.
const REACH: i64 = 7;
/// Fewest items the synthetic graph can be drawn for.
const MIN_ITEMS: usize = 1000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .first()
        .ok_or("usage: refine_bench N [SWEEPS]")?
        .parse()?;
    let sweeps: u32 = args.get(1).map_or(Ok(4), |s| s.parse())?;
    if n < MIN_ITEMS {
        return Err(format!("N must be at least {MIN_ITEMS}, enough for {KEPT_NEIGHBOURS} neighbours within {REACH} cells").into());
    }
    let grid = Grid::for_count(n, 1.0);
    let mut cells: Vec<Cell> = (0..n)
        .map(|i| Cell {
            col: (i % grid.cols as usize) as u32,
            row: (i / grid.cols as usize) as u32,
        })
        .collect();
    let graph = Graph::keep(&local_neighbours(&cells, grid, n), KEPT_NEIGHBOURS);
    let start = Instant::now();
    let done = refine(&mut cells, grid, &graph, Refine::Sweeps(sweeps))?;
    let seconds = start.elapsed().as_secs_f64();
    let rss = peak_rss_mib().map_or("?".into(), |m| format!("{m:.0}"));
    println!(
        "items={n} sweeps={} swaps={} seconds={seconds:.2} peak_rss_mib={rss}",
        done.sweeps, done.swaps
    );
    Ok(())
}

/// For each item, `KEPT_NEIGHBOURS` distinct other items within `REACH` cells, nearest first.
fn local_neighbours(cells: &[Cell], grid: Grid, n: usize) -> Vec<Vec<Neighbour>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let mut picked: Vec<usize> = Vec::with_capacity(KEPT_NEIGHBOURS);
            while picked.len() < KEPT_NEIGHBOURS {
                let col = cell.col as i64 + rng.random_range(-REACH..=REACH);
                let row = cell.row as i64 + rng.random_range(-REACH..=REACH);
                let j = row * grid.cols as i64 + col;
                if col >= 0 && col < grid.cols as i64 && (0..n as i64).contains(&j) {
                    let j = j as usize;
                    if j != i && !picked.contains(&j) {
                        picked.push(j);
                    }
                }
            }
            picked
                .into_iter()
                .enumerate()
                .map(|(rank, index)| Neighbour {
                    index,
                    distance: 1.0 + rank as f32 / KEPT_NEIGHBOURS as f32,
                })
                .collect()
        })
        .collect()
}
