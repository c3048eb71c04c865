//! `scale_inputs N OUT [DIM]`: the inputs of `bench/scale.sh`, written by
//! tests/suite/common/scale_inputs.rs (their one owner, which the test suite runs in process).

#[path = "../tests/suite/common/scale_inputs.rs"]
mod scale_inputs;

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(out)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: scale_inputs N OUT [DIM]");
    };
    let n: usize = n.parse().context("N is a number of images")?;
    let dim: usize = args.get(3).map_or(Ok(4096), |d| d.parse())?;
    let out = std::path::Path::new(out);
    scale_inputs::write_inputs(n, out, dim)?;
    eprintln!("{n} images and {n} × {dim} features in {}", out.display());
    Ok(())
}
