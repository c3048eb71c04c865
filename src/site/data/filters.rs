//! The filters' per-cell codes, fetched when a filter is first used: one byte per cell for
//! each facet (`facets/{k}.bin`, [`facets::NO_VALUE`] where a cell has none; a little-endian
//! u32 mask of its values for the machine tags' facet, whose items have several) and a
//! little-endian i16 per cell for the year column (`years.bin`, [`facets::NO_YEAR`]).

use std::fs;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::file::{self, per_cell};
use crate::site::SiteData;
use crate::site::facets::{self, Facet, FacetCodes, Years};
use crate::site::groups;

const YEARS_FILE: &str = "years.bin";

/// `index.json`'s entries for the filters.
#[derive(Debug, Serialize)]
pub struct FilterEntries<'a> {
    facets: Vec<FacetEntry<'a>>,
    years: Option<YearsEntry<'a>>,
}

#[derive(Debug, Serialize)]
struct FacetEntry<'a> {
    #[serde(flatten)]
    facet: &'a Facet,
    file: String,
    /// Whether the facet holds the curator's saved groups (`--groups`), which the viewer
    /// also lists in the Clusters drawer.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    saved_groups: bool,
}

#[derive(Debug, Serialize)]
struct YearsEntry<'a> {
    #[serde(flatten)]
    years: &'a Years,
    file: &'static str,
}

/// Writes the facet and year codes of `data` under `out` (the data folder); returns their
/// index entries.
pub fn write<'a>(out: &Path, data: &'a SiteData) -> Result<FilterEntries<'a>> {
    fs::create_dir_all(out.join("facets"))?;
    let mut entries = Vec::new();
    for (k, facet) in data.facets.iter().enumerate() {
        let name = format!("facets/{k}.bin");
        let codes = match &facet.codes {
            FacetCodes::One(codes) => per_cell(data, codes, facets::NO_VALUE),
            FacetCodes::Several(masks) => (per_cell(data, masks, 0).iter())
                .flat_map(|m| m.to_le_bytes())
                .collect(),
        };
        file::write(&out.join(&name), &codes)?;
        entries.push(FacetEntry {
            facet,
            file: name,
            saved_groups: groups::is_group_column(&facet.name),
        });
    }
    if let Some(years) = &data.years {
        let per_cell = per_cell(data, &years.years, facets::NO_YEAR);
        let bytes: Vec<u8> = per_cell.iter().flat_map(|y| y.to_le_bytes()).collect();
        file::write(&out.join(YEARS_FILE), &bytes)?;
    }
    Ok(FilterEntries {
        facets: entries,
        years: data.years.as_ref().map(|years| YearsEntry {
            years,
            file: YEARS_FILE,
        }),
    })
}
