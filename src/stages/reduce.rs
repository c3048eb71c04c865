//! Dimensionality reduction: PCA (faer) to a few dozen components, then t-SNE (bhtsne's
//! FFT-interpolated FIt-SNE) to 2-D. PCA is fitted on a bounded random sample of the rows and
//! then projects every row in one streamed pass, so only the `N × components` projection is
//! ever in memory, whatever the collection's size.

use anyhow::{Result, bail};
use faer::Mat;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use crate::base::neighbours::{self, Graph, KEPT_NEIGHBOURS, Search};
use crate::base::setting::{Setting, check};
use crate::base::vectors::{
    Rows, UNUSABLE, Vectors, first_non_finite_row, for_each_block, usable_row,
};

/// What the reduce stage produced.
#[derive(Debug, Clone)]
pub struct Reduced {
    /// The PCA projection, `N × components`.
    pub pca: Vectors,
    /// Share of the total variance each kept component explains.
    pub explained_variance_ratio: Vec<f64>,
    /// The 2-D t-SNE embedding, one point per input row.
    pub points: Vec<[f32; 2]>,
    /// The perplexity actually used (clamped for small collections).
    pub perplexity: f32,
    /// How t-SNE's neighbours were found (approximately past a few hundred thousand rows).
    pub neighbour_search: Search,
    /// The first [`KEPT_NEIGHBOURS`] of t-SNE's neighbours in the PCA space, for the grid
    /// refinement.
    pub neighbours: Graph,
    /// Notes for the user, such as a clamped perplexity.
    pub warnings: Vec<String>,
}

/// Reduce-stage settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReduceOptions {
    /// PCA components kept (fewer when the data has fewer rows or columns).
    pub pca_components: usize,
    /// t-SNE perplexity.
    pub perplexity: f32,
    /// Seed of every random choice (randomized PCA's sketch).
    pub seed: u64,
    /// Run t-SNE on one thread so that the map is bit-identical from run to run: its
    /// multithreaded sums add in an order that depends on thread timing.
    pub reproducible: bool,
    /// The most values (rows × dimensions) PCA is fitted on: a larger collection is fitted on
    /// a random sample of rows, seeded by `seed` (see [`PCA_SAMPLE_VALUES`]).
    pub pca_sample_values: usize,
}

impl Default for ReduceOptions {
    /// 50 components and perplexity 30, as the tools zoomap's users come from default to;
    /// seed 0, multithreaded.
    fn default() -> Self {
        Self {
            pca_components: 50,
            perplexity: 30.0,
            seed: 0,
            reproducible: false,
            pca_sample_values: PCA_SAMPLE_VALUES,
        }
    }
}

/// The smallest perplexity accepted: below it each point's neighbourhood is one point and the
/// affinities' search for a bandwidth stalls (perplexity 1 took 40× the time of 30).
pub const MIN_PERPLEXITY: f32 = 2.0;
/// The largest perplexity accepted: t-SNE keeps 3 × perplexity neighbours per point, so
/// memory and time grow with it, and maps stop improving well below it.
pub const MAX_PERPLEXITY: f32 = 100.0;

impl ReduceOptions {
    /// Refuses a PCA without components and a perplexity outside t-SNE's useful range.
    pub fn validate(&self) -> Result<()> {
        check(
            self.pca_components >= 1,
            Setting::Pca,
            "PCA needs at least 1 component",
        )?;
        check(
            (MIN_PERPLEXITY..=MAX_PERPLEXITY).contains(&self.perplexity),
            Setting::Perplexity,
            format!(
                "perplexity {} is outside {MIN_PERPLEXITY}–{MAX_PERPLEXITY} (t-SNE's useful range; \
                 30 is the default)",
                self.perplexity
            ),
        )
    }
}

/// Runs PCA then t-SNE on vectors read a block at a time.
pub fn reduce(features: &dyn Rows, options: &ReduceOptions) -> Result<Reduced> {
    let pca = pca_sampled(
        features,
        options.pca_components,
        options.seed,
        options.pca_sample_values,
    )?;
    let mut warnings = Vec::new();
    let perplexity = clamp_perplexity(features.count(), options.perplexity, &mut warnings);
    let neighbour_search = Search::for_rows(features.count());
    let embedding = tsne(
        &pca.projection,
        perplexity,
        options.reproducible,
        neighbour_search,
    )?;
    Ok(Reduced {
        pca: pca.projection,
        explained_variance_ratio: pca.explained_variance_ratio,
        points: embedding.points,
        perplexity,
        neighbour_search,
        neighbours: embedding.neighbours,
        warnings,
    })
}

/// A fitted PCA.
#[derive(Debug, Clone)]
pub struct Pca {
    /// Rows projected onto the components.
    pub projection: Vectors,
    /// Share of total variance per component.
    pub explained_variance_ratio: Vec<f64>,
}

/// Largest side for which PCA takes the exact thin SVD; above it (and where fewer than 80% of
/// the components are kept) a randomized SVD (Halko et al. 2011, as scikit-learn's
/// `svd_solver="randomized"`) keeps the cost linear. scikit-learn's `"auto"` rule: an exact
/// SVD of 2,000 × 4096 took 9 s and 550 MiB to keep 50 components.
const EXACT_SVD_LIMIT: usize = 500;

/// The most values PCA is fitted on by default: 2^25, 256 MiB as the f64 matrix the SVD
/// takes (8,192 rows of 4096-d fc2 vectors, 26,214 of 1280-d, 50,000 of 512-d). Fifty
/// components of image features are estimated from thousands of rows as well as from all of
/// them (the closing note of issue 17 measures it); all rows would be 16 GiB at 1,000,000.
pub const PCA_SAMPLE_VALUES: usize = 1 << 25;

/// The most rows PCA is fitted on, whatever their length.
const PCA_SAMPLE_ROWS: usize = 50_000;

/// Principal component analysis of `x`, keeping at most `components`, fitted on at most
/// [`PCA_SAMPLE_VALUES`] values (a sample of rows chosen by `seed`).
pub fn pca(x: &dyn Rows, components: usize, seed: u64) -> Result<Pca> {
    pca_sampled(x, components, seed, PCA_SAMPLE_VALUES)
}

/// [`pca`] fitted on at most `sample_values` values: the components and the mean come from a
/// random sample of rows (all of them when they fit), then every row is projected in one
/// pass a block at a time. Components' signs follow scikit-learn (largest loading positive),
/// so output is stable. A row holding NaN, infinity or a huge value is an error naming it.
pub fn pca_sampled(
    x: &dyn Rows,
    components: usize,
    seed: u64,
    sample_values: usize,
) -> Result<Pca> {
    let (n, d) = (x.count(), x.dim());
    let k = components.min(n).min(d);
    if k == 0 {
        if let Some(row) = first_non_finite_row(x)? {
            bail!("feature vector {row} holds {UNUSABLE}");
        }
        return Ok(Pca {
            projection: Vectors::default(),
            explained_variance_ratio: Vec::new(),
        });
    }
    let (sample, sampled_rows) = sample_for_pca(x, sample_values, seed)?;
    if let Some(row) = first_non_finite_row(&sample)? {
        bail!("feature vector {} holds {UNUSABLE}", sampled_rows[row]);
    }
    let fit = fit_pca(&sample, k, seed);
    drop(sample);
    let projection = fit.project(x)?;
    Ok(Pca {
        projection,
        explained_variance_ratio: fit.explained_variance_ratio,
    })
}

/// The rows PCA is fitted on, and their indices: every row when `x` holds at most
/// `most_values` values (and [`PCA_SAMPLE_ROWS`] rows), else a uniform random sample, in
/// row order.
fn sample_for_pca(x: &dyn Rows, most_values: usize, seed: u64) -> Result<(Vectors, Vec<usize>)> {
    let (n, d) = (x.count(), x.dim());
    let keep = (most_values / d.max(1)).clamp(1, PCA_SAMPLE_ROWS).min(n);
    let mut data = vec![0f32; keep * d];
    let rows: Vec<usize> = if keep == n {
        x.read_rows(0, &mut data)?;
        (0..n).collect()
    } else {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut rows = rand::seq::index::sample(&mut rng, n, keep).into_vec();
        rows.sort_unstable();
        for (row, out) in rows.iter().zip(data.chunks_exact_mut(d)) {
            x.read_rows(*row, out)?;
        }
        rows
    };
    Ok((Vectors { dim: d, data }, rows))
}

/// Components fitted on a sample: its mean, the `d × k` basis and each component's share of
/// the sample's variance.
struct PcaFit {
    mean: Vec<f64>,
    basis: Mat<f64>,
    explained_variance_ratio: Vec<f64>,
}

fn fit_pca(sample: &Vectors, k: usize, seed: u64) -> PcaFit {
    let (mean, centred) = centre(sample);
    let total_variance: f64 = (0..sample.dim)
        .map(|j| centred.col(j).iter().map(|v| v * v).sum::<f64>())
        .sum();
    let side = sample.rows().min(sample.dim);
    let (singular, mut basis) = if side <= EXACT_SVD_LIMIT || 5 * k >= 4 * side {
        exact_svd(&centred, k)
    } else {
        randomized_svd(&centred, k, seed)
    };
    flip_signs(&mut basis);
    let explained_variance_ratio = singular
        .iter()
        .map(|s| {
            if total_variance > 0.0 {
                s * s / total_variance
            } else {
                0.0
            }
        })
        .collect();
    PcaFit {
        mean,
        basis,
        explained_variance_ratio,
    }
}

impl PcaFit {
    /// Every row of `x` centred and projected onto the basis, a block at a time; a row
    /// holding NaN, infinity or a huge value is an error naming it.
    fn project(&self, x: &dyn Rows) -> Result<Vectors> {
        let (d, k) = (x.dim(), self.basis.ncols());
        let mut data = Vec::with_capacity(x.count() * k);
        for_each_block(x, |start, block| {
            let rows = block.len() / d;
            if let Some(bad) = block.chunks_exact(d).position(|row| !usable_row(row)) {
                bail!("feature vector {} holds {UNUSABLE}", start + bad);
            }
            let centred = Mat::from_fn(rows, d, |i, j| f64::from(block[i * d + j]) - self.mean[j]);
            let projected = &centred * &self.basis;
            data.extend(
                (0..rows)
                    .flat_map(|i| (0..k).map(move |j| (i, j)))
                    .map(|(i, j)| projected[(i, j)] as f32),
            );
            Ok(())
        })?;
        Ok(Vectors { dim: k, data })
    }
}

/// The column means of `x`, and `x` minus them.
fn centre(x: &Vectors) -> (Vec<f64>, Mat<f64>) {
    let mut mean = vec![0f64; x.dim];
    for i in 0..x.rows() {
        for (m, v) in mean.iter_mut().zip(x.row(i)) {
            *m += f64::from(*v);
        }
    }
    mean.iter_mut().for_each(|m| *m /= x.rows().max(1) as f64);
    let centred = Mat::from_fn(x.rows(), x.dim, |i, j| f64::from(x.row(i)[j]) - mean[j]);
    (mean, centred)
}

/// The top `k` singular values and right singular vectors (as `d × k` columns).
fn exact_svd(a: &Mat<f64>, k: usize) -> (Vec<f64>, Mat<f64>) {
    let svd = a.thin_svd().expect("SVD of a finite matrix converges");
    let s = svd.S().column_vector();
    let v = svd.V();
    (
        (0..k).map(|i| s[i]).collect(),
        Mat::from_fn(a.ncols(), k, |i, j| v[(i, j)]),
    )
}

fn randomized_svd(a: &Mat<f64>, k: usize, seed: u64) -> (Vec<f64>, Mat<f64>) {
    let sketch = (k + 10).min(a.nrows()).min(a.ncols());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let omega: Mat<f64> = Mat::from_fn(a.ncols(), sketch, |_, _| StandardNormal.sample(&mut rng));
    let mut q = (a * &omega).qr().compute_thin_Q();
    for _ in 0..7 {
        let z = (a.transpose() * &q).qr().compute_thin_Q();
        q = (a * &z).qr().compute_thin_Q();
    }
    let b = q.transpose() * a;
    exact_svd(&b, k)
}

fn flip_signs(basis: &mut Mat<f64>) {
    for j in 0..basis.ncols() {
        let largest = (0..basis.nrows())
            .map(|i| basis[(i, j)])
            .fold(
                0.0f64,
                |best, v| if v.abs() > best.abs() { v } else { best },
            );
        if largest < 0.0 {
            for i in 0..basis.nrows() {
                basis[(i, j)] = -basis[(i, j)];
            }
        }
    }
}

/// bhtsne needs `3 × perplexity ≤ N − 1` neighbours.
fn clamp_perplexity(n: usize, asked: f32, warnings: &mut Vec<String>) -> f32 {
    let most = (n.saturating_sub(1) as f32 / 3.0).floor();
    if asked > most && n >= MIN_TSNE_POINTS {
        warnings.push(format!(
            "perplexity {asked} is too large for {n} images; using {most}"
        ));
        return most;
    }
    asked
}

/// Below this many points t-SNE has no neighbourhoods to preserve; the first two principal
/// components are the layout.
const MIN_TSNE_POINTS: usize = 8;

/// A t-SNE embedding and the neighbours it was fitted on.
#[derive(Debug, Clone)]
pub struct Embedding {
    /// One 2-D point per row.
    pub points: Vec<[f32; 2]>,
    /// The first [`KEPT_NEIGHBOURS`] neighbours of each row (none below 8 rows, where no
    /// t-SNE runs).
    pub neighbours: Graph,
}

/// 2-D t-SNE of the rows of `x`, started from their first two principal components scaled
/// to a standard deviation of 1e-4 (openTSNE's PCA initialisation), on neighbours found by
/// `search`; on one thread, and then bit-identical across runs, when `reproducible`.
pub fn tsne(x: &Vectors, perplexity: f32, reproducible: bool, search: Search) -> Result<Embedding> {
    if reproducible {
        let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
        Ok(one_thread.install(|| fit_tsne(x, perplexity, search)))
    } else {
        Ok(fit_tsne(x, perplexity, search))
    }
}

/// The fit behind [`tsne`], on the current rayon pool.
fn fit_tsne(x: &Vectors, perplexity: f32, search: Search) -> Embedding {
    let n = x.rows();
    let init = pca_initialisation(x);
    if n < MIN_TSNE_POINTS {
        return Embedding {
            points: init.chunks_exact(2).map(|p| [p[0], p[1]]).collect(),
            neighbours: Graph::keep(&vec![Vec::new(); n], 0),
        };
    }
    let samples: Vec<&[f32]> = (0..n).map(|i| x.row(i)).collect();
    let mut tsne: bhtsne::tSNE<f32, &[f32], 2> = bhtsne::tSNE::new(&samples);
    // bhtsne's own neighbour count, found by blocked matrix products rather than its
    // vantage-point tree (see `neighbours`).
    let k = (3.0 * perplexity) as usize;
    let found = neighbours::nearest(x, k, search);
    let kept = Graph::keep(&found, KEPT_NEIGHBOURS);
    let neighbours: Vec<Vec<bhtsne::Neighbor<f32>>> = found
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|nb| bhtsne::Neighbor {
                    index: nb.index,
                    distance: nb.distance,
                })
                .collect()
        })
        .collect();
    // openTSNE's schedule as two fits of one bhtsne model, which keeps one learning rate per
    // fit: the exaggerated phase, then the rest from where it ended, on the same affinities
    // (bhtsne reuses them when the neighbours are the same, renormalised without the
    // exaggeration).
    tsne.perplexity(perplexity)
        .epochs(EXAGGERATED_EPOCHS)
        .early_exaggeration(EARLY_EXAGGERATION)
        .stop_lying_epoch(EXAGGERATED_EPOCHS)
        .momentum_switch_epoch(EXAGGERATED_EPOCHS)
        .learning_rate(learning_rate(n, EARLY_EXAGGERATION))
        .initial_embedding(init)
        .fit_sne_with_neighbors(&neighbours);
    let exaggerated = tsne.embedding();
    tsne.epochs(FINAL_EPOCHS)
        .early_exaggeration(1.0)
        .stop_lying_epoch(0)
        .momentum(FINAL_MOMENTUM)
        .learning_rate(learning_rate(n, 1.0))
        .initial_embedding(exaggerated)
        .fit_sne_with_neighbors(&neighbours);
    let points = tsne
        .embedding()
        .chunks_exact(2)
        .map(|p| [p[0], p[1]])
        .collect();
    Embedding {
        points,
        neighbours: kept,
    }
}

/// Iterations with the affinities exaggerated (openTSNE's and bhtsne's default), then without.
const EXAGGERATED_EPOCHS: usize = 250;
const FINAL_EPOCHS: usize = 750;
/// The exaggeration of the first phase and the momentum of the second, as openTSNE's.
const EARLY_EXAGGERATION: f32 = 12.0;
const FINAL_MOMENTUM: f32 = 0.8;

/// openTSNE's step size for a phase, `max(N / exaggeration, 200)`, with the floor lowered
/// below 1,000 points (200 spreads a few dozen points so far that the FFT grid, and the run,
/// grow a hundredfold). One rate for both phases (N / 12) left 20,000 points 14% above
/// openTSNE's KL after the same 1,000 iterations, and a larger single rate destabilised the
/// exaggerated phase (bench/tsne.sh).
fn learning_rate(n: usize, exaggeration: f32) -> f32 {
    let n = n as f32;
    (n / exaggeration).max((n / 5.0).clamp(50.0, 200.0))
}

fn pca_initialisation(x: &Vectors) -> Vec<f32> {
    let n = x.rows();
    let first_two: Vec<f32> = if x.dim >= 2 {
        (0..n).flat_map(|i| [x.row(i)[0], x.row(i)[1]]).collect()
    } else {
        (0..n)
            .flat_map(|i| [x.row(i).first().copied().unwrap_or(0.0), i as f32])
            .collect()
    };
    let spread = std_dev(first_two.iter().step_by(2).copied());
    let scale = if spread > 0.0 { 1e-4 / spread } else { 1e-4 };
    first_two
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if spread > 0.0 {
                v * scale
            } else {
                (i as f32) * scale
            }
        })
        .collect()
}

fn std_dev(values: impl Iterator<Item = f32> + Clone) -> f32 {
    let n = values.clone().count().max(1) as f32;
    let mean = values.clone().sum::<f32>() / n;
    (values.map(|v| (v - mean) * (v - mean)).sum::<f32>() / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal(rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
        StandardNormal.sample(rng)
    }

    fn vectors(rows: &[&[f32]]) -> Vectors {
        Vectors::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn pca_recovers_a_known_decomposition() {
        // Points spread along (3, 4)/5 plus an uncorrelated smaller spread along (-4, 3)/5.
        let rows: Vec<Vec<f32>> = (0..20)
            .map(|i| {
                let (a, b) = (
                    (i as f32) - 9.5,
                    if i % 4 == 0 || i % 4 == 3 { 0.5 } else { -0.5 },
                );
                vec![0.6 * a - 0.8 * b + 7.0, 0.8 * a + 0.6 * b - 2.0]
            })
            .collect();
        let fit = pca(&Vectors::from_rows(&rows).unwrap(), 2, 0).unwrap();
        let var_a: f64 = (0..20).map(|i| ((i as f64) - 9.5).powi(2)).sum();
        let var_b = 20.0 * 0.25;
        assert!((fit.explained_variance_ratio[0] - var_a / (var_a + var_b)).abs() < 1e-6);
        assert!((fit.explained_variance_ratio[1] - var_b / (var_a + var_b)).abs() < 1e-6);
        for i in 0..20 {
            assert!(
                (fit.projection.row(i)[0] - ((i as f32) - 9.5)).abs() < 1e-4,
                "row {i}"
            );
        }
    }

    #[test]
    fn randomized_matches_exact_on_low_rank_data() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let basis: Vec<Vec<f64>> = (0..5)
            .map(|_| (0..40).map(|_| normal(&mut rng)).collect())
            .collect();
        let rows: Vec<Vec<f32>> = (0..60)
            .map(|_| {
                let w: Vec<f64> = (0..5).map(|j| normal(&mut rng) * (5 - j) as f64).collect();
                (0..40)
                    .map(|c| (0..5).map(|j| w[j] * basis[j][c]).sum::<f64>() as f32)
                    .collect()
            })
            .collect();
        let x = Vectors::from_rows(&rows).unwrap();
        let exact = exact_svd(&centre(&x).1, 3).0;
        let random = randomized_svd(&centre(&x).1, 3, 1).0;
        for (e, r) in exact.iter().zip(&random) {
            assert!((e - r).abs() / e < 1e-6, "{e} vs {r}");
        }
    }

    #[test]
    fn constant_features_and_tiny_inputs_give_no_nan() {
        let x = vectors(&[&[1.0, 1.0, 1.0], &[1.0, 1.0, 1.0], &[1.0, 1.0, 1.0]]);
        let out = reduce(
            &x,
            &ReduceOptions {
                pca_components: 50,
                perplexity: 30.0,
                seed: 0,
                ..ReduceOptions::default()
            },
        )
        .unwrap();
        assert_eq!(out.points.len(), 3);
        assert!(out.points.iter().flatten().all(|v| v.is_finite()));
        assert!(out.explained_variance_ratio.iter().all(|v| v.is_finite()));
        let one = reduce(
            &vectors(&[&[1.0, 2.0]]),
            &ReduceOptions {
                pca_components: 50,
                perplexity: 30.0,
                seed: 0,
                ..ReduceOptions::default()
            },
        )
        .unwrap();
        assert_eq!(one.points.len(), 1);
    }

    #[test]
    fn non_finite_features_are_reported_by_row() {
        let x = vectors(&[&[1.0, 2.0], &[f32::NAN, 0.0]]);
        let err = reduce(
            &x,
            &ReduceOptions {
                pca_components: 2,
                perplexity: 30.0,
                seed: 0,
                ..ReduceOptions::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("vector 1"), "{err}");
    }

    #[test]
    fn tsne_separates_two_clusters() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let rows: Vec<Vec<f32>> = (0..200)
            .map(|i| {
                let centre = if i < 100 { 0.0 } else { 20.0 };
                (0..10).map(|_| centre + normal(&mut rng) as f32).collect()
            })
            .collect();
        let out = reduce(
            &Vectors::from_rows(&rows).unwrap(),
            &ReduceOptions {
                pca_components: 10,
                perplexity: 30.0,
                seed: 0,
                ..ReduceOptions::default()
            },
        )
        .unwrap();
        let centroid = |r: std::ops::Range<usize>| {
            let n = r.len() as f32;
            let sum = r.fold([0.0f32; 2], |acc, i| {
                [acc[0] + out.points[i][0], acc[1] + out.points[i][1]]
            });
            [sum[0] / n, sum[1] / n]
        };
        let (a, b) = (centroid(0..100), centroid(100..200));
        let spread: f32 = (0..100)
            .map(|i| (out.points[i][0] - a[0]).hypot(out.points[i][1] - a[1]))
            .sum::<f32>()
            / 100.0;
        assert!(
            (a[0] - b[0]).hypot(a[1] - b[1]) > 4.0 * spread,
            "clusters overlap"
        );
        assert!(out.warnings.is_empty());
    }
}
