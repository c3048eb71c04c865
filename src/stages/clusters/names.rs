//! Cluster names from the metadata, c-TF-IDF style: a cluster is named by what distinguishes
//! it from its siblings (the rest of its parent; the whole collection at the top). A facet
//! value most of a cluster holds wins outright ("Ceramics"); else the 1–3 terms (words, and
//! whole facet values) whose share in the cluster most exceeds their share in the parent,
//! stop words and numbers left out; else, with no such text, its parent's name and its rank
//! ("Ceramics 2"), or "Group 7" at the top. A year column names a cluster whose years are
//! bunched ("1850–1870") when no facet value dominates it. A curator's own names
//! (`--cluster-names`, a CSV of id and name) override any of these.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::Hierarchy;

/// What an item says of itself: its distinct words (title, metadata, file stem) and its whole
/// facet values.
#[derive(Debug, Clone, Default)]
pub struct ItemText {
    /// Distinct words, lower-case.
    pub words: Vec<String>,
    /// Its value of each facet column, as written.
    pub facet_values: Vec<String>,
    /// Its year, from the year column, if any.
    pub year: Option<i16>,
}

/// A facet value held by a majority of a cluster names it…
const DOMINANT_SHARE: f64 = 0.5;
/// …when its share in the cluster is at least this many times its share in the parent; a
/// term, likewise, must be this much more common inside than around.
const MIN_LIFT: f64 = 1.5;
/// A word is a candidate only where at least this share of the cluster holds it.
const MIN_WORD_SHARE: f64 = 0.2;
/// Words scoring less than this share of the best word are left out of the name.
const RUNNER_UP: f64 = 0.5;
/// Words in a name at most.
const MAX_WORDS: usize = 3;
/// A cluster is named by its years when at least this share of it has one…
const YEAR_SHARE: f64 = 0.5;
/// …and the middle 80% of its years spans at most this share of the parent's middle 80%.
const YEAR_NARROWING: f64 = 0.5;

/// Words that say nothing of a group.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "its",
    "jpeg", "jpg", "no", "of", "on", "or", "png", "the", "to", "was", "with", "img", "image",
    "photo", "dsc",
];

/// One name per cluster of `hierarchy`, in its order; `texts` by input row.
pub fn name_clusters(hierarchy: &Hierarchy, texts: &[ItemText]) -> Vec<String> {
    let everyone: Vec<usize> = (0..texts.len()).collect();
    let mut names: Vec<String> = Vec::with_capacity(hierarchy.clusters.len());
    // Whether a name is a number under its parent's, so that its own children continue the
    // number ("Daisy 2.1") rather than add another word.
    let mut numbered: Vec<bool> = Vec::with_capacity(hierarchy.clusters.len());
    for (index, cluster) in hierarchy.clusters.iter().enumerate() {
        let parent = cluster.parent.map_or(everyone.as_slice(), |p| {
            hierarchy.clusters[p].members.as_slice()
        });
        let parent_name = cluster.parent.map(|p| names[p].as_str());
        let found = name_of(&cluster.members, parent, texts, parent_name);
        numbered.push(found.is_none());
        let name = found.unwrap_or_else(|| match cluster.parent {
            // Parents come before their children, so the parent's name is known.
            Some(p) => {
                let rank = rank_among_siblings(hierarchy, p, index);
                let joint = if numbered[p] { '.' } else { ' ' };
                format!("{}{joint}{rank}", names[p])
            }
            None => format!("Group {}", cluster.id),
        });
        names.push(name);
    }
    names
}

/// 1 for the first (largest) child of `parent`, 2 for the next, …
fn rank_among_siblings(hierarchy: &Hierarchy, parent: usize, child: usize) -> usize {
    let siblings = &hierarchy.clusters[parent].children;
    siblings
        .iter()
        .position(|&c| c == child)
        .map_or(0, |r| r + 1)
}

/// A cluster's name from its text, never its parent's name again.
fn name_of(
    members: &[usize],
    parent: &[usize],
    texts: &[ItemText],
    parent_name: Option<&str>,
) -> Option<String> {
    let new = |name: &String| parent_name.is_none_or(|p| !name.eq_ignore_ascii_case(p));
    dominant_facet(members, parent, texts, &new)
        .or_else(|| year_span(members, parent, texts))
        .or_else(|| distinctive_terms(members, parent, texts, &new))
}

/// The 10th and 90th percentile of the years of `rows`, and the share of them with a year.
fn middle_years(rows: &[usize], texts: &[ItemText]) -> Option<(i16, i16, f64)> {
    let mut years: Vec<i16> = rows.iter().filter_map(|&r| texts[r].year).collect();
    if years.is_empty() {
        return None;
    }
    years.sort_unstable();
    let at = |q: f64| years[((years.len() - 1) as f64 * q).round() as usize];
    Some((
        at(0.1),
        at(0.9),
        years.len() as f64 / rows.len().max(1) as f64,
    ))
}

/// "1850–1870" when the cluster's years are bunched within its parent's.
fn year_span(members: &[usize], parent: &[usize], texts: &[ItemText]) -> Option<String> {
    let (lo, hi, share) = middle_years(members, texts)?;
    let (parent_lo, parent_hi, _) = middle_years(parent, texts)?;
    let narrow = f64::from(hi - lo) <= YEAR_NARROWING * f64::from(parent_hi - parent_lo);
    (share >= YEAR_SHARE && narrow).then(|| {
        if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}–{hi}")
        }
    })
}

/// The names a curator gave (`--cluster-names`): a CSV or TSV of cluster id and name, with or
/// without an `id,name` header, as the viewer exports it; an empty name is left out, and the
/// `'` the viewer puts before a name a spreadsheet would run is removed.
pub fn read_names(path: &Path) -> Result<BTreeMap<String, String>> {
    let mut reader = crate::base::table::reader_builder(path)?
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("{}: cannot open", path.display()))?;
    let mut names = BTreeMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: not a CSV", path.display()))?;
        let (Some(id), Some(name)) = (record.get(0), record.get(1)) else {
            bail!(
                "{} line {}: expected a cluster id and a name",
                path.display(),
                line + 1
            );
        };
        let (id, name) = (
            id.trim(),
            crate::base::table::from_spreadsheet_text(name.trim()),
        );
        let header = line == 0 && id.eq_ignore_ascii_case("id");
        if header || name.is_empty() {
            continue;
        }
        if let Some(earlier) = names.insert(id.to_string(), name.to_string()) {
            bail!(
                "{} line {}: cluster {id:?} is named twice ({earlier:?}, then {name:?})",
                path.display(),
                line + 1
            );
        }
    }
    Ok(names)
}

/// Puts the curator's `given` names over `names` (one per cluster of `hierarchy`); returns
/// the given ids that name no cluster, sorted.
pub fn override_names(
    hierarchy: &Hierarchy,
    names: &mut [String],
    given: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut used = HashSet::new();
    for (cluster, name) in hierarchy.clusters.iter().zip(names.iter_mut()) {
        if let Some(new) = given.get(&cluster.id) {
            new.clone_into(name);
            used.insert(cluster.id.as_str());
        }
    }
    given
        .keys()
        .filter(|id| !used.contains(id.as_str()))
        .cloned()
        .collect()
}

/// Share of `rows` holding each key `keys_of` gives.
fn shares<'a>(rows: &[usize], keys_of: impl Fn(usize) -> Vec<&'a str>) -> HashMap<&'a str, f64> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &row in rows {
        let keys: HashSet<&str> = keys_of(row).into_iter().collect();
        for key in keys {
            *counts.entry(key).or_default() += 1;
        }
    }
    let n = rows.len().max(1) as f64;
    counts.into_iter().map(|(k, c)| (k, c as f64 / n)).collect()
}

/// An item's filled facet values.
fn facet_values(text: &ItemText) -> impl Iterator<Item = &str> {
    text.facet_values
        .iter()
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

fn dominant_facet(
    members: &[usize],
    parent: &[usize],
    texts: &[ItemText],
    new: &dyn Fn(&String) -> bool,
) -> Option<String> {
    let values = |row: usize| -> Vec<&str> { facet_values(&texts[row]).collect() };
    let inside = shares(members, values);
    let around = shares(parent, values);
    inside
        .into_iter()
        .filter(|(value, share)| *share > DOMINANT_SHARE && *share >= MIN_LIFT * around[value])
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(value, _)| capitalised(value))
        .filter(new)
}

/// The terms (words and whole facet values) that most distinguish `members` from `parent`.
fn distinctive_terms(
    members: &[usize],
    parent: &[usize],
    texts: &[ItemText],
    new: &dyn Fn(&String) -> bool,
) -> Option<String> {
    let terms = |row: usize| -> Vec<&str> {
        let text = &texts[row];
        let words = text
            .words
            .iter()
            .map(String::as_str)
            .filter(|w| worth_naming(w));
        words.chain(facet_values(text)).collect()
    };
    let inside = shares(members, terms);
    let around = shares(parent, terms);
    let mut scored: Vec<(&str, f64)> = inside
        .into_iter()
        .filter(|(term, share)| *share >= MIN_WORD_SHARE && *share >= MIN_LIFT * around[term])
        .map(|(term, share)| (term, share * (share / around[term]).ln()))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let best = scored.first()?.1;
    let mut chosen: Vec<&str> = Vec::new();
    for &(term, score) in &scored {
        // A word inside a term already chosen ("foot" of "colts_foot") adds nothing.
        let lower = term.to_lowercase();
        let repeats = chosen.iter().any(|c| c.to_lowercase().contains(&lower));
        if score >= RUNNER_UP * best && chosen.len() < MAX_WORDS && !repeats {
            chosen.push(term);
        }
    }
    Some(capitalised(&chosen.join(", "))).filter(new)
}

fn worth_naming(word: &str) -> bool {
    word.chars().count() >= 3
        && !word.chars().all(|c| c.is_numeric())
        && !STOP_WORDS.contains(&word)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::super::Cluster;
    use super::*;

    fn text(words: &[&str], facet: &str) -> ItemText {
        ItemText {
            words: words.iter().map(|w| w.to_string()).collect(),
            facet_values: vec![facet.to_string()],
            year: None,
        }
    }

    fn top(id: &str, members: Vec<usize>) -> Cluster {
        Cluster {
            id: id.into(),
            level: 0,
            parent: None,
            children: Vec::new(),
            members,
            examples: vec![0],
        }
    }

    #[test]
    fn a_dominant_facet_wins_then_distinctive_words_then_a_number() {
        let texts = vec![
            text(&["blue", "vase", "1901"], "ceramics"),
            text(&["blue", "bowl"], "ceramics"),
            text(&["green", "vase"], "ceramics"),
            text(&["oak", "chair"], "furniture"),
            text(&["oak", "table"], ""),
            text(&["pine", "oak", "stool"], ""),
            text(&["the"], ""),
            text(&["of"], ""),
        ];
        let hierarchy = Hierarchy {
            clusters: vec![
                top("0", vec![0, 1, 2]),
                top("1", vec![3, 4, 5]),
                top("2", vec![6, 7]),
            ],
        };
        let names = name_clusters(&hierarchy, &texts);
        assert_eq!(names[0], "Ceramics");
        assert_eq!(
            names[1], "Oak",
            "in all three, nowhere else; the rest are too rare"
        );
        assert_eq!(names[2], "Group 2", "stop words name nothing");
    }

    #[test]
    fn bunched_years_name_a_cluster_without_a_dominant_facet() {
        let texts: Vec<ItemText> = (0..20)
            .map(|i| ItemText {
                year: Some(1800 + i * 10),
                ..text(&["plain"], "")
            })
            .collect();
        let hierarchy = Hierarchy {
            clusters: vec![top("0", (0..5).collect()), top("1", (5..20).collect())],
        };
        let names = name_clusters(&hierarchy, &texts);
        assert_eq!(names[0], "1800–1840");
        assert!(
            !names[1].contains('–'),
            "spread years name nothing: {}",
            names[1]
        );
    }

    #[test]
    fn curator_names_override_and_unknown_ids_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("names.csv");
        std::fs::write(&path, "id,name\n1,\"Oak, pine\"\n9,Lost\n0,\n").unwrap();
        let given = read_names(&path).unwrap();
        let hierarchy = Hierarchy {
            clusters: vec![top("0", vec![0]), top("1", vec![1])],
        };
        let mut names = vec!["A".to_string(), "B".to_string()];
        let unknown = override_names(&hierarchy, &mut names, &given);
        assert_eq!(
            names,
            ["A", "Oak, pine"],
            "an empty name keeps the computed one"
        );
        assert_eq!(unknown, ["9"]);
        std::fs::write(&path, "7\n").unwrap();
        let error = read_names(&path).unwrap_err().to_string();
        assert!(
            error.contains("names.csv line 1: expected a cluster id and a name"),
            "{error}"
        );
        std::fs::write(&path, "id,name\n0,Pines\n0,Oaks\n").unwrap();
        let error = read_names(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 3") && error.contains("named twice"),
            "{error}"
        );
    }
}
