//! The tables users bring (metadata, features, positions): one rule for how their fields are
//! separated, and one for which of the image names they list the collection lacks.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};

/// The longest first line looked at to choose the delimiter.
const SNIFF_BYTES: u64 = 1 << 20;

/// The field delimiter of a table whose first line is `first_line`: a tab when it holds one
/// (TSV, whatever the file is called), else a comma.
pub fn delimiter(first_line: &str) -> u8 {
    if first_line.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

/// A CSV reader builder for the table at `path`, its delimiter chosen by [`delimiter`].
pub fn reader_builder(path: &Path) -> Result<csv::ReaderBuilder> {
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut first = Vec::new();
    BufReader::new(file.take(SNIFF_BYTES))
        .read_until(b'\n', &mut first)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let mut builder = csv::ReaderBuilder::new();
    builder.delimiter(delimiter(&String::from_utf8_lossy(&first)));
    Ok(builder)
}

/// The names in `listed` that are not in `known`, sorted: what a table names that the
/// collection lacks.
pub fn missing<'a>(
    listed: impl IntoIterator<Item = &'a String>,
    known: &HashSet<&str>,
) -> Vec<String> {
    let mut missing: Vec<String> = listed
        .into_iter()
        .filter(|name| !known.contains(name.as_str()))
        .cloned()
        .collect();
    missing.sort();
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tab_in_the_first_line_makes_a_tsv_whatever_the_name() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text, fields) in [
            ("a.csv", "filename\tx\n1.jpg\t2\n", 2),
            ("a.tsv", "filename,x\n1.jpg,2\n", 2),
            ("a.txt", "filename,x,y\n", 3),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let mut reader = reader_builder(&path).unwrap().from_path(&path).unwrap();
            assert_eq!(reader.headers().unwrap().len(), fields, "{name}: {text:?}");
        }
    }

    #[test]
    fn missing_names_are_sorted_and_known_ones_left_out() {
        let listed = ["c.jpg", "a.jpg", "b.jpg"].map(String::from);
        let known: HashSet<&str> = ["b.jpg"].into();
        assert_eq!(missing(&listed, &known), ["a.jpg", "c.jpg"]);
    }
}
