//! Dimensionality reduction: PCA to a few dozen components ([`pca`]), their nearest
//! neighbours ([`crate::base::neighbours`]), then t-SNE to 2-D ([`tsne`]).

mod pca;
pub mod tsne;

use anyhow::Result;

use crate::base::neighbours::{Graph, Search};
use crate::base::setting::{Setting, check};
use crate::base::vectors::{Rows, Vectors};

pub use pca::{PCA_SAMPLE_VALUES, Pca, pca, pca_sampled};
pub use tsne::{Embedding, tsne};

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
    let perplexity = tsne::clamp_perplexity(features.count(), options.perplexity, &mut warnings);
    let neighbour_search = Search::for_rows(features.count());
    let embedding = tsne(&pca.projection, perplexity, neighbour_search);
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    fn normal(rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
        StandardNormal.sample(rng)
    }

    fn vectors(rows: &[&[f32]]) -> Vectors {
        Vectors::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn constant_features_and_tiny_inputs_give_no_nan() {
        let x = vectors(&[&[1.0, 1.0, 1.0], &[1.0, 1.0, 1.0], &[1.0, 1.0, 1.0]]);
        let options = ReduceOptions {
            pca_components: 50,
            perplexity: 30.0,
            seed: 0,
            ..ReduceOptions::default()
        };
        let out = reduce(&x, &options).unwrap();
        assert_eq!(out.points.len(), 3);
        assert!(out.points.iter().flatten().all(|v| v.is_finite()));
        assert!(out.explained_variance_ratio.iter().all(|v| v.is_finite()));
        let one = reduce(&vectors(&[&[1.0, 2.0]]), &options).unwrap();
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
