//! The map of places: each item at its latitude and longitude in the Web-Mercator
//! projection (the one web maps use; latitudes clamped to ±85.05°), spread onto the grid by
//! the similarity map's solver as `--positions` points are; items without usable
//! coordinates fill a last band below, "no place", in similarity order. The spreading is
//! shared with the user's positions drawn as a layout of their own.

use anyhow::Result;

use super::{ArrangeInput, Arranged, Label, fill_band, similarity_order};
use crate::base::grid::{Cell, Grid};
use crate::stages::layout;

/// Web-Mercator's latitude limit, where the projected map is square.
const MAX_LATITUDE: f64 = 85.051_128_78;

/// A coordinate in decimal degrees ("48.8566", " -2.35 "), when it is one within `limit`.
pub fn parse_degrees(text: &str, limit: f64) -> Option<f64> {
    let value: f64 = text.trim().parse().ok()?;
    (value.is_finite() && value.abs() <= limit).then_some(value)
}

/// Web-Mercator x and y (0–1, y down) of a latitude and longitude.
fn mercator(lat: f64, lon: f64) -> [f64; 2] {
    let phi = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let y =
        (1.0 - (std::f64::consts::FRAC_PI_4 + phi / 2.0).tan().ln() / std::f64::consts::PI) / 2.0;
    [(lon + 180.0) / 360.0, y]
}

/// The place layout of items at `places` (latitude, longitude; None: no usable place).
pub fn by_place(input: &ArrangeInput<'_>, places: &[Option<(f64, f64)>]) -> Result<Arranged> {
    let points: Vec<Option<[f32; 2]>> = places
        .iter()
        .map(|place| place.map(|(lat, lon)| mercator(lat, lon).map(|v| v as f32)))
        .collect();
    spread(input, &points, "no place")
}

/// The layout of items at 2-D `points` (x right, y down; None: no point) spread onto a grid
/// of the map's aspect by the similarity map's solver, the items without a point in a last
/// band labelled `missing`, in similarity order. The place layout and the user's
/// `--positions` drawn beside the similarity map share it.
pub fn spread(
    input: &ArrangeInput<'_>,
    points: &[Option<[f32; 2]>],
    missing: &str,
) -> Result<Arranged> {
    let placed: Vec<usize> = (0..points.len()).filter(|&i| points[i].is_some()).collect();
    let given: Vec<[f32; 2]> = points.iter().filter_map(|p| *p).collect();
    // With no point at all, the last band takes the whole map's shape.
    let shaped_by = if placed.is_empty() {
        points.len()
    } else {
        given.len()
    };
    let mut grid = Grid::for_count(shaped_by.max(1), input.aspect);
    let mut cells = vec![Cell { col: 0, row: 0 }; points.len()];
    for (&i, cell) in placed.iter().zip(layout::assign(&given, grid)?) {
        cells[i] = cell;
    }
    let mut labels = Vec::new();
    let rank = similarity_order(input.map_cells);
    let unplaced: Vec<usize> = rank.into_iter().filter(|&i| points[i].is_none()).collect();
    if !unplaced.is_empty() {
        let band = unplaced.len().div_ceil(grid.cols as usize) as u32;
        let top = if placed.is_empty() { 0 } else { grid.rows + 1 };
        fill_band(&unplaced, 0, grid.cols, top + band - 1, &mut cells);
        labels.push(Label {
            text: missing.into(),
            bounds: [0, top, grid.cols - 1, top + band - 1],
            axis: false,
        });
        grid.rows = top + band;
    }
    Ok(Arranged {
        grid,
        cells,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spearman's rank correlation of `a` and `b`.
    fn spearman(a: &[f64], b: &[f64]) -> f64 {
        let ranks = |v: &[f64]| {
            let mut order: Vec<usize> = (0..v.len()).collect();
            order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
            let mut r = vec![0.0; v.len()];
            order.iter().enumerate().for_each(|(k, &i)| r[i] = k as f64);
            r
        };
        let (ra, rb) = (ranks(a), ranks(b));
        let mean = (a.len() as f64 - 1.0) / 2.0;
        let cov: f64 = ra
            .iter()
            .zip(&rb)
            .map(|(x, y)| (x - mean) * (y - mean))
            .sum();
        let var: f64 = ra.iter().map(|x| (x - mean).powi(2)).sum();
        cov / var
    }

    #[test]
    fn cells_follow_longitude_and_latitude_and_the_unplaced_go_below() {
        let places: Vec<Option<(f64, f64)>> = (0..300u32)
            .map(|i| {
                let x = i.wrapping_mul(2654435761);
                let lat = (x % 1400) as f64 / 10.0 - 60.0;
                let lon = ((x >> 11) % 3600) as f64 / 10.0 - 180.0;
                (i % 10 != 0).then_some((lat, lon))
            })
            .collect();
        let points = vec![[0.0, 0.0]; 300];
        let map_cells: Vec<Cell> = (0..300)
            .map(|i| Cell {
                col: i % 20,
                row: i / 20,
            })
            .collect();
        let input = ArrangeInput {
            points: &points,
            map_cells: &map_cells,
            aspect: 1.5,
        };
        let arranged = by_place(&input, &places).unwrap();
        assert!(super::super::one_item_per_cell(&arranged));
        let Arranged { cells, labels, .. } = arranged;
        let placed: Vec<usize> = (0..300).filter(|&i| places[i].is_some()).collect();
        let col: Vec<f64> = placed.iter().map(|&i| cells[i].col as f64).collect();
        let row: Vec<f64> = placed.iter().map(|&i| cells[i].row as f64).collect();
        let lon: Vec<f64> = placed.iter().map(|&i| places[i].unwrap().1).collect();
        let lat: Vec<f64> = placed.iter().map(|&i| -places[i].unwrap().0).collect();
        let (x, y) = (spearman(&col, &lon), spearman(&row, &lat));
        assert!(x > 0.95 && y > 0.95, "rank correlations {x:.3} {y:.3}");
        let [_, top, _, bottom] = labels[0].bounds;
        assert_eq!(labels[0].text, "no place");
        assert!(
            (0..300)
                .filter(|&i| places[i].is_none())
                .all(|i| cells[i].row >= top && cells[i].row <= bottom)
        );
        assert!(placed.iter().all(|&i| cells[i].row < top));
        // Without any place, the "no place" band is map-shaped, not one column.
        let none = by_place(&input, &vec![None; 300]).unwrap();
        assert!(
            super::super::one_item_per_cell(&none) && none.grid.cols > 10,
            "{:?}",
            none.grid
        );
        assert_eq!(parse_degrees(" -33.5 ", 90.0), Some(-33.5));
        assert_eq!(parse_degrees("95", 90.0), None);
        assert_eq!(parse_degrees("north", 90.0), None);
    }
}
