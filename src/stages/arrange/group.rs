//! One block per value of a metadata column: blocks packed in shelves, largest first, into
//! a near-square whole (about the map's aspect), an empty cell between blocks; inside each
//! block its items arranged by similarity (the grid assignment run on their own points),
//! filled row by row so a block is one connected piece. A multi-valued cell (split on `;`
//! or `|`) counts under its first value; values beyond the [`MOST_BLOCKS`] largest share
//! one "other" block, and items without a value a "no value" block.

use anyhow::Result;
use rayon::prelude::*;

use super::{ArrangeInput, Arranged, Label};
use crate::base::grid::{Cell, Grid};
use crate::stages::layout;

/// Values with a block of their own; the rest share "other".
pub const MOST_BLOCKS: usize = 40;

/// The block layout of items whose column holds `values`.
pub fn by_group(input: &ArrangeInput<'_>, values: &[Option<&str>]) -> Result<Arranged> {
    let blocks = blocks_of(values);
    let placed = shelves(&blocks, input.aspect);
    // Each block is solved with the whole map's budget of window passes (a block of 8,000
    // given the full 24 of a 10,000-item map made 100,000 items take 204 s), in parallel.
    let whole = layout::Method::for_count(values.len());
    let inside: Vec<Vec<Cell>> = (blocks.par_iter().zip(&placed))
        .map(|((_, members), &(_, _, width))| {
            let rows = members.len().div_ceil(width as usize) as u32;
            let points: Vec<[f32; 2]> = members.iter().map(|&i| input.points[i]).collect();
            let method = match layout::Method::for_count(members.len()) {
                layout::Method::Exact => layout::Method::Exact,
                _ => whole,
            };
            layout::assign_with(&points, Grid { cols: width, rows }, method)
        })
        .collect::<Result<_>>()?;
    let mut cells = vec![Cell { col: 0, row: 0 }; values.len()];
    let mut labels = Vec::with_capacity(blocks.len());
    for (((name, members), &(left, top, width)), inside) in blocks.iter().zip(&placed).zip(&inside)
    {
        let rows = members.len().div_ceil(width as usize) as u32;
        for (k, &item) in row_major_prefix(inside, width).iter().enumerate() {
            cells[members[item]] = Cell {
                col: left + k as u32 % width,
                row: top + k as u32 / width,
            };
        }
        labels.push(Label {
            text: name.clone(),
            bounds: [left, top, left + width - 1, top + rows - 1],
            axis: false,
        });
    }
    let cols = placed.iter().map(|&(l, _, w)| l + w).max().unwrap_or(1);
    let rows = (blocks.iter().zip(&placed))
        .map(|((_, m), &(_, t, w))| t + m.len().div_ceil(w as usize) as u32)
        .max()
        .unwrap_or(1);
    Ok(Arranged {
        grid: Grid { cols, rows },
        cells,
        labels,
    })
}

/// The items (indices into `assigned`) in the row-major order of their assigned cells:
/// laid into the first cells of the block in that order, the block's few empty cells all
/// end up after the last item, and every item moves by at most that many cells.
fn row_major_prefix(assigned: &[Cell], width: u32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..assigned.len()).collect();
    order.sort_by_key(|&i| assigned[i].row as u64 * width as u64 + assigned[i].col as u64);
    order
}

/// The first value of a multi-valued cell, trimmed; None when empty.
fn first_value(text: &str) -> Option<&str> {
    let first = text.split([';', '|']).next().unwrap_or("").trim();
    (!first.is_empty()).then_some(first)
}

/// The blocks, largest first: each value's name and items; beyond [`MOST_BLOCKS`] values,
/// "other"; items without a value, "no value".
fn blocks_of(values: &[Option<&str>]) -> Vec<(String, Vec<usize>)> {
    let mut by_value: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    let mut none = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match value.and_then(first_value) {
            Some(v) => by_value.entry(v).or_default().push(i),
            None => none.push(i),
        }
    }
    let mut blocks: Vec<(String, Vec<usize>)> = by_value
        .into_iter()
        .map(|(v, items)| (v.to_string(), items))
        .collect();
    blocks.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    if blocks.len() > MOST_BLOCKS {
        let mut other: Vec<usize> = blocks.drain(MOST_BLOCKS..).flat_map(|(_, m)| m).collect();
        other.sort_unstable();
        blocks.push(("other".into(), other));
    }
    if !none.is_empty() {
        blocks.push(("no value".into(), none));
    }
    blocks
}

/// Each block's left column, top row and width: shelves of blocks, a shelf as tall as its
/// first (largest, near-square) block, later blocks in it as wide as that height needs,
/// a new shelf where the next block would pass a target width; one empty cell between.
/// Of the target widths from half to twice the square root of the area, the one whose
/// whole comes closest to `aspect`.
fn shelves(blocks: &[(String, Vec<usize>)], aspect: f64) -> Vec<(u32, u32, u32)> {
    let area: usize = blocks
        .iter()
        .map(|(_, m)| m.len() + m.len().isqrt() + 1)
        .sum();
    let side = (area as f64 * aspect).sqrt();
    let misfit = |placed: &[(u32, u32, u32)]| {
        let cols = placed.iter().map(|&(l, _, w)| l + w).max().unwrap_or(1);
        let rows = (blocks.iter().zip(placed))
            .map(|((_, m), &(_, t, w))| t + m.len().div_ceil(w as usize) as u32)
            .max()
            .unwrap_or(1);
        ((cols as f64 / rows as f64) / aspect).ln().abs()
    };
    (0..=24)
        .map(|k| {
            shelf_pack(
                blocks,
                aspect,
                (side * 2f64.powf(k as f64 / 12.0 - 1.0)).ceil() as u32,
            )
        })
        .min_by(|a, b| misfit(a).total_cmp(&misfit(b)))
        .unwrap_or_default()
}

/// [`shelves`] for one `target` width.
fn shelf_pack(blocks: &[(String, Vec<usize>)], aspect: f64, target: u32) -> Vec<(u32, u32, u32)> {
    let mut placed = Vec::with_capacity(blocks.len());
    // The open shelf's height; 0 when none is open.
    let (mut left, mut top, mut shelf) = (0u32, 0u32, 0u32);
    for (_, members) in blocks {
        let n = members.len() as u32;
        let mut width = if shelf == 0 {
            near_square(n, aspect)
        } else {
            n.div_ceil(shelf)
        };
        if shelf > 0 && left + width > target.max(1) {
            (left, top, shelf) = (0, top + shelf + 1, 0);
            width = near_square(n, aspect);
        }
        if shelf == 0 {
            shelf = n.div_ceil(width);
        }
        placed.push((left, top, width));
        left += width + 1;
    }
    placed
}

/// The width of a near-square block of `n` cells, a little wider where the map is.
fn near_square(n: u32, aspect: f64) -> u32 {
    ((n as f64 * aspect.clamp(0.5, 2.0)).sqrt().ceil() as u32).clamp(1, n.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_is_one_connected_block_and_blocks_do_not_overlap() {
        // 500 items over 45 values of falling size, every seventh without a value, and a
        // multi-valued cell.
        let names: Vec<String> = (0..45).map(|k| format!("v{k}")).collect();
        let mut values: Vec<Option<String>> = Vec::new();
        for i in 0..500usize {
            let k = (i * i) % 997 % 45;
            values.push((i % 7 != 0).then(|| names[k].clone()));
        }
        values[1] = Some(" v3 ; v9".into());
        let texts: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        let points: Vec<[f32; 2]> = (0..500)
            .map(|i| [(i % 23) as f32, (i / 23) as f32])
            .collect();
        let map_cells = vec![Cell { col: 0, row: 0 }; 500];
        let input = ArrangeInput {
            points: &points,
            map_cells: &map_cells,
            aspect: 1.5,
        };
        let arranged = by_group(&input, &texts).unwrap();
        assert!(super::super::one_item_per_cell(&arranged));
        let Arranged {
            grid,
            cells,
            labels,
        } = arranged;
        assert_eq!(labels.len(), MOST_BLOCKS + 2, "40 values, other, no value");
        assert_eq!(labels.last().unwrap().text, "no value");
        for label in &labels {
            let [c0, r0, c1, r1] = label.bounds;
            let members: Vec<Cell> = (0..500)
                .filter(|&i| {
                    let c = cells[i];
                    c.col >= c0 && c.col <= c1 && c.row >= r0 && c.row <= r1
                })
                .map(|i| cells[i])
                .collect();
            assert!(connected(&members), "{} is one piece", label.text);
        }
        let v3 = labels.iter().find(|l| l.text == "v3").unwrap().bounds;
        assert!(cells[1].col >= v3[0] && cells[1].col <= v3[2] && cells[1].row >= v3[1]);
        let aspect = grid.cols as f64 / grid.rows as f64;
        assert!((0.6..4.0).contains(&aspect), "{grid:?}");
    }

    /// Whether `cells` form one 4-connected piece.
    fn connected(cells: &[Cell]) -> bool {
        let set: std::collections::HashSet<(u32, u32)> =
            cells.iter().map(|c| (c.col, c.row)).collect();
        let mut stack = vec![(cells[0].col, cells[0].row)];
        let mut seen = std::collections::HashSet::from([stack[0]]);
        while let Some((c, r)) = stack.pop() {
            for next in [
                (c + 1, r),
                (c.wrapping_sub(1), r),
                (c, r + 1),
                (c, r.wrapping_sub(1)),
            ] {
                if set.contains(&next) && seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        seen.len() == set.len()
    }
}
