//! A synthetic zoomap site of any size, built through the library's tiles and site stages,
//! for the viewer at scale (bench/viewer-scale.sh through `examples/scale_site.rs`, and
//! tests/suite/viewer.rs in process).
//!
//! [`write_synthetic_site`] (`scale_site OUT N [CELL_PX]`) writes a site of N items in OUT: solid-colour cells of
//! CELL_PX (default 16) pixels on a near-square grid, the last row part empty. Each item has
//! a title of two words from small vocabularies and its number, a Category (the nearest of
//! 12 seeds, so categories form regions like a real map's clusters), a Material (8 values,
//! scattered) and a Year (a gradient across the map plus noise). Cells are coloured by
//! category and shaded by year.

use std::path::Path;
use std::time::Instant;

use zoomap::base::grid::{Cell, Grid};
use zoomap::base::neighbours::Similar;
use zoomap::base::vectors::Vectors;
use zoomap::cmd::report::peak_rss_mib;
use zoomap::site::data::SiteLayout;
use zoomap::site::{self, Item, PageConfig, SiteData};
use zoomap::stages::clusters::{self, ClusterCount, ClusterMap, ClusterOptions};
use zoomap::stages::tiles::{MosaicSource, TileOptions, write_pyramid};

const ADJECTIVES: [&str; 16] = [
    "blue", "gilded", "carved", "painted", "small", "large", "broken", "glazed", "silver",
    "wooden", "woven", "early", "ornate", "plain", "red", "ancient",
];
const NOUNS: [&str; 16] = [
    "vase",
    "bowl",
    "mask",
    "coin",
    "ship",
    "portrait",
    "landscape",
    "chair",
    "textile",
    "sword",
    "lamp",
    "basket",
    "figure",
    "map",
    "letter",
    "teapot",
];
const CATEGORIES: [&str; 12] = [
    "Ceramics",
    "Paintings",
    "Textiles",
    "Arms",
    "Furniture",
    "Coins",
    "Prints",
    "Glass",
    "Sculpture",
    "Manuscripts",
    "Jewellery",
    "Photographs",
];
const MATERIALS: [&str; 8] = [
    "clay", "oil", "wool", "steel", "oak", "bronze", "paper", "silk",
];
const PALETTE: [[u8; 3]; 12] = [
    [230, 159, 0],
    [86, 180, 233],
    [0, 158, 115],
    [240, 228, 66],
    [0, 114, 178],
    [213, 94, 0],
    [204, 121, 167],
    [120, 120, 120],
    [170, 80, 60],
    [90, 60, 160],
    [60, 200, 200],
    [200, 200, 160],
];

/// Writes a synthetic site of `n` items with cells of `cell` pixels into `out`, and returns
/// a line of its size and its stages' times.
pub fn write_synthetic_site(
    out: &Path,
    n: u32,
    cell: u32,
) -> Result<String, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out.join("previews"))?;
    let cols = (f64::from(n).sqrt().ceil() as u32).max(1);
    let rows = n.div_ceil(cols);
    let world = World::new(cols, rows);
    let started = Instant::now();
    let tile_options = TileOptions::default();
    let slots: Vec<Option<usize>> = (0..cols * rows)
        .map(|k| (k < n).then_some(k as usize))
        .collect();
    let read_cell = |slot: usize| -> anyhow::Result<Vec<u8>> {
        let colour = world.colour(slot as u32);
        Ok(colour.repeat((cell * cell) as usize))
    };
    let source = MosaicSource {
        grid: Grid { cols, rows },
        cell_side: cell,
        background: [17, 17, 17],
        slots: &slots,
        read_cell: &read_cell,
    };
    let pyramid = write_pyramid(&source, out, "map", &tile_options, &|_| {})?;
    let tiled = started.elapsed().as_secs_f64();
    for (k, colour) in PALETTE.iter().enumerate() {
        image::RgbImage::from_pixel(128, 128, image::Rgb(*colour))
            .save(out.join(format!("previews/{k}.jpg")))?;
    }
    let mut data = SiteData::new(
        format!("{n} synthetic items"),
        Grid { cols, rows },
        cell,
        ["file", "Title", "Category", "Material", "Year", "Id"]
            .map(String::from)
            .to_vec(),
        (0..n).map(|i| world.item(i)).collect(),
    );
    // "More like this": the next 12 items in order, as a stand-in for feature neighbours
    // (what a real build writes, at its size).
    data.similar = Some(Similar {
        k: 12,
        rows: (0..n)
            .flat_map(|i| (1..=12u32).map(move |d| if d < n { (i + d) % n } else { Similar::NONE }))
            .collect(),
    });
    // The map's own layout, the one entry of a build without --layouts.
    data.layouts = vec![SiteLayout::own(
        "similarity".into(),
        "Similarity".into(),
        data.grid,
        [pyramid.width, pyramid.height],
        pyramid.levels(tile_options.tile_size),
    )];
    // The IIIF links a build writes (the synthetic site has no IIIF files).
    let base = zoomap::site::iiif::IiifOptions::default().base().unwrap();
    data.iiif = Some(zoomap::site::iiif::IiifIndex::new(&base));
    let page = PageConfig {
        title: data.title.clone(),
        width: pyramid.width,
        height: pyramid.height,
        tile_size: tile_options.tile_size,
        overlap: tile_options.overlap,
        format: "jpg".into(),
        tiles: "map_files".into(),
        data: "data".into(),
        background: "#111111".into(),
        levels: pyramid.levels(tile_options.tile_size),
        max_zoom: site::MAX_PIXEL_RATIO,
    };
    let clustering = Instant::now();
    let clusters = world.clusters(&data)?;
    let clustered = clustering.elapsed().as_secs_f64();
    site::write_site(out, &data, Some(&clusters), &page)?;
    Ok(format!(
        "{n} items, grid {cols}x{rows}, mosaic {}x{}, {} clusters in {} levels: tiles {tiled:.1} s, clusters {clustered:.1} s, site data {:.1} s, peak RSS {:.0} MiB",
        pyramid.width,
        pyramid.height,
        clusters.records.len(),
        clusters.levels.len(),
        started.elapsed().as_secs_f64() - tiled - clustered,
        peak_rss_mib().unwrap_or(0.0)
    ))
}

/// The generated collection: where each item sits and what its metadata says.
struct World {
    cols: u32,
    rows: u32,
    seeds: Vec<[f32; 2]>,
}

impl World {
    fn new(cols: u32, rows: u32) -> Self {
        let seeds = (0..CATEGORIES.len() as u32)
            .map(|k| [unit(hash(k, 1)), unit(hash(k, 2))])
            .collect();
        Self { cols, rows, seeds }
    }

    fn position(&self, i: u32) -> [f32; 2] {
        [
            (i % self.cols) as f32 / self.cols as f32,
            (i / self.cols) as f32 / self.rows as f32,
        ]
    }

    fn category(&self, i: u32) -> usize {
        let [x, y] = self.position(i);
        let distance = |s: &[f32; 2]| (s[0] - x).powi(2) + (s[1] - y).powi(2);
        (0..self.seeds.len())
            .min_by(|&a, &b| distance(&self.seeds[a]).total_cmp(&distance(&self.seeds[b])))
            .unwrap_or(0)
    }

    /// The clusters stage on each item's position and its category's seed (as an image
    /// vector would place it), named from the items' text as a build names them.
    fn clusters(&self, data: &SiteData) -> anyhow::Result<ClusterMap> {
        let n = data.items.len() as u32;
        let vectors: Vec<f32> = (0..n)
            .flat_map(|i| {
                let [x, y] = self.position(i);
                let [sx, sy] = self.seeds[self.category(i)];
                [x, y, sx, sy]
            })
            .collect();
        // As many top-level clusters as categories: the map a real collection would show.
        let twelve = ClusterOptions {
            count: ClusterCount::Fixed(CATEGORIES.len()),
            ..ClusterOptions::default()
        };
        let points = Vectors {
            data: vectors,
            dim: 4,
        };
        let hierarchy = clusters::cluster(&points, &twelve)?
            .ok_or_else(|| anyhow::anyhow!("too few items to cluster"))?;
        let names = clusters::names::name_clusters(&hierarchy, &data.naming_texts());
        let cells: Vec<Cell> = data.items.iter().map(|item| item.cell).collect();
        let files: Vec<String> = data.items.iter().map(|item| item.file.clone()).collect();
        Ok(ClusterMap::new(
            &hierarchy, &names, &cells, data.grid, &files,
        ))
    }

    fn year(&self, i: u32) -> u32 {
        let [x, y] = self.position(i);
        1700 + ((x + y) * 150.0) as u32 + hash(i, 3) % 20
    }

    fn colour(&self, i: u32) -> [u8; 3] {
        let shade = 0.55 + 0.45 * (self.year(i) - 1700) as f32 / 320.0;
        PALETTE[self.category(i)].map(|c| (f32::from(c) * shade) as u8)
    }

    fn item(&self, i: u32) -> Item {
        let adjective = ADJECTIVES[(hash(i, 4) % 16) as usize];
        let noun = NOUNS[(hash(i, 5) % 16) as usize];
        let category = self.category(i);
        let file = format!("img/{i}.jpg");
        Item {
            title: format!("{adjective} {noun} no. {i}"),
            url: Some(format!("https://example.org/object/{i}")),
            url_text: None,
            cell: Cell {
                col: i % self.cols,
                row: i / self.cols,
            },
            preview: format!("previews/{category}.jpg"),
            original: None,
            fields: vec![
                file.clone(),
                format!("{adjective} {noun} no. {i}"),
                CATEGORIES[category].into(),
                MATERIALS[(hash(i, 6) % 8) as usize].into(),
                self.year(i).to_string(),
                i.to_string(),
            ],
            file,
            tags: Vec::new(),
        }
    }
}

/// A well-mixed hash of an item number and a stream, for reproducible pseudo-random fields.
fn hash(i: u32, stream: u32) -> u32 {
    let mut x = u64::from(i) << 8 | u64::from(stream);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (x ^ (x >> 31)) as u32
}

fn unit(x: u32) -> f32 {
    x as f32 / u32::MAX as f32
}
