//! The colour sort: each item's dominant colour (from its cell thumbnail) as a point, hue
//! along x and lightness along y, with near-greys (saturation under [`GREY`]) in a column
//! of their own past the reds, assigned to the grid by the similarity map's solver and
//! refined on the items' nearest colours (CIELAB) as the similarity map is on features.

use anyhow::Result;

use super::{ArrangeInput, Arranged};
use crate::base::grid::{Cell, Grid};
use crate::base::neighbours::{self, Graph, Search};
use crate::base::vectors::Vectors;
use crate::stages::layout;
use crate::stages::refine::{self, Refine};

/// HSL saturation under which a colour counts as grey (its hue means nothing).
const GREY: f32 = 0.12;

/// Nearest colours per item that the refinement brings next to it.
const COLOUR_NEIGHBOURS: usize = 15;

/// The dominant colour of an RGB image (`pixels`, 3 bytes each): the mean of the pixels in
/// the fullest bin of a 4 × 4 × 4 RGB histogram, so that a blue vase on white is blue only
/// where blue fills more of the image than any other colour.
pub fn dominant_colour(pixels: &[u8]) -> [u8; 3] {
    let bin =
        |p: &[u8]| (p[0] as usize >> 6) * 16 + (p[1] as usize >> 6) * 4 + (p[2] as usize >> 6);
    let mut counts = [0u32; 64];
    for p in pixels.chunks_exact(3) {
        counts[bin(p)] += 1;
    }
    let fullest = (0..64)
        .max_by_key(|&b| (counts[b], std::cmp::Reverse(b)))
        .unwrap_or(0);
    let mut sum = [0u64; 3];
    for p in pixels.chunks_exact(3).filter(|p| bin(p) == fullest) {
        (0..3).for_each(|c| sum[c] += p[c] as u64);
    }
    let n = counts[fullest].max(1) as u64;
    [(sum[0] / n) as u8, (sum[1] / n) as u8, (sum[2] / n) as u8]
}

/// Hue (0–1), saturation and lightness (0–1) of an sRGB colour (HSL).
fn hsl([r, g, b]: [u8; 3]) -> [f32; 3] {
    let [r, g, b] = [r, g, b].map(|v| v as f32 / 255.0);
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let l = (max + min) / 2.0;
    let d = max - min;
    if d <= f32::EPSILON {
        return [0.0, 0.0, l];
    }
    let s = d / (1.0 - (2.0 * l - 1.0).abs()).max(f32::EPSILON);
    let h = if max == r {
        ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    [h / 6.0, s.min(1.0), l]
}

/// CIELAB (D65) of an sRGB colour: distances in it follow how different colours look.
pub fn lab(rgb: [u8; 3]) -> [f32; 3] {
    let linear = rgb.map(|v| {
        let v = v as f32 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    });
    let [r, g, b] = linear;
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f32| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// The colour layout of items whose dominant colours are `colours`, refined as `how` says.
pub fn by_colour(input: &ArrangeInput<'_>, colours: &[[u8; 3]], how: Refine) -> Result<Arranged> {
    let points: Vec<[f32; 2]> = colours
        .iter()
        .map(|&c| {
            let [h, s, l] = hsl(c);
            [if s < GREY { 1.08 } else { h }, 1.0 - l]
        })
        .collect();
    let grid = Grid::for_count(colours.len(), input.aspect);
    let mut cells = layout::assign(&points, grid)?;
    if colours.len() > 2 {
        let rows: Vec<Vec<f32>> = colours.iter().map(|&c| lab(c).to_vec()).collect();
        let vectors = Vectors::from_rows(&rows)?;
        let k = COLOUR_NEIGHBOURS.min(colours.len() - 1);
        let found = neighbours::nearest(&vectors, k, Search::for_rows(colours.len()));
        refine::refine(&mut cells, grid, &Graph::keep(&found, k), how)?;
    }
    Ok(Arranged {
        grid,
        cells,
        labels: Vec::new(),
    })
}

/// The mean CIELAB distance between the colours of edge-neighbouring items on the grid:
/// how smoothly colour changes across a layout (lower is smoother).
pub fn neighbour_distance(cells: &[Cell], grid: Grid, colours: &[[u8; 3]]) -> f64 {
    let mut at = vec![usize::MAX; grid.cells()];
    for (i, &c) in cells.iter().enumerate() {
        at[grid.index(c)] = i;
    }
    let (mut sum, mut pairs) = (0.0, 0usize);
    for (i, &c) in cells.iter().enumerate() {
        let right = (c.col + 1 < grid.cols).then(|| Cell {
            col: c.col + 1,
            row: c.row,
        });
        let below = (c.row + 1 < grid.rows).then(|| Cell {
            col: c.col,
            row: c.row + 1,
        });
        for j in [right, below]
            .into_iter()
            .flatten()
            .map(|n| at[grid.index(n)])
        {
            if j != usize::MAX {
                let (a, b) = (lab(colours[i]), lab(colours[j]));
                sum += (0..3)
                    .map(|k| ((a[k] - b[k]) as f64).powi(2))
                    .sum::<f64>()
                    .sqrt();
                pairs += 1;
            }
        }
    }
    sum / pairs.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dominant_colour_is_the_fullest_one_and_colours_convert() {
        // Two-thirds blue, one third white.
        let mut pixels = Vec::new();
        for k in 0..300 {
            pixels.extend(if k % 3 == 0 {
                [250, 250, 250]
            } else {
                [20, 40, 200]
            });
        }
        assert_eq!(dominant_colour(&pixels), [20, 40, 200]);
        let [h, s, l] = hsl([20, 40, 200]);
        assert!(
            (h - 0.648).abs() < 0.01 && s > 0.8 && (l - 0.431).abs() < 0.01,
            "{h} {s} {l}"
        );
        // sRGB white and red in CIELAB (reference values, ±0.5).
        let white = lab([255, 255, 255]);
        assert!((white[0] - 100.0).abs() < 0.5 && white[1].abs() < 0.5 && white[2].abs() < 0.5);
        let red = lab([255, 0, 0]);
        assert!(
            (red[0] - 53.24).abs() < 0.5
                && (red[1] - 80.09).abs() < 0.5
                && (red[2] - 67.20).abs() < 0.5
        );
    }

    #[test]
    fn the_colour_sort_is_smoother_than_a_random_grid() {
        let colours: Vec<[u8; 3]> = (0..400u32)
            .map(|i| {
                let x = i.wrapping_mul(2654435761);
                [(x >> 8) as u8, (x >> 16) as u8, (x >> 24) as u8]
            })
            .collect();
        let points = vec![[0.0, 0.0]; 400];
        let map_cells = vec![Cell { col: 0, row: 0 }; 400];
        let input = ArrangeInput {
            points: &points,
            map_cells: &map_cells,
            aspect: 1.0,
        };
        let sorted = by_colour(&input, &colours, Refine::Auto).unwrap();
        let random: Vec<Cell> = (0..400)
            .map(|i| Cell {
                col: i % 20,
                row: i / 20,
            })
            .collect();
        let (smooth, rough) = (
            neighbour_distance(&sorted.cells, sorted.grid, &colours),
            neighbour_distance(&random, Grid { cols: 20, rows: 20 }, &colours),
        );
        assert!(
            smooth < 0.5 * rough,
            "sorted {smooth:.1}, random {rough:.1}"
        );
    }
}
