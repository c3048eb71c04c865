//! t-SNE's repulsive forces and its normalisation `Z` by FFT-accelerated interpolation
//! (FIt-SNE, Linderman et al. 2019, as openTSNE computes them): the embedding's square is cut
//! into boxes of about one unit with three interpolation nodes per box and axis; every point
//! spreads four charges (1, x, y, x² + y²) onto the nodes of its box by Lagrange weights; the
//! node grid is convolved with the kernel `(1 + d²)⁻²` by 2-D FFTs (f32, two real charges per
//! complex transform, since the kernel is real); each point reads its four potentials back
//! from the same nodes, and from them its force and its share of `Z`.
//!
//! Every step writes disjoint outputs or sums in a fixed order (points are spread by box row,
//! one task per row of nodes; totals add per fixed chunk of points), so the result is
//! bit-identical on any number of threads.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use super::affinities::SUM_CHUNK;

/// Interpolation nodes per box and axis: quadratic interpolation, FIt-SNE's and openTSNE's.
const NODES_PER_BOX: usize = 3;
/// Boxes per axis: one per unit of the embedding's extent (openTSNE's `ints_in_interval`),
/// at least [`MIN_BOXES`] and at most [`MAX_BOXES`].
const EXTENT_PER_BOX: f32 = 1.0;
const MIN_BOXES: usize = 10;
/// The most boxes per axis. The grid's FFTs cost `(6 × boxes)² log(6 × boxes)`: at 1,000
/// boxes (openTSNE's and bhtsne's cap) that is four 6,000² transforms per iteration, which was
/// most of an hour at a million points; see the closing note of issue 37 for the measurement
/// that chose this cap.
const MAX_BOXES: usize = 1000;

/// Columns transposed per task: a block of this many neighbouring columns is read as short
/// contiguous runs of each row.
const TRANSPOSE_BLOCK: usize = 32;

/// Where the repulsion's time went, summed over iterations.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Locating points in boxes and spreading their charges onto the nodes.
    pub spread: Duration,
    /// The kernel's transform, rebuilt each iteration as the box size changes.
    pub kernel: Duration,
    /// The charges' forward and inverse transforms.
    pub transforms: Duration,
    /// Reading the potentials back and forming forces and `Z`.
    pub gather: Duration,
}

/// The square grid of one iteration: its lower corner, box size and transform length.
#[derive(Debug, Clone, Copy)]
struct Grid {
    /// Lower corner on both axes (the square spans both axes' range).
    min: f32,
    /// The centre every charge is measured from, which keeps the f32 charges small.
    centre: f32,
    /// Distance between neighbouring nodes.
    spacing: f32,
    boxes: usize,
    /// Nodes per axis, `3 × boxes`.
    nodes: usize,
    /// Transform length per axis, at least `2 × nodes − 1` so the circular convolution is
    /// the linear one.
    len: usize,
}

impl Grid {
    fn around(y: &[[f32; 2]]) -> Self {
        let (min, max) = y
            .par_iter()
            .map(|p| (p[0].min(p[1]), p[0].max(p[1])))
            .reduce(
                || (f32::INFINITY, f32::NEG_INFINITY),
                |a, b| (a.0.min(b.0), a.1.max(b.1)),
            );
        let extent = (max - min).max(f32::MIN_POSITIVE);
        let boxes = ((extent / EXTENT_PER_BOX).ceil() as usize).clamp(MIN_BOXES, MAX_BOXES);
        let nodes = boxes * NODES_PER_BOX;
        Self {
            min,
            centre: min + extent / 2.0,
            spacing: extent / nodes as f32,
            boxes,
            nodes,
            len: smooth_length(2 * nodes),
        }
    }

    /// A coordinate's box and its Lagrange weights on the box's three nodes, which sit at
    /// 0.5, 1.5 and 2.5 node spacings into the box.
    fn locate(&self, v: f32) -> (usize, [f32; 3]) {
        let t = (v - self.min) / self.spacing;
        let cell = ((t / NODES_PER_BOX as f32) as usize).min(self.boxes - 1);
        let u = t - (cell * NODES_PER_BOX) as f32;
        let weights = [
            (u - 1.5) * (u - 2.5) / 2.0,
            -(u - 0.5) * (u - 2.5),
            (u - 0.5) * (u - 1.5) / 2.0,
        ];
        (cell, weights)
    }
}

/// The smallest length ≥ `at_least` with no prime factor above 5, which rustfft transforms
/// fastest.
fn smooth_length(at_least: usize) -> usize {
    (at_least..)
        .find(|&n| {
            let mut m = n;
            for p in [2, 3, 5] {
                while m % p == 0 {
                    m /= p;
                }
            }
            m == 1
        })
        .unwrap_or(at_least)
}

/// A point's box and weights on both axes.
#[derive(Clone, Copy, Default)]
struct Located {
    cell: [usize; 2],
    weights: [[f32; 3]; 2],
}

/// Forward and inverse transforms planned for one length.
struct Plans {
    len: usize,
    forward: Arc<dyn Fft<f32>>,
    inverse: Arc<dyn Fft<f32>>,
}

/// The repulsion's buffers and FFT plans, kept across iterations.
pub(super) struct Repulsion {
    planner: FftPlanner<f32>,
    plans: Option<Plans>,
    /// Charges 1 and x (real and imaginary parts), then y and x² + y².
    charges: [Vec<Complex<f32>>; 2],
    /// Transposition target.
    spare: Vec<Complex<f32>>,
    /// The kernel's spectrum, real (the kernel is even), divided by the transform's size.
    kernel: Vec<f32>,
    located: Vec<Located>,
    /// Time spent, for the profile.
    pub(super) timings: Timings,
}

impl Repulsion {
    pub(super) fn new() -> Self {
        Self {
            planner: FftPlanner::new(),
            plans: None,
            charges: [Vec::new(), Vec::new()],
            spare: Vec::new(),
            kernel: Vec::new(),
            located: Vec::new(),
            timings: Timings::default(),
        }
    }

    /// Writes each point's repulsive force, `Σ_j (y_i − y_j) / (1 + d²)² / Z`, into `forces`
    /// and returns `Z = Σ_{i≠j} 1 / (1 + d²)` and the grid's boxes per axis.
    pub(super) fn forces(&mut self, y: &[[f32; 2]], forces: &mut [[f32; 2]]) -> (f64, usize) {
        let grid = Grid::around(y);
        self.resize(&grid, y.len());
        let started = Instant::now();
        self.kernel_spectrum(&grid);
        self.timings.kernel += started.elapsed();
        let started = Instant::now();
        self.locate(y, &grid);
        self.spread(y, &grid);
        self.timings.spread += started.elapsed();
        let started = Instant::now();
        for term in 0..2 {
            self.convolve(term, &grid);
        }
        self.timings.transforms += started.elapsed();
        let started = Instant::now();
        let z = self.gather(y, &grid, forces);
        self.timings.gather += started.elapsed();
        (z, grid.boxes)
    }

    fn resize(&mut self, grid: &Grid, points: usize) {
        let len = grid.len;
        if self.plans.as_ref().is_none_or(|plans| plans.len != len) {
            let forward = self.planner.plan_fft_forward(len);
            let inverse = self.planner.plan_fft_inverse(len);
            self.plans = Some(Plans {
                len,
                forward,
                inverse,
            });
        }
        let zero = Complex::new(0.0, 0.0);
        let [first, second] = &mut self.charges;
        for buffer in [first, second, &mut self.spare] {
            buffer.resize(len * len, zero);
        }
        self.kernel.resize(len * len, 0.0);
        self.located.resize(points, Located::default());
    }

    fn plans(&self) -> (Arc<dyn Fft<f32>>, Arc<dyn Fft<f32>>) {
        let plans = self.plans.as_ref().expect("planned in resize");
        (Arc::clone(&plans.forward), Arc::clone(&plans.inverse))
    }

    /// The kernel `(1 + d²)⁻²` at every lag the convolution needs (lags past half the length
    /// wrap to negative), transformed.
    fn kernel_spectrum(&mut self, grid: &Grid) {
        let (len, spacing) = (grid.len, grid.spacing);
        let lag = |i: usize| {
            let l = if i <= len / 2 {
                i as f32
            } else {
                i as f32 - len as f32
            };
            (l * spacing) * (l * spacing)
        };
        self.spare
            .par_chunks_mut(len)
            .enumerate()
            .for_each(|(r, row)| {
                for (c, v) in row.iter_mut().enumerate() {
                    let w = 1.0 / (1.0 + lag(r) + lag(c));
                    *v = Complex::new(w * w, 0.0);
                }
            });
        let (forward, _) = self.plans();
        transform_rows(&mut self.spare, len, &forward);
        transpose(&self.spare, &mut self.charges[0], len, len);
        transform_rows(&mut self.charges[0], len, &forward);
        // The kernel is even on both axes, so its spectrum is real and symmetric: the
        // transposed result is the spectrum itself.
        let scale = 1.0 / (len * len) as f32;
        self.kernel
            .par_iter_mut()
            .zip(&self.charges[0])
            .for_each(|(k, s)| *k = s.re * scale);
    }

    fn locate(&mut self, y: &[[f32; 2]], grid: &Grid) {
        self.located
            .par_iter_mut()
            .zip(y)
            .for_each(|(located, point)| {
                let (cx, wx) = grid.locate(point[0]);
                let (cy, wy) = grid.locate(point[1]);
                *located = Located {
                    cell: [cx, cy],
                    weights: [wx, wy],
                };
            });
    }

    /// Spreads every point's charges onto its box's nodes: points bucketed by box row, each
    /// row of boxes written by one task into its own three rows of nodes, points in order.
    fn spread(&mut self, y: &[[f32; 2]], grid: &Grid) {
        let (len, centre) = (grid.len, grid.centre);
        let buckets = bucket_by_row(&self.located, grid.boxes);
        let located = &self.located;
        let [ones_x, y_norms] = &mut self.charges;
        for charges in [&mut *ones_x, &mut *y_norms] {
            charges
                .par_iter_mut()
                .for_each(|v| *v = Complex::new(0.0, 0.0));
        }
        let band = NODES_PER_BOX * len;
        ones_x[..grid.nodes * len]
            .par_chunks_mut(band)
            .zip(y_norms[..grid.nodes * len].par_chunks_mut(band))
            .zip(&buckets)
            .for_each(|((first, second), points)| {
                for &i in points {
                    let at = located[i as usize];
                    let (x, v) = (y[i as usize][0] - centre, y[i as usize][1] - centre);
                    let norm = x * x + v * v;
                    for (ty, wy) in at.weights[1].iter().enumerate() {
                        for (tx, wx) in at.weights[0].iter().enumerate() {
                            let node = ty * len + at.cell[0] * NODES_PER_BOX + tx;
                            let w = wy * wx;
                            first[node] += Complex::new(w, w * x);
                            second[node] += Complex::new(w * v, w * norm);
                        }
                    }
                }
            });
    }

    /// Convolves one charge grid with the kernel: forward transform (rows holding nodes,
    /// then every column), multiply, inverse (every column, then the rows holding nodes).
    fn convolve(&mut self, term: usize, grid: &Grid) {
        let (len, nodes) = (grid.len, grid.nodes);
        let (forward, inverse) = self.plans();
        let charges = &mut self.charges[term];
        transform_rows(&mut charges[..nodes * len], len, &forward);
        transpose(&charges[..nodes * len], &mut self.spare, nodes, len);
        transform_rows(&mut self.spare, len, &forward);
        self.spare
            .par_iter_mut()
            .zip(&self.kernel)
            .for_each(|(s, k)| *s *= *k);
        transform_rows(&mut self.spare, len, &inverse);
        transpose_back(&self.spare, &mut charges[..nodes * len], nodes, len);
        transform_rows(&mut charges[..nodes * len], len, &inverse);
    }

    /// Each point's four potentials read back from its nodes, its force and its share of
    /// `Z`; the shares add per fixed chunk of points.
    fn gather(&self, y: &[[f32; 2]], grid: &Grid, forces: &mut [[f32; 2]]) -> f64 {
        let len = grid.len;
        let [first, second] = &self.charges;
        let shares: Vec<f64> = forces
            .par_chunks_mut(SUM_CHUNK)
            .enumerate()
            .map(|(chunk, forces)| {
                let mut share = 0f64;
                for (k, force) in forces.iter_mut().enumerate() {
                    let i = chunk * SUM_CHUNK + k;
                    let at = self.located[i];
                    let (mut a, mut b) = (Complex::new(0.0, 0.0), Complex::new(0.0, 0.0));
                    for (ty, wy) in at.weights[1].iter().enumerate() {
                        let row = (at.cell[1] * NODES_PER_BOX + ty) * len;
                        for (tx, wx) in at.weights[0].iter().enumerate() {
                            let node = row + at.cell[0] * NODES_PER_BOX + tx;
                            a += first[node] * (wy * wx);
                            b += second[node] * (wy * wx);
                        }
                    }
                    let (x, v) = (y[i][0] - grid.centre, y[i][1] - grid.centre);
                    let (phi, phi_x, phi_y, phi_norm) = (a.re, a.im, b.re, b.im);
                    share += f64::from(
                        (1.0 + x * x + v * v) * phi - 2.0 * (x * phi_x + v * phi_y) + phi_norm,
                    );
                    *force = [x * phi - phi_x, v * phi - phi_y];
                }
                share
            })
            .collect();
        let z = (shares.iter().sum::<f64>() - y.len() as f64).max(f64::MIN_POSITIVE);
        let inverse = (1.0 / z) as f32;
        forces.par_iter_mut().for_each(|f| {
            f[0] *= inverse;
            f[1] *= inverse;
        });
        z
    }
}

/// Point indices grouped by the row of their box, in index order within a row.
fn bucket_by_row(located: &[Located], rows: usize) -> Vec<Vec<u32>> {
    let mut buckets = vec![Vec::new(); rows];
    for (i, at) in located.iter().enumerate() {
        buckets[at.cell[1]].push(i as u32);
    }
    buckets
}

/// Transforms every `len`-long row of `data` in place, in parallel.
fn transform_rows(data: &mut [Complex<f32>], len: usize, fft: &Arc<dyn Fft<f32>>) {
    let scratch = fft.get_inplace_scratch_len();
    data.par_chunks_mut(len).for_each_init(
        || vec![Complex::new(0.0, 0.0); scratch],
        |scratch, row| fft.process_with_scratch(row, scratch),
    );
}

/// `to[c][r] = from[r][c]` for the `rows` rows of `from` (each `len` long), the rest of each
/// row of `to` zero.
fn transpose(from: &[Complex<f32>], to: &mut [Complex<f32>], rows: usize, len: usize) {
    to.par_chunks_mut(TRANSPOSE_BLOCK * len)
        .enumerate()
        .for_each(|(block, out)| {
            let first = block * TRANSPOSE_BLOCK;
            for r in 0..rows {
                let run = &from[r * len + first..r * len + first + out.len() / len];
                for (k, v) in run.iter().enumerate() {
                    out[k * len + r] = *v;
                }
            }
            for row in out.chunks_mut(len) {
                row[rows..].fill(Complex::new(0.0, 0.0));
            }
        });
}

/// `to[r][c] = from[c][r]` for the first `rows` rows of `to`, every column.
fn transpose_back(from: &[Complex<f32>], to: &mut [Complex<f32>], rows: usize, len: usize) {
    to.par_chunks_mut(len).enumerate().for_each(|(r, row)| {
        for (c, v) in row.iter_mut().enumerate() {
            *v = from[c * len + r];
        }
    });
    debug_assert_eq!(to.len(), rows * len);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The forces and `Z` summed pair by pair.
    fn direct(y: &[[f32; 2]]) -> (Vec<[f64; 2]>, f64) {
        let mut z = 0f64;
        let mut forces = vec![[0f64; 2]; y.len()];
        for (i, a) in y.iter().enumerate() {
            for b in y.iter().take(i).chain(y.iter().skip(i + 1)) {
                let (dx, dy) = (f64::from(a[0] - b[0]), f64::from(a[1] - b[1]));
                let w = 1.0 / (1.0 + dx * dx + dy * dy);
                z += w;
                forces[i][0] += w * w * dx;
                forces[i][1] += w * w * dy;
            }
        }
        for f in &mut forces {
            f[0] /= z;
            f[1] /= z;
        }
        (forces, z)
    }

    fn rms(values: impl Iterator<Item = f64>) -> f64 {
        let (sum, count) = values.fold((0.0, 0.0), |(sum, count), x| (sum + x * x, count + 1.0));
        (sum / count).sqrt()
    }

    #[test]
    fn interpolated_forces_match_the_direct_sum() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        // Two clusters 30 units apart: 30 boxes, three nodes each, and a sparse region.
        let y: Vec<[f32; 2]> = (0..1500)
            .map(|i| {
                let c = if i % 3 == 0 { 30.0 } else { 0.0 };
                [c + rng.random_range(-4.0..4.0), rng.random_range(-3.0..3.0)]
            })
            .collect();
        let (want, want_z) = direct(&y);
        let mut forces = vec![[0f32; 2]; y.len()];
        let (z, boxes) = Repulsion::new().forces(&y, &mut forces);
        assert!(boxes >= 30, "{boxes} boxes");
        assert!((z - want_z).abs() / want_z < 1e-3, "Z {z} vs {want_z}");
        let norm = |f: [f64; 2]| f[0].hypot(f[1]);
        let errors: Vec<f64> = forces
            .iter()
            .zip(&want)
            .map(|(got, want)| norm([f64::from(got[0]) - want[0], f64::from(got[1]) - want[1]]))
            .collect();
        let scale = want.iter().map(|f| norm(*f)).fold(0.0, f64::max);
        let worst = errors.iter().copied().fold(0.0, f64::max);
        let typical = rms(errors.iter().copied()) / rms(want.iter().map(|f| norm(*f)));
        // Quadratic interpolation on boxes of one unit (three nodes each), as FIt-SNE's and
        // openTSNE's defaults. The force is `y_i φ_1 − φ_y`, as FIt-SNE forms it: a difference
        // of two potentials that grow with the distance from the centre, so the interpolation's
        // relative error (under 1e-3 on Z, asserted above) grows to about 1% on the forces
        // here (measured: worst 2.8% of the largest force, rms 1.2% of the rms force).
        assert!(worst < 5e-2 * scale, "worst error {worst} against {scale}");
        assert!(typical < 2e-2, "rms error {typical} of the rms force");
    }

    #[test]
    fn smooth_lengths_have_small_factors() {
        assert_eq!(smooth_length(60), 60);
        assert_eq!(smooth_length(61), 64);
        assert_eq!(smooth_length(121), 125);
    }
}
