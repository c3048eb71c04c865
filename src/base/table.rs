//! The tables users bring (metadata, features, positions): one rule for how their fields are
//! separated, and one for which of the image names they list the collection lacks.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};

/// Samples of the spreadsheet rule with what [`spreadsheet_text`] makes of each; the viewer's
/// copy of the rule (static/csv.js) is checked against the same list.
pub const SPREADSHEET_SAMPLES: &[(&str, &str)] = &[
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
    ("+1", "'+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("'=already", "'=already"),
    ("Vase = 3", "Vase = 3"),
    ("", ""),
];

/// A text field as a spreadsheet must receive it: one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading `'`, so that opening the file never runs it as a
/// formula (OWASP's rule for CSV injection). Numbers are written by the caller, unchanged.
/// The one owner of the rule for zoomap's exports; the viewer's names CSV follows it too.
pub fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The text [`spreadsheet_text`] was given: its added `'` removed, so that a names CSV the
/// viewer wrote reads back as the names it holds.
pub fn from_spreadsheet_text(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// Opens the table at `path` (its delimiter sniffed, rows of any length when `flexible`) and
/// reads its header; an unreadable file or header is an error naming the file.
pub fn open(path: &Path, flexible: bool) -> Result<(csv::Reader<std::fs::File>, Vec<String>)> {
    let fail = |e: csv::Error| anyhow::anyhow!("{}: {e}", path.display());
    let mut reader = reader_builder(path)?
        .flexible(flexible)
        .from_path(path)
        .map_err(fail)?;
    let header = reader
        .headers()
        .map_err(fail)?
        .iter()
        .map(str::to_string)
        .collect();
    Ok((reader, header))
}

/// The longest first line looked at to choose the delimiter.
const SNIFF_BYTES: u64 = 1 << 20;

/// The field delimiter of a table whose first line is `first_line`: a tab when it holds one
/// (TSV, whatever the file is called), a semicolon when it holds more of them than commas
/// (Excel's CSV where the decimal separator is a comma), else a comma.
pub fn delimiter(first_line: &str) -> u8 {
    let count = |c: char| first_line.matches(c).count();
    if first_line.contains('\t') {
        b'\t'
    } else if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

/// Refuses a table that is not UTF-8 (UTF-16 as Excel's "Unicode text" saves it, Latin-1 or
/// Windows-1252 as older "CSV" saves it), judged on its first `start` bytes, with the fix.
fn check_utf8(path: &Path, start: &[u8]) -> Result<()> {
    let utf16 = start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]);
    let broken = match std::str::from_utf8(start) {
        Ok(_) => false,
        // An error at the very end is a character cut by the sample's length.
        Err(err) => err.error_len().is_some(),
    };
    if utf16 || broken {
        anyhow::bail!(
            "{}: not UTF-8 text ({}); save it as \"CSV UTF-8\" and try again",
            path.display(),
            if utf16 {
                "UTF-16"
            } else {
                "Latin-1 or another legacy encoding"
            }
        );
    }
    Ok(())
}

/// A CSV reader builder for the table at `path`, its delimiter chosen by [`delimiter`].
pub fn reader_builder(path: &Path) -> Result<csv::ReaderBuilder> {
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut start = Vec::new();
    file.take(SNIFF_BYTES)
        .read_to_end(&mut start)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    check_utf8(path, &start)?;
    let first = start.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut builder = csv::ReaderBuilder::new();
    builder.delimiter(delimiter(&String::from_utf8_lossy(first)));
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
    fn text_that_a_spreadsheet_would_run_is_neutralised_and_reads_back() {
        for &(text, want) in SPREADSHEET_SAMPLES {
            assert_eq!(spreadsheet_text(text), want);
            if !text.starts_with('\'') {
                assert_eq!(from_spreadsheet_text(want), text);
            }
        }
    }

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
    fn excel_csvs_are_read_or_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let semicolons = dir.path().join("eu.csv");
        std::fs::write(&semicolons, "filename;Name;Price\na.jpg;Vase;1,5\n").unwrap();
        let mut reader = reader_builder(&semicolons)
            .unwrap()
            .from_path(&semicolons)
            .unwrap();
        assert_eq!(reader.headers().unwrap().len(), 3);
        for (name, bytes, what) in [
            ("u16.csv", b"\xFF\xFEf\x00,\x00".to_vec(), "UTF-16"),
            (
                "latin1.csv",
                b"filename,Name\na.jpg,Caf\xE9 au lait\n".to_vec(),
                "Latin-1",
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let err = reader_builder(&path).unwrap_err().to_string();
            assert!(err.contains(what) && err.contains("CSV UTF-8"), "{err}");
        }
    }

    #[test]
    fn missing_names_are_sorted_and_known_ones_left_out() {
        let listed = ["c.jpg", "a.jpg", "b.jpg"].map(String::from);
        let known: HashSet<&str> = ["b.jpg"].into();
        assert_eq!(missing(&listed, &known), ["a.jpg", "c.jpg"]);
    }
}
