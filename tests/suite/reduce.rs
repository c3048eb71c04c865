//! The reduce stage against references: PCA against scikit-learn's explained variance ratios
//! (tests/fixtures/make_pca_reference.py), and reproducible t-SNE run to run.

use zoomap::base::neighbours::Search;
use zoomap::base::vectors::Vectors;
use zoomap::stages::reduce::{pca, pca_sampled, tsne};

/// The matrix make_pca_reference.py builds, by the same formula.
fn matrix(rows: usize, cols: usize) -> Vectors {
    let data = (0..rows)
        .flat_map(|i| (0..cols).map(move |j| (i as f64 + 1.0, j as f64 + 1.0)))
        .map(|(i, j)| {
            let structure: f64 = (0..8)
                .map(|r| {
                    let r = f64::from(r);
                    (0.013 * i * (r + 1.0) + 0.7 * r).sin()
                        * (0.029 * j * (r + 2.0) + 0.3 * r).cos()
                        / (r + 1.0)
                })
                .sum();
            (structure + 0.05 * (0.91 * i + 1.37 * j * j).sin()) as f32
        })
        .collect();
    Vectors { dim: cols, data }
}

#[test]
fn pca_matches_scikit_learn_explained_variance() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/pca-sklearn.json")).expect("fixture parses");
    for case in fixture["cases"].as_array().expect("cases") {
        let field = |name: &str| case[name].as_u64().expect(name) as usize;
        let (rows, cols, components) = (field("rows"), field("cols"), field("components"));
        let expected: Vec<f64> = case["explained_variance_ratio"]
            .as_array()
            .expect("ratios")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        let fit = pca(&matrix(rows, cols), components, 0).unwrap();
        assert_eq!(fit.explained_variance_ratio.len(), components);
        for (k, (ours, theirs)) in fit
            .explained_variance_ratio
            .iter()
            .zip(&expected)
            .enumerate()
        {
            // Tolerance 1e-3 absolute: scikit-learn works in float32 on float32 input, and the
            // 2100 × 2100 case goes through zoomap's randomized SVD.
            assert!(
                (ours - theirs).abs() < 1e-3,
                "{rows}×{cols} component {k}: {ours} vs scikit-learn {theirs}"
            );
        }
    }
}

#[test]
fn pca_fitted_on_a_sample_spans_the_same_components_as_on_all_rows() {
    let x = matrix(4000, 48);
    let all = pca(&x, 6, 0).unwrap();
    // 400 of the 4,000 rows.
    let sampled = pca_sampled(&x, 6, 0, 400 * 48).unwrap();
    assert_eq!(sampled.projection.rows(), 4000);
    assert_ne!(
        sampled.projection.data, all.projection.data,
        "fitted on the sample"
    );
    for k in 0..3 {
        let column = |p: &Vectors| (0..p.rows()).map(|i| p.row(i)[k]).collect::<Vec<f32>>();
        let r = correlation(&column(&all.projection), &column(&sampled.projection));
        // Tolerance: the leading components, well separated in variance, agree to 1%.
        assert!(r.abs() > 0.99, "component {k}: correlation {r}");
        let (a, b) = (
            all.explained_variance_ratio[k],
            sampled.explained_variance_ratio[k],
        );
        assert!(
            (a - b).abs() < 0.02,
            "component {k}: ratio {b} vs {a} on all rows"
        );
    }
}

#[test]
fn pca_names_a_non_finite_row_outside_its_sample() {
    let mut x = matrix(2000, 16);
    for row in [0, 1500] {
        x.data[row * 16 + 3] = f32::NAN;
        let err = pca_sampled(&x, 4, 0, 10 * 16).unwrap_err().to_string();
        assert!(err.contains(&format!("feature vector {row} ")), "{err}");
        x.data[row * 16 + 3] = 1.0;
    }
}

fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let mean = |v: &[f32]| v.iter().map(|x| f64::from(*x)).sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x) - ma, f64::from(*y) - mb);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    ab / (aa * bb).sqrt()
}

#[test]
fn tsne_is_bit_identical_across_runs_and_thread_counts() {
    let x = pca(&matrix(600, 40), 20, 0).unwrap().projection;
    for search in [Search::Exact, Search::Approximate] {
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| tsne(&x, 30.0, search).points)
        };
        let (first, again, more_threads) = (on(1), on(1), on(3));
        assert!(first.iter().flatten().all(|v| v.is_finite()));
        let spread = first.iter().map(|p| p[0].abs()).fold(0.0f32, f32::max);
        assert!(
            spread > 1.0,
            "t-SNE did not run on {search:?}: max |x| {spread}"
        );
        assert_eq!(first, again, "{search:?}");
        assert_eq!(first, more_threads, "{search:?} on 1 and 3 threads");
    }
}
