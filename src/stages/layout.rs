//! Grid layout: every image gets its own cell of a near-rectangular grid, as close as possible
//! to where t-SNE put it, so that neighbours on the map are neighbours in feature space.

use anyhow::{Result, bail};
use rayon::prelude::*;

use crate::base::grid::{Cell, Grid};

/// Largest number of points solved as one exact linear assignment by [`assign`]; the
/// dense cost matrix (8 bytes × points × cells) and the solver's superlinear time set the
/// bound. Above it the blocked method is within 1% of the optimum in a fraction of the
/// time (bench/layout.sh).
pub const EXACT_LIMIT: usize = 2048;

/// Points per block of the blocked method: blocks of this size solve in milliseconds,
/// and the windows re-solved across block borders are of the same size
/// (bench/layout.sh: 512 reaches 1.017× the optimum at 10k; 256 1.020×, 1024 1.033×).
const BLOCK_POINTS: usize = 512;

/// Most window passes, at up to 10,000 points; proportionally fewer above (a pass costs
/// more than linear time in N, as points travel farther on larger maps), none from 240,000
/// points, so that a million points take well under two minutes (bench/layout.sh).
const WINDOW_PASSES: usize = 24;

/// Refinement stops when a pass lowers the total cost by less than this share.
const WINDOW_CONVERGED: f64 = 1e-4;

/// How [`assign_with`] solves the assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One exact linear assignment over every point and cell (Jonker–Volgenant style
    /// shortest augmenting paths, `lsap`): optimal, cubic time, quadratic memory.
    Exact,
    /// The grid split recursively in halves, each half taking the points on its side in
    /// proportion to its cells, down to blocks of about `block` points solved exactly;
    /// then up to `passes` rounds of exact re-solves on windows shifted across the block
    /// borders, stopping early once a round gains less than 0.01%.
    Blocked {
        /// Points per block and cells per re-solved window.
        block: usize,
        /// Refinement rounds.
        passes: usize,
    },
}

impl Method {
    /// The method [`assign`] uses for `n` points.
    pub fn for_count(n: usize) -> Self {
        if n <= EXACT_LIMIT {
            Method::Exact
        } else {
            let scale = 10_000.0 / n as f64;
            Method::Blocked {
                block: BLOCK_POINTS,
                passes: ((WINDOW_PASSES as f64 * scale).round() as usize).min(WINDOW_PASSES),
            }
        }
    }
}

/// Assigns each point its own cell of `grid`, minimising the total squared distance between
/// points (scaled to fill the grid) and cell centres, with the method [`Method::for_count`]
/// picks. Cells left empty end where points are sparsest.
pub fn assign(points: &[[f32; 2]], grid: Grid) -> Result<Vec<Cell>> {
    assign_with(points, grid, Method::for_count(points.len()))
}

/// [`assign`] with a chosen method.
pub fn assign_with(points: &[[f32; 2]], grid: Grid, method: Method) -> Result<Vec<Cell>> {
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
    let whole = Block::whole(grid);
    let all: Vec<usize> = (0..points.len()).collect();
    let pairs = match method {
        Method::Exact => solve_exact(&scaled, &all, &whole.cells_in())?,
        Method::Blocked { block, .. } => assign_blocks(&scaled, all, whole, block.max(1))?,
    };
    let mut cells = vec![Cell { col: 0, row: 0 }; points.len()];
    for (i, cell) in pairs {
        cells[i] = cell;
    }
    if let Method::Blocked { block, passes } = method {
        resolve_windows(&scaled, &mut cells, grid, block.max(1), passes)?;
    }
    Ok(cells)
}

/// Total squared distance between points (scaled to fill `grid`) and their cells' centres:
/// what [`assign`] minimises, for comparing methods.
pub fn assignment_cost(points: &[[f32; 2]], grid: Grid, cells: &[Cell]) -> f64 {
    total_cost(&scale_to_grid(points, grid), cells)
}

/// Total squared distance between grid-scaled points and their cells' centres.
fn total_cost(points: &[[f64; 2]], cells: &[Cell]) -> f64 {
    points
        .iter()
        .zip(cells)
        .map(|(p, c)| distance_to_centre(p, *c))
        .sum()
}

fn distance_to_centre(point: &[f64; 2], cell: Cell) -> f64 {
    let dx = point[0] - (f64::from(cell.col) + 0.5);
    let dy = point[1] - (f64::from(cell.row) + 0.5);
    dx * dx + dy * dy
}

/// Maps points into grid coordinates (cell `(c, r)` has its centre at `(c + 0.5, r + 0.5)`),
/// stretching each axis to the grid's extent.
fn scale_to_grid(points: &[[f32; 2]], grid: Grid) -> Vec<[f64; 2]> {
    let wide: Vec<[f64; 2]> = points
        .iter()
        .map(|p| [f64::from(p[0]), f64::from(p[1])])
        .collect();
    let all: Vec<usize> = (0..points.len()).collect();
    let whole = Block::whole(grid);
    fit_into(&wide, &all, whole)
}

/// A rectangle of cells.
#[derive(Debug, Clone, Copy)]
struct Block {
    col: u32,
    row: u32,
    cols: u32,
    rows: u32,
}

impl Block {
    fn whole(grid: Grid) -> Self {
        Self {
            col: 0,
            row: 0,
            cols: grid.cols,
            rows: grid.rows,
        }
    }

    fn cells(self) -> usize {
        self.cols as usize * self.rows as usize
    }

    fn cells_in(self) -> Vec<Cell> {
        (0..self.rows)
            .flat_map(|r| {
                (0..self.cols).map(move |c| Cell {
                    col: self.col + c,
                    row: self.row + r,
                })
            })
            .collect()
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

/// The recursive halving of [`Method::Blocked`], halves solved in parallel.
fn assign_blocks(
    points: &[[f64; 2]],
    mut members: Vec<usize>,
    block: Block,
    limit: usize,
) -> Result<Vec<(usize, Cell)>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    if members.len() <= limit {
        let local = fit_into(points, &members, block);
        let order: Vec<usize> = (0..members.len()).collect();
        return Ok(solve_exact(&local, &order, &block.cells_in())?
            .into_iter()
            .map(|(k, cell)| (members[k], cell))
            .collect());
    }
    let (first, second, axis) = block.split();
    members.sort_by(|&a, &b| points[a][axis].total_cmp(&points[b][axis]));
    let share = members.len() as f64 * first.cells() as f64 / block.cells() as f64;
    let lowest = members.len().saturating_sub(second.cells());
    let take = (share.round() as usize).clamp(lowest, first.cells().min(members.len()));
    let rest = members.split_off(take);
    let (a, b) = rayon::join(
        || assign_blocks(points, members, first, limit),
        || assign_blocks(points, rest, second, limit),
    );
    let mut placed = a?;
    placed.extend(b?);
    Ok(placed)
}

/// The members' points stretched over `block`, each axis min-max. For the whole grid this is
/// the layout's scaling; for a block, the halving has already settled which points it holds,
/// and stretching keeps their arrangement while sparing the solver costs that are all large
/// and nearly tied when the points lie far from the block (large maps).
fn fit_into(points: &[[f64; 2]], members: &[usize], block: Block) -> Vec<[f64; 2]> {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for &i in members {
        for axis in 0..2 {
            lo[axis] = lo[axis].min(points[i][axis]);
            hi[axis] = hi[axis].max(points[i][axis]);
        }
    }
    let origin = [f64::from(block.col), f64::from(block.row)];
    let size = [f64::from(block.cols), f64::from(block.rows)];
    members
        .iter()
        .map(|&i| {
            let mut out = [0.0; 2];
            for axis in 0..2 {
                let t = if hi[axis] > lo[axis] {
                    (points[i][axis] - lo[axis]) / (hi[axis] - lo[axis])
                } else {
                    0.5
                };
                out[axis] = origin[axis] + t * size[axis];
            }
            out
        })
        .collect()
}

/// Re-solves windows of about `window` cells exactly, each pass on windows shifted by half
/// a window from the last, so that points pushed to the wrong side of a block border move
/// back. A window's re-solve never raises the cost: its current assignment is one of the
/// candidates.
fn resolve_windows(
    points: &[[f64; 2]],
    cells: &mut [Cell],
    grid: Grid,
    window: usize,
    passes: usize,
) -> Result<()> {
    let side = (window as f64).sqrt().round().max(2.0) as u32;
    let mut cost = total_cost(points, cells);
    for pass in 0..passes {
        let shift = if pass % 2 == 0 { side / 2 } else { 0 };
        let mut occupant = vec![u32::MAX; grid.cells()];
        for (i, cell) in cells.iter().enumerate() {
            occupant[grid.index(*cell)] = i as u32;
        }
        let windows = windows(grid, side, shift);
        let moves: Vec<Vec<(usize, Cell)>> = windows
            .par_iter()
            .map(|w| {
                let slots = w.cells_in();
                let members: Vec<usize> = slots
                    .iter()
                    .map(|c| occupant[grid.index(*c)])
                    .filter(|&i| i != u32::MAX)
                    .map(|i| i as usize)
                    .collect();
                solve_exact(points, &members, &slots)
            })
            .collect::<Result<_>>()?;
        for (i, cell) in moves.into_iter().flatten() {
            cells[i] = cell;
        }
        let improved = total_cost(points, cells);
        if cost - improved < WINDOW_CONVERGED * cost {
            break;
        }
        cost = improved;
    }
    Ok(())
}

/// The grid tiled by `side × side` windows offset by `shift` cells (clipped at the edges).
fn windows(grid: Grid, side: u32, shift: u32) -> Vec<Block> {
    let starts = |len: u32| {
        let mut starts = vec![0];
        let mut next = if shift > 0 { shift } else { side };
        while next < len {
            starts.push(next);
            next += side;
        }
        starts.push(len);
        starts
    };
    let (cols, rows) = (starts(grid.cols), starts(grid.rows));
    rows.windows(2)
        .flat_map(|r| {
            cols.windows(2).map(move |c| Block {
                col: c[0],
                row: r[0],
                cols: c[1] - c[0],
                rows: r[1] - r[0],
            })
        })
        .collect()
}

/// The optimal assignment of `members` to distinct `slots`.
fn solve_exact(
    points: &[[f64; 2]],
    members: &[usize],
    slots: &[Cell],
) -> Result<Vec<(usize, Cell)>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let cost: Vec<f64> = members
        .iter()
        .flat_map(|&i| {
            slots
                .iter()
                .map(move |&cell| distance_to_centre(&points[i], cell))
        })
        .collect();
    let (rows, cols) = lsap::solve(members.len(), slots.len(), &cost, false)
        .map_err(|e| anyhow::anyhow!("grid assignment failed: {e:?}"))?;
    Ok(rows
        .into_iter()
        .zip(cols)
        .map(|(r, c)| (members[r], slots[c]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

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
    fn blocked_method_comes_within_two_percent_of_the_optimum() {
        let n = 1500;
        let points: Vec<[f32; 2]> = (0..n)
            .map(|i| {
                let t = i as f32 * 0.618_034;
                let cluster = (i % 7) as f32;
                [
                    cluster * 9.0 + (t * 12.9898).sin() * (1.0 + cluster),
                    (cluster * 2.3).cos() * 30.0 + (t * 78.233).sin() * 4.0,
                ]
            })
            .collect();
        let grid = Grid::for_count(n, 1.0);
        let exact = assign_with(&points, grid, Method::Exact).unwrap();
        let blocked = Method::Blocked {
            block: BLOCK_POINTS,
            passes: WINDOW_PASSES,
        };
        let approx = assign_with(&points, grid, blocked).unwrap();
        let ratio =
            assignment_cost(&points, grid, &approx) / assignment_cost(&points, grid, &exact);
        assert!((1.0 - 1e-9..1.02).contains(&ratio), "cost ratio {ratio}");
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
