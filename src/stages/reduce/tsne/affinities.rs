//! t-SNE's input affinities `P` and what the gradient needs of them: each row's conditional
//! distribution over its nearest neighbours, a Gaussian whose precision is found by bisection
//! so that its perplexity is the one asked (openTSNE's `joint_probabilities_nn`), made
//! symmetric (`P = (P + Pᵀ) / 2N`, summing to 1) and kept as a sparse row-major matrix; the
//! attractive forces on an embedding; and KL(P ‖ Q).

use rayon::prelude::*;

use super::locality::permuted;
use crate::base::neighbours::Graph;

/// Bisection steps and the entropy tolerance of the precision search (openTSNE's).
const BISECTION_STEPS: usize = 100;
const ENTROPY_TOLERANCE: f64 = 1e-8;

/// Rows per fixed chunk of a sum: sums add per chunk, then the chunks in order, so a total
/// does not depend on how many threads shared the work.
pub(super) const SUM_CHUNK: usize = 4096;

/// The symmetric affinities, sparse by rows (compressed sparse row).
pub(super) struct Affinities {
    /// Where each row's entries start; one more than rows.
    offsets: Vec<usize>,
    /// Column of each entry (a position, see [`Affinities::reorder`]), ascending within a
    /// row until the points are renumbered.
    columns: Vec<u32>,
    /// `p_ij` of each entry; all of them sum to 1.
    values: Vec<f32>,
    /// The row held by each position: the points' numbering in the optimiser's arrays.
    row_of: Vec<u32>,
}

impl Affinities {
    /// The affinities of every row's neighbours in `graph` at `perplexity`.
    pub(super) fn new(graph: &Graph, perplexity: f32) -> Self {
        let conditional = conditional(graph, perplexity);
        symmetrise(graph, &conditional)
    }

    #[cfg(test)]
    pub(super) fn row_len(&self, i: usize) -> usize {
        self.offsets[i + 1] - self.offsets[i]
    }

    #[cfg(test)]
    pub(super) fn get(&self, i: usize, j: usize) -> Option<f32> {
        self.row(i).find(|e| e.0 == j).map(|e| e.1)
    }

    fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Renumbers the points: position `i` becomes the point at position `order[i]`. The
    /// columns are rewritten in place and the rows reached through `row_of`, so the matrix
    /// (a gigabyte at a million points) is never copied.
    pub(super) fn reorder(&mut self, order: &[u32]) {
        let mut position = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            position[old as usize] = new as u32;
        }
        self.columns
            .par_iter_mut()
            .for_each(|c| *c = position[*c as usize]);
        self.row_of = permuted(&self.row_of, order);
    }

    /// The entries of the point at position `i`.
    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let stored = self.row_of[i] as usize;
        let span = self.offsets[stored]..self.offsets[stored + 1];
        self.columns[span.clone()]
            .iter()
            .zip(&self.values[span])
            .map(|(&j, &p)| (j as usize, p))
    }

    /// Writes into `forces` each point's attraction, `Σ_j p_ij (y_i − y_j) / (1 + ‖y_i − y_j‖²)`,
    /// times `exaggeration`; row by row, so in the same order on any thread count.
    pub(super) fn attract(&self, y: &[[f32; 2]], exaggeration: f32, forces: &mut [[f32; 2]]) {
        forces.par_iter_mut().enumerate().for_each(|(i, force)| {
            let [xi, yi] = y[i];
            let (mut fx, mut fy) = (0f32, 0f32);
            for (j, p) in self.row(i) {
                let (dx, dy) = (xi - y[j][0], yi - y[j][1]);
                let w = p / (1.0 + dx * dx + dy * dy);
                fx += w * dx;
                fy += w * dy;
            }
            *force = [fx * exaggeration, fy * exaggeration];
        });
    }

    /// KL(P ‖ Q) of embedding `y`, given `z`, the sum of `1 / (1 + ‖y_i − y_j‖²)` over all
    /// pairs `i ≠ j` (what [`super::repulsion`] estimates).
    pub(super) fn kl_divergence(&self, y: &[[f32; 2]], z: f64) -> f64 {
        let rows: Vec<usize> = (0..self.rows()).collect();
        let chunks: Vec<f64> = rows
            .par_chunks(SUM_CHUNK)
            .map(|chunk| {
                let mut sum = 0f64;
                for &i in chunk {
                    for (j, p) in self.row(i).filter(|&(_, p)| p > 0.0) {
                        let (dx, dy) = (y[i][0] - y[j][0], y[i][1] - y[j][1]);
                        let q = 1.0 / (1.0 + f64::from(dx * dx + dy * dy)) / z;
                        sum += f64::from(p) * (f64::from(p) / q).ln();
                    }
                }
                sum
            })
            .collect();
        chunks.iter().sum()
    }
}

/// Each row's conditional probabilities over its neighbours in `graph`, in the graph's order.
fn conditional(graph: &Graph, perplexity: f32) -> Vec<Vec<f32>> {
    let target = f64::from(perplexity).ln();
    (0..graph.rows())
        .into_par_iter()
        .map(|i| {
            let squared: Vec<f64> = graph
                .row(i)
                .map(|(_, d)| f64::from(d) * f64::from(d))
                .collect();
            gaussian_row(&squared, target)
        })
        .collect()
}

/// The Gaussian over squared distances `squared` whose entropy is `target` (nats), found by
/// bisection on its precision as openTSNE does; the smallest distance is subtracted first,
/// which leaves the normalised row unchanged and keeps `exp` from underflowing.
fn gaussian_row(squared: &[f64], target: f64) -> Vec<f32> {
    let nearest = squared.iter().copied().fold(f64::INFINITY, f64::min);
    let shifted: Vec<f64> = squared.iter().map(|d| d - nearest).collect();
    let (mut beta, mut low, mut high) = (1f64, f64::NEG_INFINITY, f64::INFINITY);
    let mut row = vec![0f64; shifted.len()];
    for _ in 0..BISECTION_STEPS {
        let mut sum = 0f64;
        let mut weighted = 0f64;
        for (p, d) in row.iter_mut().zip(&shifted) {
            *p = (-d * beta).exp();
            sum += *p;
            weighted += d * *p;
        }
        let entropy = sum.ln() + beta * weighted / sum;
        row.iter_mut().for_each(|p| *p /= sum);
        if (entropy - target).abs() < ENTROPY_TOLERANCE {
            break;
        }
        if entropy > target {
            low = beta;
            beta = if high.is_finite() {
                (beta + high) / 2.0
            } else {
                beta * 2.0
            };
        } else {
            high = beta;
            beta = if low.is_finite() {
                (beta + low) / 2.0
            } else {
                beta / 2.0
            };
        }
    }
    row.into_iter().map(|p| p as f32).collect()
}

/// `(P + Pᵀ) / 2N` as sparse rows, each row's columns ascending, duplicates merged: the
/// rows' lengths first, then each row written into its own slice of the result, so that
/// nothing but the result is held at its full size.
fn symmetrise(graph: &Graph, conditional: &[Vec<f32>]) -> Affinities {
    let n = graph.rows();
    let transposed = transpose(graph, conditional);
    let merge = |i: usize| {
        let mut row: Vec<(u32, f32)> = graph
            .row(i)
            .zip(&conditional[i])
            .map(|((j, _), &p)| (j as u32, p))
            .chain(transposed.row(i))
            .collect();
        row.sort_unstable_by_key(|e| e.0);
        row.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        row
    };
    let lengths: Vec<usize> = (0..n).into_par_iter().map(|i| merge(i).len()).collect();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0);
    for length in &lengths {
        offsets.push(offsets[offsets.len() - 1] + length);
    }
    let mut columns = vec![0u32; offsets[n]];
    let mut values = vec![0f32; offsets[n]];
    let scale = 1.0 / (2.0 * n as f32);
    split_rows(&mut columns, &lengths)
        .into_par_iter()
        .zip(split_rows(&mut values, &lengths))
        .enumerate()
        .for_each(|(i, (columns, values))| {
            for ((c, v), (j, p)) in columns.iter_mut().zip(values.iter_mut()).zip(merge(i)) {
                *c = j;
                *v = p * scale;
            }
        });
    Affinities {
        offsets,
        columns,
        values,
        row_of: (0..n as u32).collect(),
    }
}

/// `data` cut into consecutive slices of `lengths`.
fn split_rows<'a, T>(mut data: &'a mut [T], lengths: &[usize]) -> Vec<&'a mut [T]> {
    let mut rows = Vec::with_capacity(lengths.len());
    for &length in lengths {
        let (row, rest) = data.split_at_mut(length);
        rows.push(row);
        data = rest;
    }
    rows
}

/// `Pᵀ` of the conditional probabilities: row `j` lists every `(i, p_j|i)`, `i` ascending.
struct Transposed {
    offsets: Vec<usize>,
    entries: Vec<(u32, f32)>,
}

impl Transposed {
    fn row(&self, j: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.entries[self.offsets[j]..self.offsets[j + 1]]
            .iter()
            .copied()
    }
}

fn transpose(graph: &Graph, conditional: &[Vec<f32>]) -> Transposed {
    let n = graph.rows();
    let mut offsets = vec![0usize; n + 1];
    for i in 0..n {
        for (j, _) in graph.row(i) {
            offsets[j + 1] += 1;
        }
    }
    for j in 0..n {
        offsets[j + 1] += offsets[j];
    }
    let mut next = offsets.clone();
    let mut entries = vec![(0u32, 0f32); offsets[n]];
    for (i, row) in conditional.iter().enumerate() {
        for ((j, _), &p) in graph.row(i).zip(row) {
            entries[next[j]] = (i as u32, p);
            next[j] += 1;
        }
    }
    Transposed { offsets, entries }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::neighbours::Neighbour;

    fn entropy(row: &[f32]) -> f64 {
        -row.iter()
            .filter(|&&p| p > 0.0)
            .map(|&p| f64::from(p) * f64::from(p).ln())
            .sum::<f64>()
    }

    #[test]
    fn each_row_has_the_asked_perplexity() {
        let squared: Vec<f64> = (1..=90).map(|j| f64::from(j).sqrt()).collect();
        let row = gaussian_row(&squared, 30f64.ln());
        assert!(
            (entropy(&row).exp() - 30.0).abs() < 1e-2,
            "{}",
            entropy(&row).exp()
        );
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(row.windows(2).all(|w| w[0] >= w[1]), "nearer is likelier");
    }

    #[test]
    fn symmetric_affinities_sum_to_one_and_match_both_ways() {
        let nb = |index, distance| Neighbour { index, distance };
        let graph = Graph::keep(
            &[
                vec![nb(1, 1.0), nb(2, 2.0)],
                vec![nb(0, 1.0), nb(2, 1.5)],
                vec![nb(1, 1.5), nb(0, 2.0)],
            ],
            2,
        );
        let p = Affinities::new(&graph, 1.5);
        let total: f32 = p.values.iter().sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        let get = |i: usize, j: usize| p.get(i, j);
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            assert_eq!(get(i, j), get(j, i), "p[{i}][{j}]");
        }
        assert!(get(0, 1) > get(0, 2), "the nearer pair is the likelier");
    }
}
