//! WordNet's words for the 1,000 ImageNet-1k classes: each class's name and its hypernym
//! chain ("golden retriever" → retriever, sporting dog, dog, canine, carnivore, placental,
//! mammal, vertebrate, chordate, animal, organism), so a tag brings the words a search or a
//! cluster name may need, each with its familiarity (SemCor's tag counts). The table
//! (`wordnet.tsv`, 56 KB, embedded) is written once by
//! `make_wordnet_table.py` beside it from WordNet 3.0's database (Debian's `wordnet-base`),
//! ids matched exactly (an ImageNet id is `n` + the synset's offset); synsets within 4 steps
//! of `entity` (entity, object, whole, artifact, living thing, …) are left out as too general.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};

/// The embedded table.
const TABLE: &str = include_str!("wordnet.tsv");

/// A synset of the table: its id, word, parent node and familiarity.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Synset {
    id: String,
    word: String,
    parent: Option<usize>,
    /// How often SemCor's texts use its senses: of two words that say the same, the more
    /// familiar reads better ("dog" 42, "canine" 0).
    count: u32,
}

/// The ImageNet classes and their ancestors.
#[derive(Debug, Clone)]
pub struct WordNet {
    nodes: Vec<Synset>,
    classes: Vec<Synset>,
    /// Class index by WordNet id and by lower-case name.
    lookup: HashMap<String, usize>,
}

impl WordNet {
    /// The embedded table, read.
    pub fn imagenet() -> Result<Self> {
        Self::parse(TABLE)
    }

    /// A table in `wordnet.tsv`'s form.
    fn parse(text: &str) -> Result<Self> {
        let (mut nodes, mut classes) = (Vec::new(), Vec::new());
        for (k, line) in text.lines().enumerate() {
            let fields: Vec<&str> = line.split('\t').collect();
            let [kind, id, word, parent, count] = fields[..] else {
                bail!("wordnet.tsv line {}: expected 5 fields", k + 1);
            };
            let line = || format!("wordnet.tsv line {}", k + 1);
            let parent: i64 = parent.parse().with_context(line)?;
            let synset = Synset {
                id: id.into(),
                word: word.into(),
                parent: usize::try_from(parent).ok(),
                count: count.parse().with_context(line)?,
            };
            match kind {
                "node" => nodes.push(synset),
                "class" => classes.push(synset),
                other => bail!("wordnet.tsv line {}: unknown row {other:?}", k + 1),
            }
        }
        if let Some(bad) = nodes
            .iter()
            .chain(&classes)
            .find(|s| s.parent.is_some_and(|p| p >= nodes.len()))
        {
            bail!("wordnet.tsv: {} names a parent past the nodes", bad.id);
        }
        let mut lookup = HashMap::new();
        for (i, class) in classes.iter().enumerate() {
            lookup.insert(class.id.clone(), i);
            lookup.entry(class.word.to_lowercase()).or_insert(i);
        }
        Ok(Self {
            nodes,
            classes,
            lookup,
        })
    }

    /// The class a tag names: by WordNet id (`n02099601`) or by name, case aside.
    pub fn class(&self, key: &str) -> Option<usize> {
        let key = key.trim();
        self.lookup
            .get(key)
            .or_else(|| self.lookup.get(&key.to_lowercase()))
            .copied()
    }

    /// The class's name.
    pub fn name(&self, class: usize) -> &str {
        &self.classes[class].word
    }

    /// The words of the class's ancestors, nearest first.
    pub fn ancestors(&self, class: usize) -> Vec<&str> {
        self.chain(class).skip(1).map(|s| s.word.as_str()).collect()
    }

    /// The familiarity of the class and of each of its ancestors, in
    /// [`ancestors`](Self::ancestors)' order.
    pub fn familiarity(&self, class: usize) -> Vec<u32> {
        self.chain(class).map(|s| s.count).collect()
    }

    /// The class's synset, then its ancestors', nearest first.
    fn chain(&self, class: usize) -> impl Iterator<Item = &Synset> {
        let first = &self.classes[class];
        std::iter::successors(Some(first), |s| s.parent.map(|p| &self.nodes[p]))
    }

    /// How many classes the table holds.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_bring_their_wordnet_groups_and_nothing_too_general() {
        let wordnet = WordNet::imagenet().unwrap();
        assert_eq!(wordnet.len(), 1000);
        let of = |key: &str| wordnet.ancestors(wordnet.class(key).unwrap());
        for (class, group) in [
            ("n02099601", "dog"),
            ("whippet", "dog"),
            ("goldfinch", "bird"),
            ("canoe", "boat"),
            ("schooner", "sailing vessel"),
            ("Granny Smith", "edible fruit"),
            ("violin", "musical instrument"),
            ("king snake", "snake"),
            ("tench", "fish"),
            ("sports car", "car"),
        ] {
            assert!(of(class).contains(&group), "{class}: {:?}", of(class));
        }
        assert_eq!(
            wordnet.name(wordnet.class("n02099601").unwrap()),
            "golden retriever"
        );
        for general in [
            "entity",
            "physical entity",
            "object",
            "whole",
            "artifact",
            "living thing",
        ] {
            assert!(
                (0..1000).all(|c| !wordnet.ancestors(c).contains(&general)),
                "{general}"
            );
        }
        let dog = wordnet.class("whippet").unwrap();
        let at = |word: &str| {
            wordnet
                .ancestors(dog)
                .iter()
                .position(|w| *w == word)
                .unwrap()
        };
        let familiar = wordnet.familiarity(dog);
        assert!(
            familiar[1 + at("dog")] > familiar[1 + at("canine")],
            "{familiar:?}"
        );
        assert!(WordNet::parse("class\tn1\ta\t3\t0\n").is_err());
        assert!(WordNet::parse("cls\tn1\ta\t-1\t0\n").is_err());
        assert!(WordNet::parse("class\tn1\ta\t-1\n").is_err());
    }
}
