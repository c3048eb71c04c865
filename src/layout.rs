//! Grid layout: every image gets its own cell of a near-rectangular grid, as close as possible
//! to where t-SNE put it, so that neighbours on the map are neighbours in feature space.

use anyhow::{Result, bail};

/// A grid of `cols × rows` cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Grid {
    /// Number of cell columns.
    pub cols: u32,
    /// Number of cell rows.
    pub rows: u32,
}

impl Grid {
    /// The smallest grid of about `aspect` (width / height) holding `n` cells.
    pub fn for_count(n: usize, aspect: f64) -> Self {
        let n = n.max(1);
        let cols = ((n as f64 * aspect).sqrt().ceil() as usize).clamp(1, n);
        let rows = n.div_ceil(cols);
        Self {
            cols: cols as u32,
            rows: rows as u32,
        }
    }

    /// Number of cells.
    pub fn cells(self) -> usize {
        self.cols as usize * self.rows as usize
    }
}

/// A cell of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Cell {
    /// Column, from the left.
    pub col: u32,
    /// Row, from the top.
    pub row: u32,
}

/// Largest number of points solved as one exact linear assignment; the dense cost matrix
/// (8 bytes × points × cells) and the O(n³) solver set the bound (4,096 points: ~3 s).
pub const EXACT_LIMIT: usize = 4096;

/// Assigns each point its own cell of `grid`, minimising the total squared distance between
/// points (scaled to fill the grid) and cell centres: exactly up to [`EXACT_LIMIT`] points;
/// above it the grid is split recursively in halves along its longer side, each half taking
/// the points that lie on its side in proportion to its cells, and each block of at most
/// `EXACT_LIMIT` points solved exactly. Cells left empty end where points are sparsest.
pub fn assign(points: &[[f32; 2]], grid: Grid) -> Result<Vec<Cell>> {
    if points.len() > grid.cells() {
        bail!(
            "{} points do not fit a {}×{} grid",
            points.len(),
            grid.cols,
            grid.rows
        );
    }
    if let Some(i) = points
        .iter()
        .position(|p| !p[0].is_finite() || !p[1].is_finite())
    {
        bail!("point {i} of the 2-D embedding is not finite");
    }
    let scaled = scale_to_grid(points, grid);
    let mut cells = vec![Cell { col: 0, row: 0 }; points.len()];
    let all: Vec<usize> = (0..points.len()).collect();
    assign_block(
        &scaled,
        all,
        Block {
            col: 0,
            row: 0,
            cols: grid.cols,
            rows: grid.rows,
        },
        &mut cells,
    )?;
    Ok(cells)
}

/// Maps points into grid coordinates (cell `(c, r)` has its centre at `(c + 0.5, r + 0.5)`),
/// stretching each axis to the grid's extent.
fn scale_to_grid(points: &[[f32; 2]], grid: Grid) -> Vec<[f64; 2]> {
    let extent = |axis: usize| {
        let lo = points
            .iter()
            .map(|p| f64::from(p[axis]))
            .fold(f64::INFINITY, f64::min);
        let hi = points
            .iter()
            .map(|p| f64::from(p[axis]))
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    };
    let size = [f64::from(grid.cols), f64::from(grid.rows)];
    let ranges = [extent(0), extent(1)];
    points
        .iter()
        .map(|p| {
            let mut out = [0.0; 2];
            for axis in 0..2 {
                let (lo, hi) = ranges[axis];
                let t = if hi > lo {
                    (f64::from(p[axis]) - lo) / (hi - lo)
                } else {
                    0.5
                };
                out[axis] = t * size[axis];
            }
            out
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
struct Block {
    col: u32,
    row: u32,
    cols: u32,
    rows: u32,
}

impl Block {
    fn cells(self) -> usize {
        self.cols as usize * self.rows as usize
    }

    fn split(self) -> (Block, Block, usize) {
        if self.cols >= self.rows {
            let left = self.cols / 2;
            (
                Block { cols: left, ..self },
                Block {
                    col: self.col + left,
                    cols: self.cols - left,
                    ..self
                },
                0,
            )
        } else {
            let top = self.rows / 2;
            (
                Block { rows: top, ..self },
                Block {
                    row: self.row + top,
                    rows: self.rows - top,
                    ..self
                },
                1,
            )
        }
    }
}

fn assign_block(
    points: &[[f64; 2]],
    mut members: Vec<usize>,
    block: Block,
    cells: &mut [Cell],
) -> Result<()> {
    if members.is_empty() {
        return Ok(());
    }
    if members.len() <= EXACT_LIMIT {
        return assign_exact(points, &members, block, cells);
    }
    let (first, second, axis) = block.split();
    members.sort_by(|&a, &b| points[a][axis].total_cmp(&points[b][axis]));
    let share = members.len() as f64 * first.cells() as f64 / block.cells() as f64;
    let lowest = members.len().saturating_sub(second.cells());
    let take = (share.round() as usize).clamp(lowest, first.cells().min(members.len()));
    let rest = members.split_off(take);
    assign_block(points, members, first, cells)?;
    assign_block(points, rest, second, cells)
}

fn assign_exact(
    points: &[[f64; 2]],
    members: &[usize],
    block: Block,
    cells: &mut [Cell],
) -> Result<()> {
    let slots: Vec<Cell> = (0..block.rows)
        .flat_map(|r| {
            (0..block.cols).map(move |c| Cell {
                col: block.col + c,
                row: block.row + r,
            })
        })
        .collect();
    let cost: Vec<f64> = members
        .iter()
        .flat_map(|&i| {
            slots.iter().map(move |cell| {
                let dx = points[i][0] - (f64::from(cell.col) + 0.5);
                let dy = points[i][1] - (f64::from(cell.row) + 0.5);
                dx * dx + dy * dy
            })
        })
        .collect();
    let (rows, cols) = lsap::solve(members.len(), slots.len(), &cost, false)
        .map_err(|e| anyhow::anyhow!("grid assignment failed: {e:?}"))?;
    for (r, c) in rows.into_iter().zip(cols) {
        cells[members[r]] = slots[c];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Total squared distance between the (grid-scaled) points and their cells' centres.
    fn assignment_cost(points: &[[f32; 2]], grid: Grid, cells: &[Cell]) -> f64 {
        scale_to_grid(points, grid)
            .iter()
            .zip(cells)
            .map(|(p, c)| {
                (p[0] - f64::from(c.col) - 0.5).powi(2) + (p[1] - f64::from(c.row) - 0.5).powi(2)
            })
            .sum()
    }

    fn permutations(items: Vec<usize>) -> Vec<Vec<usize>> {
        if items.len() <= 1 {
            return vec![items];
        }
        let mut out = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.clone();
            let first = rest.remove(i);
            for mut perm in permutations(rest) {
                perm.insert(0, first);
                out.push(perm);
            }
        }
        out
    }

    #[test]
    fn exact_assignment_is_optimal_against_brute_force() {
        let points = [
            [0.3, 2.0],
            [0.1, 0.2],
            [5.0, 1.0],
            [2.2, 2.1],
            [4.0, 0.0],
            [1.0, 1.0],
            [3.0, 3.0],
        ];
        let grid = Grid::for_count(points.len(), 1.0);
        assert_eq!((grid.cols, grid.rows), (3, 3));
        let cells = assign(&points, grid).unwrap();
        let best = permutations((0..grid.cells()).collect())
            .into_iter()
            .map(|perm| {
                let cells: Vec<Cell> = perm[..points.len()]
                    .iter()
                    .map(|&k| Cell {
                        col: k as u32 % 3,
                        row: k as u32 / 3,
                    })
                    .collect();
                assignment_cost(&points, grid, &cells)
            })
            .fold(f64::INFINITY, f64::min);
        assert!((assignment_cost(&points, grid, &cells) - best).abs() < 1e-9);
    }

    #[test]
    fn every_point_gets_its_own_cell_above_the_exact_limit() {
        let n = EXACT_LIMIT * 2 + 123;
        let points: Vec<[f32; 2]> = (0..n)
            .map(|i| [((i * 7919) % 1000) as f32, ((i * 104_729) % 997) as f32])
            .collect();
        let grid = Grid::for_count(n, 1.5);
        let cells = assign(&points, grid).unwrap();
        let distinct: HashSet<Cell> = cells.iter().copied().collect();
        assert_eq!(distinct.len(), n);
        assert!(cells.iter().all(|c| c.col < grid.cols && c.row < grid.rows));
    }

    #[test]
    fn tiny_and_degenerate_inputs() {
        for n in 1..=3 {
            let points = vec![[1.0f32, 1.0]; n];
            let grid = Grid::for_count(n, 1.0);
            let cells = assign(&points, grid).unwrap();
            assert_eq!(cells.iter().collect::<HashSet<_>>().len(), n);
        }
        assert!(assign(&[[f32::NAN, 0.0]], Grid::for_count(1, 1.0)).is_err());
    }

    #[test]
    fn grid_shape_follows_aspect() {
        assert_eq!(Grid::for_count(100, 1.0), Grid { cols: 10, rows: 10 });
        let wide = Grid::for_count(100, 4.0);
        assert_eq!((wide.cols, wide.rows), (20, 5));
        assert!(Grid::for_count(101, 1.0).cells() >= 101);
    }
}
