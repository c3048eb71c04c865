//! The IIIF stage: the map's tiles at the paths of a IIIF level-0 image (the DeepZoom
//! tiles themselves where they are IIIF tiles, else a pyramid written for IIIF alone), its
//! Manifests and Collection (`site::iiif`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Mapped;
use crate::cmd::options::BuildOptions;
use crate::site::iiif::{self, ImageInfo, Transfer};
use crate::site::{SiteData, paths};
use crate::stages::thumbs::CellStore;
use crate::stages::tiles::Pyramid;

/// The pyramid written for IIIF alone, where the DeepZoom tiles overlap or are not JPEG:
/// a dot name, so the site's version and its publishing ignore it until it is moved.
const IIIF_PYRAMID: &str = ".iiif-tiles";

/// Where the IIIF image's tiles come from.
pub struct IiifTiles {
    /// A DeepZoom tile folder of JPEG tiles without overlap.
    folder: PathBuf,
    /// Whether they are shared with the DeepZoom pyramid or moved.
    how: Transfer,
}

/// The IIIF tiles of the site in `dir`: the DeepZoom tiles where they are IIIF tiles, else
/// a pyramid of the map written for IIIF (from the cells in `cells`).
pub fn tiles(
    options: &BuildOptions,
    mapped: &Mapped,
    cells: &CellStore,
    dir: &Path,
) -> Result<IiifTiles> {
    if options.tiles.are_iiif_tiles() {
        return Ok(IiifTiles {
            folder: dir.join(paths::TILES),
            how: Transfer::Link,
        });
    }
    let placement = (mapped.placement.assigned.as_slice(), mapped.placement.grid);
    let tile_options = options.tiles.for_iiif();
    super::write_mosaic(
        cells,
        &mapped.placed,
        placement,
        (options, &tile_options),
        dir,
        IIIF_PYRAMID,
    )?;
    Ok(IiifTiles {
        folder: dir.join(format!("{IIIF_PYRAMID}_files")),
        how: Transfer::Move,
    })
}

/// Writes the site's IIIF into `dir` for the map's `pyramid`, with `tiles`.
pub fn write(
    options: &BuildOptions,
    data: &SiteData,
    pyramid: Pyramid,
    tiles: &IiifTiles,
    dir: &Path,
) -> Result<()> {
    let image = ImageInfo::new(pyramid, options.tiles.tile_size);
    iiif::write_iiif(dir, data, (&image, &tiles.folder, tiles.how), &options.iiif)?;
    if tiles.how == Transfer::Move {
        fs::remove_dir_all(&tiles.folder)?;
        fs::remove_file(dir.join(format!("{IIIF_PYRAMID}.dzi")))?;
    }
    Ok(())
}
