//! Cluster names from the metadata, c-TF-IDF style: a cluster is named by what distinguishes
//! it from its siblings (the rest of its parent; the whole collection at the top). A facet
//! value most of a cluster holds wins outright ("Ceramics"); else the 1–3 terms (words, and
//! whole facet values) whose share in the cluster most exceeds their share in the parent,
//! stop words and numbers left out. Either must be evidence, not chance: over-represented
//! against the parent by a hypergeometric test, corrected for the candidates tested
//! ([`evidence`](super::evidence)). A year column names a cluster whose years are bunched
//! ("1850–1870") when no facet value dominates it. Siblings that earn the same name are each
//! named by what sets them apart from the others of that name ("Iris, purple"), or by none.
//! A cluster without an earned name gets its parent's name and its rank ("Ceramics 2"), or
//! "Group 7" at the top: a *numbered* name, for the drawer and the exports, never drawn on
//! the map as a fact. A curator's own names (`--cluster-names`, a CSV of id and name)
//! override any of these.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::Hierarchy;
use super::evidence::is_evidence;
use crate::stages::tags::{WordStats, preferred};

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
    /// Its machine tags, each as its class and the WordNet groups above it, nearest first,
    /// each word with its familiarity ([`crate::stages::tags::MachineTag::words`]).
    pub tags: Vec<Vec<(String, u32)>>,
}

/// A facet value held by a majority of a cluster names it…
const DOMINANT_SHARE: f64 = 0.5;
/// …when its share in the cluster is at least this many times its share in the parent; a
/// term, likewise, must be this much more common inside than around.
const MIN_LIFT: f64 = 1.5;
/// A word is a candidate only where at least this share of the cluster holds it: a third, as
/// a word held by a fifth ("Snake" over 7 of 32 on imagenet-sample) reads as the cluster's kind.
const MIN_WORD_SHARE: f64 = 1.0 / 3.0;
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

/// The clusters' names, by cluster of a hierarchy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    /// Each cluster's name.
    pub text: Vec<String>,
    /// Whether the name is only a number ("Group 7", "Ceramics 2"): no text earned it.
    pub numbered: Vec<bool>,
}

/// One name per cluster of `hierarchy`, in its order; `texts` by input row. Siblings are
/// named together, parents before their children.
pub fn name_clusters(hierarchy: &Hierarchy, texts: &[ItemText]) -> Names {
    let count = hierarchy.clusters.len();
    let mut names = Names {
        text: vec![String::new(); count],
        numbered: vec![true; count],
    };
    let everyone: Vec<usize> = (0..texts.len()).collect();
    let tops: Vec<usize> = (0..count)
        .filter(|&c| hierarchy.clusters[c].parent.is_none())
        .collect();
    name_siblings(hierarchy, texts, (None, &everyone), &tops, &mut names);
    // Parents come before their children, so each parent is named when its children are.
    for parent in 0..count {
        let cluster = &hierarchy.clusters[parent];
        if !cluster.children.is_empty() {
            let around = (Some(parent), cluster.members.as_slice());
            name_siblings(hierarchy, texts, around, &cluster.children, &mut names);
        }
    }
    names
}

/// Names `siblings`, the children of `parent` (none at the top) whose members together are
/// `around`'s rows.
fn name_siblings(
    hierarchy: &Hierarchy,
    texts: &[ItemText],
    (parent, around): (Option<usize>, &[usize]),
    siblings: &[usize],
    names: &mut Names,
) {
    let parent_name = parent.map(|p| names.text[p].clone());
    let members = |c: usize| hierarchy.clusters[c].members.as_slice();
    let mut found: Vec<Option<String>> = siblings
        .iter()
        .map(|&c| {
            name_of(
                members(c),
                around,
                texts,
                parent_name.as_deref(),
                TagShare::Most,
            )
        })
        .collect();
    let numbered = set_apart(siblings, &members, texts, &mut found);
    for (rank, ((&c, name), number)) in siblings.iter().zip(found).zip(numbered).enumerate() {
        names.numbered[c] = name.is_none();
        names.text[c] = name.or(number).unwrap_or_else(|| match parent {
            Some(p) => {
                let joint = if names.numbered[p] { '.' } else { ' ' };
                format!("{}{joint}{}", names.text[p], rank + 1)
            }
            None => format!("Group {}", hierarchy.clusters[c].id),
        });
    }
}

/// Siblings that earned the same name are each named by what sets them apart from the others
/// of that name ("Iris, purple"). Of those that nothing sets apart, the first (the largest)
/// keeps the name and the rest get it numbered ("Iris 2"): for the drawer, not the map.
/// Returns those numbered names, by sibling.
fn set_apart<'a>(
    siblings: &[usize],
    members: &dyn Fn(usize) -> &'a [usize],
    texts: &[ItemText],
    found: &mut [Option<String>],
) -> Vec<Option<String>> {
    let mut numbered = vec![None; found.len()];
    let mut same: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (k, name) in found.iter().enumerate() {
        if let Some(name) = name {
            same.entry(name.to_lowercase()).or_default().push(k);
        }
    }
    for group in same.into_values().filter(|g| g.len() > 1) {
        let shared = found[group[0]].clone().unwrap_or_default();
        let mut union: Vec<usize> = group
            .iter()
            .flat_map(|&k| members(siblings[k]).to_vec())
            .collect();
        union.sort_unstable();
        let mut plain = 0;
        for &k in &group {
            match name_of(
                members(siblings[k]),
                &union,
                texts,
                Some(&shared),
                TagShare::Third,
            ) {
                Some(apart) => found[k] = Some(format!("{shared}, {}", apart.to_lowercase())),
                None => {
                    plain += 1;
                    if plain > 1 {
                        found[k] = None;
                        numbered[k] = Some(format!("{shared} {plain}"));
                    }
                }
            }
        }
    }
    numbered
}

/// How much of a cluster a machine tag must hold to name it.
#[derive(Debug, Clone, Copy)]
enum TagShare {
    /// More than half: a name says what the cluster is.
    Most,
    /// A third, as for words: the qualifier that sets apart siblings of one name
    /// ("Instrumentalities, containers").
    Third,
}

impl TagShare {
    /// Whether a tag held by `share` of a cluster is enough.
    fn holds(self, share: f64) -> bool {
        match self {
            Self::Most => share > DOMINANT_SHARE,
            Self::Third => share >= MIN_WORD_SHARE,
        }
    }
}

/// A cluster's name from its text, never its parent's name again.
fn name_of(
    members: &[usize],
    parent: &[usize],
    texts: &[ItemText],
    parent_name: Option<&str>,
    tag_share: TagShare,
) -> Option<String> {
    let new = |name: &String| parent_name.is_none_or(|p| !name.eq_ignore_ascii_case(p));
    dominant_facet(members, parent, texts, &new)
        .or_else(|| year_span(members, parent, texts))
        .or_else(|| distinctive_terms(members, parent, texts, &new))
        .or_else(|| tag_name(members, parent, texts, &new, tag_share))
}

/// Tag scores within this share of the best are a tie, which the [`preferred`] word wins.
const TAG_TIE: f64 = 0.9;

/// The name the machine tags give, where the metadata gives none: the tag (class or WordNet
/// group) that best sets the cluster apart, by the same rule as words (share × ln lift, with
/// evidence), in the plural. Held by most of the cluster ([`TagShare`]), as a facet value
/// must be: a name says what the cluster is, and a model's guesses already err (on
/// imagenet-sample a third-share rule named clusters "Clothing" and "Containers" that held
/// 44% and 38% of them). A tight cluster's own class outscores its group ("Golden
/// retrievers"); a cluster of many classes is named by the group they share ("Dogs"); of
/// near-equal words the [`preferred`] ("Dogs", not "Canines"; "Reptiles", not "Diapsids").
fn tag_name(
    members: &[usize],
    parent: &[usize],
    texts: &[ItemText],
    new: &dyn Fn(&String) -> bool,
    tag_share: TagShare,
) -> Option<String> {
    let terms = |row: usize| -> Vec<&str> {
        texts[row]
            .tags
            .iter()
            .flatten()
            .map(|w| w.0.as_str())
            .collect()
    };
    let scored: Vec<(&str, f64)> = over_represented(members, parent, terms, MIN_WORD_SHARE)
        .into_iter()
        .filter(|&(_, share, _)| tag_share.holds(share))
        .map(|(term, share, lift)| (term, share * lift.ln()))
        .collect();
    if scored.is_empty() {
        return None;
    }
    let best = scored.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
    let mut stats = WordStats::default();
    for &row in members {
        for chain in &texts[row].tags {
            stats.add(
                chain
                    .iter()
                    .map(|(word, familiar)| (word.as_str(), *familiar)),
            );
        }
    }
    let near: Vec<(&str, f64, u32)> = (scored.iter())
        .filter(|s| s.1 >= TAG_TIE * best)
        .map(|s| stats.of(s.0))
        .collect();
    let chosen = preferred(&near)?;
    Some(capitalised(&pluralizer::pluralize(chosen, 2, false))).filter(new)
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
    // A constant year column (every item 1900) tells no cluster from another.
    let spread = f64::from(parent_hi - parent_lo);
    let narrow = spread > 0.0 && f64::from(hi - lo) <= YEAR_NARROWING * spread;
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
    names: &mut Names,
    given: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut used = HashSet::new();
    for (c, cluster) in hierarchy.clusters.iter().enumerate() {
        if let Some(new) = given.get(&cluster.id) {
            new.clone_into(&mut names.text[c]);
            names.numbered[c] = false;
            used.insert(cluster.id.as_str());
        }
    }
    given
        .keys()
        .filter(|id| !used.contains(id.as_str()))
        .cloned()
        .collect()
}

/// How many of `rows` hold each key `keys_of` gives.
fn counts<'a>(rows: &[usize], keys_of: impl Fn(usize) -> Vec<&'a str>) -> HashMap<&'a str, usize> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &row in rows {
        let keys: HashSet<&str> = keys_of(row).into_iter().collect();
        for key in keys {
            *counts.entry(key).or_default() += 1;
        }
    }
    counts
}

/// The keys of `members` over-represented against `parent`, as (key, share in the cluster,
/// lift): held by at least `min_share` of the cluster, `MIN_LIFT` times more often than
/// around it, and evidence by the hypergeometric test corrected for every key tested.
fn over_represented<'a>(
    members: &[usize],
    parent: &[usize],
    keys_of: impl Fn(usize) -> Vec<&'a str>,
    min_share: f64,
) -> Vec<(&'a str, f64, f64)> {
    let inside = counts(members, &keys_of);
    let around = counts(parent, &keys_of);
    let (n, total) = (members.len().max(1), parent.len().max(1));
    let tests = inside.len();
    inside
        .into_iter()
        .filter_map(|(key, count)| {
            let marked = around.get(key).copied().unwrap_or(count).max(count);
            let share = count as f64 / n as f64;
            let lift = share / (marked as f64 / total as f64);
            let strong = share >= min_share && lift >= MIN_LIFT;
            (strong && is_evidence(count, n, marked, total, tests)).then_some((key, share, lift))
        })
        .collect()
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
    over_represented(members, parent, values, DOMINANT_SHARE)
        .into_iter()
        .filter(|&(_, share, _)| share > DOMINANT_SHARE)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(value, _, _)| capitalised(value))
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
    let mut scored: Vec<(&str, f64)> = over_represented(members, parent, terms, MIN_WORD_SHARE)
        .into_iter()
        .map(|(term, share, lift)| (term, share * lift.ln()))
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
            tags: Vec::new(),
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
        // Each row ten times, so that what names a cluster is evidence, not chance.
        let base = [
            text(&["blue", "vase", "1901"], "ceramics"),
            text(&["blue", "bowl"], "ceramics"),
            text(&["green", "vase"], "ceramics"),
            text(&["oak", "chair"], "furniture"),
            text(&["oak", "table"], ""),
            text(&["pine", "oak", "stool"], ""),
            text(&["the"], ""),
            text(&["of"], ""),
        ];
        let texts: Vec<ItemText> = base.iter().flat_map(|t| vec![t.clone(); 10]).collect();
        let hierarchy = Hierarchy {
            clusters: vec![
                top("0", (0..30).collect()),
                top("1", (30..60).collect()),
                top("2", (60..80).collect()),
            ],
        };
        let names = name_clusters(&hierarchy, &texts).text;
        assert_eq!(names[0], "Ceramics");
        assert_eq!(
            names[1], "Oak",
            "in all three, nowhere else; the rest are too rare"
        );
        assert_eq!(names[2], "Group 2", "stop words name nothing");
    }

    /// A tag chain: the class, then its groups, with WordNet's familiarity of "dog".
    fn chain(terms: &[&str]) -> Vec<(String, u32)> {
        let familiar = |t: &str| if t == "dog" { 42 } else { 0 };
        terms.iter().map(|t| (t.to_string(), familiar(t))).collect()
    }

    #[test]
    fn tags_name_clusters_the_metadata_leaves_unnamed_at_the_generality_they_call_for() {
        let dogs = [
            ["golden retriever", "retriever", "dog", "canine", "animal"],
            ["whippet", "hound", "dog", "canine", "animal"],
            ["boxer", "working dog", "dog", "canine", "animal"],
        ];
        let tagged = |terms: &[&str], facet: &str| ItemText {
            tags: vec![chain(terms)],
            ..text(&[], facet)
        };
        let mut texts: Vec<ItemText> = Vec::new();
        // 0..30: dogs of three breeds; 30..60: golden retrievers alone; 60..90: boats,
        // whose metadata names them; 90..120: untagged.
        texts.extend((0..30).map(|i| tagged(&dogs[i % 3], "")));
        texts.extend((0..30).map(|_| tagged(&dogs[0], "")));
        texts.extend((0..30).map(|_| tagged(&["canoe", "boat", "vessel"], "Watercraft")));
        texts.extend((0..30).map(|_| text(&[], "")));
        let hierarchy = Hierarchy {
            clusters: vec![
                top("0", (0..30).collect()),
                top("1", (30..60).collect()),
                top("2", (60..90).collect()),
                top("3", (90..120).collect()),
            ],
        };
        let names = name_clusters(&hierarchy, &texts);
        assert_eq!(names.text[0], "Dogs", "many breeds: their group");
        assert_eq!(names.text[1], "Golden retrievers", "one breed: its class");
        assert_eq!(names.text[2], "Watercraft", "the metadata wins");
        assert!(names.numbered[3], "no tags, no name: {}", names.text[3]);
        let given = BTreeMap::from([("0".to_string(), "Hounds and others".to_string())]);
        let mut curated = names.clone();
        override_names(&hierarchy, &mut curated, &given);
        assert_eq!(
            curated.text[0], "Hounds and others",
            "the curator wins over tags"
        );
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
        let names = name_clusters(&hierarchy, &texts).text;
        assert_eq!(names[0], "1800–1840");
        assert!(
            !names[1].contains('–'),
            "spread years name nothing: {}",
            names[1]
        );
    }

    /// Rows `0..n` whose facet value is `value(i)` and whose words are `words(i)`.
    fn texts(
        n: usize,
        value: impl Fn(usize) -> String,
        words: impl Fn(usize) -> Vec<String>,
    ) -> Vec<ItemText> {
        (0..n)
            .map(|i| ItemText {
                words: words(i),
                facet_values: vec![value(i)],
                year: Some(1900),
                tags: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn chance_names_nothing_and_a_constant_year_names_nothing() {
        // A collector of an eighth of the collection holds a quarter of one cluster of 24:
        // that happens by chance (p ≈ 0.06), so it is no name; every item says 1900.
        let collector = |i: usize| {
            if i.is_multiple_of(8) || (i < 24 && i.is_multiple_of(4)) {
                "R. Ortiz"
            } else {
                "other"
            }
        };
        let texts = texts(400, |i| collector(i).to_string(), |_| Vec::new());
        let hierarchy = Hierarchy {
            clusters: vec![top("0", (0..24).collect()), top("1", (24..400).collect())],
        };
        let names = name_clusters(&hierarchy, &texts);
        assert_eq!(names.text, ["Group 0", "Group 1"]);
        assert_eq!(names.numbered, [true, true]);
    }

    #[test]
    fn siblings_that_earn_one_name_are_told_apart_or_numbered() {
        // Four clusters of irises (one purple, one white, two plain) and one of pansies.
        let colour = |i: usize| match i / 40 {
            0 => vec!["purple".to_string()],
            1 => vec!["white".to_string()],
            _ => Vec::new(),
        };
        let species = |i: usize| if i < 160 { "iris" } else { "pansy" }.to_string();
        let texts = texts(280, species, colour);
        let hierarchy = Hierarchy {
            clusters: vec![
                top("0", (0..40).collect()),
                top("1", (40..80).collect()),
                top("2", (80..120).collect()),
                top("3", (120..160).collect()),
                top("4", (160..280).collect()),
            ],
        };
        let names = name_clusters(&hierarchy, &texts);
        assert_eq!(
            names.text,
            ["Iris, purple", "Iris, white", "Iris", "Iris 2", "Pansy"]
        );
        assert_eq!(names.numbered, [false, false, false, true, false]);
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
        let mut names = Names {
            text: vec!["A".to_string(), "Group 1".to_string()],
            numbered: vec![false, true],
        };
        let unknown = override_names(&hierarchy, &mut names, &given);
        assert_eq!(
            names.text,
            ["A", "Oak, pine"],
            "an empty name keeps the computed one"
        );
        assert_eq!(names.numbered, [false, false], "a curator's name is a name");
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
