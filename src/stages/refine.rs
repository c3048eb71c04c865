//! Grid refinement: after t-SNE's points are assigned to cells (`layout`), swaps of cells a
//! few apart that bring each image's nearest neighbours in the PCA space next to it on the
//! grid, keeping t-SNE's overall arrangement.
//!
//! A grid is judged by how well each item's grid neighbours stand in for its nearest
//! neighbours in feature space (DPQ16, Barthel et al. 2023; bench/quality.sh), and DPQ16 is
//! dominated by the first few grid neighbours. The refinement therefore maximises the total
//! affinity of adjacent cells (edge neighbours, diagonals at half weight), the affinity of two
//! items coming from t-SNE's own neighbour lists (`neighbours::Graph`): a Gaussian in the
//! distance, scaled to the farthest kept neighbour, plus a bonus falling with rank for the
//! ten nearest. Each sweep visits every cell in order and makes the best improving swap with
//! a cell of the 5 × 5 window around it; sweeps stop when none improves. Written by hand: the
//! filter-and-assign sorters (LAS, FLAS) optimise a low-pass view of the map, and FLAS started
//! from this grid lowers flowers12's DPQ16 (bench/quality.py's "FLAS from zoomap grid"
//! row); no crate sorts grids by a neighbour graph.

use anyhow::{Result, bail};

use crate::base::grid::{Cell, Grid};
use crate::base::neighbours::Graph;

/// How much refinement a build does, as `--refine none|auto|N` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Refine {
    /// The t-SNE grid as assigned.
    None,
    /// Up to [`AUTO_SWEEPS`] sweeps, fewer when a sweep changes less than 0.1% of cells.
    Auto,
    /// Up to this many sweeps, fewer only when a sweep changes nothing.
    Sweeps(u32),
}

/// Sweeps of `--refine auto`: in prototype runs on flowers12 the first sweep made most of the
/// DPQ16 gain and the fourth changed it by less than 0.001.
pub const AUTO_SWEEPS: usize = 4;

impl std::str::FromStr for Refine {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text {
            "none" => Ok(Self::None),
            "auto" => Ok(Self::Auto),
            number => number
                .parse()
                .map(Self::Sweeps)
                .map_err(|_| format!("'{text}' is not none, auto or a number of sweeps")),
        }
    }
}

/// What a refinement did, for `build-report.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Refined {
    /// Sweeps run.
    pub sweeps: usize,
    /// Cells swapped, over all sweeps.
    pub swaps: usize,
}

/// Refines `cells` (item `i` in `cells[i]`, all distinct cells of `grid`) on the neighbour
/// graph of the same items, as `how` says. Deterministic: the same input gives the same grid.
pub fn refine(cells: &mut [Cell], grid: Grid, graph: &Graph, how: Refine) -> Result<Refined> {
    let (most, stop_below) = match how {
        Refine::None => return Ok(Refined::default()),
        Refine::Auto => (AUTO_SWEEPS, cells.len() / 1000),
        Refine::Sweeps(n) => (n as usize, 0),
    };
    if graph.rows() != cells.len() {
        bail!("{} items but neighbours for {}", cells.len(), graph.rows());
    }
    let mut map = Occupancy::new(cells, grid)?;
    let affinity = Affinity::of(graph);
    let mut done = Refined::default();
    while done.sweeps < most {
        let swaps = sweep(&mut map, &affinity);
        done.sweeps += 1;
        done.swaps += swaps;
        if swaps == 0 || swaps < stop_below {
            break;
        }
    }
    map.write_back(cells);
    Ok(done)
}

/// Marks an empty cell in [`Occupancy`].
const EMPTY: u32 = u32::MAX;

/// Cells within this many columns and rows of a cell are its swap candidates.
const WINDOW: i64 = 2;

/// The grid neighbours whose affinity counts, with their weights: edges 1, diagonals ½ (in
/// prototype runs on flowers12, diagonals at 1 lowered DPQ16, at 0 grid agreement).
const NEIGHBOURHOOD: [(i64, i64, f32); 8] = [
    (-1, 0, 1.0),
    (1, 0, 1.0),
    (0, -1, 1.0),
    (0, 1, 1.0),
    (-1, -1, 0.5),
    (1, -1, 0.5),
    (-1, 1, 0.5),
    (1, 1, 0.5),
];

/// Which item is in each cell, row-major.
struct Occupancy {
    grid: Grid,
    items: Vec<u32>,
}

impl Occupancy {
    fn new(cells: &[Cell], grid: Grid) -> Result<Self> {
        let mut items = vec![EMPTY; grid.cells()];
        for (i, &cell) in cells.iter().enumerate() {
            if cell.col >= grid.cols || cell.row >= grid.rows {
                bail!("item {i}'s cell {cell:?} is outside the grid");
            }
            let slot = &mut items[grid.index(cell)];
            if *slot != EMPTY {
                bail!("items {} and {i} share the cell {cell:?}", *slot);
            }
            *slot = i as u32;
        }
        Ok(Self { grid, items })
    }

    /// The item at (`col`, `row`), `EMPTY` outside the grid.
    fn at(&self, col: i64, row: i64) -> u32 {
        if col < 0 || row < 0 || col >= self.grid.cols as i64 || row >= self.grid.rows as i64 {
            return EMPTY;
        }
        self.items[row as usize * self.grid.cols as usize + col as usize]
    }

    fn set(&mut self, col: i64, row: i64, item: u32) {
        self.items[row as usize * self.grid.cols as usize + col as usize] = item;
    }

    fn write_back(&self, cells: &mut [Cell]) {
        let cols = self.grid.cols as usize;
        for (slot, &item) in self.items.iter().enumerate() {
            if item != EMPTY {
                cells[item as usize] = Cell {
                    col: (slot % cols) as u32,
                    row: (slot / cols) as u32,
                };
            }
        }
    }

    /// The weighted affinity of `item` to the items around (`col`, `row`), leaving out
    /// `other` (the item it would trade places with, whose pair term a swap keeps).
    fn pull(&self, affinity: &Affinity, item: u32, col: i64, row: i64, other: u32) -> f32 {
        if item == EMPTY {
            return 0.0;
        }
        NEIGHBOURHOOD
            .iter()
            .map(|&(dc, dr, weight)| {
                let next = self.at(col + dc, row + dr);
                if next == EMPTY || next == other || next == item {
                    0.0
                } else {
                    weight * affinity.between(item, next)
                }
            })
            .sum()
    }
}

/// One pass over every cell in row-major order, each making its best improving swap within
/// the window; returns the number of swaps.
fn sweep(map: &mut Occupancy, affinity: &Affinity) -> usize {
    let (cols, rows) = (map.grid.cols as i64, map.grid.rows as i64);
    let mut swaps = 0;
    for row in 0..rows {
        for col in 0..cols {
            if let Some((c, r)) = best_swap(map, affinity, col, row) {
                let (a, b) = (map.at(col, row), map.at(c, r));
                map.set(col, row, b);
                map.set(c, r, a);
                swaps += 1;
            }
        }
    }
    swaps
}

/// The cell of the window around (`col`, `row`) whose swap with it raises the total affinity
/// most, if any does.
fn best_swap(map: &Occupancy, affinity: &Affinity, col: i64, row: i64) -> Option<(i64, i64)> {
    let a = map.at(col, row);
    let mut best = (MIN_GAIN, None);
    for r in row - WINDOW..=row + WINDOW {
        for c in col - WINDOW..=col + WINDOW {
            let inside = c >= 0 && r >= 0 && c < map.grid.cols as i64 && r < map.grid.rows as i64;
            if !inside || (c, r) == (col, row) {
                continue;
            }
            let b = map.at(c, r);
            if a == EMPTY && b == EMPTY {
                continue;
            }
            let before = map.pull(affinity, a, col, row, b) + map.pull(affinity, b, c, r, a);
            let after = map.pull(affinity, a, c, r, b) + map.pull(affinity, b, col, row, a);
            if after - before > best.0 {
                best = (after - before, Some((c, r)));
            }
        }
    }
    best.1
}

/// Gains below this are rounding, not improvement: without it two equal arrangements could
/// trade places forever.
const MIN_GAIN: f32 = 1e-6;

/// Nearest neighbours with a rank bonus: the first this many.
const RANKED: usize = 10;
/// The rank bonus of the nearest neighbour (rank r gets this / (1 + r)): of 0, 0.1, 0.3 and 1
/// tried on flowers12, 0.3 kept grid agreement best (1 gave slightly more DPQ16).
const RANK_BONUS: f32 = 0.3;

/// Symmetric affinities between items, from each one's neighbour list: one item's
/// affinity for a neighbour plus the neighbour's for it.
struct Affinity {
    offsets: Vec<usize>,
    /// Each row's neighbours sorted by row, for binary search.
    index: Vec<u32>,
    weight: Vec<f32>,
}

impl Affinity {
    fn of(graph: &Graph) -> Self {
        let mut table = Self {
            offsets: vec![0],
            index: Vec::new(),
            weight: Vec::new(),
        };
        for i in 0..graph.rows() {
            let mut row: Vec<(u32, f32)> = weights(graph, i);
            row.sort_unstable_by_key(|&(j, _)| j);
            table.index.extend(row.iter().map(|&(j, _)| j));
            table.weight.extend(row.iter().map(|&(_, w)| w));
            table.offsets.push(table.index.len());
        }
        table
    }

    /// Item `a`'s affinity for `b` (0 when `b` is not among its neighbours).
    fn one_way(&self, a: u32, b: u32) -> f32 {
        let span = self.offsets[a as usize]..self.offsets[a as usize + 1];
        match self.index[span.clone()].binary_search(&b) {
            Ok(at) => self.weight[span.start + at],
            Err(_) => 0.0,
        }
    }

    fn between(&self, a: u32, b: u32) -> f32 {
        self.one_way(a, b) + self.one_way(b, a)
    }
}

/// Row `i`'s affinity for each of its neighbours: exp(−d² / d_far²), d_far its farthest
/// kept neighbour's distance, plus the rank bonus for the nearest [`RANKED`].
fn weights(graph: &Graph, i: usize) -> Vec<(u32, f32)> {
    let far = graph.row(i).map(|(_, d)| d).fold(0.0f32, f32::max);
    let scale = (far * far).max(f32::MIN_POSITIVE);
    graph
        .row(i)
        .enumerate()
        .map(|(rank, (j, d))| {
            let bonus = if rank < RANKED {
                RANK_BONUS / (1 + rank) as f32
            } else {
                0.0
            };
            (j as u32, (-d * d / scale).exp() + bonus)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::neighbours::{Neighbour, Search, nearest};
    use crate::base::vectors::Vectors;

    /// Two tight clusters on a line, 0..n/2 near 0 and the rest near 100.
    fn two_clusters(n: usize) -> Vectors {
        let rows: Vec<Vec<f32>> = (0..n)
            .map(|i| {
                let centre = if i < n / 2 { 0.0 } else { 100.0 };
                vec![centre + (i % 7) as f32, (i % 5) as f32]
            })
            .collect();
        Vectors::from_rows(&rows).unwrap()
    }

    /// Cells in a checkerboard of the two clusters: the worst grid for them.
    fn checkerboard(n: usize, grid: Grid) -> Vec<Cell> {
        let cells: Vec<Cell> = (0..grid.cells())
            .map(|k| Cell {
                col: (k % grid.cols as usize) as u32,
                row: (k / grid.cols as usize) as u32,
            })
            .collect();
        let (mut even, mut odd): (Vec<Cell>, Vec<Cell>) =
            cells.into_iter().partition(|c| (c.col + c.row) % 2 == 0);
        even.truncate(n / 2);
        odd.truncate(n - n / 2);
        even.into_iter().chain(odd).collect()
    }

    /// Share of edge-adjacent item pairs from the same cluster.
    fn same_cluster_edges(cells: &[Cell], n: usize) -> f64 {
        let mut same = 0;
        let mut total = 0;
        for (i, a) in cells.iter().enumerate() {
            for (j, b) in cells.iter().enumerate().skip(i + 1) {
                if a.col.abs_diff(b.col) + a.row.abs_diff(b.row) == 1 {
                    total += 1;
                    same += usize::from((i < n / 2) == (j < n / 2));
                }
            }
        }
        same as f64 / total as f64
    }

    fn graph_of(x: &Vectors) -> Graph {
        Graph::keep(&nearest(x, 20, Search::Exact), 20)
    }

    #[test]
    fn refinement_joins_a_checkerboard_into_regions_and_keeps_every_item() {
        let n = 98;
        let grid = Grid::for_count(100, 1.0);
        let mut cells = checkerboard(n, grid);
        assert_eq!(same_cluster_edges(&cells, n), 0.0);
        let done = refine(
            &mut cells,
            grid,
            &graph_of(&two_clusters(n)),
            Refine::Sweeps(20),
        )
        .unwrap();
        assert!(done.swaps > 0);
        let distinct: std::collections::HashSet<Cell> = cells.iter().copied().collect();
        assert_eq!(distinct.len(), n, "two items share a cell");
        assert!(cells.iter().all(|c| c.col < grid.cols && c.row < grid.rows));
        let same = same_cluster_edges(&cells, n);
        assert!(same > 0.7, "only {same} of adjacent pairs share a cluster");
    }

    #[test]
    fn refinement_is_deterministic_and_none_leaves_the_grid() {
        let n = 98;
        let grid = Grid::for_count(100, 1.0);
        let graph = graph_of(&two_clusters(n));
        let start = checkerboard(n, grid);
        let mut unrefined = start.clone();
        let done = refine(&mut unrefined, grid, &graph, Refine::None).unwrap();
        assert_eq!(
            (unrefined.as_slice(), done),
            (start.as_slice(), Refined::default())
        );
        let mut first = start.clone();
        let mut second = start.clone();
        refine(&mut first, grid, &graph, Refine::Auto).unwrap();
        refine(&mut second, grid, &graph, Refine::Auto).unwrap();
        assert_eq!(first, second);
        assert_ne!(first, start);
    }

    /// Mean over items of the distance to the nearest item in an edge-adjacent cell: the
    /// first term of DPQ16, the one that weighs most.
    fn nearest_grid_neighbour_distance(x: &Vectors, cells: &[Cell]) -> f64 {
        let at: std::collections::HashMap<Cell, usize> =
            cells.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        let total: f64 = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (col, row) = (c.col as i64, c.row as i64);
                [
                    (col - 1, row),
                    (col + 1, row),
                    (col, row - 1),
                    (col, row + 1),
                ]
                .into_iter()
                .filter(|&(c, r)| c >= 0 && r >= 0)
                .filter_map(|(c, r)| {
                    at.get(&Cell {
                        col: c as u32,
                        row: r as u32,
                    })
                })
                .map(|&j| {
                    x.row(i)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| f64::from(a - b).powi(2))
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(f64::INFINITY, f64::min)
            })
            .sum();
        total / cells.len() as f64
    }

    #[test]
    fn refinement_brings_nearest_neighbours_next_to_each_other() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let centres: Vec<Vec<f32>> = (0..8)
            .map(|_| (0..16).map(|_| rng.random_range(-10.0..10.0)).collect())
            .collect();
        let rows: Vec<Vec<f32>> = (0..400)
            .map(|i| {
                centres[i % 8]
                    .iter()
                    .map(|c| c + rng.random_range(-3.0..3.0))
                    .collect()
            })
            .collect();
        let x = Vectors::from_rows(&rows).unwrap();
        let grid = Grid::for_count(400, 1.0);
        // Row-major in item order: the clusters interleaved, a bad but legal start.
        let mut cells: Vec<Cell> = (0..400)
            .map(|i| Cell {
                col: i % grid.cols,
                row: i / grid.cols,
            })
            .collect();
        let before = nearest_grid_neighbour_distance(&x, &cells);
        refine(
            &mut cells,
            grid,
            &Graph::keep(&nearest(&x, 60, Search::Exact), 60),
            Refine::Auto,
        )
        .unwrap();
        let after = nearest_grid_neighbour_distance(&x, &cells);
        assert!(
            after < 0.8 * before,
            "nearest grid neighbour {before:.2} -> {after:.2}"
        );
    }

    #[test]
    fn affinity_is_symmetric_and_highest_for_the_nearest() {
        let row = |pairs: &[(usize, f32)]| {
            pairs
                .iter()
                .map(|&(index, distance)| Neighbour { index, distance })
                .collect::<Vec<_>>()
        };
        let graph = Graph::keep(
            &[
                row(&[(1, 1.0), (2, 3.0)]),
                row(&[(0, 1.0), (2, 2.0)]),
                row(&[(1, 2.0), (0, 3.0)]),
            ],
            2,
        );
        let affinity = Affinity::of(&graph);
        assert_eq!(affinity.between(0, 2), affinity.between(2, 0));
        assert!(affinity.between(0, 1) > affinity.between(0, 2));
        assert_eq!(affinity.one_way(0, 0), 0.0);
    }

    #[test]
    fn refine_parses_none_auto_and_sweeps() {
        assert_eq!("none".parse::<Refine>(), Ok(Refine::None));
        assert_eq!("auto".parse::<Refine>(), Ok(Refine::Auto));
        assert_eq!("6".parse::<Refine>(), Ok(Refine::Sweeps(6)));
        assert!("some".parse::<Refine>().unwrap_err().contains("'some'"));
    }
}
