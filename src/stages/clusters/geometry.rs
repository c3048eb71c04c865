//! Where a cluster lies on the grid: its bounding box, the connected regions its cells form,
//! and a label point deep inside its largest region (the cell farthest from the region's
//! edge), so that a name drawn there sits on the cluster, not on a neighbour.

use std::collections::{HashSet, VecDeque};

use crate::base::grid::{Cell, Grid};

/// A cluster's place on the grid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Footprint {
    /// Bounding box of its cells: first column, first row, last column, last row.
    pub bounds: [u32; 4],
    /// Number of 4-connected regions its cells form.
    pub regions: usize,
    /// The cell of its largest region farthest from that region's edge.
    pub label: Cell,
}

const STEPS: [(i64, i64); 4] = [(1, 0), (-1, 0), (0, 1), (0, -1)];

fn neighbours(cell: Cell, grid: Grid) -> impl Iterator<Item = Cell> {
    STEPS.iter().filter_map(move |&(dc, dr)| {
        let col = i64::from(cell.col) + dc;
        let row = i64::from(cell.row) + dr;
        let inside =
            col >= 0 && row >= 0 && col < i64::from(grid.cols) && row < i64::from(grid.rows);
        inside.then_some(Cell {
            col: col as u32,
            row: row as u32,
        })
    })
}

/// The footprint of the cells `cells` (one per member; at least one).
pub fn footprint(cells: &[Cell], grid: Grid) -> Footprint {
    let set: HashSet<Cell> = cells.iter().copied().collect();
    let bounds = cells
        .iter()
        .fold([u32::MAX, u32::MAX, 0, 0], |[c0, r0, c1, r1], c| {
            [c0.min(c.col), r0.min(c.row), c1.max(c.col), r1.max(c.row)]
        });
    let regions = connected_regions(&set, grid);
    let largest = regions
        .iter()
        .max_by_key(|r| r.len())
        .cloned()
        .unwrap_or_default();
    Footprint {
        bounds,
        regions: regions.len(),
        label: deepest(&largest, grid),
    }
}

/// The 4-connected regions of `set`, each as its cells in a stable order.
fn connected_regions(set: &HashSet<Cell>, grid: Grid) -> Vec<Vec<Cell>> {
    let mut sorted: Vec<Cell> = set.iter().copied().collect();
    sorted.sort_by_key(|c| (c.row, c.col));
    let mut seen = HashSet::new();
    let mut regions = Vec::new();
    for start in sorted {
        if !seen.insert(start) {
            continue;
        }
        let mut region = vec![start];
        let mut queue = VecDeque::from([start]);
        while let Some(cell) = queue.pop_front() {
            for next in neighbours(cell, grid) {
                if set.contains(&next) && seen.insert(next) {
                    region.push(next);
                    queue.push_back(next);
                }
            }
        }
        regions.push(region);
    }
    regions
}

/// The cell of `region` farthest (in 4-steps) from any cell outside it, the grid's edge
/// counting as outside; ties go to the first in reading order.
fn deepest(region: &[Cell], grid: Grid) -> Cell {
    let set: HashSet<Cell> = region.iter().copied().collect();
    let mut depth = std::collections::HashMap::new();
    let mut queue = VecDeque::new();
    for &cell in region {
        let on_edge =
            neighbours(cell, grid).count() < 4 || neighbours(cell, grid).any(|n| !set.contains(&n));
        if on_edge {
            depth.insert(cell, 0u32);
            queue.push_back(cell);
        }
    }
    while let Some(cell) = queue.pop_front() {
        let d = depth[&cell];
        for next in neighbours(cell, grid) {
            if set.contains(&next) && !depth.contains_key(&next) {
                depth.insert(next, d + 1);
                queue.push_back(next);
            }
        }
    }
    let mut best = region.first().copied().unwrap_or(Cell { col: 0, row: 0 });
    let mut best_depth = 0;
    let mut ordered = region.to_vec();
    ordered.sort_by_key(|c| (c.row, c.col));
    for cell in ordered {
        let d = depth.get(&cell).copied().unwrap_or(0);
        if d > best_depth {
            best = cell;
            best_depth = d;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(spec: &[(u32, u32)]) -> Vec<Cell> {
        spec.iter().map(|&(col, row)| Cell { col, row }).collect()
    }

    #[test]
    fn the_label_sits_deep_in_the_largest_region() {
        let grid = Grid { cols: 10, rows: 10 };
        // A 5 × 5 block at (1..=5, 1..=5) and a stray cell at (9, 9).
        let mut spec: Vec<(u32, u32)> =
            (1..=5).flat_map(|c| (1..=5).map(move |r| (c, r))).collect();
        spec.push((9, 9));
        let f = footprint(&cells(&spec), grid);
        assert_eq!(f.bounds, [1, 1, 9, 9]);
        assert_eq!(f.regions, 2);
        assert_eq!(f.label, Cell { col: 3, row: 3 }, "the block's centre");
    }

    #[test]
    fn a_thin_cluster_is_labelled_on_itself() {
        let grid = Grid { cols: 6, rows: 3 };
        let f = footprint(&cells(&[(0, 1), (1, 1), (2, 1), (3, 1)]), grid);
        assert_eq!(f.regions, 1);
        assert_eq!(f.label.row, 1);
        assert!(f.label.col <= 3);
    }
}
