//! Other layouts of the same collection (`--layouts`): a timeline, a block per value of a
//! metadata column, a colour sort and a map of places, beside the similarity map that the
//! placement stages make. Each takes plain per-item data (years, values, colours,
//! coordinates, and the similarity map's points and cells) and gives each item its cell of
//! its own grid, with the labels the viewer draws (years along the bottom, a block's value
//! over it). One module per layout; this one owns the `--layouts` list and its validation.

mod colour;
mod group;
mod place;
mod time;

pub use colour::{by_colour, dominant_colour, neighbour_distance};
pub use group::by_group;
pub use place::{by_place, parse_degrees, spread};
pub use time::by_time;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::base::grid::{Cell, Grid};

/// One way of laying the collection out, as `--layouts` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum LayoutKind {
    /// By visual similarity: t-SNE, the grid, refinement (the map's own placement).
    Similarity,
    /// The user's `--positions`, spread onto the grid (the map's own placement).
    Positions,
    /// A timeline: year bins left to right, each a band of columns.
    Time,
    /// One block per value of this metadata column.
    Group(String),
    /// By dominant colour: hue along x, lightness along y.
    Colour,
    /// By place: the latitude and longitude columns, Web-Mercator.
    Place {
        /// Latitude column.
        lat: String,
        /// Longitude column.
        lon: String,
    },
}

impl LayoutKind {
    /// The layout's name in the site (`time`, `group-3`, …): a file name and a URL value.
    /// `position` is its place in the `--layouts` list, which keeps names of columns out of
    /// paths.
    pub fn slug(&self, position: usize) -> String {
        match self {
            Self::Similarity => "similarity".into(),
            Self::Positions => "positions".into(),
            Self::Time => "time".into(),
            Self::Group(_) => format!("group-{position}"),
            Self::Colour => "colour".into(),
            Self::Place { .. } => format!("place-{position}"),
        }
    }

    /// The layout's name in the viewer's menu.
    pub fn label(&self) -> String {
        match self {
            Self::Similarity => "Similarity".into(),
            Self::Positions => "Positions".into(),
            Self::Time => "Time".into(),
            Self::Group(column) => format!("By {column}"),
            Self::Colour => "Colour".into(),
            Self::Place { .. } => "Place".into(),
        }
    }
}

impl From<LayoutKind> for String {
    fn from(kind: LayoutKind) -> Self {
        kind.to_string()
    }
}

impl fmt::Display for LayoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Group(column) => write!(f, "group:{column}"),
            Self::Place { lat, lon } => write!(f, "place:{lat},{lon}"),
            other => f.write_str(&other.slug(0)),
        }
    }
}

impl FromStr for LayoutKind {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        let (name, rest) = text.split_once(':').unwrap_or((text, ""));
        let rest = rest.trim();
        match (name.trim(), rest.is_empty()) {
            ("similarity", true) => Ok(Self::Similarity),
            ("positions", true) => Ok(Self::Positions),
            ("time", true) => Ok(Self::Time),
            ("colour" | "color", true) => Ok(Self::Colour),
            ("group", false) => Ok(Self::Group(rest.to_string())),
            ("place", false) => match rest.split_once(',') {
                Some((lat, lon)) if !lat.trim().is_empty() && !lon.trim().is_empty() => {
                    Ok(Self::Place {
                        lat: lat.trim().into(),
                        lon: lon.trim().into(),
                    })
                }
                _ => Err(format!("'{text}': place needs two columns, place:LAT,LON")),
            },
            ("group", true) => Err(format!("'{text}': group needs a column, group:COLUMN")),
            _ => Err(format!(
                "'{text}' is not a layout (similarity, time, group:COLUMN, colour, \
                 place:LAT,LON, positions)"
            )),
        }
    }
}

/// The layouts a build makes, in the viewer's menu order; the map's own placement
/// (similarity, or positions for a `--positions` build) is always among them, first where
/// the list does not name it ([`Layouts::menu`]). The default names none: the map's own only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Layouts(pub Vec<LayoutKind>);

impl FromStr for Layouts {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let list = text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>();
        // `place:LAT,LON` holds a comma: its second column arrives as a piece of its own.
        let mut kinds: Vec<LayoutKind> = Vec::new();
        let mut pieces = list.into_iter();
        while let Some(piece) = pieces.next() {
            let piece = match piece.starts_with("place:") && !piece.contains(',') {
                true => format!("{piece},{}", pieces.next().unwrap_or("")),
                false => piece.to_string(),
            };
            kinds.push(piece.parse()?);
        }
        if kinds.is_empty() {
            return Err("no layout named".into());
        }
        Ok(Self(kinds))
    }
}

impl Layouts {
    /// Checks the list for a build whose placement comes from `--positions` (`positions`)
    /// or from features: no layout twice, the placement's own kind only, and `positions`
    /// beside `similarity` only with a positions file (`beside`).
    pub fn validate(&self, positions: bool, beside: bool) -> Result<()> {
        for (i, kind) in self.0.iter().enumerate() {
            if self.0[..i].contains(kind) {
                bail!("--layouts: {kind} is named twice");
            }
            match kind {
                LayoutKind::Similarity if positions => bail!(
                    "--layouts: similarity needs features, and --positions gives positions \
                     instead (name `positions`)"
                ),
                LayoutKind::Positions if !positions && !beside => {
                    bail!("--layouts: positions needs --positions FILE")
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether the list names both `similarity` and `positions`: the `--positions` file is
    /// then a layout beside the similarity map rather than its replacement.
    pub fn positions_beside(&self) -> bool {
        self.0.contains(&LayoutKind::Similarity) && self.0.contains(&LayoutKind::Positions)
    }

    /// The map's own placement: positions for a `--positions` build, else similarity.
    pub fn own(positions: bool) -> LayoutKind {
        if positions {
            LayoutKind::Positions
        } else {
            LayoutKind::Similarity
        }
    }

    /// The menu: the list with the placement's own kind (positions for a `--positions`
    /// build, else similarity) first where the list does not name it.
    pub fn menu(&self, positions: bool) -> Vec<LayoutKind> {
        let own = Self::own(positions);
        let mut menu = self.0.clone();
        if !menu.contains(&own) {
            menu.insert(0, own);
        }
        menu
    }
}

/// The layouts' options: which to build, the year column of the timeline and the positions
/// file drawn beside the similarity map.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LayoutOptions {
    /// The layouts, in the viewer's menu order (`--layouts`).
    pub layouts: Layouts,
    /// The timeline's year column (`--year-column`); None: the one the year filter finds.
    pub year_column: Option<String>,
    /// The user's positions file drawn as the `positions` layout beside the similarity map
    /// (`--positions` where `--layouts` names both); None where it is the map's placement.
    pub positions: Option<PathBuf>,
}

impl LayoutOptions {
    /// Checks the options for a build whose placement is `--positions` (`positions`) or
    /// comes from features.
    pub fn validate(&self, positions: bool) -> Result<()> {
        self.layouts.validate(positions, self.positions.is_some())
    }

    /// Checks, before any work, that the metadata `columns` hold every column the layouts
    /// name; an error names the flag and the missing column.
    pub fn check_columns(&self, columns: &[String]) -> Result<()> {
        let named = self.layouts.0.iter().flat_map(|kind| match kind {
            LayoutKind::Group(column) => vec![column.as_str()],
            LayoutKind::Place { lat, lon } => vec![lat.as_str(), lon.as_str()],
            _ => Vec::new(),
        });
        let year = self.year_column.iter().map(String::as_str);
        for column in named.chain(year) {
            if !columns.iter().any(|c| c == column) {
                bail!(
                    "--layouts/--year-column: the metadata has no column {column:?} (its \
                     columns: {})",
                    columns.join(", ")
                );
            }
        }
        Ok(())
    }
}

/// A label the viewer draws on a layout: a year bin's years along the bottom (an axis
/// label) or a block's value over it (an area label), with the cells it names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    /// The text (data: set as text in the viewer).
    pub text: String,
    /// The cells named, `[c0, r0, c1, r1]` inclusive.
    pub bounds: [u32; 4],
    /// Whether the label sits on the bottom axis rather than over its area.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub axis: bool,
}

/// A layout: each item's cell (in the items' order) on its grid, and its labels.
#[derive(Debug, Clone)]
pub struct Arranged {
    /// The grid.
    pub grid: Grid,
    /// Each item's cell.
    pub cells: Vec<Cell>,
    /// What the viewer writes on it.
    pub labels: Vec<Label>,
}

/// What the layouts are made from, per item in the items' order.
pub struct ArrangeInput<'a> {
    /// The similarity map's (or the given positions') 2-D points.
    pub points: &'a [[f32; 2]],
    /// The similarity map's cells, whose order stands for "similar items together".
    pub map_cells: &'a [Cell],
    /// Grid width over height.
    pub aspect: f64,
}

/// Items sorted so that neighbours on the similarity map stay near each other: by the
/// Hilbert curve's index of their map cell.
pub fn similarity_order(map_cells: &[Cell]) -> Vec<usize> {
    let side = map_cells
        .iter()
        .map(|c| c.col.max(c.row) + 1)
        .max()
        .unwrap_or(1)
        .next_power_of_two();
    let mut order: Vec<usize> = (0..map_cells.len()).collect();
    order.sort_by_key(|&i| hilbert_index(side, map_cells[i].col, map_cells[i].row));
    order
}

/// The distance along the Hilbert curve filling a `side` × `side` square (a power of two)
/// of the point (x, y).
fn hilbert_index(side: u32, mut x: u32, mut y: u32) -> u64 {
    let mut d = 0u64;
    let mut s = side / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = side - 1 - x;
                y = side - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// Lays `members` (item indices, in order) into a band `width` columns wide whose bottom
/// row is `bottom`, from column `left`: row by row from the bottom up, each row in turn
/// left to right and right to left, so that consecutive items stay side by side.
fn fill_band(members: &[usize], left: u32, width: u32, bottom: u32, cells: &mut [Cell]) {
    for (k, &item) in members.iter().enumerate() {
        let level = k as u32 / width;
        let along = k as u32 % width;
        let col = if level.is_multiple_of(2) {
            along
        } else {
            width - 1 - along
        };
        cells[item] = Cell {
            col: left + col,
            row: bottom - level,
        };
    }
}

/// Test helper: whether every item of `arranged` has its own cell inside its grid.
#[cfg(test)]
pub(super) fn one_item_per_cell(arranged: &Arranged) -> bool {
    let mut seen = std::collections::HashSet::new();
    let grid = arranged.grid;
    (arranged.cells.iter()).all(|c| c.col < grid.cols && c.row < grid.rows && seen.insert(*c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_parse_and_validate() {
        let list: Layouts = "similarity, time,group:Kind,colour,place:lat,lon"
            .parse()
            .unwrap();
        assert_eq!(
            list.0,
            vec![
                LayoutKind::Similarity,
                LayoutKind::Time,
                LayoutKind::Group("Kind".into()),
                LayoutKind::Colour,
                LayoutKind::Place {
                    lat: "lat".into(),
                    lon: "lon".into()
                },
            ]
        );
        assert!(list.validate(false, false).is_ok());
        assert!(
            list.validate(true, false).is_err(),
            "similarity without features"
        );
        let parsed = |text: &str| text.parse::<Layouts>().unwrap();
        assert!(parsed("time,time").validate(false, false).is_err());
        assert!(parsed("positions").validate(false, false).is_err());
        // Both maps named: the positions file is drawn beside the similarity map.
        let both = parsed("similarity,positions");
        assert!(both.positions_beside() && both.validate(false, true).is_ok());
        assert!(!parsed("positions,time").positions_beside());
        for bad in ["umap", "group", "place:lat", ""] {
            assert!(bad.parse::<Layouts>().is_err(), "{bad}");
        }
        assert_eq!(LayoutKind::Group("Kind".into()).to_string(), "group:Kind");
    }

    #[test]
    fn the_hilbert_order_keeps_neighbours_close() {
        // On a 4 × 4 square the curve visits each cell once, each step to an edge neighbour.
        let cells: Vec<Cell> = (0..16)
            .map(|i| Cell {
                col: i % 4,
                row: i / 4,
            })
            .collect();
        let order = similarity_order(&cells);
        let mut seen = order.clone();
        seen.sort();
        assert_eq!(seen, (0..16).collect::<Vec<_>>());
        for pair in order.windows(2) {
            let (a, b) = (cells[pair[0]], cells[pair[1]]);
            assert_eq!(a.col.abs_diff(b.col) + a.row.abs_diff(b.row), 1);
        }
    }
}
