//! Runs zoomap's t-SNE (the reduce stage's second half) on an `N × D` float32 `.npy` and
//! writes the 2-D embedding as `N × 2` `.npy`, printing the wall time. bench/tsne.sh runs it
//! beside openTSNE on the same inputs.
//!
//! `cargo run --release --example tsne_bench -- INPUT.npy OUTPUT.npy [exact|approximate]`
//! (the neighbour search; by default the one a build picks for N rows). The run's profile
//! (seconds per step, and every 50 iterations the grid's boxes per axis and KL) goes to
//! stderr.

use std::path::Path;
use std::time::Instant;

use zoomap::base::neighbours::Search;
use zoomap::base::vectors::Vectors;
use zoomap::base::vectors::{read_npy, write_npy};
use zoomap::stages::reduce::tsne::{Profile, tsne};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, mode @ ..] = args.as_slice() else {
        return Err("usage: tsne_bench INPUT.npy OUTPUT.npy [exact|approximate]".into());
    };
    let x = read_npy(Path::new(input))?;
    let search = match mode.first().map(String::as_str) {
        Some("exact") => Search::Exact,
        Some("approximate") => Search::Approximate,
        Some(other) => return Err(format!("unknown search {other:?}").into()),
        None => Search::for_rows(x.rows()),
    };
    let start = Instant::now();
    let embedding = tsne(&x, 30.0, search);
    let seconds = start.elapsed().as_secs_f64();
    print_profile(&embedding.profile);
    let points = embedding.points;
    let embedding = Vectors {
        dim: 2,
        data: points.into_iter().flatten().collect(),
    };
    write_npy(Path::new(output), &embedding)?;
    println!("seconds={seconds:.3}");
    Ok(())
}

/// The profile as a few lines on stderr: seconds per step, then the course.
fn print_profile(profile: &Profile) {
    let seconds = |d: std::time::Duration| d.as_secs_f64();
    let r = &profile.repulsion;
    eprintln!(
        "profile: neighbours {:.1} s, affinities {:.1} s, attraction {:.1} s, repulsion {:.1} s \
         (kernel {:.1}, spread {:.1}, transforms {:.1}, gather {:.1}), update {:.1} s, \
         renumbering {:.1} s",
        seconds(profile.neighbours),
        seconds(profile.affinities),
        seconds(profile.attraction),
        seconds(r.kernel + r.spread + r.transforms + r.gather),
        seconds(r.kernel),
        seconds(r.spread),
        seconds(r.transforms),
        seconds(r.gather),
        seconds(profile.update),
        seconds(profile.renumbering),
    );
    for reading in &profile.course {
        eprintln!(
            "  iteration {:4}: {:4} boxes per axis, KL {:.4}",
            reading.iteration, reading.boxes, reading.kl
        );
    }
}
