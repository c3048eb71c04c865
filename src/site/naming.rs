//! Which metadata columns may name a cluster. A name on the map is read as a fact about the
//! images under it, so a column can give names only when its values describe groups: not
//! links or paths (a URL's fragments, a `javascript:` note), not identifiers or other values
//! near-unique per row (accession numbers, titles), not long free text. The user can choose
//! the columns instead (`--name-columns`).

use anyhow::Result;

use super::Item;
use crate::base::setting::{Setting, SettingError};
use crate::stages::duplicates::DUPLICATE_COLUMN;

/// A column whose filled values are at least this share links or paths is not a name.
const LINK_SHARE: f64 = 0.5;
/// A column with at least this many filled values…
const UNIQUE_MIN_FILLED: usize = 10;
/// …of which at least this share are distinct is an identifier (or a title) per row.
const UNIQUE_SHARE: f64 = 0.9;
/// A column whose values have a median length above this many characters is free text.
const FREE_TEXT_CHARS: usize = 80;

/// Per column of `columns`, whether its values in `items` may name a cluster.
pub fn nameable_columns(columns: &[String], items: &[Item]) -> Vec<bool> {
    (0..columns.len())
        .map(|c| {
            // The near-duplicate flag says how an image was found, not what it shows: a
            // cluster of near-duplicates was named "Yes".
            if columns[c] == DUPLICATE_COLUMN {
                return false;
            }
            let filled: Vec<&str> = items
                .iter()
                .filter_map(|item| item.fields.get(c))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            describes_groups(&filled)
        })
        .collect()
}

/// The columns named in `chosen` (`--name-columns`), each of which must be one of `columns`.
pub fn chosen_columns(columns: &[String], chosen: &[String]) -> Result<Vec<bool>> {
    for name in chosen {
        if !columns.contains(name) {
            return Err(SettingError::error(
                Setting::NameColumns,
                format!(
                    "no column {name:?} in the metadata to name clusters by (its columns: {})",
                    columns.join(", ")
                ),
            ));
        }
    }
    Ok(columns.iter().map(|c| chosen.contains(c)).collect())
}

/// Whether a column of these filled values names groups rather than single rows.
fn describes_groups(filled: &[&str]) -> bool {
    if filled.is_empty() {
        return false;
    }
    let share = |count: usize| count as f64 / filled.len() as f64;
    let links = filled.iter().filter(|v| looks_like_link(v)).count();
    let mut distinct = filled.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let mut lengths: Vec<usize> = filled.iter().map(|v| v.chars().count()).collect();
    lengths.sort_unstable();
    let unique = filled.len() >= UNIQUE_MIN_FILLED && share(distinct.len()) >= UNIQUE_SHARE;
    share(links) < LINK_SHARE && !unique && lengths[lengths.len() / 2] <= FREE_TEXT_CHARS
}

/// A URL (`scheme:` with no space before it: `https:`, `javascript:`, `urn:`), or a path.
fn looks_like_link(value: &str) -> bool {
    let scheme = value.split_once(':').is_some_and(|(head, rest)| {
        let mut chars = head.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && head.len() > 1
            && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            && rest.chars().next().is_some_and(|c| !c.is_whitespace())
    });
    scheme || value.starts_with('/') || value.starts_with("www.") || value.contains('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(rows: &[&[&str]]) -> Vec<Item> {
        rows.iter()
            .enumerate()
            .map(|(i, fields)| Item {
                file: format!("{i}.jpg"),
                title: String::new(),
                url: None,
                url_text: None,
                cell: crate::base::grid::Cell {
                    col: i as u32,
                    row: 0,
                },
                preview: String::new(),
                original: None,
                fields: fields.iter().map(|f| f.to_string()).collect(),
                tags: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn links_identifiers_and_free_text_name_nothing() {
        let columns: Vec<String> = ["Id", "Species", "Link", "Notes", "Essay", "Empty"]
            .map(String::from)
            .to_vec();
        let long =
            "a long description of the sheet, its collector and the weather that day, in words";
        let rows: Vec<Vec<String>> = (0..40)
            .map(|i| {
                vec![
                    format!("HERB.{i:05}"),
                    ["Iris", "Pansy", "Daisy"][i % 3].to_string(),
                    format!("https://iiif.example.org/{i}/manifest"),
                    if i == 3 {
                        "javascript:alert(1)".into()
                    } else {
                        String::new()
                    },
                    format!("{long} {}", i % 4),
                    String::new(),
                ]
            })
            .collect();
        let refs: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
        let nameable = nameable_columns(&columns, &items(&slices));
        assert_eq!(nameable, [false, true, false, false, false, false]);
        assert_eq!(
            chosen_columns(&columns, &["Link".into()]).unwrap(),
            [false, false, true, false, false, false]
        );
        let error = chosen_columns(&columns, &["Colour".into()]).unwrap_err();
        assert!(error.to_string().contains("\"Colour\""), "{error}");
    }

    #[test]
    fn a_time_or_a_ratio_is_not_a_link() {
        assert!(!looks_like_link("12:30"));
        assert!(!looks_like_link("Note: faded"));
        assert!(looks_like_link("mailto:a@example.org"));
        assert!(looks_like_link("C:\\scans\\1.tif"));
    }
}
