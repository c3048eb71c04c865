//! What fitting PCA on a sample of rows costs: PCA-50 of an `N × D` `.npy` fitted on a
//! sample of `SAMPLE_ROWS` rows (the build's default is 2^25 values, 8,192 rows of 4096-d)
//! and on every row (at most 50,000), compared by the share of every row's variance the 50
//! components explain (measured on the projections of all rows) and by the share of each
//! row's 10 nearest PCA neighbours the two agree on. (Components one by one are not
//! compared: where several explain nearly the same variance, any rotation among them is an
//! equally good fit.) The closing note of issue 17 ran it on bench/scale.sh's inputs.
//!
//! `cargo run --release --example pca_sample -- FEATURES.npy [SAMPLE_ROWS]`

use std::path::Path;
use std::time::Instant;

use zoomap::base::neighbours::{Search, nearest, shared_fraction};
use zoomap::base::vectors::{RowFile, Vectors};
use zoomap::stages::reduce::pca_sampled;

const COMPONENTS: usize = 50;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        anyhow::bail!("usage: pca_sample FEATURES.npy [SAMPLE_ROWS]");
    };
    let x = RowFile::open_npy(Path::new(path))?;
    let sample_rows: usize = args.get(1).map_or(Ok(8192), |s| s.parse())?;
    let total = total_variance(&x)?;
    let fit = |values: usize| -> anyhow::Result<Vectors> {
        let started = Instant::now();
        let pca = pca_sampled(&x, COMPONENTS, 0, values)?;
        let kept = captured_variance(&pca.projection) / total;
        println!(
            "fitted on {:>7} rows: {:.1} s, variance of all rows explained {kept:.4}",
            (values / x.dim()).min(x.rows()),
            started.elapsed().as_secs_f64()
        );
        Ok(pca.projection)
    };
    let sampled = fit(sample_rows * x.dim())?;
    let exact = fit(usize::MAX)?;
    println!(
        "10-NN agreement {:.4}",
        neighbour_agreement(&exact, &sampled, 10)
    );
    Ok(())
}

/// The sum over columns of each column's variance.
fn total_variance(x: &RowFile) -> anyhow::Result<f64> {
    let d = x.dim();
    let (mut sum, mut squares) = (vec![0f64; d], vec![0f64; d]);
    zoomap::base::vectors::for_each_block(x, |_, block| {
        for row in block.chunks_exact(d) {
            for (j, v) in row.iter().enumerate() {
                sum[j] += f64::from(*v);
                squares[j] += f64::from(*v) * f64::from(*v);
            }
        }
        Ok(())
    })?;
    let n = x.rows() as f64;
    Ok((0..d).map(|j| squares[j] / n - (sum[j] / n).powi(2)).sum())
}

fn captured_variance(p: &Vectors) -> f64 {
    (0..p.dim)
        .map(|k| {
            let column: Vec<f64> = (0..p.rows()).map(|i| f64::from(p.row(i)[k])).collect();
            let mean = column.iter().sum::<f64>() / column.len() as f64;
            column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / column.len() as f64
        })
        .sum()
}

fn neighbour_agreement(a: &Vectors, b: &Vectors, k: usize) -> f64 {
    shared_fraction(&nearest(a, k, Search::Exact), &nearest(b, k, Search::Exact))
}
