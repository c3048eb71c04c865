//! The cost of `--tags auto` (issue 36): VGG16's fc8 (4096 → 1,000), its softmax and the top
//! classes with their WordNet groups over N fc2 vectors, as the tags stage runs them
//! (`tags::from_classifier`, a block of rows at a time). No trained fc8 reaches these machines
//! and the cost does not depend on the values, so fc8 and the vectors are drawn from a fixed
//! seed: fc8 is written to a temporary `.safetensors` and read back as a build reads it.
//!
//! `cargo run --release --example tags_speed [N]` (default 100000).

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Result;
use rand::{Rng, SeedableRng};
use safetensors::{Dtype, tensor::TensorView};
use zoomap::base::vectors::Rows;
use zoomap::stages::features::{ClassHead, WeightsFile};
use zoomap::stages::tags;

const HIDDEN: usize = 4096;
const CLASSES: usize = 1000;

/// N fc2-like vectors (non-negative, sparse as ReLU leaves them), generated on read.
struct Generated(usize);

impl Rows for Generated {
    fn dim(&self) -> usize {
        HIDDEN
    }

    fn count(&self) -> usize {
        self.0
    }

    fn read_rows(&self, start: usize, out: &mut [f32]) -> Result<()> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(start as u64);
        for v in out {
            *v = (rng.random::<f32>() - 0.6).max(0.0) * 4.0;
        }
        Ok(())
    }
}

fn main() -> Result<()> {
    let n: usize = std::env::args().nth(1).map_or(Ok(100_000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("fc8.safetensors");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let weight: Vec<u8> = (0..CLASSES * HIDDEN)
        .flat_map(|_| ((rng.random::<f32>() - 0.5) * 0.5).to_le_bytes())
        .collect();
    let bias = vec![0u8; CLASSES * 4];
    let tensors = [
        (
            "classifier.6.weight",
            TensorView::new(Dtype::F32, vec![CLASSES, HIDDEN], &weight)?,
        ),
        (
            "classifier.6.bias",
            TensorView::new(Dtype::F32, vec![CLASSES], &bias)?,
        ),
    ];
    safetensors::serialize_to_file(tensors, None, &path)?;
    let mut file = WeightsFile::inspect(&path)?;
    // fc7's shape, which fc8 must follow (a real VGG16 file has it with its weights).
    let shapes: HashMap<String, Vec<usize>> =
        [("classifier.3.weight".to_string(), vec![HIDDEN, HIDDEN])].into();
    file.shapes.extend(shapes);
    let head = ClassHead::load(&file)?.expect("fc8 written above");
    let started = Instant::now();
    let tagged = tags::from_classifier(&head, &Generated(n), tags::DEFAULT_MIN_SCORE)?
        .expect("ImageNet's 1,000 classes");
    let seconds = started.elapsed().as_secs_f64();
    let count: usize = tagged.iter().map(Vec::len).sum();
    println!(
        "{n} fc2 vectors: fc8 + softmax + top classes in {seconds:.1} s ({:.0} vectors/s, {} threads); {count} tags kept",
        n as f64 / seconds,
        rayon::current_num_threads()
    );
    Ok(())
}
