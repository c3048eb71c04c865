//! Machine tags: what each image depicts by ImageNet's classes, from VGG16's own classifier
//! (fc8 past the fc2 vectors, [`ClassHead`]) or from any tagger's file ([`file`]), each tag
//! with the WordNet groups it falls under ([`wordnet`]), so that "dog" finds the whippet and
//! a cluster of many breeds can be called "Dogs". The site shows them apart from the
//! collection's own metadata: they are a model's guesses, with its scores.

pub mod file;
pub mod wordnet;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::base::message::first_few;
use crate::base::vectors::{Rows, for_each_block};
use crate::stages::features::ClassHead;
use wordnet::WordNet;

/// The lowest score a tag is kept at, by default. On imagenet-sample's predictions
/// (bench/tags.sh) a class scored 0.15 or more is the true class 77% of the time, 91.5% of
/// images keep their true class, and 98% keep at least one tag.
pub const DEFAULT_MIN_SCORE: f32 = 0.15;

/// At most this many tags per image, best first.
pub const MAX_TAGS: usize = 3;

/// Where a build's tags come from (`--tags`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TagSource {
    /// No tags.
    None,
    /// VGG16's classifier, where the weights have it and the network runs (the default).
    Auto,
    /// A tags file (`filename,label,score[,wnid]`).
    File(PathBuf),
}

impl std::str::FromStr for TagSource {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match text {
            "none" => Self::None,
            "auto" => Self::Auto,
            path => Self::File(PathBuf::from(path)),
        })
    }
}

/// What a build asks of the tags stage.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TagOptions {
    /// Where the tags come from.
    pub source: TagSource,
    /// Tags scored below this are dropped.
    pub min_score: f32,
}

impl Default for TagOptions {
    fn default() -> Self {
        Self {
            source: TagSource::Auto,
            min_score: DEFAULT_MIN_SCORE,
        }
    }
}

impl TagOptions {
    /// Checks the options before any work: a score from 0 to 1, a tags file that exists.
    pub fn validate(&self) -> Result<()> {
        if !(self.min_score > 0.0 && self.min_score <= 1.0) {
            bail!(
                "--tag-min-score {}: must be above 0 and at most 1",
                self.min_score
            );
        }
        if let TagSource::File(path) = &self.source
            && !path.is_file()
        {
            bail!("{}: tags file not found", path.display());
        }
        Ok(())
    }
}

/// One tag of an image, with the words it brings. The site's records hold it as
/// `[label, score]`, the score to two places.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineTag {
    /// The class or the tagger's label ("golden retriever").
    pub label: String,
    /// The classifier's or tagger's score, 0–1.
    pub score: f32,
    /// The WordNet groups it falls under, nearest first ("retriever", "dog", …); none for a
    /// label WordNet's ImageNet table does not know.
    pub groups: Vec<String>,
    /// How familiar the label and each group is ([`WordNet::familiarity`]; 0 unknown), so
    /// that of two words saying the same the everyday one can be shown.
    pub familiarity: Vec<u32>,
}

impl MachineTag {
    /// The label, then its groups, each with its familiarity.
    pub fn words(&self) -> impl Iterator<Item = (&str, u32)> {
        let words = std::iter::once(&self.label).chain(&self.groups);
        let familiar = self.familiarity.iter().copied().chain(std::iter::repeat(0));
        words.map(String::as_str).zip(familiar)
    }
}

impl serde::Serialize for MachineTag {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let score = (f64::from(self.score) * 100.0).round() / 100.0;
        (&self.label, score).serialize(serializer)
    }
}

/// A word SemCor uses at least this often is an everyday word ([`WordNet::familiarity`]).
const FAMILIAR: u32 = 5;

/// Of words that say the same of the same items (a class and its groups, `(word, mean depth
/// in its chains, familiarity)` each, as [`WordStats::of`] gives them), the one to show: the
/// most specific everyday word ("dog", not "hunting dog" or "canine", nor the as familiar but
/// vaguer "animal"), else the most familiar ("reptile", not "diapsid"); ties go to the more
/// specific, then the word.
pub fn preferred<'a>(words: &[(&'a str, f64, u32)]) -> Option<&'a str> {
    let everyday = words.iter().filter(|w| w.2 >= FAMILIAR);
    let specific = |a: &&(&str, f64, u32), b: &&(&str, f64, u32)| a.1.total_cmp(&b.1);
    let best = everyday
        .min_by(|a, b| specific(a, b).then(b.2.cmp(&a.2)).then(a.0.cmp(b.0)))
        .or_else(|| {
            (words.iter()).min_by(|a, b| b.2.cmp(&a.2).then(specific(a, b)).then(a.0.cmp(b.0)))
        });
    best.map(|w| w.0)
}

/// How specific and how familiar each word of some tag chains is: its mean depth in them (0
/// the class; a mean, as a group such as "organism" sits two steps above a fungus's class but
/// ten above a dog's) and its familiarity.
#[derive(Debug, Default)]
pub struct WordStats<'a> {
    /// Per word: the sum of its depths, how often it was seen, its familiarity.
    words: HashMap<&'a str, (f64, f64, u32)>,
}

impl<'a> WordStats<'a> {
    /// Counts one chain: `(word, familiarity)`, the class first.
    pub fn add(&mut self, chain: impl Iterator<Item = (&'a str, u32)>) {
        for (depth, (word, familiar)) in chain.enumerate() {
            let entry = self.words.entry(word).or_insert((0.0, 0.0, familiar));
            entry.0 += depth as f64;
            entry.1 += 1.0;
        }
    }

    /// `word` as [`preferred`] weighs it (depth 0 and familiarity 0 for a word not seen).
    pub fn of(&self, word: &'a str) -> (&'a str, f64, u32) {
        let (sum, seen, familiar) = self.words.get(word).copied().unwrap_or_default();
        (word, sum / seen.max(1.0), familiar)
    }
}

/// Each image's tags, in the order of the images asked for, best first.
pub type ImageTags = Vec<Vec<MachineTag>>;

/// The tag of `label` (WordNet id `wnid`, where known), with its groups.
fn machine_tag(wordnet: &WordNet, label: &str, wnid: Option<&str>, score: f32) -> MachineTag {
    let class = wnid
        .and_then(|w| wordnet.class(w))
        .or_else(|| wordnet.class(label));
    let groups = class.map(|c| {
        wordnet
            .ancestors(c)
            .into_iter()
            .map(str::to_string)
            .collect()
    });
    MachineTag {
        label: label.to_string(),
        score,
        groups: groups.unwrap_or_default(),
        familiarity: class.map(|c| wordnet.familiarity(c)).unwrap_or_default(),
    }
}

/// The tags of each fc2 vector of `rows` by VGG16's classifier `head`: its classes scored
/// `min_score` or more, at most [`MAX_TAGS`]; `None` where the head does not score
/// ImageNet's 1,000 classes, whose names the table holds.
pub fn from_classifier(
    head: &ClassHead,
    rows: &dyn Rows,
    min_score: f32,
) -> Result<Option<ImageTags>> {
    let wordnet = WordNet::imagenet()?;
    if head.classes() != wordnet.len() {
        return Ok(None);
    }
    let mut tags = Vec::with_capacity(rows.count());
    for_each_block(rows, |_, block| {
        let probabilities = head.probabilities(block)?;
        for row in probabilities.chunks_exact(head.classes()) {
            let mut best: Vec<usize> = (0..row.len()).filter(|&c| row[c] >= min_score).collect();
            best.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
            best.truncate(MAX_TAGS);
            let name = |c: usize| wordnet.name(c).to_string();
            tags.push(
                best.into_iter()
                    .map(|c| machine_tag(&wordnet, &name(c), None, row[c]))
                    .collect(),
            );
        }
        Ok(())
    })?;
    Ok(Some(tags))
}

/// The tags the tags file at `path` (read by [`file::read`] before any work) gives each of
/// `names` (paths in the collection; a file may name an image by its bare file name where
/// that is unique), scored `min_score` or more, at most [`MAX_TAGS`]; and a warning for rows
/// that name no image.
pub fn from_file(
    (path, mut read): (&Path, file::Tags),
    names: &[&str],
    min_score: f32,
) -> Result<(ImageTags, Option<String>)> {
    let wordnet = WordNet::imagenet()?;
    let bare = bare_names(names);
    let mut tags = Vec::with_capacity(names.len());
    for name in names {
        let found = read.remove(*name).or_else(|| {
            let base = name.rsplit('/').next()?;
            (bare.get(base) == Some(&1)).then(|| read.remove(base))?
        });
        let mut list: Vec<MachineTag> = (found.unwrap_or_default().into_iter())
            .filter(|t| t.score >= min_score)
            .map(|t| machine_tag(&wordnet, &t.label, t.wnid.as_deref(), t.score))
            .collect();
        list.truncate(MAX_TAGS);
        tags.push(list);
    }
    let mut unmatched: Vec<String> = read.into_keys().collect();
    unmatched.sort_unstable();
    let warning = (!unmatched.is_empty()).then(|| {
        format!(
            "{}: {} images named in the tags file are not on the map: {}",
            path.display(),
            unmatched.len(),
            first_few(&unmatched, 3)
        )
    });
    Ok((tags, warning))
}

/// How many of `names` have each bare file name.
fn bare_names<'a>(names: &[&'a str]) -> HashMap<&'a str, usize> {
    let mut counts = HashMap::new();
    for name in names {
        *counts
            .entry(name.rsplit('/').next().unwrap_or(name))
            .or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tags_file_joins_by_path_or_unique_bare_name_and_brings_wordnet_groups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tags.csv");
        std::fs::write(
            &path,
            "filename,label,score,wnid\n\
             a/whip.jpg,whippet,0.9,n02091134\n\
             a/whip.jpg,Granny Smith,0.05,\n\
             canoe.jpg,canoe,0.6,\n\
             gone.jpg,canoe,0.6,\n\
             pic.jpg,my own label,0.7,\n",
        )
        .unwrap();
        let names = ["a/whip.jpg", "b/canoe.jpg", "x/pic.jpg", "y/pic.jpg"];
        let read = file::read(&path).unwrap();
        let (tags, warning) = from_file((&path, read), &names, 0.1).unwrap();
        assert_eq!(tags[0].len(), 1, "the 0.05 tag is below the score");
        assert_eq!(tags[0][0].label, "whippet");
        assert!(tags[0][0].groups.contains(&"dog".to_string()));
        assert!(tags[1][0].groups.contains(&"boat".to_string()));
        assert!(
            tags[2].is_empty() && tags[3].is_empty(),
            "pic.jpg is not unique"
        );
        let warning = warning.unwrap();
        assert!(
            warning.contains("2 images named in the tags file"),
            "{warning}"
        );
        assert!(warning.contains("gone.jpg"), "{warning}");
    }

    #[test]
    fn of_words_saying_the_same_the_most_specific_everyday_one_is_shown() {
        let chain = [
            ("whippet", 0.0, 0),
            ("hound", 1.0, 3),
            ("hunting dog", 2.0, 0),
            ("dog", 3.0, 42),
            ("canine", 4.0, 0),
            ("animal", 9.0, 87),
        ];
        assert_eq!(preferred(&chain), Some("dog"));
        // Depth is a mean over the chains: a fungus puts "organism" 2 steps above its class,
        // yet over 9 dogs and a fungus "animal" is still the more specific.
        let mut stats = WordStats::default();
        for _ in 0..9 {
            stats.add([("dog", 42), ("animal", 87), ("organism", 15)].into_iter());
        }
        stats.add([("agaric", 0), ("organism", 15)].into_iter());
        let pair = [stats.of("organism"), stats.of("animal")];
        assert_eq!(preferred(&pair), Some("animal"), "{pair:?}");
        assert_eq!(
            preferred(&[("diapsid", 0.0, 0), ("reptile", 1.0, 1)]),
            Some("reptile")
        );
        assert_eq!(preferred(&[("a", 0.0, 0), ("b", 1.0, 0)]), Some("a"));
        assert_eq!(preferred(&[]), None);
    }

    #[test]
    fn options_are_checked_before_work() {
        let bad = TagOptions {
            min_score: 0.0,
            ..TagOptions::default()
        };
        assert!(bad.validate().is_err());
        let missing = TagOptions {
            source: "no/such/tags.csv".parse().unwrap(),
            ..TagOptions::default()
        };
        let error = missing.validate().unwrap_err().to_string();
        assert_eq!(error, "no/such/tags.csv: tags file not found");
        assert_eq!("none".parse::<TagSource>().unwrap(), TagSource::None);
        assert!(TagOptions::default().validate().is_ok());
    }
}
