//! The points renumbered in Z order (Morton order) of their place on the map, so that the
//! points t-SNE pulls together, and the points spread onto one row of the interpolation grid,
//! sit together in memory rather than in input order. On 1,000,000 × 50 blobs
//! (examples/tsne_bench, 2 threads, the closing note of issue 37) it cut the spreading from
//! 62 to 20 s and the attraction from 606 to 579 s, the whole run from 882 to 832 s (one
//! run each; a rerun took 800 s, so runs vary by about 4%), for 3.6 s of renumbering. Renumbering every 50 iterations follows the map as it forms.

use rayon::prelude::*;

/// Fewest points renumbered (2 MiB of coordinates). Smaller maps keep the input's order: the
/// renumbering was measured at a million points only.
const LOCALITY_ROWS: usize = 1 << 18;
/// Iterations between renumberings.
const REORDER_EVERY: usize = 50;
/// Cells per axis of the grid the Z order is taken on.
const Z_CELLS: f32 = 65_535.0;

/// Which input point sits at each position of the optimiser's arrays.
pub(super) struct Placement {
    original: Vec<u32>,
    /// Whether the points are renumbered at all.
    renumbered: bool,
}

impl Placement {
    /// Every point at its input position, renumbered as the optimisation goes from
    /// [`LOCALITY_ROWS`] points.
    pub(super) fn new(n: usize) -> Self {
        Self::renumbering(n, n >= LOCALITY_ROWS)
    }

    /// Every point at its input position, renumbered as the optimisation goes or not.
    pub(super) fn renumbering(n: usize, renumbered: bool) -> Self {
        Self {
            original: (0..n as u32).collect(),
            renumbered,
        }
    }

    /// Whether the points are renumbered before `iteration`.
    pub(super) fn due(&self, iteration: usize) -> bool {
        self.renumbered && iteration.is_multiple_of(REORDER_EVERY)
    }

    /// Records that position `i` now holds what was at position `order[i]`.
    pub(super) fn follow(&mut self, order: &[u32]) {
        self.original = permuted(&self.original, order);
    }

    /// `y`, indexed by position, back in the input's order.
    pub(super) fn restore(&self, y: &[[f32; 2]]) -> Vec<[f32; 2]> {
        let mut restored = vec![[0.0; 2]; y.len()];
        for (&original, point) in self.original.iter().zip(y) {
            restored[original as usize] = *point;
        }
        restored
    }
}

/// `values` rearranged so that position `i` holds `values[order[i]]`.
pub(super) fn permuted<T: Copy + Send + Sync>(values: &[T], order: &[u32]) -> Vec<T> {
    order.par_iter().map(|&i| values[i as usize]).collect()
}

/// The positions of `y` in Z order of their cell on a 65,536² grid over the points' bounding
/// box (ties by position, so the order is a function of `y` alone).
pub(super) fn z_order(y: &[[f32; 2]]) -> Vec<u32> {
    let (low, high) = y.iter().fold(
        ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]),
        |(low, high), p| {
            (
                [low[0].min(p[0]), low[1].min(p[1])],
                [high[0].max(p[0]), high[1].max(p[1])],
            )
        },
    );
    let scale = |axis: usize| Z_CELLS / (high[axis] - low[axis]).max(f32::MIN_POSITIVE);
    let scale = [scale(0), scale(1)];
    let keys: Vec<u32> = y
        .par_iter()
        .map(|p| {
            // Float-to-integer casts saturate, so every key is a cell of the grid.
            let cell = |axis: usize| ((p[axis] - low[axis]) * scale[axis]) as u16;
            spread_bits(cell(0)) | spread_bits(cell(1)) << 1
        })
        .collect();
    let mut order: Vec<u32> = (0..y.len() as u32).collect();
    order.par_sort_unstable_by_key(|&i| (keys[i as usize], i));
    order
}

/// The bits of `v` moved to the even bit positions of a `u32`.
fn spread_bits(v: u16) -> u32 {
    let mut x = u32::from(v);
    x = (x | x << 8) & 0x00FF_00FF;
    x = (x | x << 4) & 0x0F0F_0F0F;
    x = (x | x << 2) & 0x3333_3333;
    (x | x << 1) & 0x5555_5555
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_bits_interleaves() {
        assert_eq!(spread_bits(0b1011), 0b100_0101);
        assert_eq!(spread_bits(u16::MAX), 0x5555_5555);
    }

    #[test]
    fn z_order_visits_quadrants_in_turn_and_restores() {
        // One point per quadrant, given out of order; Z order is lower-left, lower-right,
        // upper-left, upper-right.
        let y = [[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]];
        let order = z_order(&y);
        assert_eq!(order, [3, 2, 1, 0]);
        let mut placement = Placement::renumbering(4, true);
        placement.follow(&order);
        let moved = permuted(&y, &order);
        assert_eq!(placement.restore(&moved), y);
    }
}
