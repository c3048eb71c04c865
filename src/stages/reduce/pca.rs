//! PCA (faer): components fitted on a bounded random sample of the rows, then every row
//! projected in one streamed pass, so only the `N × components` projection is ever in memory,
//! whatever the collection's size.

use anyhow::{Result, bail};
use faer::Mat;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use crate::base::vectors::{
    Rows, UNUSABLE, Vectors, first_non_finite_row, for_each_block, usable_row,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    fn normal(rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
        StandardNormal.sample(rng)
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
}
