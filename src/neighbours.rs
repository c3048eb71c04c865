//! Exact k nearest neighbours of every row, for t-SNE's affinities: blocked brute force on
//! matrix products (‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x, the products on the `gemm` crate), each
//! block of queries keeping its running top k, the kept candidates' distances then recomputed
//! directly so that cancellation in the expansion costs no accuracy.
//!
//! Written by hand because bhtsne's own search is a vantage-point tree driven by a distance
//! closure: on 50-d PCA vectors it degenerates towards comparing everything with everything
//! one pair at a time (98–99.7% of a 100,000-image reduce stage in that closure, issue 17),
//! while the same comparisons as matrix products run at the CPU's multiply rate. linfa-nn's
//! ball and kd-trees suffer the same at 50 dimensions.

use crate::matmul::{self, Layout};
use rayon::prelude::*;

use crate::vectors::Vectors;

/// Queries per block: each block's products (`QUERY_BLOCK × POINT_BLOCK` floats, 512 KiB)
/// stay in the core's L2 cache while they are scanned.
const QUERY_BLOCK: usize = 64;

/// Points per block of the product.
const POINT_BLOCK: usize = 2048;

/// One neighbour: its row and its Euclidean distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Row index.
    pub index: usize,
    /// Euclidean distance to the query.
    pub distance: f32,
}

/// The `k` nearest other rows of every row of `x`, nearest first (ties by lower index),
/// in parallel over blocks of queries; the result does not depend on the thread count.
pub fn nearest(x: &Vectors, k: usize) -> Vec<Vec<Neighbour>> {
    let n = x.rows();
    let k = k.min(n.saturating_sub(1));
    let norms: Vec<f32> = (0..n).map(|i| dot(x.row(i), x.row(i))).collect();
    let blocks: Vec<usize> = (0..n).step_by(QUERY_BLOCK).collect();
    blocks
        .into_par_iter()
        .flat_map_iter(|start| query_block(x, &norms, start..(start + QUERY_BLOCK).min(n), k))
        .collect()
}

/// The neighbours of the queries `rows`.
fn query_block(
    x: &Vectors,
    norms: &[f32],
    rows: std::ops::Range<usize>,
    k: usize,
) -> Vec<Vec<Neighbour>> {
    let (n, dim) = (x.rows(), x.dim);
    let queries = &x.data[rows.start * dim..rows.end * dim];
    let mut best: Vec<TopK> = rows.clone().map(|_| TopK::new(k)).collect();
    let mut products = vec![0f32; rows.len() * POINT_BLOCK];
    for first in (0..n).step_by(POINT_BLOCK) {
        let points = POINT_BLOCK.min(n - first);
        multiply(
            queries,
            &x.data[first * dim..(first + points) * dim],
            dim,
            &mut products,
        );
        for (q, top) in best.iter_mut().enumerate() {
            let query = rows.start + q;
            let row = &products[q * POINT_BLOCK..q * POINT_BLOCK + points];
            for (j, &product) in row.iter().enumerate() {
                let squared = norms[query] + norms[first + j] - 2.0 * product;
                if squared < top.worst() && first + j != query {
                    top.insert(first + j, squared);
                }
            }
        }
    }
    best.into_iter()
        .enumerate()
        .map(|(q, top)| exact_distances(x, rows.start + q, top))
        .collect()
}

/// `products[q][j] = queries[q] · points[j]` for the block (`products` rows are
/// [`POINT_BLOCK`] long).
fn multiply(queries: &[f32], points: &[f32], dim: usize, products: &mut [f32]) {
    let (m, n) = (queries.len() / dim, points.len() / dim);
    let transposed = Layout {
        row_stride: 1,
        column_stride: dim,
    };
    matmul::multiply(
        [m, n, dim],
        products,
        POINT_BLOCK,
        (queries, Layout::rows(dim)),
        (points, transposed),
    );
}

/// The kept candidates with their distances computed directly, re-sorted.
fn exact_distances(x: &Vectors, query: usize, top: TopK) -> Vec<Neighbour> {
    let mut neighbours: Vec<Neighbour> = top
        .entries
        .into_iter()
        .map(|(index, _)| {
            let squared: f32 = x
                .row(query)
                .iter()
                .zip(x.row(index))
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            Neighbour {
                index,
                distance: squared.sqrt(),
            }
        })
        .collect();
    neighbours.sort_by(|a, b| {
        a.distance
            .total_cmp(&b.distance)
            .then(a.index.cmp(&b.index))
    });
    neighbours
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

/// The `k` smallest (index, squared distance) seen so far, kept sorted: with k ≈ 90 and
/// most candidates rejected by [`worst`](TopK::worst), insertion beats a heap.
struct TopK {
    k: usize,
    entries: Vec<(usize, f32)>,
}

impl TopK {
    fn new(k: usize) -> Self {
        Self {
            k,
            entries: Vec::with_capacity(k + 1),
        }
    }

    /// The distance a candidate must beat: the k-th kept, or infinity while fewer are kept.
    fn worst(&self) -> f32 {
        if self.entries.len() < self.k {
            f32::INFINITY
        } else {
            self.entries.last().map_or(f32::INFINITY, |e| e.1)
        }
    }

    fn insert(&mut self, index: usize, squared: f32) {
        let at = self.entries.partition_point(|e| e.1 <= squared);
        self.entries.insert(at, (index, squared));
        self.entries.truncate(self.k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn matches_a_sort_of_every_distance() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (n, dim, k) = (2600, 7, 12);
        // Coarse values make exact ties likely, which must break by index.
        let data: Vec<f32> = (0..n * dim)
            .map(|_| f32::from(rng.random_range(-3i8..4)))
            .collect();
        let x = Vectors { dim, data };
        let got = nearest(&x, k);
        assert_eq!(got.len(), n);
        for query in (0..n).step_by(97) {
            let mut all: Vec<(f32, usize)> = (0..n)
                .filter(|&j| j != query)
                .map(|j| {
                    let d: f32 = x
                        .row(query)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum();
                    (d.sqrt(), j)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let distances: Vec<f32> = got[query].iter().map(|nb| nb.distance).collect();
            let want: Vec<f32> = all[..k].iter().map(|a| a.0).collect();
            assert_eq!(distances, want, "query {query}");
            assert!(got[query].iter().all(|nb| nb.index != query));
        }
    }

    #[test]
    fn fewer_rows_than_k_gives_every_other_row() {
        let x = Vectors {
            dim: 1,
            data: vec![0.0, 1.0, 3.0],
        };
        let got = nearest(&x, 10);
        let indices: Vec<usize> = got[0].iter().map(|nb| nb.index).collect();
        assert_eq!(indices, [1, 2]);
        assert_eq!(got[2][0].distance, 2.0);
    }
}
