//! The search index: every word of each item's title, metadata and file name (without its
//! extension), and each identifier whole ("herb.01950" besides "herb" and "01950"), filed
//! under each pair of adjacent characters it contains. A query word of two
//! or more characters fetches the one shard named by its first two characters, which holds
//! every word that contains them, so prefix and substring matches both need one small request
//! and the page never loads all records. Static-site search tools (pagefind, tinysearch) match
//! whole words or prefixes, not substrings, and index HTML pages, so this is written here.

use std::collections::{BTreeMap, HashMap};

use icu_normalizer::{ComposingNormalizerBorrowed, DecomposingNormalizerBorrowed};
use icu_properties::CodePointMapData;
use icu_properties::props::{GeneralCategory, GeneralCategoryGroup};

use super::Item;

/// The words of `text` the index holds and a query is split into: lower-case runs of
/// letters and digits of the [`fold`]ed text, at least two characters long.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().nth(1).is_some())
        .map(str::to_lowercase)
        .collect()
}

/// Characters that join the parts of an identifier ("HERB.01950", "great_white_shark",
/// "1850-1870"); the same set marks an identifier-like query in static/ranking.js.
const JOINERS: [char; 3] = ['.', '_', '-'];

/// The identifiers of `text`, whole and [`fold`]ed to lower case: runs of letters, digits and
/// [`JOINERS`] with a joiner inside (joiners at either end dropped), so that an accession
/// number or a file stem typed as stored is found as one word. `identifiers` in
/// static/words.js is the same rule (a parity test checks).
pub fn identifiers(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric() && !JOINERS.contains(&c))
        .map(|run| run.trim_matches(JOINERS))
        .filter(|run| run.contains(JOINERS))
        .map(str::to_lowercase)
        .collect()
}

/// `text` as search compares it: compatibility forms decomposed (NFKD: "ﬁ" → "fi", "Ⅻ" →
/// "XII"), the marks on Latin, Greek and Cyrillic letters dropped ("Öberg" → "Oberg", "naïve"
/// → "naive"), and the rest composed again (NFC), so that Indic vowel signs and Hangul
/// syllables stay whole. `fold` in static/words.js is the same rule (a parity test checks).
pub fn fold(text: &str) -> String {
    let decomposed = DecomposingNormalizerBorrowed::new_nfkd().normalize(text);
    let category = CodePointMapData::<GeneralCategory>::new();
    let mut out = String::with_capacity(decomposed.len());
    let mut after_european = false;
    for c in decomposed.chars() {
        if GeneralCategoryGroup::Mark.contains(category.get(c)) {
            if after_european {
                continue;
            }
        } else {
            after_european = matches!(u32::from(c), 0..=0x052F | 0x1E00..=0x1FFF);
        }
        out.push(c);
    }
    ComposingNormalizerBorrowed::new_nfc()
        .normalize(&out)
        .into_owned()
}

/// The shard key of a word or query's first `n` (two or three) characters: the hex of their
/// UTF-8 bytes, so any script makes a safe file name.
pub fn shard_key(word: &str, n: usize) -> String {
    let start: String = word.chars().take(n).collect();
    hex::encode(start.as_bytes())
}

/// A shard estimated larger than this is also split into one shard per three-character
/// sequence starting with its pair, so a longer query fetches only its part.
pub const SPLIT_BYTES: usize = 256 * 1024;

/// The whole index: each distinct word with its cells, and which words each shard holds.
/// A word of the items' machine tags (and their WordNet groups) is an entry of its own,
/// marked, so the viewer can say a hit came through a tag.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Word, whether it comes from machine tags, its cells as differences.
    words: Vec<(String, bool, Vec<u32>)>,
    /// Shard key (two or three characters, see [`shard_key`]) to indices into `words`.
    shards: BTreeMap<String, Vec<usize>>,
    /// Two-character keys whose shards were split by three characters.
    pub split: Vec<String>,
}

/// One shard as written: words containing the shard's characters, each with the cells it
/// occurs in (ascending, written as differences from the previous cell to keep shards small).
#[derive(Debug, serde::Serialize)]
pub struct Shard<'a> {
    /// The words, sorted.
    pub words: Vec<&'a str>,
    /// Per word, ascending cell indices (row × columns + column) as successive differences.
    pub cells: Vec<&'a [u32]>,
    /// The positions in `words` of the words that come from machine tags (the same word
    /// may also stand unmarked, for the items whose own text holds it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub machine: Vec<usize>,
}

impl SearchIndex {
    /// Every shard key, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.shards.keys()
    }

    /// The shard of `key`, if any word has it.
    pub fn shard(&self, key: &str) -> Option<Shard<'_>> {
        let members = self.shards.get(key)?;
        Some(Shard {
            words: members.iter().map(|&w| self.words[w].0.as_str()).collect(),
            cells: members
                .iter()
                .map(|&w| self.words[w].2.as_slice())
                .collect(),
            machine: (members.iter().enumerate())
                .filter(|&(_, &w)| self.words[w].1)
                .map(|(k, _)| k)
                .collect(),
        })
    }
}

/// Builds the index of `items`; `cell_of` gives each item's cell index. Shards estimated
/// over `split_bytes` (normally [`SPLIT_BYTES`]) are split as well.
pub fn build(items: &[Item], cell_of: impl Fn(&Item) -> u32, split_bytes: usize) -> SearchIndex {
    let mut postings: HashMap<(String, bool), Vec<u32>> = HashMap::new();
    for item in items {
        let cell = cell_of(item);
        let texts = searchable_text(item).map(|t| (t, false));
        let tags = machine_text(item).map(|t| (t, true));
        for (text, machine) in texts.chain(tags) {
            for word in words(text).into_iter().chain(identifiers(text)) {
                postings.entry((word, machine)).or_default().push(cell);
            }
        }
    }
    let mut index = SearchIndex::default();
    let mut sorted: Vec<((String, bool), Vec<u32>)> = postings.into_iter().collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut sizes: HashMap<String, usize> = HashMap::new();
    for (w, ((word, machine), mut cells)) in sorted.into_iter().enumerate() {
        cells.sort_unstable();
        cells.dedup();
        let chars: Vec<char> = word.chars().collect();
        for key in window_keys(&chars, 2) {
            *sizes.entry(key.clone()).or_default() += word.len() + 4 * cells.len() + 8;
            index.shards.entry(key).or_default().push(w);
        }
        index.words.push((word, machine, differences(&cells)));
    }
    index.split = sizes
        .into_iter()
        .filter(|(_, size)| *size > split_bytes)
        .map(|(key, _)| key)
        .collect();
    index.split.sort_unstable();
    for pair in &index.split {
        let members = index.shards[pair].clone();
        for w in members {
            let chars: Vec<char> = index.words[w].0.chars().collect();
            for key in window_keys(&chars, 3).filter(|k| k.starts_with(pair.as_str())) {
                index.shards.entry(key).or_default().push(w);
            }
        }
    }
    index
}

/// The texts an item is found by: title, metadata values and file name without extension
/// (the metadata's own file-name column is left out, so "jpg" does not match everything).
fn searchable_text(item: &Item) -> impl Iterator<Item = &str> {
    let base = item.file.rsplit('/').next().unwrap_or(&item.file);
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    std::iter::once(item.title.as_str())
        .chain(
            item.fields
                .iter()
                .map(String::as_str)
                .filter(move |f| *f != item.file && *f != base),
        )
        .chain(std::iter::once(stem))
}

/// The texts of an item's machine tags: each tag's label and its WordNet groups.
fn machine_text(item: &Item) -> impl Iterator<Item = &str> {
    (item.tags.iter()).flat_map(|tag| tag.words().map(|(word, _)| word))
}

/// The distinct keys of a word's runs of `n` characters.
fn window_keys(chars: &[char], n: usize) -> impl Iterator<Item = String> {
    let mut keys: Vec<String> = chars
        .windows(n)
        .map(|run| shard_key(&String::from_iter(run), n))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
}

fn differences(sorted: &[u32]) -> Vec<u32> {
    let mut previous = 0;
    sorted
        .iter()
        .map(|&c| {
            let d = c - previous;
            previous = c;
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, col: u32, fields: &[&str]) -> Item {
        Item {
            file: format!("dir/img_{col}.jpg"),
            title: title.into(),
            url: None,
            url_text: None,
            cell: crate::base::grid::Cell { col, row: 0 },
            preview: String::new(),
            original: None,
            fields: fields.iter().map(|s| s.to_string()).collect(),
            tags: Vec::new(),
        }
    }

    /// Cells of `query` as the viewer finds them: the query's shard, words containing it.
    fn find(index: &SearchIndex, query: &str) -> Vec<u32> {
        let pair = shard_key(query, 2);
        let key = if index.split.contains(&pair) && query.chars().count() > 2 {
            shard_key(query, 3)
        } else {
            pair
        };
        let Some(shard) = index.shard(&key) else {
            return Vec::new();
        };
        let mut cells: Vec<u32> = shard
            .words
            .iter()
            .zip(&shard.cells)
            .filter(|(w, _)| w.contains(query))
            .flat_map(|(_, deltas)| {
                deltas.iter().scan(0, |at, d| {
                    *at += d;
                    Some(*at)
                })
            })
            .collect();
        cells.sort_unstable();
        cells.dedup();
        cells
    }

    #[test]
    fn words_are_lower_case_letter_and_digit_runs() {
        let w = words("Blue Vase (1901), Ming-dynasty; ÉTÉ a");
        assert_eq!(w, ["blue", "vase", "1901", "ming", "dynasty", "ete"]);
    }

    #[test]
    fn diacritics_fold_on_european_letters_only() {
        assert_eq!(
            words("A. Öberg, naïve ﬁne Ⅻ"),
            ["oberg", "naive", "fine", "xii"]
        );
        assert_eq!(fold("Ὀδυσσεύς Ёлка"), "Οδυσσευς Елка");
        assert_eq!(
            fold("हिन्दी 한국어"),
            "हिन्दी 한국어",
            "vowel signs and syllables stay"
        );
    }

    #[test]
    fn prefix_and_substring_queries_find_their_cells() {
        let items = vec![
            item("Blue vase", 0, &["Ceramics"]),
            item("Canvas bag", 1, &["Textiles"]),
            item("Vases, pair", 2, &["Ceramics"]),
            item("Été", 3, &[]),
        ];
        let index = build(&items, |i| i.cell.col, SPLIT_BYTES);
        assert_eq!(find(&index, "vas"), vec![0, 1, 2]);
        assert_eq!(find(&index, "vase"), vec![0, 2]);
        assert_eq!(find(&index, "ase"), vec![0, 2]);
        assert_eq!(find(&index, "ceram"), vec![0, 2]);
        assert_eq!(find(&index, "img"), vec![0, 1, 2, 3]);
        // A query is folded as the index is (static/words.js): "été" looks up "ete".
        assert_eq!(find(&index, &words("été")[0]), vec![3]);
        assert!(find(&index, "xyz").is_empty());
    }

    #[test]
    fn identifiers_are_filed_whole_as_well_as_split() {
        let items = vec![
            item("Iris", 0, &["HERB.01950", "Öberg"]),
            item("Iris", 1, &["HERB.019501"]),
            item("Herb 01950 notes", 2, &[]),
        ];
        let index = build(&items, |i| i.cell.col, SPLIT_BYTES);
        assert_eq!(find(&index, "herb.01950"), vec![0, 1]);
        assert_eq!(find(&index, "01950"), vec![0, 1, 2], "and by its parts");
        assert_eq!(find(&index, "img_2"), vec![2], "file stems too");
        let shard = index.shard(&shard_key("he", 2)).unwrap();
        assert!(shard.words.contains(&"herb.01950"));
    }

    #[test]
    fn large_shards_split_by_three_characters_and_still_find_everything() {
        let items: Vec<Item> = (0..300)
            .map(|i| item(&format!("vase {} var{}", 1800 + i % 50, i % 7), i, &[]))
            .collect();
        let whole = build(&items, |i| i.cell.col, SPLIT_BYTES);
        let split = build(&items, |i| i.cell.col, 1000);
        assert!(whole.split.is_empty());
        assert!(
            split.split.contains(&shard_key("18", 2)),
            "{:?}",
            split.split
        );
        assert!(split.split.contains(&shard_key("va", 2)));
        for query in [
            "18", "181", "1812", "812", "va", "var", "vas", "var3", "ase", "vax",
        ] {
            assert_eq!(find(&whole, query), find(&split, query), "{query}");
        }
        assert_eq!(find(&split, "1812").len(), 6);
        let part = split.shard(&shard_key("181", 3)).unwrap();
        assert!(
            part.words.iter().all(|w| w.contains("181")),
            "{:?}",
            part.words
        );
    }

    #[test]
    fn the_file_name_is_found_by_its_stem_not_its_extension() {
        let items = vec![item("Bowl", 0, &["dir/img_0.jpg", "img_0.jpg", "Ceramics"])];
        let index = build(&items, |i| i.cell.col, SPLIT_BYTES);
        assert_eq!(find(&index, "img"), vec![0]);
        assert!(find(&index, "jpg").is_empty());
    }

    #[test]
    fn postings_are_differences_of_sorted_cells() {
        let items = vec![item("a vase", 9, &[]), item("vase", 4, &["vase"])];
        let index = build(&items, |i| i.cell.col, SPLIT_BYTES);
        let shard = index.shard(&shard_key("va", 2)).unwrap();
        let at = shard.words.iter().position(|w| *w == "vase").unwrap();
        assert_eq!(shard.cells[at], [4, 5]);
    }
}
