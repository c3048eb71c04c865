//! Positions the user computed elsewhere (`--positions FILE`): a CSV or TSV of
//! `filename,x,y` (a 2-D embedding, still spread onto the grid by the layout stage) or
//! `filename,col,row` (grid cells, used as given). Either skips the feature and reduce stages.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::base::grid::{Cell, Grid};
use crate::base::table;
use crate::stages::scan::image_name;

/// The largest column or row index a positions file may give: 65,536 cells of 256 px make a
/// mosaic side of 16.7 million pixels, beyond what DeepZoom viewers handle well.
const MAX_GRID_SIDE: u32 = 65_536;

/// Cells of the grid a positions file spans per image, at most (and a small grid whatever
/// the count): the tiles and per-cell files cost per cell, so a sparse file must not make a
/// few images cost a huge grid.
const MAX_CELLS_PER_IMAGE: usize = 64;
const SMALL_GRID_CELLS: usize = 65_536;

/// A reader of the rows of `text` (delimited as [`table::delimiter`] says), and whether its header names cells (`col,row`) rather than points.
fn open_table<'t>(path: &Path, text: &'t str) -> Result<(csv::Reader<&'t [u8]>, bool)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(table::delimiter(text.lines().next().unwrap_or("")))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header", path.display()))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let cells = match header.get(1..3) {
        Some([x, y]) if x == "x" && y == "y" => false,
        Some([c, r]) if c == "col" && r == "row" => true,
        _ => bail!(
            "{}: the header must be filename,x,y or filename,col,row (found {:?})",
            path.display(),
            header.join(",")
        ),
    };
    Ok((reader, cells))
}

/// A column or row index below [`MAX_GRID_SIDE`]; `at` names the file and line.
fn cell_index(value: &str, at: &dyn Fn() -> String) -> Result<u32> {
    match value.parse::<u32>() {
        Ok(i) if i < MAX_GRID_SIDE => Ok(i),
        Ok(_) => bail!("{}: cell index {value} is beyond {MAX_GRID_SIDE}", at()),
        Err(_) => bail!("{}: {value:?} is not a cell index", at()),
    }
}

/// A finite coordinate; `at` names the file and line.
fn coordinate(value: &str, at: &dyn Fn() -> String) -> Result<f32> {
    match value.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => bail!("{}: {value:?} is not a finite number", at()),
    }
}

/// Refuses given cells that span a grid far larger than the images need.
fn check_density(path: &Path, cells: &HashMap<String, Cell>) -> Result<()> {
    let used: Vec<Cell> = cells.values().copied().collect();
    let grid = grid_of(&used);
    let allowed = (cells.len() * MAX_CELLS_PER_IMAGE).max(SMALL_GRID_CELLS);
    if grid.cells() > allowed {
        bail!(
            "{}: its cells span a {} × {} grid for {} images; at most {MAX_CELLS_PER_IMAGE} cells per image",
            path.display(),
            grid.cols,
            grid.rows,
            cells.len()
        );
    }
    Ok(())
}

/// Where each image goes, in one of the two forms the file may take.
#[derive(Debug, Clone)]
pub enum Given {
    /// 2-D points, one per image name, for grid assignment.
    Points(HashMap<String, [f32; 2]>),
    /// Grid cells, one per image name, distinct.
    Cells(HashMap<String, Cell>),
}

/// A positions file, read and checked.
#[derive(Debug, Clone)]
pub struct Positions {
    /// The file read.
    pub path: PathBuf,
    /// Its positions.
    pub placement: Given,
}

impl Positions {
    /// Reads `path`: a header row whose first column names the image (its path relative to
    /// the collection; for a flat folder, its file name) and whose next two are `x,y` or `col,row`; comma- or
    /// tab-separated. Every error names the file and, where there is one, the line.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let (mut reader, cells) = open_table(path, &text)?;
        let mut points = HashMap::new();
        let mut grid_cells = HashMap::new();
        let mut owner: HashMap<Cell, String> = HashMap::new();
        for (k, record) in reader.records().enumerate() {
            let at = || format!("{} line {}", path.display(), k + 2);
            let record = record.with_context(at)?;
            let (Some(name), Some(a), Some(b)) = (record.get(0), record.get(1), record.get(2))
            else {
                bail!("{}: expected three fields", at());
            };
            let name = image_name(name);
            if points.contains_key(&name) || grid_cells.contains_key(&name) {
                bail!("{}: {name:?} is listed twice", at());
            }
            if cells {
                let cell = Cell {
                    col: cell_index(a, &at)?,
                    row: cell_index(b, &at)?,
                };
                if let Some(other) = owner.insert(cell, name.clone()) {
                    let (col, row) = (cell.col, cell.row);
                    bail!(
                        "{}: {name:?} and {other:?} both take cell ({col}, {row})",
                        at()
                    );
                }
                grid_cells.insert(name, cell);
            } else {
                points.insert(name, [coordinate(a, &at)?, coordinate(b, &at)?]);
            }
        }
        let placement = if cells {
            check_density(path, &grid_cells)?;
            Given::Cells(grid_cells)
        } else {
            Given::Points(points)
        };
        Ok(Self {
            path: path.to_path_buf(),
            placement,
        })
    }

    /// Whether the file places the image named `name`.
    pub fn has(&self, name: &str) -> bool {
        match &self.placement {
            Given::Points(points) => points.contains_key(name),
            Given::Cells(cells) => cells.contains_key(name),
        }
    }

    /// The names in the file that are not among `images`, sorted.
    pub fn missing_from<'a>(&self, images: impl Iterator<Item = &'a str>) -> Vec<String> {
        let known = images.collect();
        match &self.placement {
            Given::Points(points) => table::missing(points.keys(), &known),
            Given::Cells(cells) => table::missing(cells.keys(), &known),
        }
    }
}

/// The grid that holds every given cell: as wide and tall as the largest column and row.
pub fn grid_of(cells: &[Cell]) -> Grid {
    Grid {
        cols: cells.iter().map(|c| c.col + 1).max().unwrap_or(1),
        rows: cells.iter().map(|c| c.row + 1).max().unwrap_or(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Positions> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("positions.csv");
        std::fs::write(&path, text).unwrap();
        Positions::read(&path)
    }

    #[test]
    fn reads_points_and_cells_in_either_separator() {
        let points = read("filename,x,y\na.jpg,1.5,-2\nsub/b.jpg,0,3e2\n").unwrap();
        let Given::Points(p) = &points.placement else {
            panic!("points expected")
        };
        assert_eq!(p["sub/b.jpg"], [0.0, 300.0]);
        let cells = read("filename\tcol\trow\na.jpg\t0\t2\nb.jpg\t4\t0\n").unwrap();
        let Given::Cells(c) = &cells.placement else {
            panic!("cells expected")
        };
        assert_eq!(c["a.jpg"], Cell { col: 0, row: 2 });
        let grid = grid_of(&c.values().copied().collect::<Vec<_>>());
        assert_eq!((grid.cols, grid.rows), (5, 3));
        assert!(cells.has("b.jpg") && !cells.has("c.jpg"));
        assert_eq!(cells.missing_from(["a.jpg"].into_iter()), vec!["b.jpg"]);
    }

    #[test]
    fn bad_files_are_one_line_errors_with_the_line() {
        for (text, expected) in [
            ("filename,a,b\nx.jpg,1,2\n", "header must be"),
            ("filename,x,y\nx.jpg,1,nan\n", "line 2"),
            ("filename,col,row\nx.jpg,1,-1\n", "not a cell index"),
            (
                "filename,col,row\nx.jpg,1,1\ny.jpg,1,1\n",
                "both take cell (1, 1)",
            ),
            ("filename,x,y\nx.jpg,1,1\nx.jpg,2,2\n", "listed twice"),
            ("filename,x,y\nx.jpg,1\n", "line 2"),
        ] {
            let err = format!("{:#}", read(text).unwrap_err());
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(err.contains("positions.csv"), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
