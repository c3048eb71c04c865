//! The layouts stage: each layout of `--layouts` besides the map's own arranged from the
//! items' years, metadata values, colours or places (`stages::arrange`), and its tiles
//! streamed into a pyramid of its own under `layouts/{name}/`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use super::Mapped;
use super::stopwatch::Stopwatch;
use crate::base::grid::{Cell, Grid};
use crate::cmd::options::BuildOptions;
use crate::site::SiteData;
use crate::site::data::SiteLayout;
use crate::site::facets::{NO_YEAR, parse_year};
use crate::site::paths;
use crate::stages::arrange::{self, ArrangeInput, Arranged, LayoutKind, Layouts};
use crate::stages::positions::{Given, Positions};
use crate::stages::thumbs::CellStore;
use crate::stages::tiles::Pyramid;

/// The folder of the other layouts' pyramids in the site.
const LAYOUTS_DIR: &str = "layouts";

/// Every layout of the Layout menu for the site in `dir`: the map's own (its `pyramid`
/// already written), and the others arranged and tiled (their cells read from `cells`),
/// each timed by `clock` as the stage `layout:NAME`.
pub fn build_layouts(
    options: &BuildOptions,
    mapped: &Mapped,
    data: &SiteData,
    (cells, pyramid, dir): (&CellStore, Pyramid, &Path),
    clock: &mut Stopwatch,
) -> Result<Vec<SiteLayout>> {
    let positions = options.vectors.positions.is_some();
    let menu = options.layouts.layouts.menu(positions);
    let own = Layouts::own(positions);
    let tile_size = options.tiles.tile_size;
    let mut built = Vec::with_capacity(menu.len());
    for (position, kind) in menu.iter().enumerate() {
        let name = kind.slug(position);
        if *kind == own {
            let size = [pyramid.width, pyramid.height];
            let levels = pyramid.levels(tile_size);
            built.push(SiteLayout::own(name, kind.label(), data.grid, size, levels));
            continue;
        }
        let folder = Path::new(LAYOUTS_DIR).join(&name);
        let pyramid_name = folder.join(paths::PYRAMID).to_string_lossy().into_owned();
        let (arranged, written) = clock.run(&format!("layout:{name}"), || {
            let arranged = arrange_one(kind, options, mapped, data, cells)
                .with_context(|| format!("--layouts {kind}"))?;
            std::fs::create_dir_all(dir.join(&folder))?;
            let layout_cells = (arranged.cells.as_slice(), arranged.grid);
            let written = super::write_mosaic(
                cells,
                &mapped.placed,
                layout_cells,
                (options, &options.tiles),
                dir,
                &pyramid_name,
            )?;
            Ok((arranged, written))
        })?;
        built.push(SiteLayout {
            name,
            label: kind.label(),
            grid: arranged.grid,
            cells: Some(arranged.cells),
            labels: arranged.labels,
            pyramid: pyramid_name,
            size: [written.width, written.height],
            levels: written.levels(tile_size),
        });
    }
    Ok(built)
}

/// The layout `kind` of the map's items.
fn arrange_one(
    kind: &LayoutKind,
    options: &BuildOptions,
    mapped: &Mapped,
    data: &SiteData,
    cells: &CellStore,
) -> Result<Arranged> {
    let input = ArrangeInput {
        points: &mapped.placement.points,
        map_cells: &mapped.placement.assigned,
        aspect: options.mosaic.aspect,
    };
    match kind {
        LayoutKind::Time => Ok(arrange::by_time(&input, &years(options, data)?)),
        LayoutKind::Group(column) => {
            let values = column_values(data, column)?;
            arrange::by_group(&input, &values)
        }
        LayoutKind::Colour => {
            let colours = mapped
                .placed
                .par_iter()
                .map(|&slot| {
                    cells
                        .get(slot)
                        .map(|pixels| arrange::dominant_colour(&pixels))
                })
                .collect::<Result<Vec<_>>>()?;
            arrange::by_colour(&input, &colours, options.refine)
        }
        LayoutKind::Place { lat, lon } => {
            let (lats, lons) = (column_values(data, lat)?, column_values(data, lon)?);
            let places: Vec<Option<(f64, f64)>> = lats
                .iter()
                .zip(&lons)
                .map(|(la, lo)| {
                    Some((
                        arrange::parse_degrees((*la)?, 90.0)?,
                        arrange::parse_degrees((*lo)?, 180.0)?,
                    ))
                })
                .collect();
            arrange::by_place(&input, &places)
        }
        LayoutKind::Positions => {
            let Some(positions) = &mapped.positions_beside else {
                bail!("the map's own layout");
            };
            arrange::spread(&input, &given_points(positions, data), "no position")
        }
        LayoutKind::Similarity => bail!("the map's own layout"),
    }
}

/// Each item's point in the user's `positions` (a given cell's centre), None where they
/// leave the item out.
fn given_points(positions: &Positions, data: &SiteData) -> Vec<Option<[f32; 2]>> {
    data.items
        .iter()
        .map(|item| match &positions.placement {
            Given::Points(points) => points.get(&item.file).copied(),
            Given::Cells(cells) => cells
                .get(&item.file)
                .map(|c| [c.col as f32 + 0.5, c.row as f32 + 0.5]),
        })
        .collect()
}

/// Each item's year for the timeline: from `--year-column`, else from the column the year
/// filter found; an error where there is neither.
fn years(options: &BuildOptions, data: &SiteData) -> Result<Vec<Option<i32>>> {
    if let Some(column) = &options.layouts.year_column {
        let values = column_values(data, column)?;
        return Ok(values
            .iter()
            .map(|v| v.and_then(parse_year).map(i32::from))
            .collect());
    }
    let Some(years) = &data.years else {
        bail!("no column holds years; name one with --year-column");
    };
    Ok(years
        .years
        .iter()
        .map(|&y| (y != NO_YEAR).then_some(i32::from(y)))
        .collect())
}

/// Each item's value in the metadata column `column` (None where empty).
fn column_values<'a>(data: &'a SiteData, column: &str) -> Result<Vec<Option<&'a str>>> {
    let Some(c) = data.columns.iter().position(|name| name == column) else {
        bail!("the metadata has no column {column:?}");
    };
    Ok(data
        .items
        .iter()
        .map(|item| {
            item.fields
                .get(c)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        })
        .collect())
}

/// The grid and cells of a layout, for [`super::write_mosaic`].
pub type LayoutCells<'a> = (&'a [Cell], Grid);
