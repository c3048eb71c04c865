//! Clusters: a hierarchy of groups of similar images on the PCA vectors t-SNE saw, as the
//! seed tools make them (tringn's k-means with an automatic k, ImageMachine's 16 children per
//! level), so that the map can name its regions. The top level's k is chosen by the
//! silhouette of a sample (measured on flowers12: it peaks at k = 9–11 for 12 species, where
//! spherical BIC keeps falling and the elbow has no knee); each cluster large enough is split
//! again into up to 16 children, level after level. `bench/cluster_criteria.py` measures the
//! criteria.
//!
//! k-means is linfa-clustering's (k-means++ start, Lloyd iterations, several runs): the
//! well-kept Rust implementation, seeded through its own RNG so that a `--seed` build is
//! reproducible.

pub mod geometry;
pub mod names;

use anyhow::{Result, bail};
use linfa::prelude::*;
use linfa_clustering::KMeans;
use linfa_nn::distance::L2Dist;
use ndarray::{ArrayView2, Axis};
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;
use rayon::prelude::*;

use crate::layout::{Cell, Grid};
use crate::vectors::Vectors;

/// How many top-level clusters a build makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterCount {
    /// Chosen by the silhouette of a sample, from 2 to [`MAX_TOP_K`].
    Auto,
    /// Exactly this many (fewer when there are fewer images).
    Fixed(usize),
    /// No clusters.
    Off,
}

/// Cluster-stage settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterOptions {
    /// The number of top-level clusters.
    pub count: ClusterCount,
    /// Seed of k-means' starts and of the samples.
    pub seed: u64,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            count: ClusterCount::Auto,
            seed: 0,
        }
    }
}

/// The largest automatic top-level k.
pub const MAX_TOP_K: usize = 20;
/// Children per cluster at most (ImageMachine's 16).
pub const MAX_CHILDREN: usize = 16;
/// A cluster with more members than this is split again…
const SPLIT_ABOVE: usize = 64;
/// …down to this many levels: 20 × 16⁴ leaves hold a million images in clusters of a few
/// dozen (country → district → street), and uneven splits would otherwise go on deeper.
pub const MAX_LEVELS: usize = 5;
/// Members a child cluster aims at, at least: a cluster of n splits into n / this children.
const CHILD_MEMBERS: usize = 32;
/// Fewer images than this get no clusters: there is nothing to group.
const MIN_IMAGES: usize = 8;
/// Points the top-level k is chosen on, and of those, points the silhouette is measured on.
const SELECTION_POINTS: usize = 20_000;
const SILHOUETTE_POINTS: usize = 2_000;
/// k-means runs (best inertia kept) at the top level and below, and iterations per run.
const TOP_RUNS: usize = 3;
const CHILD_RUNS: usize = 1;
const MAX_ITERATIONS: u64 = 100;
/// A node with more members than this is fitted on a sample of this many and the rest
/// assigned to the nearest centre: the centres of at most 20 clusters are as well placed
/// from 20,000 points as from a million, at a fiftieth of the cost.
const FIT_POINTS: usize = 20_000;

/// One cluster of the hierarchy.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Path-like id: `7` at the top, `7-3` its fourth child, `7-3-0` below.
    pub id: String,
    /// Depth: 0 for the top level.
    pub level: usize,
    /// Index of the parent cluster in [`Hierarchy::clusters`].
    pub parent: Option<usize>,
    /// Indices of the children in [`Hierarchy::clusters`].
    pub children: Vec<usize>,
    /// Rows of the input that belong to it, ascending.
    pub members: Vec<usize>,
    /// The member closest to the cluster's mean: its representative image.
    pub medoid: usize,
}

/// Every cluster, parents before children, top level first.
#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    /// The clusters.
    pub clusters: Vec<Cluster>,
}

impl Hierarchy {
    /// Number of levels.
    pub fn levels(&self) -> usize {
        self.clusters.iter().map(|c| c.level + 1).max().unwrap_or(0)
    }

    /// For each input row, the index of its cluster at `level` (`None` where no cluster of
    /// that depth holds it).
    pub fn assignment(&self, level: usize, rows: usize) -> Vec<Option<usize>> {
        let mut out = vec![None; rows];
        for (index, cluster) in self.clusters.iter().enumerate() {
            if cluster.level == level {
                for &m in &cluster.members {
                    out[m] = Some(index);
                }
            }
        }
        out
    }
}

/// A cluster as exported and shown: named, sized and placed on the grid.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterRecord {
    /// Path-like id (`7-3`).
    pub id: String,
    /// The parent's id; none at the top.
    pub parent: Option<String>,
    /// Depth, 0 at the top.
    pub level: usize,
    /// Its name ([`names::name_clusters`]).
    pub name: String,
    /// Number of images.
    pub size: usize,
    /// Bounding box, regions and label point on the grid.
    #[serde(flatten)]
    pub footprint: geometry::Footprint,
    /// The file of its representative image (the medoid).
    pub representative: String,
}

/// Every cluster of `hierarchy` as a record: `names` by cluster, `cells` and `files` by row.
pub fn records(
    hierarchy: &Hierarchy,
    names: &[String],
    cells: &[Cell],
    grid: Grid,
    files: &[String],
) -> Vec<ClusterRecord> {
    hierarchy
        .clusters
        .iter()
        .zip(names)
        .map(|(cluster, name)| {
            let member_cells: Vec<Cell> = cluster.members.iter().map(|&m| cells[m]).collect();
            ClusterRecord {
                id: cluster.id.clone(),
                parent: cluster.parent.map(|p| hierarchy.clusters[p].id.clone()),
                level: cluster.level,
                name: name.clone(),
                size: cluster.members.len(),
                footprint: geometry::footprint(&member_cells, grid),
                representative: files[cluster.medoid].clone(),
            }
        })
        .collect()
}

/// Clusters the rows of `points` (the PCA projection); `None` when `options` turn the stage
/// off or there are too few images.
pub fn cluster(points: &Vectors, options: &ClusterOptions) -> Result<Option<Hierarchy>> {
    let n = points.rows();
    if options.count == ClusterCount::Off || n < MIN_IMAGES {
        return Ok(None);
    }
    if let Some(row) = points.first_non_finite_row() {
        bail!("PCA row {row} holds NaN or infinity");
    }
    let data = ArrayView2::from_shape((n, points.dim), &points.data)?;
    let k = match options.count {
        ClusterCount::Fixed(k) => k.clamp(1, n),
        _ => choose_k(data.view(), options.seed)?,
    };
    let all: Vec<usize> = (0..n).collect();
    let mut clusters = Vec::new();
    let top = split(data.view(), &all, k, TOP_RUNS, options.seed)?;
    for (i, members) in top.into_iter().enumerate() {
        clusters.push(new_cluster(data.view(), i.to_string(), 0, None, members));
    }
    let mut level_start = 0;
    loop {
        let level_end = clusters.len();
        let children: Vec<(usize, Vec<Vec<usize>>)> = (level_start..level_end)
            .into_par_iter()
            .filter(|&c| {
                clusters[c].members.len() > SPLIT_ABOVE && clusters[c].level + 1 < MAX_LEVELS
            })
            .map(|c| {
                let members = &clusters[c].members;
                let k = (members.len() / CHILD_MEMBERS).clamp(2, MAX_CHILDREN);
                let seed = node_seed(options.seed, &clusters[c].id);
                split(data.view(), members, k, CHILD_RUNS, seed).map(|parts| (c, parts))
            })
            .collect::<Result<_>>()?;
        if children.is_empty() {
            break;
        }
        for (parent, parts) in children {
            for (i, members) in parts.into_iter().enumerate() {
                let id = format!("{}-{i}", clusters[parent].id);
                let level = clusters[parent].level + 1;
                let child = new_cluster(data.view(), id, level, Some(parent), members);
                let index = clusters.len();
                clusters[parent].children.push(index);
                clusters.push(child);
            }
        }
        level_start = level_end;
    }
    Ok(Some(Hierarchy { clusters }))
}

fn new_cluster(
    data: ArrayView2<'_, f32>,
    id: String,
    level: usize,
    parent: Option<usize>,
    members: Vec<usize>,
) -> Cluster {
    Cluster {
        medoid: medoid(data, &members),
        id,
        level,
        parent,
        children: Vec::new(),
        members,
    }
}

/// A seed for the split of the node `id`, so that each node's split is the same whichever
/// thread runs it.
fn node_seed(seed: u64, id: &str) -> u64 {
    id.bytes().fold(seed ^ 0x9E37_79B9_7F4A_7C15, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// k-means (`runs` runs) of the rows `members` of `data` into (at most) `k` non-empty
/// groups of rows, largest first; fitted on a sample of [`FIT_POINTS`] of them when there are
/// more, the rest assigned to the nearest centre.
fn split(
    data: ArrayView2<'_, f32>,
    members: &[usize],
    k: usize,
    runs: usize,
    seed: u64,
) -> Result<Vec<Vec<usize>>> {
    let rows = data.select(Axis(0), members);
    let k = k.min(members.len());
    let model = if members.len() > FIT_POINTS {
        let sample = rows.select(Axis(0), &sample_rows(members.len(), FIT_POINTS, seed));
        fit(sample.view(), k, runs, seed)?
    } else {
        fit(rows.view(), k, runs, seed)?
    };
    let labels = model.predict(&rows).to_vec();
    let mut groups = vec![Vec::new(); k];
    for (&row, &label) in members.iter().zip(&labels) {
        groups[label].push(row);
    }
    groups.retain(|g| !g.is_empty());
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    Ok(groups)
}

fn fit(
    points: ArrayView2<'_, f32>,
    k: usize,
    runs: usize,
    seed: u64,
) -> Result<KMeans<f32, L2Dist>> {
    let dataset = DatasetBase::from(points);
    Ok(
        KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
            .n_runs(runs)
            .max_n_iterations(MAX_ITERATIONS)
            .tolerance(1e-4)
            .fit(&dataset)?,
    )
}

/// The member nearest the members' mean.
fn medoid(data: ArrayView2<'_, f32>, members: &[usize]) -> usize {
    let dim = data.ncols();
    let mut mean = vec![0f64; dim];
    for &m in members {
        for (s, v) in mean.iter_mut().zip(data.row(m)) {
            *s += f64::from(*v);
        }
    }
    mean.iter_mut().for_each(|s| *s /= members.len() as f64);
    let distance = |m: usize| -> f64 {
        data.row(m)
            .iter()
            .zip(&mean)
            .map(|(v, c)| (f64::from(*v) - c).powi(2))
            .sum()
    };
    members
        .iter()
        .map(|&m| (distance(m), m))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(0, |(_, m)| m)
}

/// The top-level k with the best mean silhouette on a sample: k-means fitted on up to
/// [`SELECTION_POINTS`] rows for each k in 2..=[`MAX_TOP_K`], scored on
/// [`SILHOUETTE_POINTS`] of them.
fn choose_k(data: ArrayView2<'_, f32>, seed: u64) -> Result<usize> {
    let n = data.nrows();
    let chosen = sample_rows(n, SELECTION_POINTS, seed);
    let sample = data.select(Axis(0), &chosen);
    let scored = SILHOUETTE_POINTS.min(chosen.len());
    let distances = pairwise(sample.view(), scored);
    let most = MAX_TOP_K.min(n / 4).max(2);
    let mut best = (2, f64::NEG_INFINITY);
    for k in 2..=most {
        let labels = fit(sample.view(), k, TOP_RUNS, seed)?
            .predict(&sample)
            .to_vec();
        let score = silhouette(&distances, &labels[..scored], k);
        if score > best.1 {
            best = (k, score);
        }
    }
    Ok(best.0)
}

/// `count` distinct rows of `0..n` (all of them, in order, when `n <= count`).
fn sample_rows(n: usize, count: usize, seed: u64) -> Vec<usize> {
    use rand::seq::index::sample;
    if n <= count {
        return (0..n).collect();
    }
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
    let mut rows = sample(&mut rng, n, count).into_vec();
    rows.sort_unstable();
    rows
}

/// Euclidean distances between the first `count` rows of `points`, row-major.
fn pairwise(points: ArrayView2<'_, f32>, count: usize) -> Vec<f32> {
    (0..count * count)
        .into_par_iter()
        .map(|ij| {
            let (i, j) = (ij / count, ij % count);
            points
                .row(i)
                .iter()
                .zip(points.row(j))
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f32>()
                .sqrt()
        })
        .collect()
}

/// The mean silhouette of `labels` (in 0..k) given their pairwise `distances`.
fn silhouette(distances: &[f32], labels: &[usize], k: usize) -> f64 {
    let n = labels.len();
    let mut sizes = vec![0usize; k];
    labels.iter().for_each(|&l| sizes[l] += 1);
    let total: f64 = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut sums = vec![0f64; k];
            for j in 0..n {
                sums[labels[j]] += f64::from(distances[i * n + j]);
            }
            let own = labels[i];
            if sizes[own] < 2 {
                return 0.0;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && sizes[c] > 0)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if b.is_finite() {
                (b - a) / a.max(b)
            } else {
                0.0
            }
        })
        .sum();
    total / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal};

    /// `per` points around each of `centres`, in `dim` dimensions, with unit noise.
    fn blobs(centres: usize, per: usize, dim: usize) -> (Vectors, Vec<usize>) {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
        let noise = Normal::new(0.0f32, 1.0).unwrap();
        let mut data = Vec::new();
        let mut truth = Vec::new();
        for c in 0..centres {
            for _ in 0..per {
                for d in 0..dim {
                    let centre = if d % centres == c { 12.0 } else { 0.0 };
                    data.push(centre + noise.sample(&mut rng));
                }
                truth.push(c);
            }
        }
        (Vectors { dim, data }, truth)
    }

    #[test]
    fn automatic_k_finds_separated_blobs_and_splits_large_clusters() {
        let (points, truth) = blobs(5, 200, 10);
        let options = ClusterOptions::default();
        let hierarchy = cluster(&points, &options).unwrap().unwrap();
        let top: Vec<&Cluster> = hierarchy.clusters.iter().filter(|c| c.level == 0).collect();
        assert_eq!(top.len(), 5, "one cluster per blob");
        for c in &top {
            let label = truth[c.members[0]];
            assert!(
                c.members.iter().all(|&m| truth[m] == label),
                "{} is pure",
                c.id
            );
            assert!(c.members.contains(&c.medoid));
            assert!(!c.children.is_empty(), "200 members are split again");
        }
        assert!(hierarchy.levels() >= 2);
        for c in hierarchy.clusters.iter().filter(|c| c.level == 1) {
            assert!(c.id.starts_with(&hierarchy.clusters[c.parent.unwrap()].id));
        }
        assert_eq!(
            cluster(&points, &options).unwrap().unwrap(),
            hierarchy,
            "seeded: the same again"
        );
    }

    #[test]
    fn a_fixed_count_is_kept_and_off_is_off() {
        let (points, _) = blobs(3, 30, 6);
        let fixed = ClusterOptions {
            count: ClusterCount::Fixed(4),
            seed: 1,
        };
        let hierarchy = cluster(&points, &fixed).unwrap().unwrap();
        assert_eq!(
            hierarchy.clusters.iter().filter(|c| c.level == 0).count(),
            4
        );
        let off = ClusterOptions {
            count: ClusterCount::Off,
            seed: 1,
        };
        assert!(cluster(&points, &off).unwrap().is_none());
    }
}
