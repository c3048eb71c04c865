//! Filters: the metadata columns a visitor can filter the map on. A column with few distinct
//! values becomes a facet, a year or date column a year range. Each is written as one code per
//! grid cell, so the viewer can dim non-matching cells at any zoom without item records.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::Item;
use crate::stages::duplicates::DUPLICATE_COLUMN;
use crate::stages::tags::{WordStats, preferred};

/// A column with more distinct values than this is not offered as a facet.
pub const MAX_FACET_VALUES: usize = 24;
/// The facet code of a cell with no item or no value.
pub const NO_VALUE: u8 = u8::MAX;
/// The year of a cell with no item or no readable year.
pub const NO_YEAR: i16 = i16::MIN;

/// A facet: a column's distinct values, most common first, and the code of each item.
#[derive(Debug, Clone, Serialize)]
pub struct Facet {
    /// Column index in the metadata.
    pub column: usize,
    /// Column name.
    pub name: String,
    /// Distinct values; an item's code is its value's position here.
    pub values: Vec<String>,
    /// Items with each value.
    pub counts: Vec<u64>,
    /// Per item, in the order of the items, its values; written to index.json as `multi:
    /// true` where an item may have several.
    #[serde(
        rename = "multi",
        serialize_with = "FacetCodes::serialize_several",
        skip_serializing_if = "FacetCodes::is_one"
    )]
    pub codes: FacetCodes,
}

/// Each item's values of a facet, in the order of the items.
#[derive(Debug, Clone)]
pub enum FacetCodes {
    /// A column's facet: each item's value's code, or [`NO_VALUE`] (a byte per cell).
    One(Vec<u8>),
    /// The machine tags' facet: a bit per value each item has, bit `k` for value `k` (a
    /// little-endian u32 per cell).
    Several(Vec<u32>),
}

impl FacetCodes {
    fn is_one(&self) -> bool {
        matches!(self, Self::One(_))
    }

    /// `multi: true`, written only for [`FacetCodes::Several`].
    fn serialize_several<S: serde::Serializer>(_: &Self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(true)
    }
}

/// The name of the machine tags' facet.
const DEPICTS: &str = "Depicts (machine)";

/// A tag word held by more than this share of the items filters nothing out.
const DEPICTS_MAX_SHARE: f64 = 0.9;
/// Two tag words one of which is a group of the other say the same where the narrower is held
/// by at least this share of the broader's items: only the [`preferred`] of them is offered.
const DEPICTS_SAME_SHARE: f64 = 0.9;

/// The machine tags' facet, `column` past the metadata's: the tag words (classes and their
/// WordNet groups) held by the most items, at most [`MAX_FACET_VALUES`], an item having each
/// of its tags' words; none where fewer than two words are held by two items.
pub fn depicts_facet(column: usize, items: &[Item]) -> Option<Facet> {
    let TagWords {
        counts,
        related,
        stats,
    } = tag_words(items);
    let most = (items.len() as f64 * DEPICTS_MAX_SHARE) as u64;
    // A word gives way to a relative that holds nearly the same items and reads better.
    let gives_way = |word: &str| {
        let n = counts[word] as f64;
        related[word].iter().any(|&other| {
            let m = counts[other] as f64;
            let same = n.min(m) >= DEPICTS_SAME_SHARE * n.max(m);
            same && preferred(&[stats.of(word), stats.of(other)]) == Some(other)
        })
    };
    let mut values: Vec<(&str, u64)> = (counts.iter())
        .filter(|&(&word, &n)| n >= 2 && n <= most && !gives_way(word))
        .map(|(&word, &n)| (word, n))
        .collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    values.truncate(MAX_FACET_VALUES);
    if values.len() < 2 {
        return None;
    }
    let code: HashMap<&str, usize> = values.iter().enumerate().map(|(k, v)| (v.0, k)).collect();
    let masks = (items.iter())
        .map(|item| {
            let words = item.tags.iter().flat_map(|t| t.words());
            words
                .filter_map(|(w, _)| code.get(w))
                .fold(0u32, |m, &k| m | 1 << k)
        })
        .collect();
    Some(Facet {
        column,
        name: DEPICTS.to_string(),
        values: values.iter().map(|(v, _)| v.to_string()).collect(),
        counts: values.iter().map(|(_, n)| *n).collect(),
        codes: FacetCodes::Several(masks),
    })
}

/// The year column: its range and each item's year.
#[derive(Debug, Clone, Serialize)]
pub struct Years {
    /// Column index in the metadata.
    pub column: usize,
    /// Column name.
    pub name: String,
    /// Earliest year.
    pub min: i16,
    /// Latest year.
    pub max: i16,
    /// Per item, in the order of the items: its year, or [`NO_YEAR`].
    #[serde(skip)]
    pub years: Vec<i16>,
}

/// The first column whose name says year or date and where at least half the filled values
/// hold a year.
pub fn find_years(columns: &[String], items: &[Item]) -> Option<Years> {
    columns.iter().enumerate().find_map(|(column, name)| {
        let lower = name.to_lowercase();
        if !(lower.contains("year") || lower.contains("date")) {
            return None;
        }
        let years: Vec<i16> = items
            .iter()
            .map(|item| field(item, column).and_then(parse_year).unwrap_or(NO_YEAR))
            .collect();
        let filled = items.iter().filter(|i| field(i, column).is_some()).count();
        let found: Vec<i16> = years.iter().copied().filter(|&y| y != NO_YEAR).collect();
        if found.is_empty() || found.len() * 2 < filled {
            return None;
        }
        Some(Years {
            column,
            name: name.clone(),
            min: *found.iter().min()?,
            max: *found.iter().max()?,
            years,
        })
    })
}

/// Every column, except `skip`, with 2 (1 for the saved groups) to [`MAX_FACET_VALUES`]
/// distinct values and no more than half as many values as items (a column of names is no
/// filter).
pub fn find_facets(columns: &[String], items: &[Item], skip: Option<usize>) -> Vec<Facet> {
    (0..columns.len())
        .filter(|&c| Some(c) != skip)
        .filter_map(|column| facet(column, &columns[column], items))
        .collect()
}

fn facet(column: usize, name: &str, items: &[Item]) -> Option<Facet> {
    let mut values: Vec<(&str, u64)> = Vec::new();
    for item in items {
        let Some(value) = field(item, column) else {
            continue;
        };
        if let Some((_, count)) = values.iter_mut().find(|(v, _)| *v == value) {
            *count += 1;
        } else if values.len() == MAX_FACET_VALUES {
            return None;
        } else {
            values.push((value, 1));
        }
    }
    // A curator's saved groups, and the near-duplicate flag, are filters of one value too.
    let least = if super::groups::is_group_column(name) || name == DUPLICATE_COLUMN {
        1
    } else {
        2
    };
    if values.len() < least || values.len() * 2 > items.len() {
        return None;
    }
    values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let codes = items
        .iter()
        .map(|item| {
            field(item, column)
                .and_then(|value| values.iter().position(|(v, _)| *v == value))
                .map_or(NO_VALUE, |code| code as u8)
        })
        .collect();
    Some(Facet {
        column,
        name: name.to_string(),
        values: values.iter().map(|(v, _)| v.to_string()).collect(),
        counts: values.iter().map(|(_, n)| *n).collect(),
        codes: FacetCodes::One(codes),
    })
}

/// The tag words of some items: how many items hold each, the words each shares a chain
/// with, and how specific and familiar each is.
struct TagWords<'a> {
    counts: HashMap<&'a str, u64>,
    related: HashMap<&'a str, HashSet<&'a str>>,
    stats: WordStats<'a>,
}

fn tag_words(items: &[Item]) -> TagWords<'_> {
    let mut words = TagWords {
        counts: HashMap::new(),
        related: HashMap::new(),
        stats: WordStats::default(),
    };
    for item in items {
        let mut held = HashSet::new();
        for tag in &item.tags {
            let chain: Vec<(&str, u32)> = tag.words().collect();
            words.stats.add(chain.iter().copied());
            for &(word, _) in &chain {
                held.insert(word);
                let others = chain.iter().map(|w| w.0).filter(|w| *w != word);
                words.related.entry(word).or_default().extend(others);
            }
        }
        for word in held {
            *words.counts.entry(word).or_default() += 1;
        }
    }
    words
}

/// An item's trimmed value in `column`, if filled.
fn field(item: &Item, column: usize) -> Option<&str> {
    item.fields
        .get(column)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}

/// The year a date-like text starts with: its first run of 3 or 4 digits ("1901",
/// "1901-05-03", "c. 1850"), negative when the text starts with a minus sign.
pub fn parse_year(text: &str) -> Option<i16> {
    let text = text.trim();
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: &str = text[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap_or("");
    if !(3..=4).contains(&digits.len()) {
        return None;
    }
    let year: i16 = digits.parse().ok()?;
    Some(if text.starts_with('-') { -year } else { year })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(fields: &[&str]) -> Item {
        Item {
            file: "a.jpg".into(),
            title: String::new(),
            url: None,
            url_text: None,
            cell: crate::base::grid::Cell { col: 0, row: 0 },
            preview: String::new(),
            original: None,
            fields: fields.iter().map(|s| s.to_string()).collect(),
            tags: Vec::new(),
        }
    }

    /// An item tagged `chain` (the class, then its groups, each with its familiarity).
    fn tagged(chain: &[(&str, u32)]) -> Item {
        let tag = crate::stages::tags::MachineTag {
            label: chain[0].0.into(),
            score: 0.9,
            groups: chain[1..].iter().map(|w| w.0.to_string()).collect(),
            familiarity: chain.iter().map(|w| w.1).collect(),
        };
        Item {
            tags: vec![tag],
            ..item(&[])
        }
    }

    #[test]
    fn the_depicts_facet_offers_the_words_that_read_best_with_a_mask_per_item() {
        let whippet = [
            ("whippet", 0),
            ("hound", 3),
            ("dog", 42),
            ("canine", 0),
            ("animal", 87),
        ];
        let boxer = [
            ("boxer", 0),
            ("working dog", 0),
            ("dog", 42),
            ("canine", 0),
            ("animal", 87),
        ];
        let canoe = [("canoe", 0), ("boat", 14), ("vessel", 12)];
        let items = vec![
            tagged(&whippet),
            tagged(&whippet),
            tagged(&boxer),
            tagged(&canoe),
            tagged(&canoe),
            item(&[]),
        ];
        let facet = depicts_facet(3, &items).unwrap();
        // "canine" and "animal" hold the same three items as "dog", which reads best; the
        // whippets' "hound" and "whippet" say the same, of which "hound" is the more familiar;
        // "boxer" is held by one item only.
        assert_eq!(facet.values, ["dog", "boat", "hound"]);
        assert_eq!(facet.counts, [3, 2, 2]);
        let FacetCodes::Several(masks) = &facet.codes else {
            panic!("{facet:?}");
        };
        assert_eq!(masks, &[0b101, 0b101, 0b001, 0b010, 0b010, 0]);
        let json = serde_json::to_value(&facet).unwrap();
        assert_eq!(
            (json["column"].clone(), json["multi"].clone()),
            (3.into(), true.into())
        );
        let column = find_facets(
            &["Kind".into()],
            &[item(&["a"]), item(&["b"]), item(&["a"]), item(&["b"])],
            None,
        );
        assert!(
            serde_json::to_value(&column[0])
                .unwrap()
                .get("multi")
                .is_none()
        );
    }

    #[test]
    fn years_come_from_dates_in_many_shapes() {
        assert_eq!(parse_year("1901"), Some(1901));
        assert_eq!(parse_year(" 1901-05-03"), Some(1901));
        assert_eq!(parse_year("c. 1850"), Some(1850));
        assert_eq!(parse_year("-500"), Some(-500));
        assert_eq!(parse_year("12"), None);
        assert_eq!(parse_year("unknown"), None);
        assert_eq!(parse_year("123456"), None);
    }

    #[test]
    fn low_cardinality_columns_become_facets_most_common_first() {
        let columns: Vec<String> = ["file", "Kind", "Date", "Name"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let items: Vec<Item> = (0..10)
            .map(|i| {
                let kind = if i < 7 { "vase" } else { "bowl" };
                let date = if i == 9 {
                    String::new()
                } else {
                    format!("{}", 1900 + i)
                };
                item(&[&format!("{i}.jpg"), kind, &date, &format!("Name {i}")])
            })
            .collect();
        let years = find_years(&columns, &items).unwrap();
        assert_eq!((years.column, years.min, years.max), (2, 1900, 1908));
        assert_eq!(years.years[9], NO_YEAR);
        let facets = find_facets(&columns, &items, Some(years.column));
        assert_eq!(facets.len(), 1, "{facets:?}");
        assert_eq!(facets[0].name, "Kind");
        assert_eq!(facets[0].values, vec!["vase", "bowl"]);
        assert_eq!(facets[0].counts, vec![7, 3]);
        assert!(matches!(&facets[0].codes, FacetCodes::One(codes) if codes[8] == 1));
    }

    #[test]
    fn columns_with_many_values_are_not_facets() {
        let columns = vec!["Id".to_string()];
        let items: Vec<Item> = (0..100).map(|i| item(&[&format!("{}", i % 30)])).collect();
        assert!(find_facets(&columns, &items, None).is_empty());
        assert!(find_years(&columns, &items).is_none());
    }
}
