//! Where the placed images go: the user's positions as given, or their vectors reduced
//! (PCA, t-SNE), laid out on the grid and refined.

use anyhow::{Context, Result};

use super::stopwatch::Stopwatch;
use crate::base::grid::{Cell, Grid};
use crate::base::neighbours::{Graph, Similar};
use crate::base::vectors::{Rows, Selection};
use crate::cmd::options::BuildOptions;
use crate::stages::duplicates::{self, Duplicates};
use crate::stages::layout;
use crate::stages::positions::{self, Positions};
use crate::stages::reduce::{self, Reduced};
use crate::stages::refine::{self, Refined};
use crate::stages::scan::Scan;
use crate::stages::thumbs_features::{Extracted, VectorSource};

/// Nearest images kept per image for the viewer's "more like this" (its panel shows 12).
const SIMILAR: usize = 12;

/// Where the placed images go, in scan order of the placed ones.
pub struct Placement {
    /// 2-D positions before grid assignment.
    pub points: Vec<[f32; 2]>,
    /// Each image's cell.
    pub assigned: Vec<Cell>,
    /// The grid.
    pub grid: Grid,
    /// The features (read from disk when used) and their reduction, when positions came
    /// from features.
    pub reduced: Option<(Selection, Reduced)>,
    /// Notes for the user.
    pub warnings: Vec<String>,
    /// What the grid refinement did, when positions came from features.
    pub refined: Option<Refined>,
    /// Each image's nearest images in feature space (the viewer's "more like this"), when
    /// positions came from features.
    pub similar: Option<Similar>,
    /// The near-duplicate groups, when positions came from features.
    pub duplicates: Option<Duplicates>,
}

/// Where the placed images go: the user's positions, or features reduced and laid out.
pub fn place(
    scan: &Scan,
    placed: &[usize],
    extracted: &Extracted,
    source: &VectorSource,
    options: &BuildOptions,
    clock: &mut Stopwatch,
) -> Result<Placement> {
    match source {
        VectorSource::Positions(positions) => {
            let names: Vec<&str> = placed
                .iter()
                .map(|&i| scan.images[i].name.as_str())
                .collect();
            clock.run("layout", || {
                place_given(positions, &names, options.mosaic.aspect)
            })
        }
        VectorSource::Imported(imported) => {
            let names = placed.iter().map(|&i| scan.images[i].name.as_str());
            place_by_features(imported.select(names), options, clock)
        }
        VectorSource::Model(..) => {
            let store = extracted.store.clone().context("no vectors were stored")?;
            place_by_features(Selection::all(store), options, clock)
        }
    }
}

/// PCA, t-SNE and grid assignment of the placed images' vectors, in their order.
fn place_by_features(
    features: Selection,
    options: &BuildOptions,
    clock: &mut Stopwatch,
) -> Result<Placement> {
    let mut reduced = clock.run("reduce", || reduce::reduce(&features, &options.reduce))?;
    let grid = Grid::for_count(features.count(), options.mosaic.aspect);
    let mut assigned = clock.run("layout", || layout::assign(&reduced.points, grid))?;
    let refined = clock.run("refine", || {
        refine::refine(&mut assigned, grid, &reduced.neighbours, options.refine)
    })?;
    // The neighbour lists served the refinement; the viewer keeps a few of each (a million
    // full lists are 480 MB).
    let similar = reduced.neighbours.similar(SIMILAR);
    let duplicates = duplicates::find(&reduced.neighbours);
    reduced.neighbours = Graph::default();
    Ok(Placement {
        points: reduced.points.clone(),
        assigned,
        grid,
        warnings: reduced.warnings.clone(),
        reduced: Some((features, reduced)),
        refined: Some(refined),
        similar: Some(similar),
        duplicates: Some(duplicates),
    })
}

/// The user's positions for the images `names`: given cells as they are, given points spread
/// onto a grid as t-SNE's would be.
fn place_given(positions: &Positions, names: &[&str], aspect: f64) -> Result<Placement> {
    let (points, assigned, grid) = match &positions.placement {
        positions::Given::Cells(cells) => {
            let assigned: Vec<Cell> = names.iter().map(|n| cells[*n]).collect();
            let points = assigned
                .iter()
                .map(|c| [c.col as f32 + 0.5, c.row as f32 + 0.5])
                .collect();
            let grid = positions::grid_of(&assigned);
            (points, assigned, grid)
        }
        positions::Given::Points(given) => {
            let points: Vec<[f32; 2]> = names.iter().map(|n| given[*n]).collect();
            let grid = Grid::for_count(points.len(), aspect);
            let assigned = layout::assign(&points, grid)?;
            (points, assigned, grid)
        }
    };
    Ok(Placement {
        points,
        assigned,
        grid,
        reduced: None,
        warnings: Vec::new(),
        refined: None,
        similar: None,
        duplicates: None,
    })
}
