//! The k nearest neighbours of every row, for t-SNE's affinities, found one of two ways
//! ([`Search`]):
//!
//! - exact, by blocked brute force on matrix products (‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x, the
//!   products on the `gemm` crate), each block of queries keeping its running top k, the kept
//!   candidates' distances then recomputed directly so that cancellation in the expansion
//!   costs no accuracy. Written by hand because bhtsne's own search is a vantage-point tree
//!   driven by a distance closure: on 50-d PCA vectors it degenerates towards comparing
//!   everything with everything one pair at a time (98–99.7% of a 100,000-image reduce stage
//!   in that closure, issue 17), while the same comparisons as matrix products run at the
//!   CPU's multiply rate. linfa-nn's ball and kd-trees suffer the same at 50 dimensions.
//! - approximate, past [`EXACT_LIMIT`] rows where the quadratic cost of the exact search
//!   dominates the build, by the same products restricted to each row's nearest k-means
//!   lists ([`lists`], an inverted file), the way openTSNE and FIt-SNE switch to approximate
//!   neighbours for large inputs. It replaced an HNSW graph (`hnsw_rs`), which at 100,000
//!   rows took 3× the exact search's time for a recall of 0.86 (issue 37; bench/knn.sh).
//!
//! Both are fixed functions of the input: the same rows give the same neighbours on any
//! number of threads.

mod lists;

use crate::base::matmul::{self, Layout};
use rayon::prelude::*;

use crate::base::vectors::Vectors;

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

/// Up to this many rows the exact search is the default: every neighbour right, where the
/// approximate search is not: on hard inputs (bench/tsne.py's mixture) it keeps 0.75 of them.
/// It grows as N² (27–33 s at 100,000 rows in two runs of bench/knn.sh), ~100× that at a
/// million rows.
pub const EXACT_LIMIT: usize = 200_000;

/// How [`nearest`] finds the neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Search {
    /// Blocked brute force: every neighbour right, N² products.
    Exact,
    /// A clustered search: nearly every neighbour right (recall in bench/knn.sh), about
    /// `N × probes × √N` work.
    Approximate,
}

impl Search {
    /// Exact up to [`EXACT_LIMIT`] rows, approximate beyond.
    pub fn for_rows(rows: usize) -> Self {
        if rows <= EXACT_LIMIT {
            Self::Exact
        } else {
            Self::Approximate
        }
    }
}

/// The `k` nearest other rows of every row of `x`, nearest first (ties by lower index),
/// every row with the same count (`k`, or every other row when there are fewer).
///
/// Neither search's result depends on the thread count.
pub fn nearest(x: &Vectors, k: usize, search: Search) -> Vec<Vec<Neighbour>> {
    let k = k.min(x.rows().saturating_sub(1));
    match search {
        Search::Exact => exact(x, k),
        Search::Approximate => approximate(x, k),
    }
}

/// Exact neighbours, in parallel over blocks of queries.
fn exact(x: &Vectors, k: usize) -> Vec<Vec<Neighbour>> {
    let n = x.rows();
    let norms = squared_norms(x);
    let blocks: Vec<usize> = (0..n).step_by(QUERY_BLOCK).collect();
    blocks
        .into_par_iter()
        .flat_map_iter(|start| query_block(x, &norms, start..(start + QUERY_BLOCK).min(n), k))
        .collect()
}

fn squared_norms(x: &Vectors) -> Vec<f32> {
    (0..x.rows()).map(|i| dot(x.row(i), x.row(i))).collect()
}

/// Neighbours per row the map keeps after t-SNE, for the grid refinement (`refine`): of the
/// counts tried on flowers12 in prototype runs (5 to 90), 60 raised DPQ16 and kept grid
/// agreement best; kept in 8 bytes each rather than the search's 16.
pub const KEPT_NEIGHBOURS: usize = 60;

/// The first few neighbours of every row, nearest first, packed flat: what later stages need
/// of t-SNE's neighbour search without searching again.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Where each row's neighbours start in `index` and `distance`; one more than rows.
    offsets: Vec<usize>,
    /// Neighbour rows.
    index: Vec<u32>,
    /// Euclidean distances, matching `index`.
    distance: Vec<f32>,
}

impl Graph {
    /// Keeps the first `k` neighbours of each row of a search's result.
    pub fn keep(neighbours: &[Vec<Neighbour>], k: usize) -> Self {
        let mut graph = Self {
            offsets: vec![0],
            ..Self::default()
        };
        for row in neighbours {
            for nb in row.iter().take(k) {
                graph.index.push(nb.index as u32);
                graph.distance.push(nb.distance);
            }
            graph.offsets.push(graph.index.len());
        }
        graph
    }

    /// The first `k` neighbours of each row.
    pub fn truncated(&self, k: usize) -> Self {
        let mut graph = Self {
            offsets: vec![0],
            ..Self::default()
        };
        for i in 0..self.rows() {
            let span = self.offsets[i]..self.offsets[i + 1].min(self.offsets[i] + k);
            graph.index.extend_from_slice(&self.index[span.clone()]);
            graph.distance.extend_from_slice(&self.distance[span]);
            graph.offsets.push(graph.index.len());
        }
        graph
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Row `i`'s neighbours, nearest first, as (row, distance).
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let span = self.offsets[i]..self.offsets[i + 1];
        self.index[span.clone()]
            .iter()
            .zip(&self.distance[span])
            .map(|(&j, &d)| (j as usize, d))
    }
}

/// The first few neighbours of every row, as rows only, for the viewer's "more like this":
/// `k` per row, nearest first, [`Similar::NONE`] where a row has fewer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Similar {
    /// Neighbours per row.
    pub k: usize,
    /// Row-major: row i's neighbours at `i * k .. (i + 1) * k`.
    pub rows: Vec<u32>,
}

impl Similar {
    /// Marks a missing neighbour.
    pub const NONE: u32 = u32::MAX;

    /// Row `i`'s neighbours, nearest first.
    pub fn row(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.rows[i * self.k..(i + 1) * self.k]
            .iter()
            .take_while(|&&j| j != Self::NONE)
            .map(|&j| j as usize)
    }
}

impl Graph {
    /// The first `k` neighbours of each row, as rows only.
    pub fn similar(&self, k: usize) -> Similar {
        let mut rows = Vec::with_capacity(self.rows() * k);
        for i in 0..self.rows() {
            let start = rows.len();
            rows.extend(self.row(i).take(k).map(|(j, _)| j as u32));
            rows.resize(start + k, Similar::NONE);
        }
        Similar { k, rows }
    }
}

/// The share of the neighbours in `found` that are also in `wanted`, row by row: the
/// recall of an approximate search against the exact one, or the agreement of two spaces'
/// neighbourhoods.
pub fn shared_fraction(wanted: &[Vec<Neighbour>], found: &[Vec<Neighbour>]) -> f64 {
    let shared: usize = wanted
        .iter()
        .zip(found)
        .map(|(want, got)| {
            got.iter()
                .filter(|nb| want.iter().any(|w| w.index == nb.index))
                .count()
        })
        .sum();
    let total: usize = wanted.iter().map(Vec::len).sum();
    shared as f64 / total.max(1) as f64
}

/// The fewest lists the approximate search compares a row with, and how many of the √N
/// lists add one more probe: 16 up to 262,144 rows, 32 at a million. Measured on 50-d blobs
/// (bench/knn.sh): 16 probes keep 0.9998 of the exact 90 nearest at 100,000 rows (316
/// lists) but 0.87 at 1,000,000 (1,000 lists), where 32 keep 0.9985.
const MIN_PROBES: usize = 16;
const LISTS_PER_PROBE: usize = 32;

/// How many lists the approximate search probes for `rows` rows.
fn probes(rows: usize) -> usize {
    lists::list_count(rows)
        .div_ceil(LISTS_PER_PROBE)
        .max(MIN_PROBES)
}

/// Approximate neighbours: a clustered exact search over each row's [`probes`] nearest
/// lists ([`lists`]).
fn approximate(x: &Vectors, k: usize) -> Vec<Vec<Neighbour>> {
    lists::clustered(x, k, probes(x.rows()))
}

/// [`nearest`]'s approximate search with `probes` lists per row, for benchmarks that trade
/// time for recall.
pub fn nearest_probing(x: &Vectors, k: usize, probes: usize) -> Vec<Vec<Neighbour>> {
    lists::clustered(x, k.min(x.rows().saturating_sub(1)), probes)
}

/// The exact `k` nearest other rows of the rows `queries` only: the reference a benchmark
/// measures an approximate search's recall against without the `N²` of all rows.
pub fn nearest_of(x: &Vectors, queries: &[usize], k: usize) -> Vec<Vec<Neighbour>> {
    let norms = squared_norms(x);
    let k = k.min(x.rows().saturating_sub(1));
    queries
        .par_iter()
        .map(|&q| query_block(x, &norms, q..q + 1, k).remove(0))
        .collect()
}

fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
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
        .map(|(q, top)| {
            let kept = top.entries.into_iter().map(|(index, _)| index).collect();
            exact_distances(x, rows.start + q, kept)
        })
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

/// The candidates `kept` with their distances computed directly, sorted nearest first
/// (ties by lower index).
fn exact_distances(x: &Vectors, query: usize, kept: Vec<usize>) -> Vec<Neighbour> {
    let mut neighbours: Vec<Neighbour> = kept
        .into_iter()
        .map(|index| Neighbour {
            index,
            distance: squared_distance(x.row(query), x.row(index)).sqrt(),
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
    fn similar_keeps_the_nearest_rows_padded() {
        let nb = |index, distance| Neighbour { index, distance };
        let graph = Graph::keep(
            &[vec![nb(2, 0.5), nb(1, 0.7), nb(3, 0.9)], vec![nb(0, 0.7)]],
            60,
        );
        let similar = graph.similar(2);
        assert_eq!(similar.rows, [2, 1, 0, Similar::NONE]);
        assert_eq!(similar.row(0).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(similar.row(1).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn matches_a_sort_of_every_distance() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (n, dim, k) = (2600, 7, 12);
        // Coarse values make exact ties likely, which must break by index.
        let data: Vec<f32> = (0..n * dim)
            .map(|_| f32::from(rng.random_range(-3i8..4)))
            .collect();
        let x = Vectors { dim, data };
        let got = nearest(&x, k, Search::Exact);
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
        let got = nearest(&x, 10, Search::Exact);
        let indices: Vec<usize> = got[0].iter().map(|nb| nb.index).collect();
        assert_eq!(indices, [1, 2]);
        assert_eq!(got[2][0].distance, 2.0);
    }

    /// `n` rows of `dim` values around 20 seeded cluster centres.
    fn clustered(n: usize, dim: usize, seed: u64) -> Vectors {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let centres: Vec<f32> = (0..20 * dim)
            .map(|_| rng.random_range(-10.0..10.0))
            .collect();
        let mut data = Vec::with_capacity(n * dim);
        for _ in 0..n {
            let c = rng.random_range(0..20);
            for &v in &centres[c * dim..(c + 1) * dim] {
                data.push(v + rng.random_range(-1.0f32..1.0));
            }
        }
        Vectors { dim, data }
    }

    #[test]
    fn approximate_search_finds_most_exact_neighbours() {
        let (x, k) = (clustered(3000, 50, 5), 30);
        let exact = nearest(&x, k, Search::Exact);
        let approximate = nearest(&x, k, Search::Approximate);
        for (query, got) in approximate.iter().enumerate() {
            assert_eq!(got.len(), k, "query {query}");
            assert!(got.iter().all(|nb| nb.index != query));
            assert!(got.windows(2).all(|w| w[0].distance <= w[1].distance));
        }
        let recall = shared_fraction(&exact, &approximate);
        assert!(recall > 0.97, "recall {recall}");
    }

    #[test]
    fn approximate_search_fills_every_row_among_duplicates() {
        // Half the rows are one point: the graph cannot tell them apart.
        let mut x = clustered(400, 8, 6);
        x.data[..200 * 8].fill(1.0);
        let got = nearest(&x, 20, Search::Approximate);
        assert!(got.iter().all(|row| row.len() == 20));
        for (query, row) in got.iter().enumerate() {
            assert!(row.iter().all(|nb| nb.index != query));
        }
    }

    #[test]
    fn approximate_search_is_the_same_on_any_thread_count() {
        let x = clustered(1500, 20, 7);
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| nearest(&x, 15, Search::Approximate))
        };
        assert_eq!(on(1), on(3));
    }

    #[test]
    fn search_is_exact_up_to_the_limit() {
        assert_eq!(Search::for_rows(EXACT_LIMIT), Search::Exact);
        assert_eq!(Search::for_rows(EXACT_LIMIT + 1), Search::Approximate);
    }

    #[test]
    fn probes_grow_with_the_lists_past_a_quarter_million_rows() {
        assert_eq!(probes(100_000), MIN_PROBES);
        assert_eq!(probes(1 << 18), MIN_PROBES);
        assert_eq!(probes((1 << 18) + 2000), MIN_PROBES + 1);
        assert_eq!(probes(1_000_000), 32);
    }
}
