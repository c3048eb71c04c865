//! The reduce stage against references: PCA against scikit-learn's explained variance ratios
//! (tests/fixtures/make_pca_reference.py), and reproducible t-SNE run to run.

use zoomap::reduce::{pca, tsne};
use zoomap::vectors::Vectors;

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
        serde_json::from_str(include_str!("fixtures/pca-sklearn.json")).expect("fixture parses");
    for case in fixture["cases"].as_array().expect("cases") {
        let field = |name: &str| case[name].as_u64().expect(name) as usize;
        let (rows, cols, components) = (field("rows"), field("cols"), field("components"));
        let expected: Vec<f64> = case["explained_variance_ratio"]
            .as_array()
            .expect("ratios")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        let fit = pca(&matrix(rows, cols), components, 0);
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
fn reproducible_tsne_is_bit_identical_across_runs() {
    let x = pca(&matrix(600, 40), 20, 0).projection;
    let first = tsne(&x, 30.0, true).unwrap();
    let second = tsne(&x, 30.0, true).unwrap();
    assert!(first.iter().flatten().all(|v| v.is_finite()));
    let spread = first.iter().map(|p| p[0].abs()).fold(0.0f32, f32::max);
    assert!(spread > 1.0, "t-SNE did not run: max |x| {spread}");
    assert_eq!(first, second);
}
