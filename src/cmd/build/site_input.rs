//! What the site writer is given: each placed image's record worded from the metadata, the
//! clusters named from those records, and the page's settings.

use anyhow::Result;

use super::Mapped;
use super::place::Placement;
use super::text::TextSources;
use crate::base::grid::Cell;
use crate::cmd::options::BuildOptions;
use crate::site::originals::WrittenOriginals;
use crate::site::{self, PageConfig, Placed, SiteData, paths};
use crate::stages::clusters::{self, ClusterMap};
use crate::stages::duplicates::{DUPLICATE_COLUMN, Duplicates};
use crate::stages::tags::ImageTags;
use crate::stages::tiles;

/// The viewer's record of each placed image, in the order of `placed`, with its `tags`.
fn item_records(
    mapped: &Mapped,
    originals: &WrittenOriginals,
    text: &TextSources,
    tags: Option<ImageTags>,
) -> Vec<site::Item> {
    let mut tags = tags.unwrap_or_default().into_iter();
    let records: Vec<Placed> = mapped
        .placed
        .iter()
        .zip(&mapped.placement.assigned)
        .zip(&originals.paths)
        .map(|((&i, cell), original)| Placed {
            file: mapped.scan.images[i].name.clone(),
            cell: *cell,
            preview: paths::preview(i),
            original: original.clone(),
            tags: tags.next().unwrap_or_default(),
        })
        .collect();
    site::items(
        &records,
        text.metadata.as_ref(),
        text.title.as_ref(),
        text.url.as_ref(),
    )
}

/// The site's data: the placed images' records on the grid, with the metadata's columns
/// and the images' machine tags.
pub fn site_data(
    options: &BuildOptions,
    text: &TextSources,
    mapped: &Mapped,
    originals: &WrittenOriginals,
    tags: Option<ImageTags>,
) -> Result<SiteData> {
    let mut items = item_records(mapped, originals, text, tags);
    let mut columns = text
        .metadata
        .as_ref()
        .map(|m| m.columns.clone())
        .unwrap_or_default();
    if let Some(duplicates) = mapped
        .placement
        .duplicates
        .as_ref()
        .filter(|d| !d.groups.is_empty())
    {
        flag_duplicates(&mut columns, &mut items, duplicates);
    }
    let mut data = SiteData::new(
        map_title(options),
        mapped.placement.grid,
        options.mosaic.cell_side,
        columns,
        items,
    );
    data.name_by(&options.items.name_columns)?;
    data.similar = mapped.placement.similar.clone();
    Ok(data)
}

/// Adds [`DUPLICATE_COLUMN`] to `columns` and each item's fields (items in `placed` order).
fn flag_duplicates(columns: &mut Vec<String>, items: &mut [site::Item], duplicates: &Duplicates) {
    let width = columns.len();
    columns.push(DUPLICATE_COLUMN.to_string());
    let groups = duplicates.group_of(items.len());
    for (item, group) in items.iter_mut().zip(groups) {
        item.fields.resize(width, String::new());
        item.fields.push(if group.is_some() {
            "yes".into()
        } else {
            String::new()
        });
    }
}

/// Clusters the PCA vectors t-SNE saw, names them from the items' text and places them on
/// the grid; none where positions were given or the stage is off. Curator names for ids the
/// build has not make a warning.
pub fn cluster_map(
    placement: &Placement,
    data: &SiteData,
    text: &TextSources,
    options: &BuildOptions,
) -> Result<(Option<ClusterMap>, Vec<String>)> {
    let Some((_, reduced)) = &placement.reduced else {
        return Ok((None, Vec::new()));
    };
    let mut warnings: Vec<String> = clusters::count_warning(&options.clusters, reduced.pca.rows())
        .into_iter()
        .collect();
    let Some(hierarchy) = clusters::cluster(&reduced.pca, &options.clusters)? else {
        return Ok((None, warnings));
    };
    let mut names = clusters::names::name_clusters(&hierarchy, &data.naming_texts());
    let unknown = clusters::names::override_names(&hierarchy, &mut names, &text.cluster_names);
    let files: Vec<String> = data.items.iter().map(|i| i.file.clone()).collect();
    let cells: Vec<Cell> = data.items.iter().map(|i| i.cell).collect();
    let map = ClusterMap::new(&hierarchy, &names, &cells, placement.grid, &files);
    warnings.extend(if map.records.is_empty() {
        Some("no clusters: HDBSCAN found no dense group of 20 images (--cluster-method kmeans puts every image in one)".to_string())
    } else {
        unknown_names_warning(&unknown, options)
    });
    Ok((Some(map), warnings))
}

fn unknown_names_warning(unknown: &[String], options: &BuildOptions) -> Option<String> {
    let path = options.clusters.names.as_deref()?;
    let first = unknown.first()?;
    Some(format!(
        "{}: {} cluster ids name no cluster of this build (first: {first}); the names of a rebuild with another --seed or collection do not carry over",
        path.display(),
        unknown.len()
    ))
}

fn map_title(options: &BuildOptions) -> String {
    options.items.map_title.clone().unwrap_or_else(|| {
        options
            .images
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "zoomap".into())
    })
}

/// The page's settings: its title, the pyramid's geometry and the deepest useful zoom.
pub fn page_config(options: &BuildOptions, mapped: &Mapped, pyramid: tiles::Pyramid) -> PageConfig {
    PageConfig {
        title: map_title(options),
        width: pyramid.width,
        height: pyramid.height,
        tile_size: options.tiles.tile_size,
        overlap: options.tiles.overlap,
        format: options.tiles.format.extension().into(),
        tiles: paths::TILES.into(),
        data: paths::DATA.into(),
        background: site::css_colour(options.mosaic.background),
        levels: pyramid.levels(options.tiles.tile_size),
        max_zoom: native_zoom(mapped, options),
    }
}

/// The viewer's deepest zoom, from the placed images' sides against their cells.
fn native_zoom(mapped: &Mapped, options: &BuildOptions) -> f64 {
    let sides = mapped
        .placed
        .iter()
        .map(|&i| mapped.extracted.fitted_sides[i]);
    site::max_zoom(sides, options.mosaic.cell_side)
}
