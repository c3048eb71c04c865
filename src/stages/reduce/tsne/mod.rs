//! t-SNE to 2-D: FIt-SNE's gradient (Linderman et al. 2019) under openTSNE's schedule.
//! Affinities from each row's nearest neighbours ([`affinities`]), attraction along them,
//! repulsion by FFT-accelerated interpolation ([`repulsion`]), and openTSNE's gradient
//! descent: 250 iterations with the affinities exaggerated 12× at momentum 0.5, then 750 at
//! 0.8, learning rate N / exaggeration, per-coordinate gains, steps clipped to length 5.
//!
//! Written here rather than taken from bhtsne (zoomap's t-SNE up to issue 37) because at a
//! million points its interpolation grid grew to 1,000 boxes per axis, four 6,000² FFTs per
//! iteration and most of an hour; its charges were spread on one thread; and its sums added
//! in an order that depended on thread timing, so `--seed` had to run it on one thread.
//! Here every sum adds in a fixed order, so a run is bit-identical on any number of threads.

mod affinities;
mod locality;
mod repulsion;

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::base::neighbours::{self, Graph, KEPT_NEIGHBOURS, Search};
use crate::base::vectors::Vectors;

use affinities::{Affinities, SUM_CHUNK};
use locality::{Placement, permuted, z_order};
use repulsion::Repulsion;
pub use repulsion::Timings;

/// Below this many points t-SNE has no neighbourhoods to preserve; the first two principal
/// components are the layout.
const MIN_TSNE_POINTS: usize = 8;

/// Iterations with the affinities exaggerated (openTSNE's default), then without.
const EXAGGERATED_ITERATIONS: usize = 250;
const FINAL_ITERATIONS: usize = 750;
/// The exaggeration of the first phase and each phase's momentum, as openTSNE's.
const EARLY_EXAGGERATION: f32 = 12.0;
const EARLY_MOMENTUM: f32 = 0.5;
const FINAL_MOMENTUM: f32 = 0.8;
/// The smallest per-coordinate gain, and the longest step a point takes in one iteration
/// (openTSNE's `min_gain` and `max_step_norm`).
const MIN_GAIN: f32 = 0.01;
const MAX_STEP: f32 = 5.0;
/// Iterations between the profile's readings of the grid and KL.
const PROFILE_EVERY: usize = 50;

/// A t-SNE embedding, the neighbours it was fitted on, and where its time went.
#[derive(Debug, Clone)]
pub struct Embedding {
    /// One 2-D point per row.
    pub points: Vec<[f32; 2]>,
    /// The first [`KEPT_NEIGHBOURS`] neighbours of each row (none below 8 rows, where no
    /// t-SNE runs).
    pub neighbours: Graph,
    /// Time per step and the run's course, for benchmarks.
    pub profile: Profile,
}

/// Where a t-SNE run's time went and how it progressed (bench/tsne.sh prints it).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The neighbour search.
    pub neighbours: Duration,
    /// The affinities from the neighbours.
    pub affinities: Duration,
    /// Attractive forces, all iterations.
    pub attraction: Duration,
    /// Repulsive forces, all iterations, by step.
    pub repulsion: Timings,
    /// Gains, momentum and steps, all iterations.
    pub update: Duration,
    /// Renumbering the points in map order (from 2^18 points).
    pub renumbering: Duration,
    /// Every [`PROFILE_EVERY`] iterations and after the last: the iteration, the grid's
    /// boxes per axis, the embedding's extent and KL(P ‖ Q) (with the exaggeration off).
    pub course: Vec<Reading>,
}

/// One reading of a run's course.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// Iterations done.
    pub iteration: usize,
    /// Boxes per axis of the interpolation grid.
    pub boxes: usize,
    /// KL(P ‖ Q) at that point.
    pub kl: f64,
}

/// The perplexity t-SNE can use on `n` rows: it keeps `3 × perplexity ≤ n − 1` neighbours,
/// so a smaller collection lowers it, with a warning.
pub fn clamp_perplexity(n: usize, asked: f32, warnings: &mut Vec<String>) -> f32 {
    let most = (n.saturating_sub(1) as f32 / 3.0).floor();
    if asked > most && n >= MIN_TSNE_POINTS {
        warnings.push(format!(
            "perplexity {asked} is too large for {n} images; using {most}"
        ));
        return most;
    }
    asked
}

/// 2-D t-SNE of the rows of `x`, started from their first two principal components scaled
/// to a standard deviation of 1e-4 (openTSNE's PCA initialisation), on neighbours found by
/// `search`. The same input gives the same bits on any number of threads.
pub fn tsne(x: &Vectors, perplexity: f32, search: Search) -> Embedding {
    let n = x.rows();
    let init = pca_initialisation(x);
    if n < MIN_TSNE_POINTS {
        return Embedding {
            points: init,
            neighbours: Graph::keep(&vec![Vec::new(); n], 0),
            profile: Profile::default(),
        };
    }
    let mut profile = Profile::default();
    let started = Instant::now();
    let k = (3.0 * perplexity) as usize;
    let found = neighbours::nearest(x, k, search);
    let graph = Graph::keep(&found, k);
    drop(found);
    profile.neighbours = started.elapsed();
    let started = Instant::now();
    let affinities = Affinities::new(&graph, perplexity);
    let neighbours = graph.truncated(KEPT_NEIGHBOURS);
    drop(graph);
    profile.affinities = started.elapsed();
    let points = optimise(affinities, init, Placement::new(n), &mut profile);
    Embedding {
        points,
        neighbours,
        profile,
    }
}

/// The optimiser's state: the embedding, the last step and the per-coordinate gains
/// (openTSNE's `gradient_descent`, whose gains carry from one phase to the next).
struct Descent {
    y: Vec<[f32; 2]>,
    step: Vec<[f32; 2]>,
    gains: Vec<[f32; 2]>,
    attraction: Vec<[f32; 2]>,
    repulsion: Vec<[f32; 2]>,
}

/// The embedding from `init` after the whole schedule, the points renumbered as
/// `placement` says and returned in the input's order.
fn optimise(
    mut p: Affinities,
    init: Vec<[f32; 2]>,
    mut placement: Placement,
    profile: &mut Profile,
) -> Vec<[f32; 2]> {
    let n = init.len();
    let mut descent = Descent {
        y: init,
        step: vec![[0.0; 2]; n],
        gains: vec![[1.0; 2]; n],
        attraction: vec![[0.0; 2]; n],
        repulsion: vec![[0.0; 2]; n],
    };
    let mut repulsion = Repulsion::new();
    let total = EXAGGERATED_ITERATIONS + FINAL_ITERATIONS;
    for iteration in 0..total {
        let early = iteration < EXAGGERATED_ITERATIONS;
        if placement.due(iteration) {
            let started = Instant::now();
            let order = z_order(&descent.y);
            p.reorder(&order);
            descent.reorder(&order);
            placement.follow(&order);
            profile.renumbering += started.elapsed();
        }
        if iteration == EXAGGERATED_ITERATIONS {
            descent.step.fill([0.0; 2]);
        }
        let (exaggeration, momentum) = if early {
            (EARLY_EXAGGERATION, EARLY_MOMENTUM)
        } else {
            (1.0, FINAL_MOMENTUM)
        };
        let started = Instant::now();
        p.attract(&descent.y, exaggeration, &mut descent.attraction);
        profile.attraction += started.elapsed();
        let (z, boxes) = repulsion.forces(&descent.y, &mut descent.repulsion);
        let started = Instant::now();
        descent.update(momentum, learning_rate(n, exaggeration));
        profile.update += started.elapsed();
        if iteration % PROFILE_EVERY == 0 || iteration + 1 == total {
            profile.course.push(Reading {
                iteration,
                boxes,
                kl: p.kl_divergence(&descent.y, z),
            });
        }
    }
    profile.repulsion = repulsion.timings;
    placement.restore(&descent.y)
}

impl Descent {
    /// Renumbers the points: position `i` takes what was at position `order[i]` (the forces
    /// are recomputed before they are read).
    fn reorder(&mut self, order: &[u32]) {
        self.y = permuted(&self.y, order);
        self.step = permuted(&self.step, order);
        self.gains = permuted(&self.gains, order);
    }

    /// One step of gradient descent on `attraction − repulsion`, then the embedding
    /// re-centred (a translation, which t-SNE's gradient does not see) so the grid's charges
    /// stay small.
    fn update(&mut self, momentum: f32, rate: f32) {
        self.y
            .par_iter_mut()
            .zip(&mut self.step)
            .zip(&mut self.gains)
            .zip(self.attraction.par_iter().zip(&self.repulsion))
            .for_each(|(((y, step), gains), (pull, push))| {
                for d in 0..2 {
                    let gradient = pull[d] - push[d];
                    if sign(step[d]) == sign(gradient) {
                        gains[d] *= 0.8;
                    } else {
                        gains[d] += 0.2;
                    }
                    gains[d] = gains[d].max(MIN_GAIN);
                    step[d] = momentum * step[d] - rate * gains[d] * gradient;
                }
                let length = step[0].hypot(step[1]);
                if length > MAX_STEP {
                    step[0] *= MAX_STEP / length;
                    step[1] *= MAX_STEP / length;
                }
                y[0] += step[0];
                y[1] += step[1];
            });
        let centre = mean(&self.y);
        self.y.par_iter_mut().for_each(|y| {
            y[0] -= centre[0];
            y[1] -= centre[1];
        });
    }
}

/// NumPy's sign: −1, 0 or 1.
fn sign(v: f32) -> i8 {
    (v > 0.0) as i8 - (v < 0.0) as i8
}

/// The points' mean, summed per fixed chunk.
fn mean(y: &[[f32; 2]]) -> [f32; 2] {
    let chunks: Vec<[f64; 2]> = y
        .par_chunks(SUM_CHUNK)
        .map(|chunk| {
            chunk.iter().fold([0f64; 2], |s, p| {
                [s[0] + f64::from(p[0]), s[1] + f64::from(p[1])]
            })
        })
        .collect();
    let n = y.len().max(1) as f64;
    let sum = chunks
        .iter()
        .fold([0f64; 2], |s, c| [s[0] + c[0], s[1] + c[1]]);
    [(sum[0] / n) as f32, (sum[1] / n) as f32]
}

/// openTSNE's step size for a phase, `max(N / exaggeration, 200)`, with the floor lowered
/// below 1,000 points (200 spreads a few dozen points so far that the FFT grid, and the run,
/// grow a hundredfold).
fn learning_rate(n: usize, exaggeration: f32) -> f32 {
    let n = n as f32;
    (n / exaggeration).max((n / 5.0).clamp(50.0, 200.0))
}

fn pca_initialisation(x: &Vectors) -> Vec<[f32; 2]> {
    let n = x.rows();
    let first_two: Vec<[f32; 2]> = (0..n)
        .map(|i| match x.row(i) {
            [a, b, ..] => [*a, *b],
            [a] => [*a, i as f32],
            [] => [0.0, i as f32],
        })
        .collect();
    let spread = std_dev(first_two.iter().map(|p| p[0]));
    if spread > 0.0 {
        let scale = 1e-4 / spread;
        first_two
            .iter()
            .map(|p| [p[0] * scale, p[1] * scale])
            .collect()
    } else {
        (0..n)
            .map(|i| [2.0 * i as f32 * 1e-4, (2 * i + 1) as f32 * 1e-4])
            .collect()
    }
}

fn std_dev(values: impl Iterator<Item = f32> + Clone) -> f32 {
    let n = values.clone().count().max(1) as f32;
    let mean = values.clone().sum::<f32>() / n;
    (values.map(|v| (v - mean) * (v - mean)).sum::<f32>() / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/fixtures/make_tsne_reference.py's openTSNE run.
    fn reference() -> serde_json::Value {
        serde_json::from_str(include_str!(
            "../../../../tests/fixtures/tsne-opentsne.json"
        ))
        .unwrap()
    }

    /// The fixture's input, by its formula.
    fn input() -> Vectors {
        let (n, dim) = (300, 10);
        let value = |i: usize, j: usize| {
            let centre = if ((i % 5) * 7 + j) % 10 < 3 { 4.0 } else { 0.0 };
            centre + 1.5 * (0.731 * (i + 1) as f64 * (j + 1) as f64).sin()
        };
        let data = (0..n)
            .flat_map(|i| (0..dim).map(move |j| value(i, j) as f32))
            .collect();
        Vectors { dim, data }
    }

    fn exact_kl(p: &Affinities, y: &[[f32; 2]]) -> f64 {
        let mut z = 0f64;
        for (i, a) in y.iter().enumerate() {
            for b in y.iter().skip(i + 1) {
                let d2 = f64::from((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2));
                z += 2.0 / (1.0 + d2);
            }
        }
        p.kl_divergence(y, z)
    }

    #[test]
    fn affinities_match_opentsnes() {
        let reference = reference();
        let x = input();
        let graph = Graph::keep(&neighbours::nearest(&x, 30, Search::Exact), 30);
        let p = Affinities::new(&graph, 10.0);
        for (i, row) in reference["rows"].as_array().unwrap().iter().enumerate() {
            let row = row.as_array().unwrap();
            assert_eq!(p.row_len(i), row.len(), "row {i}'s entries");
            for entry in row {
                let (j, want) = (
                    entry[0].as_u64().unwrap() as usize,
                    entry[1].as_f64().unwrap(),
                );
                let got = f64::from(p.get(i, j).unwrap_or(0.0));
                assert!(
                    (got - want).abs() < 1e-4 * want,
                    "p[{i}][{j}] {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn the_map_fits_as_well_as_opentsnes() {
        let reference = reference()["kl"].as_f64().unwrap();
        let x = input();
        let embedding = tsne(&x, 10.0, Search::Exact);
        let graph = Graph::keep(&neighbours::nearest(&x, 30, Search::Exact), 30);
        let kl = exact_kl(&Affinities::new(&graph, 10.0), &embedding.points);
        assert!(kl < 1.05 * reference, "KL {kl} vs openTSNE's {reference}");
        let last = embedding.profile.course.last().unwrap();
        // The profile's KL uses the interpolated Z of the last gradient, a step behind.
        assert!(
            (last.kl - kl).abs() < 0.05 * kl,
            "the interpolated KL {} vs the exact {kl}",
            last.kl
        );
    }

    #[test]
    fn renumbered_points_fit_as_well_and_give_the_same_bits_on_any_thread_count() {
        let reference = reference()["kl"].as_f64().unwrap();
        let x = input();
        let graph = Graph::keep(&neighbours::nearest(&x, 30, Search::Exact), 30);
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let placement = Placement::renumbering(x.rows(), true);
                let init = pca_initialisation(&x);
                let p = Affinities::new(&graph, 10.0);
                optimise(p, init, placement, &mut Profile::default())
            })
        };
        let bits = |y: &[[f32; 2]]| y.iter().flatten().map(|v| v.to_bits()).collect::<Vec<_>>();
        let one = run(1);
        assert_eq!(bits(&one), bits(&run(3)));
        // Returned in the input's order: a point left at its renumbered place would break
        // the neighbourhoods and the fit.
        let kl = exact_kl(&Affinities::new(&graph, 10.0), &one);
        assert!(kl < 1.05 * reference, "KL {kl} vs openTSNE's {reference}");
    }
}
