//! VGG16's convolutional trunk on the CPU, shaped for the machine: activations stay
//! channels-last (NHWC) with a one-pixel zero border from the input to conv5; every 3×3
//! convolution is Winograd F(2×2, 3×3) — 16 multiplies per 2×2 output tile and input channel
//! instead of 36 — as 16 GEMMs on the `gemm` crate per block of tiles, with bias, ReLU and the
//! following 2×2 max-pool fused into the output transform; blocks of tile rows run in
//! parallel over batch × rows, so the 14×14 layers use every core too.
//!
//! Written by hand because no crate does it: burn-flex's conv2d is im2col on NCHW with
//! single-threaded layout copies and separate bias, ReLU and pool passes
//! (`examples/conv_layers` times both), and no maintained Rust crate has a Winograd
//! convolution. The weights are the model's own, transformed once at load; on wgpu Burn's
//! conv2d runs instead.

use crate::base::matmul::{self, Layout};
use rayon::prelude::*;
use std::sync::Mutex;

/// Elements of a Winograd F(2×2, 3×3) tile: a 4×4 input patch gives a 2×2 output.
const TILE: usize = 16;

/// Tiles one block transforms and multiplies together: large enough that each GEMM streams
/// its weights once for many tiles, small enough that the block's transformed inputs stay
/// in the core's caches (48–128 measured best, 196–392 5–10% slower, `examples/model_speed`).
const BLOCK_TILES: usize = 128;

/// G of F(2×2, 3×3): U = G g Gᵀ turns a 3×3 kernel into a 4×4 one.
const G: [[f64; 3]; 4] = [
    [1.0, 0.0, 0.0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0.0, 0.0, 1.0],
];

/// A batch of activations, channels last, with a one-pixel zero border around each image
/// (the convolutions' padding), so every 4×4 input patch is read without bounds cases.
struct Padded {
    data: Vec<f32>,
    batch: usize,
    side: usize,
    channels: usize,
}

impl Padded {
    /// Floats in a padded batch.
    fn len(batch: usize, side: usize, channels: usize) -> usize {
        batch * (side + 2) * (side + 2) * channels
    }

    /// A batch in `reuse` (a spare buffer, or a new one) with its border zeroed; its
    /// interior holds whatever was there, for a convolution to overwrite.
    fn with_border(reuse: Option<Vec<f32>>, batch: usize, side: usize, channels: usize) -> Self {
        let mut data = reuse.unwrap_or_default();
        let width = (side + 2) * channels;
        data.resize(Self::len(batch, side, channels), 0.0);
        for image in data.chunks_exact_mut((side + 2) * width) {
            let (first, rest) = image.split_at_mut(width);
            let (middle, last) = rest.split_at_mut(side * width);
            first.fill(0.0);
            last.fill(0.0);
            for row in middle.chunks_exact_mut(width) {
                row[..channels].fill(0.0);
                row[width - channels..].fill(0.0);
            }
        }
        Self {
            data,
            batch,
            side,
            channels,
        }
    }

    /// Copies a planar `[batch, channels, side, side]` batch (Burn's layout) in.
    fn from_nchw(
        reuse: Option<Vec<f32>>,
        values: &[f32],
        batch: usize,
        channels: usize,
        side: usize,
    ) -> Self {
        let mut padded = Self::with_border(reuse, batch, side, channels);
        let plane = side * side;
        for (b, rows) in padded.interior_rows_mut().chunks_mut(side).enumerate() {
            let image = &values[b * channels * plane..(b + 1) * channels * plane];
            for (y, row) in rows.iter_mut().enumerate() {
                for (x, pixel) in row[channels..]
                    .chunks_exact_mut(channels)
                    .take(side)
                    .enumerate()
                {
                    for (c, value) in pixel.iter_mut().enumerate() {
                        *value = image[c * plane + y * side + x];
                    }
                }
            }
        }
        padded
    }

    /// The interior as a planar `[batch, channels, side, side]` batch.
    fn to_nchw(&self) -> Vec<f32> {
        let (side, channels) = (self.side, self.channels);
        let mut out = vec![0.0; self.batch * channels * side * side];
        for (b, image) in out.chunks_exact_mut(channels * side * side).enumerate() {
            for y in 0..side {
                for x in 0..side {
                    let pixel = self.pixel(b, y + 1, x + 1);
                    for (c, &value) in pixel.iter().enumerate() {
                        image[(c * side + y) * side + x] = value;
                    }
                }
            }
        }
        out
    }

    /// The `channels` values at padded coordinates (`y`, `x`) of image `b`.
    fn pixel(&self, b: usize, y: usize, x: usize) -> &[f32] {
        let width = self.side + 2;
        let start = ((b * width + y) * width + x) * self.channels;
        &self.data[start..start + self.channels]
    }

    /// Every image's interior rows in order (`batch × side` of them), each the whole padded
    /// width: the rows an output transform writes, handed out to parallel blocks.
    fn interior_rows_mut(&mut self) -> Vec<&mut [f32]> {
        let width = (self.side + 2) * self.channels;
        let side = self.side;
        self.data
            .chunks_exact_mut(width)
            .enumerate()
            .filter(|(i, _)| (1..=side).contains(&(i % (side + 2))))
            .map(|(_, row)| row)
            .collect()
    }
}

/// Convolutions with fewer input channels run directly: VGG16's conv1 has 3, which would
/// make Winograd's GEMMs 3 deep (measured: conv1 191 ms per batch of 8 that way, against
/// 25 ms directly).
const DIRECT_BELOW: usize = 16;

/// One 3×3 convolution (stride 1, padding 1) with its ReLU, and the max-pool after it when
/// there is one.
struct Conv3x3 {
    inputs: usize,
    outputs: usize,
    kernel: Kernel,
    bias: Vec<f32>,
    pool: bool,
}

/// A convolution's weights, laid out for its algorithm.
enum Kernel {
    /// U = G g Gᵀ laid out `[16][inputs][outputs]`: the right-hand sides of the 16 GEMMs.
    Winograd(Vec<f32>),
    /// `[3][3][inputs][outputs]`: one GEMM of explicit 3×3 patches (`[pixel][3][3][inputs]`)
    /// per two output rows.
    Direct(Vec<f32>),
}

/// Per-block buffers, reused across the blocks one worker runs.
#[derive(Default)]
struct Scratch {
    /// Transformed inputs, `[tile][16][inputs]`.
    patches: Vec<f32>,
    /// Products, `[tile][16][outputs]`.
    products: Vec<f32>,
}

impl Conv3x3 {
    /// `weight` is PyTorch's `[outputs, inputs, 3, 3]`.
    fn new(weight: &[f32], bias: Vec<f32>, inputs: usize, pool: bool) -> Self {
        let outputs = bias.len();
        let kernel = if inputs < DIRECT_BELOW {
            Kernel::Direct(direct_weights(weight, inputs, outputs))
        } else {
            Kernel::Winograd(winograd_weights(weight, inputs, outputs))
        };
        Self {
            inputs,
            outputs,
            kernel,
            bias,
            pool,
        }
    }
}

/// PyTorch's `[outputs, inputs, 3, 3]` as [`Kernel::Direct`]'s layout.
fn direct_weights(weight: &[f32], inputs: usize, outputs: usize) -> Vec<f32> {
    let mut laid_out = vec![0.0; 9 * inputs * outputs];
    for (o, kernels) in weight.chunks_exact(inputs * 9).enumerate() {
        for (i, g) in kernels.chunks_exact(9).enumerate() {
            for (tap, &value) in g.iter().enumerate() {
                laid_out[(tap * inputs + i) * outputs + o] = value;
            }
        }
    }
    laid_out
}

/// PyTorch's `[outputs, inputs, 3, 3]` transformed for Winograd (U = G g Gᵀ, computed in
/// f64), in [`Kernel::Winograd`]'s layout.
fn winograd_weights(weight: &[f32], inputs: usize, outputs: usize) -> Vec<f32> {
    let mut transformed = vec![0.0; TILE * inputs * outputs];
    for (o, kernels) in weight.chunks_exact(inputs * 9).enumerate() {
        for (i, g) in kernels.chunks_exact(9).enumerate() {
            for a in 0..4 {
                for b in 0..4 {
                    let mut sum = 0.0;
                    for p in 0..3 {
                        for q in 0..3 {
                            sum += G[a][p] * f64::from(g[p * 3 + q]) * G[b][q];
                        }
                    }
                    transformed[((a * 4 + b) * inputs + i) * outputs + o] = sum as f32;
                }
            }
        }
    }
    transformed
}

impl Conv3x3 {
    /// Convolves `x` into `out`, whose border is zero and whose interior it overwrites,
    /// each worker taking a contiguous run of blocks with its own scratch buffers.
    fn forward(&self, x: &Padded, out: &mut Padded, scratch: &mut [Scratch]) {
        let tiles_per_row = x.side / 2;
        let tile_rows = x.batch * tiles_per_row;
        let rows_per_tile_row = if self.pool { 1 } else { 2 };
        let block = block_rows(tile_rows, tiles_per_row, scratch.len());
        let per_worker = tile_rows.div_ceil(block).div_ceil(scratch.len()) * block;
        let mut rows = out.interior_rows_mut();
        rows.par_chunks_mut(per_worker * rows_per_tile_row)
            .zip(scratch.par_iter_mut())
            .enumerate()
            .for_each(|(worker, (worker_rows, scratch))| {
                let blocks = worker_rows.chunks_mut(block * rows_per_tile_row);
                for (i, out_rows) in blocks.enumerate() {
                    let first = worker * per_worker + i * block;
                    let count = out_rows.len() / rows_per_tile_row;
                    self.block(x, first, count, out_rows, scratch);
                }
            });
    }

    /// Convolves the tile rows `first..first + count` (each `(image, tile y)`: two output
    /// rows) into `out_rows`.
    fn block(
        &self,
        x: &Padded,
        first: usize,
        count: usize,
        out_rows: &mut [&mut [f32]],
        scratch: &mut Scratch,
    ) {
        match &self.kernel {
            Kernel::Winograd(transformed) => {
                self.winograd_block(transformed, x, first, count, out_rows, scratch);
            }
            Kernel::Direct(weights) => {
                for r in 0..count {
                    let rows = if self.pool {
                        r..r + 1
                    } else {
                        2 * r..2 * r + 2
                    };
                    self.direct_tile_row(weights, x, first + r, &mut out_rows[rows], scratch);
                }
            }
        }
    }

    /// The two output rows of tile row `tile_row` as one GEMM of explicit patches, then
    /// bias, ReLU and the pool into `out_rows` (one row pooled, else two).
    fn direct_tile_row(
        &self,
        weights: &[f32],
        x: &Padded,
        tile_row: usize,
        out_rows: &mut [&mut [f32]],
        scratch: &mut Scratch,
    ) {
        let (side, cin, cout) = (x.side, self.inputs, self.outputs);
        let depth = 9 * cin;
        let (b, y) = (tile_row / (side / 2), 2 * (tile_row % (side / 2)));
        scratch.patches.resize(2 * side * depth, 0.0);
        scratch.products.resize(2 * side * cout, 0.0);
        for (p, patch) in scratch.patches.chunks_exact_mut(depth).enumerate() {
            let (dy0, px) = (p / side, p % side);
            for (tap, taps) in patch.chunks_exact_mut(cin).enumerate() {
                taps.copy_from_slice(x.pixel(b, y + dy0 + tap / 3, px + tap % 3));
            }
        }
        matmul::multiply(
            [2 * side, cout, depth],
            &mut scratch.products,
            cout,
            (&scratch.patches, Layout::rows(depth)),
            (weights, Layout::rows(cout)),
        );
        let (upper, lower) = scratch.products.split_at(side * cout);
        if self.pool {
            for px in 0..side / 2 {
                let out = &mut out_rows[0][(px + 1) * cout..(px + 2) * cout];
                for (c, value) in out.iter_mut().enumerate() {
                    let (left, right) = (2 * px * cout + c, (2 * px + 1) * cout + c);
                    let top = upper[left].max(upper[right]);
                    let bottom = lower[left].max(lower[right]);
                    *value = (top.max(bottom) + self.bias[c]).max(0.0);
                }
            }
        } else {
            for (row, products) in out_rows.iter_mut().zip([upper, lower]) {
                let interior = &mut row[cout..(side + 1) * cout];
                for (out, pixel) in interior
                    .chunks_exact_mut(cout)
                    .zip(products.chunks_exact(cout))
                {
                    for ((value, &sum), &bias) in out.iter_mut().zip(pixel).zip(&self.bias) {
                        *value = (sum + bias).max(0.0);
                    }
                }
            }
        }
    }

    /// Winograd for the tile rows `first..first + count`.
    fn winograd_block(
        &self,
        transformed: &[f32],
        x: &Padded,
        first: usize,
        count: usize,
        out_rows: &mut [&mut [f32]],
        scratch: &mut Scratch,
    ) {
        let tiles_per_row = x.side / 2;
        let tiles = count * tiles_per_row;
        let (cin, cout) = (self.inputs, self.outputs);
        scratch.patches.resize(tiles * TILE * cin, 0.0);
        scratch.products.resize(tiles * TILE * cout, 0.0);
        let patches = scratch.patches.chunks_exact_mut(TILE * cin);
        for (t, patch) in patches.enumerate().take(tiles) {
            let tile_row = first + t / tiles_per_row;
            let (b, ty) = (tile_row / tiles_per_row, tile_row % tiles_per_row);
            transform_patch(x, b, 2 * ty, 2 * (t % tiles_per_row), patch);
        }
        multiply(transformed, tiles, cin, cout, scratch);
        let products = scratch.products.chunks_exact(TILE * cout);
        for (t, product) in products.enumerate().take(tiles) {
            let (r, tx) = (t / tiles_per_row, t % tiles_per_row);
            if self.pool {
                let pixel = &mut out_rows[r][(tx + 1) * cout..(tx + 2) * cout];
                pool_tile(product, &self.bias, pixel);
            } else {
                let [top, bottom] = &mut out_rows[2 * r..2 * r + 2] else {
                    unreachable!("two output rows per tile row")
                };
                let at = (2 * tx + 1) * cout..(2 * tx + 3) * cout;
                output_tile(product, &self.bias, &mut top[at.clone()], &mut bottom[at]);
            }
        }
    }
}

/// The 16 GEMMs: products[t][k] = patches[t][k] · U[k], for every tile t of the block.
fn multiply(transformed: &[f32], tiles: usize, cin: usize, cout: usize, scratch: &mut Scratch) {
    for k in 0..TILE {
        matmul::multiply(
            [tiles, cout, cin],
            &mut scratch.products[k * cout..],
            TILE * cout,
            (&scratch.patches[k * cin..], Layout::rows(TILE * cin)),
            (&transformed[k * cin * cout..], Layout::rows(cout)),
        );
    }
}

/// One tile's 16 product rows (`[16][n]`) as separate slices.
fn product_rows(product: &[f32]) -> [&[f32]; TILE] {
    let n = product.len() / TILE;
    std::array::from_fn(|k| &product[k * n..(k + 1) * n])
}

/// Aᵀ m A at channel `c` of one tile's product rows `m`: its 2×2 outputs (top left, top
/// right, bottom left, bottom right) before bias, with Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]].
/// Straight-line code, inlined into the loops over channels so that they vectorise.
#[inline(always)]
fn inverse(m: &[&[f32]; TILE], c: usize) -> [f32; 4] {
    let column = |j: usize| {
        let (a, b, d, e) = (m[j][c], m[4 + j][c], m[8 + j][c], m[12 + j][c]);
        (a + b + d, b - d - e)
    };
    let (s00, s10) = column(0);
    let (s01, s11) = column(1);
    let (s02, s12) = column(2);
    let (s03, s13) = column(3);
    [
        s00 + s01 + s02,
        s01 - s02 - s03,
        s10 + s11 + s12,
        s11 - s12 - s13,
    ]
}

/// One tile's outputs plus bias, through ReLU, into two output rows of two pixels each.
fn output_tile(product: &[f32], bias: &[f32], top: &mut [f32], bottom: &mut [f32]) {
    let n = bias.len();
    let m = product_rows(product);
    let (top_left, top_right) = top.split_at_mut(n);
    let (bottom_left, bottom_right) = bottom.split_at_mut(n);
    let (top_right, bottom_right) = (&mut top_right[..n], &mut bottom_right[..n]);
    for c in 0..n {
        let [y00, y01, y10, y11] = inverse(&m, c);
        top_left[c] = (y00 + bias[c]).max(0.0);
        top_right[c] = (y01 + bias[c]).max(0.0);
        bottom_left[c] = (y10 + bias[c]).max(0.0);
        bottom_right[c] = (y11 + bias[c]).max(0.0);
    }
}

/// As [`output_tile`], then the 2×2 max-pool: one output pixel per tile.
fn pool_tile(product: &[f32], bias: &[f32], out: &mut [f32]) {
    let n = bias.len();
    let m = product_rows(product);
    let out = &mut out[..n];
    for c in 0..n {
        let [y00, y01, y10, y11] = inverse(&m, c);
        out[c] = (y00.max(y01).max(y10.max(y11)) + bias[c]).max(0.0);
    }
}

/// Bᵀ d B for the 4×4 patch whose top-left is padded (`y`, `x0`) of image `b`, every
/// channel, into `patch` (`[16][channels]`), with
/// Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
fn transform_patch(x: &Padded, b: usize, y: usize, x0: usize, patch: &mut [f32]) {
    let n = x.channels;
    let [
        d0,
        d1,
        d2,
        d3,
        d4,
        d5,
        d6,
        d7,
        d8,
        d9,
        d10,
        d11,
        d12,
        d13,
        d14,
        d15,
    ]: [&[f32]; TILE] = std::array::from_fn(|k| x.pixel(b, y + k / 4, x0 + k % 4));
    let mut rows = patch.chunks_exact_mut(n);
    let mut next = || rows.next().expect("a patch holds 16 rows of channels");
    let [
        v0,
        v1,
        v2,
        v3,
        v4,
        v5,
        v6,
        v7,
        v8,
        v9,
        v10,
        v11,
        v12,
        v13,
        v14,
        v15,
    ]: [&mut [f32]; TILE] = std::array::from_fn(|_| next());
    for c in 0..n {
        let t0 = [d0[c] - d8[c], d1[c] - d9[c], d2[c] - d10[c], d3[c] - d11[c]];
        let t1 = [d4[c] + d8[c], d5[c] + d9[c], d6[c] + d10[c], d7[c] + d11[c]];
        let t2 = [d8[c] - d4[c], d9[c] - d5[c], d10[c] - d6[c], d11[c] - d7[c]];
        let t3 = [
            d4[c] - d12[c],
            d5[c] - d13[c],
            d6[c] - d14[c],
            d7[c] - d15[c],
        ];
        v0[c] = t0[0] - t0[2];
        v1[c] = t0[1] + t0[2];
        v2[c] = t0[2] - t0[1];
        v3[c] = t0[1] - t0[3];
        v4[c] = t1[0] - t1[2];
        v5[c] = t1[1] + t1[2];
        v6[c] = t1[2] - t1[1];
        v7[c] = t1[1] - t1[3];
        v8[c] = t2[0] - t2[2];
        v9[c] = t2[1] + t2[2];
        v10[c] = t2[2] - t2[1];
        v11[c] = t2[1] - t2[3];
        v12[c] = t3[0] - t3[2];
        v13[c] = t3[1] + t3[2];
        v14[c] = t3[2] - t3[1];
        v15[c] = t3[1] - t3[3];
    }
}

/// Tile rows per block: about [`BLOCK_TILES`] tiles, with the block count a multiple of
/// the workers where the rows allow, so that no core idles at 14×14.
fn block_rows(tile_rows: usize, tiles_per_row: usize, workers: usize) -> usize {
    let wanted = (tile_rows * tiles_per_row).div_ceil(BLOCK_TILES).max(1);
    let blocks = wanted.div_ceil(workers) * workers;
    tile_rows.div_ceil(blocks.min(tile_rows)).max(1)
}

/// Buffers kept between batches: one scratch per worker and the activation buffers, whose
/// pages would otherwise be faulted in and cleared again for every layer of every batch.
struct Workspace {
    scratch: Vec<Scratch>,
    spare: Vec<Vec<f32>>,
}

/// The spare buffer that holds `len` floats with the least capacity (so the large buffers
/// stay for the large layers), else the largest, to grow.
fn take_spare(spare: &mut Vec<Vec<f32>>, len: usize) -> Option<Vec<f32>> {
    let fits = (0..spare.len())
        .filter(|&i| spare[i].capacity() >= len)
        .min_by_key(|&i| spare[i].capacity());
    let pick = fits.or_else(|| (0..spare.len()).max_by_key(|&i| spare[i].capacity()))?;
    Some(spare.swap_remove(pick))
}

/// VGG16's convolutional trunk: the 13 convolutions with their ReLUs and the 5 max-pools.
pub struct CpuTrunk {
    convs: Vec<Conv3x3>,
    workspace: Mutex<Workspace>,
}

/// One convolution as the model holds it: PyTorch-layout weight, bias, and whether a pool
/// follows.
pub struct ConvWeights {
    /// `[outputs, inputs, 3, 3]`.
    pub weight: Vec<f32>,
    /// `[outputs]`.
    pub bias: Vec<f32>,
    /// Input channels.
    pub inputs: usize,
    /// Whether a 2×2 max-pool follows this convolution.
    pub pool: bool,
}

impl CpuTrunk {
    /// Transforms each convolution's weights once.
    pub fn new(convs: Vec<ConvWeights>) -> Self {
        let convs = convs
            .into_iter()
            .map(|c| Conv3x3::new(&c.weight, c.bias, c.inputs, c.pool))
            .collect();
        let workers = rayon::current_num_threads().max(1);
        let workspace = Workspace {
            scratch: (0..workers).map(|_| Scratch::default()).collect(),
            spare: Vec::new(),
        };
        Self {
            convs,
            workspace: Mutex::new(workspace),
        }
    }

    /// `[batch, 3, side, side]` normalised input to `[batch, C, side/32, side/32]`, both
    /// planar; `side` must be divisible by 32.
    pub fn forward(&self, input: &[f32], batch: usize, side: usize) -> Vec<f32> {
        self.forward_observed(input, batch, side, |_| {})
    }

    /// As [`forward`](Self::forward), calling `after` with each convolution's index once it
    /// is done (`examples/conv_layers` times the layers with it).
    pub fn forward_observed(
        &self,
        input: &[f32],
        batch: usize,
        side: usize,
        mut after: impl FnMut(usize),
    ) -> Vec<f32> {
        let mut workspace = self.workspace.lock().unwrap_or_else(|e| e.into_inner());
        let Workspace { scratch, spare } = &mut *workspace;
        let channels = self.convs.first().map_or(3, |c| c.inputs);
        let len = Padded::len(batch, side, channels);
        let mut x = Padded::from_nchw(take_spare(spare, len), input, batch, channels, side);
        for (i, conv) in self.convs.iter().enumerate() {
            let out_side = if conv.pool { x.side / 2 } else { x.side };
            let len = Padded::len(batch, out_side, conv.outputs);
            let mut out =
                Padded::with_border(take_spare(spare, len), batch, out_side, conv.outputs);
            conv.forward(&x, &mut out, scratch);
            spare.push(std::mem::replace(&mut x, out).data);
            after(i);
        }
        let planar = x.to_nchw();
        spare.push(x.data);
        planar
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// A direct convolution in f64 (with padding 1, bias, ReLU and the optional pool), the
    /// reference for both kernels. Planar in and out.
    fn reference(input: &[f32], weight: &[f32], bias: &[f32], shape: Shape) -> Vec<f32> {
        let Shape {
            batch,
            inputs,
            outputs,
            side,
            pool,
        } = shape;
        let at = |b: usize, c: usize, y: isize, x: isize| -> f64 {
            let inside = (0..side as isize).contains(&y) && (0..side as isize).contains(&x);
            if inside {
                f64::from(input[((b * inputs + c) * side + y as usize) * side + x as usize])
            } else {
                0.0
            }
        };
        let conv = |b: usize, o: usize, y: usize, x: usize| -> f64 {
            let mut sum = f64::from(bias[o]);
            for c in 0..inputs {
                for tap in 0..9 {
                    let (dy, dx) = ((tap / 3) as isize - 1, (tap % 3) as isize - 1);
                    let w = f64::from(weight[(o * inputs + c) * 9 + tap]);
                    sum += w * at(b, c, y as isize + dy, x as isize + dx);
                }
            }
            sum.max(0.0)
        };
        let out_side = if pool { side / 2 } else { side };
        let mut out = Vec::new();
        for b in 0..batch {
            for o in 0..outputs {
                for y in 0..out_side {
                    for x in 0..out_side {
                        let value = if pool {
                            let window = [(0, 0), (0, 1), (1, 0), (1, 1)];
                            window
                                .map(|(dy, dx)| conv(b, o, 2 * y + dy, 2 * x + dx))
                                .into_iter()
                                .fold(f64::MIN, f64::max)
                        } else {
                            conv(b, o, y, x)
                        };
                        out.push(value as f32);
                    }
                }
            }
        }
        out
    }

    #[derive(Clone, Copy, Debug)]
    struct Shape {
        batch: usize,
        inputs: usize,
        outputs: usize,
        side: usize,
        pool: bool,
    }

    /// One convolution through the CPU trunk's path, into a stale (NaN-filled) spare buffer
    /// to check that the border is zeroed and the interior overwritten.
    fn run(input: &[f32], weight: &[f32], bias: &[f32], shape: Shape) -> Vec<f32> {
        let conv = Conv3x3::new(weight, bias.to_vec(), shape.inputs, shape.pool);
        let x = Padded::from_nchw(None, input, shape.batch, shape.inputs, shape.side);
        let out_side = if shape.pool {
            shape.side / 2
        } else {
            shape.side
        };
        let stale = vec![f32::NAN; 4 * Padded::len(shape.batch, shape.side, shape.outputs)];
        let mut out = Padded::with_border(Some(stale), shape.batch, out_side, shape.outputs);
        let mut scratch: Vec<Scratch> = (0..3).map(|_| Scratch::default()).collect();
        conv.forward(&x, &mut out, &mut scratch);
        assert!(
            out.data.iter().all(|v| v.is_finite()),
            "a stale value survived"
        );
        out.to_nchw()
    }

    #[test]
    fn both_kernels_match_a_direct_convolution_in_f64() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let shapes = [
            (2, 3, 8, 6, false),
            (2, 3, 8, 6, true),
            (3, 16, 24, 10, false),
        ]
        .into_iter()
        .chain([
            (3, 16, 24, 10, true),
            (1, 32, 16, 4, true),
            (2, 24, 8, 2, false),
        ]);
        for (batch, inputs, outputs, side, pool) in shapes {
            let shape = Shape {
                batch,
                inputs,
                outputs,
                side,
                pool,
            };
            let mut random =
                |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0..1.0)).collect() };
            let input = random(batch * inputs * side * side);
            let weight = random(outputs * inputs * 9);
            let bias = random(outputs);
            let want = reference(&input, &weight, &bias, shape);
            let got = run(&input, &weight, &bias, shape);
            assert_eq!(got.len(), want.len());
            let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
            let worst = got
                .iter()
                .zip(&want)
                .fold(0f32, |m, (g, w)| m.max((g - w).abs()));
            assert!(scale > 0.0, "{shape:?}: the reference is all zero");
            assert!(
                worst <= 1e-5 * scale,
                "{shape:?}: max error {worst} of {scale}"
            );
        }
    }
}
