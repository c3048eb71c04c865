//! Clusters: a hierarchy of groups of similar images on the PCA vectors t-SNE saw, as the
//! seed tools make them (tringn's k-means with an automatic k, ImageMachine's 16 children per
//! level), so that the map can name its regions. The top level's k is chosen by the
//! Davies–Bouldin index of a sample, the finest of the near-ties (see [`kmeans`]); each
//! cluster large enough is split again into up to 16 children, level after level.
//! `bench/cluster_criteria.py` measures the criteria, `bench/clusters.sh` the result.
//!
//! k-means is linfa-clustering's Lloyd iterations (the well-kept Rust implementation) from
//! greedy k-means++ starts, the best of several seeded runs, so that a `--seed` build is
//! reproducible. HDBSCAN (`--cluster-method hdbscan`) is petal-clustering's, the
//! maintained Rust one; its flat clusters on flowers12 match Python `hdbscan`'s (2 clusters,
//! 35% vs 36% noise, ARI 0.083 vs 0.087).

pub mod evidence;
pub mod geometry;
pub mod kmeans;
pub mod names;

use anyhow::{Result, bail};
use linfa::prelude::*;
use ndarray::{ArrayView2, Axis};
use rayon::prelude::*;

use kmeans::{choose_k, fit, sample_indices};

use crate::base::grid::{Cell, Grid};
use crate::base::vectors::{Vectors, first_non_finite_row};

/// How many top-level clusters a build makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterCount {
    /// Chosen by the Davies–Bouldin index of a sample, from 2 to [`kmeans::MAX_TOP_K`].
    Auto,
    /// Exactly this many (fewer when there are fewer images).
    Fixed(usize),
    /// No clusters.
    Off,
}

/// How the top level is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ClusterMethod {
    /// k-means with an automatic or chosen k (tringn, ImageMachine): every image in a cluster.
    Kmeans,
    /// HDBSCAN's flat clusters (Mozgalo, PixPlot's hotspots), with PixPlot's minimum
    /// cluster size: images in no dense region are noise and in no cluster.
    Hdbscan,
}

/// Cluster-stage settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterOptions {
    /// The number of top-level clusters (k-means; HDBSCAN finds its own).
    pub count: ClusterCount,
    /// How the top level is found.
    pub method: ClusterMethod,
    /// Seed of k-means' starts and of the samples.
    pub seed: u64,
    /// A CSV of cluster ids and names that override the computed names.
    pub names: Option<std::path::PathBuf>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            count: ClusterCount::Auto,
            method: ClusterMethod::Kmeans,
            seed: 0,
            names: None,
        }
    }
}

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
/// k-means runs (best inertia kept) at the top level and below: ten at the top as
/// scikit-learn's `n_init=10` (flowers12 k = 12: ARI 0.775, against 0.696 with three), where
/// the cost is small next to the levels below.
const TOP_RUNS: usize = 10;
const CHILD_RUNS: usize = 1;
/// A node with more members than this is fitted on a sample of this many and the rest
/// assigned to the nearest centre: the centres of at most 20 clusters are as well placed
/// from 20,000 points as from a million, at a fiftieth of the cost.
const FIT_POINTS: usize = 20_000;
/// HDBSCAN's smallest cluster and its density neighbourhood: PixPlot's `min_cluster_size`
/// of 20, with the `hdbscan` package's default of as many samples.
const HDBSCAN_MIN_CLUSTER: usize = 20;
/// Representative images kept per cluster.
pub const EXAMPLES: usize = 6;

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
    /// Its most central members, nearest the cluster's mean first (the medoid, its
    /// representative image), up to [`EXAMPLES`]: what the viewer shows of it.
    pub examples: Vec<usize>,
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
    /// Whether the name is only a number under its parent's: kept for lists and exports,
    /// never drawn on the map as if the data said it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub numbered: bool,
    /// Number of images.
    pub size: usize,
    /// Bounding box, regions and label point on the grid.
    #[serde(flatten)]
    pub footprint: geometry::Footprint,
    /// The file of its representative image (the medoid).
    pub representative: String,
    /// The input rows of its most central members ([`Cluster::examples`]).
    #[serde(skip)]
    pub examples: Vec<usize>,
    /// The parent's index among the records ([`Cluster::parent`]).
    #[serde(skip)]
    pub parent_index: Option<usize>,
    /// The children's indices among the records, consecutive ([`Cluster::children`]).
    #[serde(skip)]
    pub children: Vec<usize>,
}

/// The clusters in a few numbers, for the build report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterSummary {
    /// Levels of the hierarchy.
    pub levels: usize,
    /// Top-level clusters.
    pub top: usize,
    /// Clusters at every level.
    pub total: usize,
    /// Images in no cluster (HDBSCAN's noise).
    pub unclustered: usize,
    /// The largest top-level clusters, as "name (size)".
    pub largest: Vec<String>,
}

/// The clusters of a build's placed images as the site and the export use them.
#[derive(Debug, Clone)]
pub struct ClusterMap {
    /// Every cluster, level by level (each level's records contiguous, top first, and each
    /// cluster's children contiguous in the next level).
    pub records: Vec<ClusterRecord>,
    /// For each level, per placed image, its cluster's index in `records`, or `None` where
    /// no cluster of that depth holds it.
    pub levels: Vec<Vec<Option<usize>>>,
}

impl ClusterMap {
    /// Names and places the clusters of `hierarchy`: `names` by cluster, `cells` and `files`
    /// by row (placed image).
    pub fn new(
        hierarchy: &Hierarchy,
        names: &names::Names,
        cells: &[Cell],
        grid: Grid,
        files: &[String],
    ) -> Self {
        Self {
            records: records(hierarchy, names, cells, grid, files),
            levels: (0..hierarchy.levels())
                .map(|level| hierarchy.assignment(level, cells.len()))
                .collect(),
        }
    }

    /// What the build report says of the clusters.
    pub fn summary(&self) -> ClusterSummary {
        let top: Vec<&ClusterRecord> = self.records.iter().filter(|r| r.level == 0).collect();
        ClusterSummary {
            levels: self.levels.len(),
            top: top.len(),
            total: self.records.len(),
            unclustered: self
                .levels
                .first()
                .map_or(0, |l| l.iter().filter(|c| c.is_none()).count()),
            largest: top
                .iter()
                .take(5)
                .map(|r| format!("{} ({})", r.name, r.size))
                .collect(),
        }
    }

    /// The index of the first record of each level, and one past the last record.
    pub fn level_starts(&self) -> Vec<usize> {
        let mut starts = vec![0];
        for level in 0..self.levels.len() {
            let end = self.records.iter().filter(|r| r.level <= level).count();
            starts.push(end);
        }
        starts
    }
}

/// Every cluster of `hierarchy` as a record: `names` by cluster, `cells` and `files` by row.
fn records(
    hierarchy: &Hierarchy,
    names: &names::Names,
    cells: &[Cell],
    grid: Grid,
    files: &[String],
) -> Vec<ClusterRecord> {
    hierarchy
        .clusters
        .iter()
        .zip(names.text.iter().zip(&names.numbered))
        .map(|(cluster, (name, &numbered))| {
            let member_cells: Vec<Cell> = cluster.members.iter().map(|&m| cells[m]).collect();
            ClusterRecord {
                id: cluster.id.clone(),
                parent: cluster.parent.map(|p| hierarchy.clusters[p].id.clone()),
                level: cluster.level,
                name: name.clone(),
                numbered,
                size: cluster.members.len(),
                footprint: geometry::footprint(&member_cells, grid),
                representative: files[cluster.examples[0]].clone(),
                examples: cluster.examples.clone(),
                parent_index: cluster.parent,
                children: cluster.children.clone(),
            }
        })
        .collect()
}

/// The warning for a cluster count `images` images cannot meet: more clusters than images
/// (k-means then makes one per image), or a count with fewer than the 8 images clustering
/// needs. `None` when the count can be met or is left to the stage.
pub fn count_warning(options: &ClusterOptions, images: usize) -> Option<String> {
    let ClusterCount::Fixed(k) = options.count else {
        return None;
    };
    if images < MIN_IMAGES {
        Some(format!(
            "--clusters {k}: no clusters, as {images} images are fewer than the {MIN_IMAGES} clustering needs"
        ))
    } else if k > images && options.method == ClusterMethod::Kmeans {
        Some(format!(
            "--clusters {k} is more than the {images} images placed: made {images} clusters, one per image"
        ))
    } else {
        None
    }
}

/// Clusters the rows of `points` (the PCA projection); `None` when `options` turn the stage
/// off or there are too few images.
pub fn cluster(points: &Vectors, options: &ClusterOptions) -> Result<Option<Hierarchy>> {
    let n = points.rows();
    if options.count == ClusterCount::Off || n < MIN_IMAGES {
        return Ok(None);
    }
    if let Some(row) = first_non_finite_row(points)? {
        bail!("PCA row {row} holds NaN or infinity");
    }
    let data = ArrayView2::from_shape((n, points.dim), &points.data)?;
    let top = match options.method {
        ClusterMethod::Kmeans => {
            let k = match options.count {
                ClusterCount::Fixed(k) => k.clamp(1, n),
                _ => choose_k(data.view(), TOP_RUNS, options.seed)?,
            };
            let all: Vec<usize> = (0..n).collect();
            split(data.view(), &all, k, TOP_RUNS, options.seed)?
        }
        ClusterMethod::Hdbscan => hdbscan_top(data.view(), options.seed)?,
    };
    let mut clusters = Vec::new();
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
        examples: most_central(data, &members, EXAMPLES),
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
        let sample = rows.select(Axis(0), &sample_indices(members.len(), FIT_POINTS, seed));
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

/// HDBSCAN's clusters of the rows of `data`, largest first, noise left out; fitted on a
/// sample of [`FIT_POINTS`] rows when there are more (HDBSCAN's tree grows faster than the
/// data), the rest joining the cluster of their nearest centre when they lie within that
/// cluster's farthest sampled member, else noise.
fn hdbscan_top(data: ArrayView2<'_, f32>, seed: u64) -> Result<Vec<Vec<usize>>> {
    use petal_clustering::{Fit, HDbscan};
    let n = data.nrows();
    let sample = if n > FIT_POINTS {
        sample_indices(n, FIT_POINTS, seed)
    } else {
        (0..n).collect()
    };
    let rows = data.select(Axis(0), &sample);
    let array = ndarray17::Array2::from_shape_vec(rows.dim(), rows.iter().copied().collect())?;
    let mut model = HDbscan {
        min_samples: HDBSCAN_MIN_CLUSTER,
        min_cluster_size: HDBSCAN_MIN_CLUSTER,
        ..HDbscan::default()
    };
    let (found, _noise, _scores) = model.fit(&array, None);
    let mut groups: Vec<Vec<usize>> = found
        .into_values()
        .map(|members| members.into_iter().map(|i| sample[i]).collect())
        .collect();
    if n > sample.len() {
        join_nearest(data, &mut groups, &sample);
    }
    for group in &mut groups {
        group.sort_unstable();
    }
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a[0].cmp(&b[0])));
    Ok(groups)
}

/// Adds each row of `data` outside `sampled` to the group of its nearest group centre, when
/// it lies no farther from it than that group's farthest member.
fn join_nearest(data: ArrayView2<'_, f32>, groups: &mut [Vec<usize>], sampled: &[usize]) {
    let centre = |g: &[usize]| data.select(Axis(0), g).mean_axis(Axis(0));
    let centres: Vec<ndarray::Array1<f32>> = groups.iter().filter_map(|g| centre(g)).collect();
    let distance = |row: usize, c: &ndarray::Array1<f32>| -> f32 {
        data.row(row)
            .iter()
            .zip(c)
            .map(|(a, b)| (a - b).powi(2))
            .sum()
    };
    let reach: Vec<f32> = groups
        .iter()
        .zip(&centres)
        .map(|(g, c)| g.iter().map(|&r| distance(r, c)).fold(0.0, f32::max))
        .collect();
    let in_sample: std::collections::HashSet<usize> = sampled.iter().copied().collect();
    let joined: Vec<(usize, usize)> = (0..data.nrows())
        .into_par_iter()
        .filter(|row| !in_sample.contains(row))
        .filter_map(|row| {
            let (best, d) = centres
                .iter()
                .enumerate()
                .map(|(g, c)| (g, distance(row, c)))
                .min_by(|a, b| a.1.total_cmp(&b.1))?;
            (d <= reach[best]).then_some((best, row))
        })
        .collect();
    for (group, row) in joined {
        groups[group].push(row);
    }
}

/// The `count` members nearest the members' mean, nearest first.
fn most_central(data: ArrayView2<'_, f32>, members: &[usize], count: usize) -> Vec<usize> {
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
    let mut ranked: Vec<(f64, usize)> = members.iter().map(|&m| (distance(m), m)).collect();
    let count = count.min(ranked.len());
    if count < ranked.len() {
        ranked.select_nth_unstable_by(count, |a, b| a.0.total_cmp(&b.0));
        ranked.truncate(count);
    }
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    ranked.into_iter().map(|(_, m)| m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn a_count_the_images_cannot_meet_is_a_warning() {
        let fixed = |count| ClusterOptions {
            count: ClusterCount::Fixed(count),
            ..ClusterOptions::default()
        };
        let many = count_warning(&fixed(100_000), 30).unwrap();
        assert!(
            many.contains("--clusters 100000 is more than the 30 images"),
            "{many}"
        );
        let few = count_warning(&fixed(3), 6).unwrap();
        assert!(few.contains("6 images are fewer than the 8"), "{few}");
        assert_eq!(count_warning(&fixed(30), 30), None);
        assert_eq!(count_warning(&ClusterOptions::default(), 3), None);
    }

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
            assert!(c.examples.iter().all(|e| c.members.contains(e)) && !c.examples.is_empty());
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
    fn hdbscan_finds_dense_blobs_and_leaves_scattered_points_out() {
        let (blobs, truth) = blobs(3, 60, 5);
        let mut data = blobs.data.clone();
        // Ten points far from the blobs and from each other.
        for i in 0..10 {
            data.extend(
                (0..5).map(|d| 500.0 + 97.0 * i as f32 * if d % 2 == 0 { 1.0 } else { -1.0 }),
            );
        }
        let points = Vectors { data, dim: 5 };
        let options = ClusterOptions {
            method: ClusterMethod::Hdbscan,
            ..ClusterOptions::default()
        };
        let hierarchy = cluster(&points, &options).unwrap().unwrap();
        let top: Vec<&Cluster> = hierarchy.clusters.iter().filter(|c| c.level == 0).collect();
        assert_eq!(top.len(), 3, "three blobs");
        for c in &top {
            let label = truth[c.members[0]];
            assert!(
                c.members.iter().all(|&m| m < 180 && truth[m] == label),
                "{} is one blob",
                c.id
            );
        }
        let clustered: usize = top.iter().map(|c| c.members.len()).sum();
        assert!(
            (170..=180).contains(&clustered),
            "the scattered ten are noise: {clustered}"
        );
        assert_eq!(
            cluster(&points, &options).unwrap().unwrap(),
            hierarchy,
            "reproducible"
        );
    }

    #[test]
    fn a_fixed_count_is_kept_and_off_is_off() {
        let (points, _) = blobs(3, 30, 6);
        let fixed = ClusterOptions {
            count: ClusterCount::Fixed(4),
            seed: 1,
            ..ClusterOptions::default()
        };
        let hierarchy = cluster(&points, &fixed).unwrap().unwrap();
        assert_eq!(
            hierarchy.clusters.iter().filter(|c| c.level == 0).count(),
            4
        );
        let off = ClusterOptions {
            count: ClusterCount::Off,
            ..ClusterOptions::default()
        };
        assert!(cluster(&points, &off).unwrap().is_none());
    }
}
