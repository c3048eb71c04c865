//! Approximate neighbours by a clustered exact search (an inverted file, FAISS's
//! `IndexIVFFlat`): k-means cuts the rows into about √N lists, and every query is compared,
//! by the exact search's blocked matrix products, with every row of the [`probes`](clustered)
//! lists whose centres are nearest to it. The queries of one list are searched together
//! against the union of their lists, so each block is one dense product and the work is
//! about `N × probes × √N` distances instead of `N²`. Every step is a fixed function of the
//! input (a constant sampling seed, sums in row order), so the result does not depend on
//! the thread count.

use rand::SeedableRng;
use rayon::prelude::*;

use super::{Neighbour, POINT_BLOCK, QUERY_BLOCK, TopK, exact_distances, multiply, query_block};
use crate::base::vectors::Vectors;

/// Rows of the k-means sample per list: enough for stable centres, few enough that fitting
/// them costs a small share of the search.
const SAMPLE_PER_LIST: usize = 32;
/// Lloyd iterations fitting the centres.
const KMEANS_ITERATIONS: usize = 10;
/// Rows per block when ranking centres.
const RANK_BLOCK: usize = 256;

/// How many lists `n` rows are split into: √N, so that a list holds about as many rows as
/// there are lists.
pub(super) fn list_count(n: usize) -> usize {
    ((n as f64).sqrt().round() as usize).clamp(1, n.max(1))
}

/// The `k` nearest other rows of every row, searching each row's `probes` nearest lists.
pub(super) fn clustered(x: &Vectors, k: usize, probes: usize) -> Vec<Vec<Neighbour>> {
    let n = x.rows();
    let lists = list_count(n);
    let centres = kmeans(x, lists);
    let probes = probes.clamp(1, lists);
    let nearest_lists = rank_centres(&x.data, &centres, probes);
    let index = Inverted::new(x, &nearest_lists, probes, lists);
    let mut found = vec![Vec::new(); n];
    let per_list: Vec<Vec<(usize, Vec<Neighbour>)>> = (0..lists)
        .into_par_iter()
        .map(|list| index.search_list(x, list, &nearest_lists, probes, k))
        .collect();
    for (row, neighbours) in per_list.into_iter().flatten() {
        found[row] = neighbours;
    }
    found
}

/// The rows reordered list by list, so that each list is one contiguous block.
struct Inverted {
    /// Row-major data of the rows in list order.
    data: Vec<f32>,
    /// Their squared norms.
    norms: Vec<f32>,
    /// The original row of each reordered row.
    rows: Vec<usize>,
    /// Where each list starts in the order; one more than lists.
    starts: Vec<usize>,
    dim: usize,
}

impl Inverted {
    fn new(x: &Vectors, nearest_lists: &[u32], probes: usize, lists: usize) -> Self {
        let mut starts = vec![0usize; lists + 1];
        for row in nearest_lists.chunks_exact(probes) {
            starts[row[0] as usize + 1] += 1;
        }
        for list in 0..lists {
            starts[list + 1] += starts[list];
        }
        let mut next = starts.clone();
        let mut rows = vec![0usize; x.rows()];
        for (row, nearest) in nearest_lists.chunks_exact(probes).enumerate() {
            let home = nearest[0] as usize;
            rows[next[home]] = row;
            next[home] += 1;
        }
        let data: Vec<f32> = rows
            .iter()
            .flat_map(|&r| x.row(r).iter().copied())
            .collect();
        let norms = data
            .chunks_exact(x.dim)
            .map(|r| r.iter().map(|v| v * v).sum())
            .collect();
        Self {
            data,
            norms,
            rows,
            starts,
            dim: x.dim,
        }
    }

    /// The neighbours of every row of `list`, as (original row, neighbours): each of the
    /// lists its rows probe is compared, in blocks of products, with the rows that probe it.
    fn search_list(
        &self,
        x: &Vectors,
        list: usize,
        nearest_lists: &[u32],
        probes: usize,
        k: usize,
    ) -> Vec<(usize, Vec<Neighbour>)> {
        let members = self.starts[list]..self.starts[list + 1];
        let probed = |m: usize| {
            let row = self.rows[m];
            &nearest_lists[row * probes..(row + 1) * probes]
        };
        let mut askers: Vec<(u32, usize)> = members
            .clone()
            .flat_map(|m| probed(m).iter().map(move |&l| (l, m)))
            .collect();
        askers.sort_unstable();
        let mut best: Vec<TopK> = members.clone().map(|_| TopK::new(k)).collect();
        for group in askers.chunk_by(|a, b| a.0 == b.0) {
            let queries: Vec<usize> = group.iter().map(|&(_, m)| m).collect();
            for block in queries.chunks(QUERY_BLOCK) {
                self.compare(block, group[0].0 as usize, &mut best, members.start);
            }
        }
        best.into_iter()
            .zip(members)
            .map(|(top, m)| {
                let row = self.rows[m];
                if top.entries.len() < k {
                    let norms = super::squared_norms(x);
                    return (row, query_block(x, &norms, row..row + 1, k).remove(0));
                }
                let kept = top.entries.iter().map(|&(i, _)| self.rows[i]).collect();
                (row, exact_distances(x, row, kept))
            })
            .collect()
    }

    /// Compares the reordered rows `queries` with every row of `list`, offering each
    /// distance to the query's running top k, `best[query − first]`.
    fn compare(&self, queries: &[usize], list: usize, best: &mut [TopK], first: usize) {
        let dim = self.dim;
        let query_data: Vec<f32> = queries
            .iter()
            .flat_map(|&q| self.data[q * dim..(q + 1) * dim].iter().copied())
            .collect();
        let mut products = vec![0f32; queries.len() * POINT_BLOCK];
        let span = self.starts[list]..self.starts[list + 1];
        for start in span.clone().step_by(POINT_BLOCK) {
            let points = POINT_BLOCK.min(span.end - start);
            let point_data = &self.data[start * dim..(start + points) * dim];
            multiply(&query_data, point_data, dim, &mut products);
            for (q, &query) in queries.iter().enumerate() {
                let top = &mut best[query - first];
                let row = &products[q * POINT_BLOCK..q * POINT_BLOCK + points];
                for (j, &product) in row.iter().enumerate() {
                    let squared = self.norms[query] + self.norms[start + j] - 2.0 * product;
                    if squared < top.worst() && start + j != query {
                        top.insert(start + j, squared);
                    }
                }
            }
        }
    }
}

/// `lists` centres by k-means (Lloyd) on a seeded sample of the rows, started from sampled
/// rows.
fn kmeans(x: &Vectors, lists: usize) -> Vectors {
    let (n, dim) = (x.rows(), x.dim);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let sampled = rand::seq::index::sample(&mut rng, n, (lists * SAMPLE_PER_LIST).min(n));
    let sample: Vec<f32> = sampled
        .iter()
        .flat_map(|r| x.row(r).iter().copied())
        .collect();
    let mut centres = Vectors {
        dim,
        data: sample[..lists * dim].to_vec(),
    };
    for _ in 0..KMEANS_ITERATIONS {
        let nearest = rank_centres(&sample, &centres, 1);
        let mut sums = vec![0f64; lists * dim];
        let mut counts = vec![0usize; lists];
        for (row, &c) in sample.chunks_exact(dim).zip(&nearest) {
            counts[c as usize] += 1;
            for (s, v) in sums[c as usize * dim..][..dim].iter_mut().zip(row) {
                *s += f64::from(*v);
            }
        }
        for (c, &count) in counts.iter().enumerate().filter(|&(_, &count)| count > 0) {
            for (centre, s) in centres.data[c * dim..][..dim]
                .iter_mut()
                .zip(&sums[c * dim..][..dim])
            {
                *centre = (s / count as f64) as f32;
            }
        }
    }
    centres
}

/// For each row of `data`, the `count` nearest centres, nearest first (ties by index), flat.
fn rank_centres(data: &[f32], centres: &Vectors, count: usize) -> Vec<u32> {
    let (dim, lists) = (centres.dim, centres.rows());
    let norms: Vec<f32> = (0..lists)
        .map(|c| centres.row(c).iter().map(|v| v * v).sum())
        .collect();
    let transposed = crate::base::matmul::Layout {
        row_stride: 1,
        column_stride: dim,
    };
    data.par_chunks(RANK_BLOCK * dim)
        .flat_map_iter(|block| {
            let rows = block.len() / dim;
            let mut products = vec![0f32; rows * lists];
            crate::base::matmul::multiply(
                [rows, lists, dim],
                &mut products,
                lists,
                (block, crate::base::matmul::Layout::rows(dim)),
                (&centres.data, transposed),
            );
            let mut ranked = Vec::with_capacity(rows * count);
            for row in products.chunks_exact(lists) {
                let mut order: Vec<(f32, u32)> = row
                    .iter()
                    .zip(&norms)
                    .enumerate()
                    .map(|(c, (p, norm))| (norm - 2.0 * p, c as u32))
                    .collect();
                let by_distance =
                    |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
                if count < lists {
                    order.select_nth_unstable_by(count, by_distance);
                    order.truncate(count);
                }
                order.sort_unstable_by(by_distance);
                ranked.extend(order.iter().map(|e| e.1));
            }
            ranked
        })
        .collect()
}
