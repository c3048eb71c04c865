//! The curator's saved groups (`--groups FILE`): the CSV the viewer's "Save as a group"
//! downloads, `filename,group` with one row per item and group, read back on the next build
//! as a metadata column, so that hand-made sets (PixPlot's user hotspots) become a facet
//! and searchable words and survive rebuilds.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Result, anyhow};

use super::Metadata;
use crate::base::table;
use crate::stages::scan::image_name;

/// The column the groups become; "Saved group" where the metadata already has a "Group".
pub const GROUP_COLUMN: &str = "Group";
const GROUP_COLUMN_TAKEN: &str = "Saved group";

/// What joins the groups of an item in several (static/savedgroups.js splits on it; a
/// parity test keeps the two the same).
pub const GROUP_JOIN: &str = "; ";

/// Whether `column` holds the saved groups (see [`join_groups`]).
pub fn is_group_column(column: &str) -> bool {
    column == GROUP_COLUMN || column == GROUP_COLUMN_TAKEN
}

/// Each image's groups from the CSV at `path` (columns `filename` and `group`, any order,
/// case ignored; more columns are ignored): by image name, an image in several groups
/// holding them all, joined by "; " in file order. A missing column or an unreadable row is
/// an error naming the file and line.
pub fn read_groups(path: &Path) -> Result<BTreeMap<String, String>> {
    let fail = |what: String| anyhow!("{}: {what}", path.display());
    let (mut reader, header) = table::open(path, true)?;
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            fail(format!(
                "no {name:?} column (a groups file is `filename,group`, as the viewer saves it)"
            ))
        })
    };
    let (file, group) = (column("filename")?, column("group")?);
    let mut groups: BTreeMap<String, String> = BTreeMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| fail(format!("line {}: {e}", line + 2)))?;
        let (Some(name), Some(value)) = (record.get(file), record.get(group)) else {
            return Err(fail(format!(
                "line {}: fewer fields than the header",
                line + 2
            )));
        };
        let name = image_name(table::from_spreadsheet_text(name.trim()));
        let value = table::from_spreadsheet_text(value.trim());
        if name.is_empty() || value.is_empty() {
            continue;
        }
        let entry = groups.entry(name).or_default();
        if !entry.split(GROUP_JOIN).any(|g| g == value) {
            if !entry.is_empty() {
                entry.push_str(GROUP_JOIN);
            }
            entry.push_str(value);
        }
    }
    Ok(groups)
}

/// `metadata` (or none) with the groups of `path` as one more column ([`GROUP_COLUMN`]).
pub fn join_groups(
    metadata: Option<Metadata>,
    path: &Path,
    filename_column: &str,
) -> Result<Metadata> {
    let groups = read_groups(path)?;
    let mut metadata = metadata.unwrap_or_default();
    let name = if metadata.columns.iter().any(|c| c == GROUP_COLUMN) {
        GROUP_COLUMN_TAKEN
    } else {
        GROUP_COLUMN
    };
    metadata.add_column(name, filename_column, &groups);
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_join_the_metadata_as_a_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.csv");
        std::fs::write(
            &path,
            "\u{feff}Group,filename\r\nBlue,a/1.jpg\r\nBlue,b.jpg\r\nRed,a/1.jpg\r\nBlue,a/1.jpg\r\n,c.jpg\r\n",
        )
        .unwrap();
        let groups = read_groups(&path).unwrap();
        assert_eq!(groups["a/1.jpg"], "Blue; Red");
        assert_eq!(groups["b.jpg"], "Blue");
        assert!(!groups.contains_key("c.jpg"), "an empty group is no group");
        let joined = join_groups(None, &path, "filename").unwrap();
        assert_eq!(joined.columns, ["filename", "Group"]);
        assert_eq!(joined.row_for("a/1.jpg").unwrap(), ["a/1.jpg", "Blue; Red"]);
        assert_eq!(
            joined.row_for("x/b.jpg").unwrap()[1],
            "Blue",
            "bare names match"
        );
        std::fs::write(&path, "file,name\na.jpg,x\n").unwrap();
        let error = read_groups(&path).unwrap_err().to_string();
        assert!(
            error.contains("groups.csv: no \"filename\" column"),
            "{error}"
        );
    }
}
