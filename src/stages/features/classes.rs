//! VGG16's own classifier, fc8 (torchvision's `classifier.6`, 4096 → 1000 ImageNet classes):
//! one matrix product and a softmax past the fc2 vectors the feature stage already keeps, so
//! machine tags cost no second pass over the images. It is read from the weights file by
//! name, apart from the Burn model, because the map's vectors never need it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use super::WeightsFile;
use crate::base::matmul::{Layout, multiply};

/// The classifier's torchvision name.
const FC8: &str = "classifier.6";

/// fc8's weights, and how many classes it scores.
#[derive(Debug, Clone)]
pub struct ClassHead {
    /// `[classes, hidden]`, row-major, as torchvision stores it.
    weight: Vec<f32>,
    bias: Vec<f32>,
    hidden: usize,
}

impl ClassHead {
    /// fc8 of `file`, or `None` where the file has no `classifier.6` of fc7's width (the
    /// conv-only weights of an edge detector, say).
    pub fn load(file: &WeightsFile) -> Result<Option<Self>> {
        let (Some(weight), Some(bias)) = (
            file.shapes.get(&format!("{FC8}.weight")),
            file.shapes.get(&format!("{FC8}.bias")),
        ) else {
            return Ok(None);
        };
        let hidden = file.shapes.get("classifier.3.weight").map(|s| s[0]);
        let [classes, width] = weight[..] else {
            bail!("{}: {FC8}.weight is not a matrix", file.path.display());
        };
        if hidden != Some(width) || bias[..] != [classes] {
            bail!(
                "{}: {FC8} has shape {weight:?} and bias {bias:?}, which do not follow fc7",
                file.path.display()
            );
        }
        let read = |name: &str| {
            read_f32(&file.path, &format!("{FC8}.{name}"))
                .with_context(|| format!("{}: cannot read {FC8}.{name}", file.path.display()))
        };
        Ok(Some(Self {
            weight: read("weight")?,
            bias: read("bias")?,
            hidden: width,
        }))
    }

    /// How many classes it scores.
    pub fn classes(&self) -> usize {
        self.bias.len()
    }

    /// The class probabilities of each fc2 vector (`rows × hidden`, row-major): softmax of
    /// fc8's scores, as `torch.softmax(classifier(x), 1)`, summed in f64 for stability.
    pub fn probabilities(&self, fc2: &[f32]) -> Result<Vec<f32>> {
        if !fc2.len().is_multiple_of(self.hidden) {
            bail!(
                "fc2 vectors of {} values do not split into rows of {}",
                fc2.len(),
                self.hidden
            );
        }
        let (hidden, classes) = (self.hidden, self.classes());
        let mut scores = vec![0f32; fc2.len() / hidden * classes];
        let block = 64;
        scores
            .par_chunks_mut(block * classes)
            .zip(fc2.par_chunks(block * hidden))
            .for_each(|(out, input)| {
                let rows = input.len() / hidden;
                let weight = (self.weight.as_slice(), transposed(hidden));
                multiply(
                    [rows, classes, hidden],
                    out,
                    classes,
                    (input, Layout::rows(hidden)),
                    weight,
                );
                for row in out.chunks_exact_mut(classes) {
                    for (s, b) in row.iter_mut().zip(&self.bias) {
                        *s += b;
                    }
                    softmax(row);
                }
            });
        Ok(scores)
    }
}

/// The `hidden × classes` transpose of a `classes × hidden` row-major matrix, in place.
fn transposed(hidden: usize) -> Layout {
    Layout {
        row_stride: 1,
        column_stride: hidden,
    }
}

/// `row` replaced by its softmax (the maximum subtracted first, as PyTorch does).
fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0f64;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += f64::from(*v);
    }
    for v in row.iter_mut() {
        *v = (f64::from(*v) / sum) as f32;
    }
}

/// The values of the f32 tensor `name` in a `.safetensors` or `.pth` weights file.
fn read_f32(path: &Path, name: &str) -> Result<Vec<f32>> {
    let bytes = if super::weights::is_safetensors(path) {
        read_safetensors(path, name)?
    } else {
        let reader = burn::store::pytorch_reader::PytorchReader::new(path)?;
        let tensor = reader.get(name).context("no such tensor")?;
        if !matches!(tensor.dtype(), burn::store::pytorch_reader::DType::F32) {
            bail!("{name} is {:?}, not f32", tensor.dtype());
        }
        tensor.read()?
    };
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// The bytes of tensor `name` of a `.safetensors` file, read from its offsets alone (the
/// whole VGG16 file is 528 MB; fc8 is 16 MB of it).
fn read_safetensors(path: &Path, name: &str) -> Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let header = super::weights::read_safetensors_metadata(&mut file)?;
    let info = header.info(name).context("no such tensor")?;
    if info.dtype != safetensors::Dtype::F32 {
        bail!("{name} is {:?}, not f32", info.dtype);
    }
    let (start, end) = info.data_offsets;
    let data_start = file.stream_position()?;
    file.seek(SeekFrom::Start(data_start + start as u64))?;
    let mut bytes = vec![0u8; end - start];
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_survives_large_scores() {
        let mut row = [1000.0, 1001.0, 999.0];
        softmax(&mut row);
        let sum: f32 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-6);
        assert!(row[1] > row[0] && row[0] > row[2]);
        assert!((row[1] - 0.665_240_9).abs() < 1e-6, "{row:?}");
    }
}
