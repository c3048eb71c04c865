//! The mosaic as a IIIF Image API 3.0 level-0 image: `info.json` declaring its tiles (width,
//! scale factors) and its small whole-image sizes, and a static file at each URL a level-0
//! client asks for (`{region}/{size}/0/default.jpg`, the canonical forms OpenSeadragon, and
//! so Mirador and Universal Viewer, request; libvips' `dzsave --layout iiif3` writes the
//! same). A DeepZoom level is a IIIF scale factor and, without overlap, a DeepZoom tile is
//! the IIIF tile of the same rectangle pixel for pixel: edge tiles are cut at the image's
//! edge and their size rounded up (`ceil(region / scale factor)`), as the spec's
//! implementation notes ask and as DeepZoom halves its levels. So the IIIF files are the
//! DeepZoom tiles themselves, hard-linked (or moved, from a pyramid written for IIIF alone).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::stages::tiles::Pyramid;

/// The whole image at its largest size, the one request every level-0 image answers.
const MAX_PATH: &str = "full/max/0/default.jpg";

/// Where a tile file goes from its DeepZoom path to its IIIF path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// A hard link: the DeepZoom pyramid keeps its file and the IIIF path shares it (a copy
    /// where the file system has no hard links).
    Link,
    /// A rename: the DeepZoom pyramid was written for IIIF alone.
    Move,
}

/// The image's geometry as `info.json` declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// Full width, in pixels.
    pub width: u32,
    /// Full height, in pixels.
    pub height: u32,
    /// Tile side, in pixels of the scaled image.
    pub tile: u32,
    /// The pyramid, for its levels.
    pyramid: Pyramid,
}

impl ImageInfo {
    /// The IIIF image of a DeepZoom `pyramid` tiled at `tile` pixels without overlap.
    pub fn new(pyramid: Pyramid, tile: u32) -> Self {
        Self {
            width: pyramid.width,
            height: pyramid.height,
            tile,
            pyramid,
        }
    }

    /// Scale factor of the DeepZoom `level`: 2 to the power of its distance from the top.
    fn scale_factor(&self, level: u32) -> u32 {
        1 << (self.pyramid.max_level() - level)
    }

    /// Every scale factor, 1 first: one per DeepZoom level, down to the 1-pixel one.
    pub fn scale_factors(&self) -> Vec<u32> {
        (0..=self.pyramid.max_level())
            .rev()
            .map(|level| self.scale_factor(level))
            .collect()
    }

    /// The whole-image sizes a client may ask for as `full/w,h`: each level that is one
    /// tile, smallest first.
    pub fn sizes(&self) -> Vec<[u32; 2]> {
        (0..=self.pyramid.max_level())
            .map(|level| self.pyramid.level_size(level))
            .filter(|&(w, h)| w <= self.tile && h <= self.tile)
            .map(|(w, h)| [w, h])
            .collect()
    }

    /// The `info.json` of the image whose id (its base URI) is `id`.
    pub fn json(&self, id: &str) -> Value {
        let sizes: Vec<Value> = self
            .sizes()
            .iter()
            .map(|[w, h]| json!({"width": w, "height": h}))
            .collect();
        let mut info = json!({
            "@context": "http://iiif.io/api/image/3/context.json",
            "id": id,
            "type": "ImageService3",
            "protocol": "http://iiif.io/api/image",
            "profile": "level0",
            "width": self.width,
            "height": self.height,
            "sizes": sizes,
            "tiles": [{"width": self.tile, "scaleFactors": self.scale_factors()}],
        });
        // Level 0 must answer `full/max`: bounded to the largest whole-image size, which
        // is one tile's file, rather than the whole mosaic at full size (a gigapixel JPEG).
        let ([w, h], _) = self.largest_size();
        if [w, h] != [self.width, self.height] {
            info["maxWidth"] = json!(w);
            info["maxHeight"] = json!(h);
        }
        info
    }

    /// The IIIF path (below the image's id) of DeepZoom tile `(col, row)` of `level`:
    /// region `x,y,w,h` in full-size pixels (`full` for the whole image), size `w,h` of the
    /// tile (`max` for the whole image at full size), no rotation, default quality.
    pub fn tile_path(&self, level: u32, col: u32, row: u32) -> String {
        let s = self.scale_factor(level);
        let (level_w, level_h) = self.pyramid.level_size(level);
        let (x, y) = (col * self.tile * s, row * self.tile * s);
        let (w, h) = (
            (self.tile * s).min(self.width - x),
            (self.tile * s).min(self.height - y),
        );
        let size = (
            self.tile.min(level_w - col * self.tile),
            self.tile.min(level_h - row * self.tile),
        );
        let region = if [x, y, w, h] == [0, 0, self.width, self.height] {
            "full".to_string()
        } else {
            format!("{x},{y},{w},{h}")
        };
        let size = if size == (self.width, self.height) {
            "max".to_string()
        } else {
            format!("{},{}", size.0, size.1)
        };
        format!("{region}/{size}/0/default.jpg")
    }

    /// The largest whole-image size and its path below the image's id: `full/max`, as the
    /// info's `maxWidth`/`maxHeight` bound it; the Manifest's painting body (a client with
    /// the service zooms past it).
    pub fn largest_size(&self) -> ([u32; 2], String) {
        let [w, h] = self.sizes().last().copied().unwrap_or([1, 1]);
        ([w, h], MAX_PATH.to_string())
    }
}

/// Writes `info.json` (with id `id`) into `image_dir` and puts each tile of the DeepZoom
/// tile folder `tiles` (`{level}/{col}_{row}.jpg`, no overlap) at its IIIF path there.
pub fn write_image(
    image: &ImageInfo,
    tiles: &Path,
    image_dir: &Path,
    id: &str,
    how: Transfer,
) -> Result<()> {
    fs::create_dir_all(image_dir)
        .with_context(|| format!("{}: cannot create", image_dir.display()))?;
    let levels = image.pyramid.levels(image.tile);
    let jobs: Vec<(u32, u32, u32)> = levels
        .iter()
        .enumerate()
        .flat_map(|(level, l)| {
            (0..l.rows).flat_map(move |row| (0..l.cols).map(move |col| (level as u32, col, row)))
        })
        .collect();
    jobs.par_iter().try_for_each(|&(level, col, row)| {
        let from = tiles.join(format!("{level}/{col}_{row}.jpg"));
        let to = image_dir.join(image.tile_path(level, col, row));
        transfer(&from, &to, how)
    })?;
    // `full/max`: the largest one-tile level's file, linked beside its `full/w,h` path.
    let ([w, h], _) = image.largest_size();
    if [w, h] != [image.width, image.height] {
        let largest = image_dir.join(format!("full/{w},{h}/0/default.jpg"));
        transfer(&largest, &image_dir.join(MAX_PATH), Transfer::Link)?;
    }
    let info = serde_json::to_vec_pretty(&image.json(id))?;
    fs::write(image_dir.join("info.json"), info)
        .with_context(|| format!("{}: cannot write info.json", image_dir.display()))
}

/// Puts the file `from` at `to` (creating its folders) as `how` says.
fn transfer(from: &Path, to: &Path, how: Transfer) -> Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create", parent.display()))?;
    }
    let done = match how {
        Transfer::Move => fs::rename(from, to),
        Transfer::Link => fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(|_| ())),
    };
    done.with_context(|| {
        format!(
            "{} → {}: cannot place the IIIF tile",
            from.display(),
            to.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_follow_the_canonical_forms_a_level0_client_requests() {
        // 1000 × 600 in 256-pixel tiles: levels 0..=10, level 10 at full size.
        let image = ImageInfo::new(
            Pyramid {
                width: 1000,
                height: 600,
            },
            256,
        );
        assert_eq!(image.scale_factors()[..4], [1, 2, 4, 8]);
        assert_eq!(image.scale_factors().len(), 11);
        assert_eq!(
            image.tile_path(10, 0, 0),
            "0,0,256,256/256,256/0/default.jpg"
        );
        // The edge tile is cut at the image and keeps its remainder.
        assert_eq!(
            image.tile_path(10, 3, 2),
            "768,512,232,88/232,88/0/default.jpg"
        );
        // Scale factor 2: 500 × 300, tiles of 512 full-size pixels, the last 476 wide.
        assert_eq!(
            image.tile_path(9, 1, 1),
            "512,512,488,88/244,44/0/default.jpg"
        );
        // Scale factor 4 (250 × 150) is one tile: the whole image.
        assert_eq!(image.tile_path(8, 0, 0), "full/250,150/0/default.jpg");
        assert_eq!(image.sizes().last(), Some(&[250, 150]));
        assert_eq!(
            image.largest_size(),
            ([250, 150], "full/max/0/default.jpg".into())
        );
        let info = image.json("http://example.org/iiif/map");
        assert_eq!([&info["maxWidth"], &info["maxHeight"]], [250, 150]);
        // An image that is one tile at full size is `full/max`.
        let small = ImageInfo::new(
            Pyramid {
                width: 200,
                height: 100,
            },
            256,
        );
        assert_eq!(small.tile_path(8, 0, 0), "full/max/0/default.jpg");
        assert_eq!(info["tiles"][0]["width"], 256);
        assert_eq!(info["profile"], "level0");
    }

    #[test]
    fn every_deepzoom_tile_gets_its_iiif_path_sharing_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let pyramid = Pyramid {
            width: 300,
            height: 200,
        };
        let image = ImageInfo::new(pyramid, 128);
        let tiles = dir.path().join("map_files");
        for (level, l) in pyramid.levels(128).iter().enumerate() {
            fs::create_dir_all(tiles.join(level.to_string())).unwrap();
            for row in 0..l.rows {
                for col in 0..l.cols {
                    fs::write(
                        tiles.join(format!("{level}/{col}_{row}.jpg")),
                        format!("{level} {col} {row}"),
                    )
                    .unwrap();
                }
            }
        }
        let out = dir.path().join("iiif/map");
        write_image(&image, &tiles, &out, "http://h/iiif/map", Transfer::Link).unwrap();
        let read = |p: &str| fs::read_to_string(out.join(p)).unwrap();
        assert_eq!(read("256,128,44,72/44,72/0/default.jpg"), "9 2 1");
        // Level 8 (150 × 100) is two tiles; level 7 (75 × 50) is the whole image.
        assert_eq!(read("0,0,256,200/128,100/0/default.jpg"), "8 0 0");
        assert_eq!(read("full/75,50/0/default.jpg"), "7 0 0");
        assert_eq!(read("full/1,1/0/default.jpg"), "0 0 0");
        assert_eq!(read("full/max/0/default.jpg"), "7 0 0");
        // The DeepZoom file is still there: the two share it.
        assert_eq!(
            fs::read_to_string(tiles.join("9/2_1.jpg")).unwrap(),
            "9 2 1"
        );
        let info: Value = serde_json::from_str(&read("info.json")).unwrap();
        assert_eq!(info["width"], 300);
        assert_eq!(info["sizes"].as_array().unwrap().len(), 8);
    }
}
