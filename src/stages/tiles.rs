//! The mosaic as a DeepZoom (DZI) tile pyramid, streamed: the full-resolution level is drawn
//! one band of cell rows at a time from the cell thumbnails, each coarser level is made from
//! the one below as its rows arrive, and tiles are encoded in parallel as soon as their pixels
//! exist. Memory is a few bands of the mosaic's width, never the mosaic.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use image::ExtendedColorType;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use rayon::prelude::*;

use crate::base::grid::Grid;

/// Tile image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum TileFormat {
    /// Baseline JPEG at `quality`.
    Jpg,
    /// Lossless PNG.
    Png,
    /// Lossless WebP.
    Webp,
}

impl TileFormat {
    /// File extension, as DZI's `Format` attribute names it.
    pub fn extension(self) -> &'static str {
        match self {
            TileFormat::Jpg => "jpg",
            TileFormat::Png => "png",
            TileFormat::Webp => "webp",
        }
    }
}

/// Pyramid settings.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct TileOptions {
    /// Tile side without overlap.
    pub tile_size: u32,
    /// Pixels each tile shares with its neighbours.
    pub overlap: u32,
    /// Tile encoding.
    pub format: TileFormat,
    /// JPEG quality, 1–100.
    pub quality: u8,
}

impl Default for TileOptions {
    /// 256-pixel JPEG tiles at quality 85, without overlap (as libvips' `dzsave` writes them
    /// and as IIIF tiles are), so the site's IIIF image shares the DeepZoom tiles' files.
    fn default() -> Self {
        Self {
            tile_size: 256,
            overlap: 0,
            format: TileFormat::Jpg,
            quality: 85,
        }
    }
}

impl TileOptions {
    /// Whether these tiles are IIIF tiles too: JPEG, without overlap.
    pub fn are_iiif_tiles(&self) -> bool {
        self.overlap == 0 && self.format == TileFormat::Jpg
    }

    /// These settings for a pyramid whose tiles are IIIF tiles (JPEG, no overlap).
    pub fn for_iiif(&self) -> Self {
        Self {
            overlap: 0,
            format: TileFormat::Jpg,
            ..*self
        }
    }

    /// Refuses settings no pyramid can be written with.
    pub fn validate(&self) -> Result<()> {
        if self.tile_size == 0 || self.overlap >= self.tile_size {
            bail!(
                "tile size {} must be positive and larger than the overlap {}",
                self.tile_size,
                self.overlap
            );
        }
        if !(1..=100).contains(&self.quality) {
            bail!("JPEG quality {} is not within 1–100", self.quality);
        }
        Ok(())
    }
}

/// Width and height of a pyramid's levels, from 1×1 (level 0) up to full size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pyramid {
    /// Full-resolution width.
    pub width: u32,
    /// Full-resolution height.
    pub height: u32,
}

impl Pyramid {
    /// Index of the full-resolution level: `ceil(log2(max(width, height)))`.
    pub fn max_level(self) -> u32 {
        let longest = self.width.max(self.height).max(1);
        u32::BITS - (longest - 1).leading_zeros()
    }

    /// Size of `level`: the full size halved (rounding up) once per level below the top.
    pub fn level_size(self, level: u32) -> (u32, u32) {
        let shift = self.max_level() - level;
        let halve = |v: u32| ((u64::from(v) + (1u64 << shift) - 1) >> shift) as u32;
        (halve(self.width).max(1), halve(self.height).max(1))
    }

    /// Number of tile columns and rows of `level`.
    pub fn tile_grid(self, level: u32, tile_size: u32) -> (u32, u32) {
        let (w, h) = self.level_size(level);
        (w.div_ceil(tile_size), h.div_ceil(tile_size))
    }

    /// Every level, coarsest first: what the viewer needs of the pyramid's geometry, written
    /// into the page so that it never recomputes the rules above.
    pub fn levels(self, tile_size: u32) -> Vec<Level> {
        (0..=self.max_level())
            .map(|level| {
                let (width, height) = self.level_size(level);
                let (cols, rows) = self.tile_grid(level, tile_size);
                Level {
                    width,
                    height,
                    cols,
                    rows,
                }
            })
            .collect()
    }
}

/// One level of a pyramid: its size in pixels and its grid of tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Level {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Tile columns.
    pub cols: u32,
    /// Tile rows.
    pub rows: u32,
}

/// The pixel rectangle `[x0, x1) × [y0, y1)` of tile `(col, row)` of a level of the given
/// size: its `tile_size` square, widened by `overlap` on each side that has a neighbour, and
/// clipped to the level.
pub fn tile_bounds(
    level_size: (u32, u32),
    col: u32,
    row: u32,
    tile_size: u32,
    overlap: u32,
) -> [u32; 4] {
    let span = |index: u32, extent: u32| {
        let start = (index * tile_size).saturating_sub(if index > 0 { overlap } else { 0 });
        let end = ((index + 1) * tile_size + overlap).min(extent);
        (start, end)
    };
    let (x0, x1) = span(col, level_size.0);
    let (y0, y1) = span(row, level_size.1);
    [x0, y0, x1, y1]
}

/// The DZI description file's text.
pub fn dzi_xml(pyramid: Pyramid, options: &TileOptions) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" Format=\"{}\" Overlap=\"{}\" TileSize=\"{}\">\n  <Size Width=\"{}\" Height=\"{}\"/>\n</Image>\n",
        options.format.extension(),
        options.overlap,
        options.tile_size,
        pyramid.width,
        pyramid.height
    )
}

/// Where the mosaic's pixels come from: a grid of square cells, each empty or drawn by a
/// callback (so this stage needs nothing of how thumbnails are stored).
pub struct MosaicSource<'a> {
    /// The grid of cells.
    pub grid: Grid,
    /// Side of a cell, in pixels.
    pub cell_side: u32,
    /// Colour of empty cells.
    pub background: [u8; 3],
    /// For each grid row, the slot to draw in each column (`None` = empty cell).
    pub slots: &'a [Option<usize>],
    /// Reads the `cell_side × cell_side` RGB8 pixels of a slot.
    pub read_cell: &'a (dyn Fn(usize) -> Result<Vec<u8>> + Sync),
}

/// Writes `{name}.dzi` and `{name}_files/{level}/{col}_{row}.{ext}` into `dir`, calling
/// `progress` with the number of tiles written so far.
pub fn write_pyramid(
    source: &MosaicSource<'_>,
    dir: &Path,
    name: &str,
    options: &TileOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Pyramid> {
    options.validate()?;
    let pyramid = Pyramid {
        width: source.grid.cols * source.cell_side,
        height: source.grid.rows * source.cell_side,
    };
    let files = dir.join(format!("{name}_files"));
    let mut chain = LevelSink::chain(pyramid, &files, options)?;
    for grid_row in 0..source.grid.rows {
        for row in draw_band(source, grid_row)? {
            chain.push_row(row, progress)?;
        }
    }
    chain.finish(progress)?;
    fs::write(dir.join(format!("{name}.dzi")), dzi_xml(pyramid, options))?;
    Ok(pyramid)
}

/// Total number of tiles of a pyramid, for progress bars.
pub fn tile_count(pyramid: Pyramid, tile_size: u32) -> u64 {
    (0..=pyramid.max_level())
        .map(|level| {
            let (c, r) = pyramid.tile_grid(level, tile_size);
            u64::from(c) * u64::from(r)
        })
        .sum()
}

/// The `cell_side` pixel rows of one grid row, each `cols × cell_side` RGB8 pixels wide.
fn draw_band(source: &MosaicSource<'_>, grid_row: u32) -> Result<Vec<Vec<u8>>> {
    let cell = source.cell_side as usize;
    let cols = source.grid.cols as usize;
    let width = cols * cell;
    let mut rows: Vec<Vec<u8>> = (0..cell).map(|_| source.background.repeat(width)).collect();
    let start = grid_row as usize * cols;
    let slots = &source.slots[start..start + cols];
    let cells: Vec<(usize, Vec<u8>)> = slots
        .par_iter()
        .enumerate()
        .filter_map(|(col, slot)| slot.map(|s| (col, s)))
        .map(|(col, slot)| (source.read_cell)(slot).map(|px| (col, px)))
        .collect::<Result<_>>()?;
    for (col, pixels) in cells {
        for (y, row) in rows.iter_mut().enumerate() {
            let src = &pixels[y * cell * 3..(y + 1) * cell * 3];
            row[col * cell * 3..(col + 1) * cell * 3].copy_from_slice(src);
        }
    }
    Ok(rows)
}

/// One level of the pyramid being written: it keeps the rows that tiles not yet written still
/// need, writes each tile row once its last pixel row has arrived, and feeds 2×2-averaged rows
/// to the next coarser level.
struct LevelSink {
    level: u32,
    width: u32,
    height: u32,
    dir: PathBuf,
    options: TileOptions,
    /// Index of `rows[0]` within the level.
    first_row: u32,
    rows: Vec<Vec<u8>>,
    next_tile_row: u32,
    /// An even row waiting for its odd partner before being halved.
    pending: Option<Vec<u8>>,
    coarser: Option<Box<LevelSink>>,
}

impl LevelSink {
    fn chain(pyramid: Pyramid, files: &Path, options: &TileOptions) -> Result<Self> {
        let mut sink: Option<Box<LevelSink>> = None;
        for level in 0..=pyramid.max_level() {
            let (width, height) = pyramid.level_size(level);
            let dir = files.join(level.to_string());
            fs::create_dir_all(&dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
            sink = Some(Box::new(LevelSink {
                level,
                width,
                height,
                dir,
                options: *options,
                first_row: 0,
                rows: Vec::new(),
                next_tile_row: 0,
                pending: None,
                coarser: sink,
            }));
        }
        Ok(*sink.expect("a pyramid has at least one level"))
    }

    fn push_row(&mut self, row: Vec<u8>, progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
        if self.level > 0 {
            self.feed_coarser(&row, progress)?;
        }
        self.rows.push(row);
        self.write_ready_tile_rows(false, progress)
    }

    fn feed_coarser(&mut self, row: &[u8], progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
        match self.pending.take() {
            None => self.pending = Some(row.to_vec()),
            Some(upper) => {
                let halved = halve_rows(&upper, Some(row), self.width);
                self.coarser
                    .as_mut()
                    .expect("levels above 0 have a coarser level")
                    .push_row(halved, progress)?;
            }
        }
        Ok(())
    }

    fn write_ready_tile_rows(
        &mut self,
        finished: bool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<()> {
        let ts = self.options.tile_size;
        let arrived = self.first_row + self.rows.len() as u32;
        while self.next_tile_row * ts < self.height {
            let bounds = tile_bounds(
                (self.width, self.height),
                0,
                self.next_tile_row,
                ts,
                self.options.overlap,
            );
            if arrived < bounds[3] && !finished {
                break;
            }
            self.write_tile_row(bounds[1], bounds[3], progress)?;
            self.next_tile_row += 1;
            let keep_from = (self.next_tile_row * ts).saturating_sub(self.options.overlap);
            let drop = keep_from.saturating_sub(self.first_row) as usize;
            self.rows.drain(..drop.min(self.rows.len()));
            self.first_row += drop as u32;
        }
        Ok(())
    }

    fn write_tile_row(&self, y0: u32, y1: u32, progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
        let cols = self.width.div_ceil(self.options.tile_size);
        let band = &self.rows[(y0 - self.first_row) as usize..(y1 - self.first_row) as usize];
        (0..cols).into_par_iter().try_for_each(|col| {
            let [x0, _, x1, _] = tile_bounds(
                (self.width, self.height),
                col,
                self.next_tile_row,
                self.options.tile_size,
                self.options.overlap,
            );
            let pixels: Vec<u8> = band
                .iter()
                .flat_map(|r| &r[x0 as usize * 3..x1 as usize * 3])
                .copied()
                .collect();
            let path = self.dir.join(format!(
                "{col}_{}.{}",
                self.next_tile_row,
                self.options.format.extension()
            ));
            encode_tile(&path, &pixels, x1 - x0, y1 - y0, &self.options)
        })?;
        progress(u64::from(cols));
        Ok(())
    }

    fn finish(mut self, progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
        self.write_ready_tile_rows(true, progress)?;
        if let Some(upper) = self.pending.take() {
            let halved = halve_rows(&upper, None, self.width);
            self.coarser
                .as_mut()
                .expect("levels above 0 have a coarser level")
                .push_row(halved, progress)?;
        }
        match self.coarser.take() {
            Some(coarser) => coarser.finish(progress),
            None => Ok(()),
        }
    }
}

/// One row of the next coarser level: each output pixel the mean of the (up to) 2×2 pixels
/// it covers, rounding to nearest.
fn halve_rows(upper: &[u8], lower: Option<&[u8]>, width: u32) -> Vec<u8> {
    let width = width as usize;
    let out_width = width.div_ceil(2);
    let mut out = Vec::with_capacity(out_width * 3);
    for x in 0..out_width {
        let xs = [2 * x, (2 * x + 1).min(width - 1)];
        let count_x = if 2 * x + 1 < width { 2 } else { 1 };
        for c in 0..3 {
            let mut sum = 0u32;
            let mut count = 0u32;
            for row in std::iter::once(upper).chain(lower) {
                for &sx in &xs[..count_x] {
                    sum += u32::from(row[sx * 3 + c]);
                    count += 1;
                }
            }
            out.push(((sum + count / 2) / count) as u8);
        }
    }
    out
}

/// A tile side as the JPEG encoder takes it (JPEG's limit is 65,535 pixels).
fn tile_side(side: u32) -> Result<u16> {
    u16::try_from(side).context("tile side above JPEG's 65,535-pixel limit")
}

fn encode_tile(
    path: &Path,
    pixels: &[u8],
    width: u32,
    height: u32,
    options: &TileOptions,
) -> Result<()> {
    let file =
        File::create(path).with_context(|| format!("{}: cannot create tile", path.display()))?;
    let mut out = BufWriter::new(file);
    let result = match options.format {
        TileFormat::Jpg => {
            // jpeg-encoder (AVX2) encodes tiles ~1.4× faster than `image`'s own JPEG encoder
            // (bench/tiles.sh); tile writing is the stage's main cost.
            let encoder = jpeg_encoder::Encoder::new(&mut out, options.quality);
            let (w, h) = (tile_side(width)?, tile_side(height)?);
            encoder
                .encode(pixels, w, h, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| image::ImageError::IoError(std::io::Error::other(e)))
        }
        TileFormat::Png => image::ImageEncoder::write_image(
            PngEncoder::new(&mut out),
            pixels,
            width,
            height,
            ExtendedColorType::Rgb8,
        ),
        TileFormat::Webp => WebPEncoder::new_lossless(&mut out).encode(
            pixels,
            width,
            height,
            ExtendedColorType::Rgb8,
        ),
    };
    result.with_context(|| format!("{}: cannot encode tile", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_sizes_follow_the_dzi_rules() {
        let p = Pyramid {
            width: 255,
            height: 257,
        };
        assert_eq!(p.max_level(), 9);
        assert_eq!(p.level_size(9), (255, 257));
        assert_eq!(p.level_size(8), (128, 129));
        assert_eq!(p.level_size(1), (1, 2));
        assert_eq!(p.level_size(0), (1, 1));
        let levels = p.levels(100);
        assert_eq!(levels.len(), 10);
        assert_eq!(
            levels[9],
            Level {
                width: 255,
                height: 257,
                cols: 3,
                rows: 3
            }
        );
        assert_eq!((levels[0].cols, levels[0].rows), (1, 1));
        let one = Pyramid {
            width: 1,
            height: 1,
        };
        assert_eq!(one.max_level(), 0);
        assert_eq!(one.level_size(0), (1, 1));
        let thin = Pyramid {
            width: 1000,
            height: 3,
        };
        assert_eq!(thin.max_level(), 10);
        assert_eq!(thin.level_size(10), (1000, 3));
        assert_eq!(thin.level_size(9), (500, 2));
        assert_eq!(thin.level_size(8), (250, 1));
        assert_eq!(thin.level_size(1), (2, 1));
    }

    #[test]
    fn tile_bounds_add_overlap_only_towards_neighbours() {
        assert_eq!(tile_bounds((255, 257), 0, 0, 254, 1), [0, 0, 255, 255]);
        assert_eq!(tile_bounds((255, 257), 1, 1, 254, 1), [253, 253, 255, 257]);
        assert_eq!(tile_bounds((1000, 3), 3, 0, 254, 1), [761, 0, 1000, 3]);
        assert_eq!(tile_bounds((1, 1), 0, 0, 254, 1), [0, 0, 1, 1]);
    }

    #[test]
    fn halving_averages_two_by_two_and_keeps_odd_edges() {
        let upper = [0, 0, 0, 100, 100, 100, 50, 50, 50];
        let lower = [200, 200, 200, 100, 100, 100, 51, 51, 51];
        assert_eq!(
            halve_rows(&upper, Some(&lower), 3),
            vec![100, 100, 100, 51, 51, 51]
        );
        assert_eq!(halve_rows(&upper, None, 3), vec![50, 50, 50, 50, 50, 50]);
    }

    /// One test, longer than most, because each check needs the pyramid the first builds and
    /// the reference levels the second derives from the directly drawn mosaic.
    #[test]
    fn every_tile_exists_with_its_pixel_size_and_pixels_match_a_direct_downscale() {
        let dir = tempfile::tempdir().unwrap();
        let (cols, rows, cell) = (5u32, 3u32, 37u32);
        let slots: Vec<Option<usize>> = (0..15)
            .map(|i| if i == 7 { None } else { Some(i) })
            .collect();
        let colour = |slot: usize| [(slot * 17) as u8, (slot * 40) as u8, 255 - (slot * 9) as u8];
        let read = move |slot: usize| -> Result<Vec<u8>> {
            Ok(colour(slot).repeat((cell * cell) as usize))
        };
        let source = MosaicSource {
            grid: Grid { cols, rows },
            cell_side: cell,
            background: [1, 2, 3],
            slots: &slots,
            read_cell: &read,
        };
        let options = TileOptions {
            tile_size: 64,
            overlap: 2,
            format: TileFormat::Png,
            quality: 90,
        };
        let pyramid = write_pyramid(&source, dir.path(), "map", &options, &|_| {}).unwrap();
        assert_eq!((pyramid.width, pyramid.height), (185, 111));
        // The full mosaic, drawn directly, and its levels by repeated 2×2 halving.
        let mut level: Vec<Vec<u8>> = (0..pyramid.height)
            .map(|y| {
                (0..pyramid.width)
                    .flat_map(|x| {
                        let slot = slots[((y / cell) * cols + x / cell) as usize];
                        slot.map_or([1, 2, 3], colour)
                    })
                    .collect()
            })
            .collect();
        for lvl in (0..=pyramid.max_level()).rev() {
            let (w, h) = pyramid.level_size(lvl);
            assert_eq!((level[0].len() as u32 / 3, level.len() as u32), (w, h));
            let (tc, tr) = pyramid.tile_grid(lvl, 64);
            for r in 0..tr {
                for c in 0..tc {
                    let [x0, y0, x1, y1] = tile_bounds((w, h), c, r, 64, 2);
                    let tile = image::open(dir.path().join(format!("map_files/{lvl}/{c}_{r}.png")))
                        .unwrap()
                        .into_rgb8();
                    assert_eq!(
                        tile.dimensions(),
                        (x1 - x0, y1 - y0),
                        "level {lvl} tile {c},{r}"
                    );
                    let expected: Vec<u8> = (y0..y1)
                        .flat_map(|y| level[y as usize][x0 as usize * 3..x1 as usize * 3].to_vec())
                        .collect();
                    assert_eq!(tile.as_raw(), &expected, "level {lvl} tile {c},{r}");
                }
            }
            let extra = fs::read_dir(dir.path().join(format!("map_files/{lvl}")))
                .unwrap()
                .count() as u32;
            assert_eq!(extra, tc * tr, "no stray tiles at level {lvl}");
            level = level
                .chunks(2)
                .map(|pair| halve_rows(&pair[0], pair.get(1).map(Vec::as_slice), w))
                .collect();
        }
        let xml = fs::read_to_string(dir.path().join("map.dzi")).unwrap();
        assert!(xml.contains(r#"Width="185" Height="111""#), "{xml}");
        assert!(
            xml.contains(r#"Format="png" Overlap="2" TileSize="64""#),
            "{xml}"
        );
    }
}
