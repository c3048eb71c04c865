//! Tiler benchmark input and zoomap side. bench/tiles.sh runs it beside `vips dzsave`.
//!
//! `tiles_bench photos WORK COLS IMAGE...`: cells of 256 px cut from the photos (cycled to
//! fill COLS × COLS cells), written as WORK/mosaic.raw (the full RGB8 mosaic, band by band,
//! for vips), then timed: zoomap's streaming tiler on the same cells into WORK/zoomap.
//! `tiles_bench synthetic WORK CELLS CELL_PX`: a CELLS-cell near-square map of solid-colour
//! cells tiled into WORK/synthetic, for peak memory at scale.
//! Both print seconds, tiles, tiles/s and peak RSS of the tiling.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use zoomap::base::grid::Grid;
use zoomap::cmd::report::peak_rss_mib;
use zoomap::stages::thumbs::{CellStore, Fit, cell_thumbnail, decode_upright_rgb};
use zoomap::stages::tiles::{MosaicSource, TileOptions, tile_count, write_pyramid};

const CELL: u32 = 256;
/// The mosaic background, zoomap's default.
const BACKGROUND: [u8; 3] = [17, 17, 17];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [mode, work, cols, images @ ..] if mode == "photos" => photos(work, cols.parse()?, images),
        [mode, work, cells, px] if mode == "synthetic" => {
            synthetic(work, cells.parse()?, px.parse()?)
        }
        _ => Err(
            "usage: tiles_bench photos WORK COLS IMAGE... | synthetic WORK CELLS CELL_PX".into(),
        ),
    }
}

fn photos(work: &str, cols: u32, images: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let work = Path::new(work);
    let store = CellStore::create(&work.join("cells"), CELL)?;
    images
        .par_iter()
        .enumerate()
        .try_for_each(|(slot, path)| -> anyhow::Result<()> {
            let image = decode_upright_rgb(Path::new(path), [17, 17, 17])?;
            store.put(
                slot,
                &cell_thumbnail(&image, CELL, Fit::Cover, [17, 17, 17]),
            )
        })?;
    let slots: Vec<Option<usize>> = (0..(cols * cols) as usize)
        .map(|k| Some(k % images.len()))
        .collect();
    write_raw(&store, &slots, cols, &work.join("mosaic.raw"))?;
    let read_cell = |slot: usize| store.get(slot);
    let source = MosaicSource {
        grid: Grid { cols, rows: cols },
        cell_side: CELL,
        background: BACKGROUND,
        slots: &slots,
        read_cell: &read_cell,
    };
    time_tiling(&source, &work.join("zoomap"))
}

/// The full mosaic as raw RGB8, one band of cell rows at a time.
fn write_raw(
    store: &CellStore,
    slots: &[Option<usize>],
    cols: u32,
    path: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let (cols, side) = (cols as usize, CELL as usize);
    for band in slots.chunks(cols) {
        let cells: Vec<Vec<u8>> = band
            .iter()
            .map(|slot| store.get(slot.expect("every cell filled")))
            .collect::<anyhow::Result<_>>()?;
        for y in 0..side {
            for cell in &cells {
                out.write_all(&cell[y * side * 3..(y + 1) * side * 3])?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn synthetic(work: &str, cells: usize, px: u32) -> Result<(), Box<dyn std::error::Error>> {
    let grid = Grid::for_count(cells, 1.0);
    let slots: Vec<Option<usize>> = (0..grid.cells())
        .map(|k| (k < cells).then_some(k))
        .collect();
    let read_cell = |slot: usize| {
        let colour = [(slot * 37) as u8, (slot * 91) as u8, (slot * 13) as u8];
        Ok(colour.repeat((px * px) as usize))
    };
    let source = MosaicSource {
        grid,
        cell_side: px,
        background: BACKGROUND,
        slots: &slots,
        read_cell: &read_cell,
    };
    time_tiling(&source, &Path::new(work).join("synthetic"))
}

fn time_tiling(source: &MosaicSource<'_>, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let start = Instant::now();
    let pyramid = write_pyramid(source, dir, "map", &TileOptions::default(), &|_| {})?;
    let seconds = start.elapsed().as_secs_f64();
    let tiles = tile_count(pyramid, TileOptions::default().tile_size);
    println!(
        "mosaic={}x{} seconds={seconds:.2} tiles={tiles} tiles_per_s={:.0} peak_rss_mib={:.0}",
        pyramid.width,
        pyramid.height,
        tiles as f64 / seconds,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}
