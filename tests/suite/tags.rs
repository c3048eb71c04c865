//! Machine tags end to end: VGG16's classifier tags the images where the weights have it
//! (the tiny fixture has a 1,000-class fc8; its exactness against PyTorch is in
//! `features::`), a tags file brings any tagger's, and either reaches the search index (as
//! marked tag words, with their WordNet groups), the "Depicts (machine)" filter, the item
//! records (apart from the metadata) and `tags.tsv`.

use std::path::{Path, PathBuf};

use crate::common::{
    self, build_args, example_images, item_named, run_build, site_items, tiny_weights,
};
use zoomap::base::vectors::{RowFile, Rows};
use zoomap::stages::features::{ClassHead, WeightsFile};
use zoomap::stages::tags::wordnet::WordNet;
use zoomap::stages::tags::{DEFAULT_MIN_SCORE, MAX_TAGS};

/// The cells (row × columns + column) of `word`'s machine-tag entry in its search shard.
fn tag_cells(site: &Path, word: &str) -> Vec<u64> {
    let key = hex::encode(&word.as_bytes()[..2]);
    let text = std::fs::read_to_string(site.join(format!("data/search/{key}.json"))).unwrap();
    let shard: serde_json::Value = serde_json::from_str(&text).unwrap();
    let machine: Vec<u64> = (shard["machine"].as_array().unwrap().iter())
        .map(|k| k.as_u64().unwrap())
        .collect();
    let words = shard["words"].as_array().unwrap();
    let at = (0..words.len())
        .find(|&k| words[k] == word && machine.contains(&(k as u64)))
        .unwrap_or_else(|| panic!("no machine entry for {word}: {shard}"));
    let mut cell = 0;
    (shard["cells"][at].as_array().unwrap().iter())
        .map(|d| {
            cell += d.as_u64().unwrap();
            cell
        })
        .collect()
}

fn cell_of(item: &serde_json::Value, columns: u64) -> u64 {
    item["cell"][1].as_u64().unwrap() * columns + item["cell"][0].as_u64().unwrap()
}

#[test]
fn a_tags_file_reaches_search_the_depicts_filter_the_records_and_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 12);
    let tags = dir.path().join("tags.csv");
    let mut csv = String::from("filename,label,score,wnid\n");
    for name in &names[0..2] {
        csv += &format!("{name},whippet,0.9,n02091134\n{name},Granny Smith,0.05,\n");
    }
    csv += &format!("{},golden retriever,0.6,\n", names[2]);
    for name in &names[3..6] {
        csv += &format!("{name},canoe,0.8,\n");
    }
    csv += &format!("{},my own label,0.7,\nmissing.jpg,canoe,0.5,\n", names[6]);
    std::fs::write(&tags, csv).unwrap();
    let (site, export) = (dir.path().join("site"), dir.path().join("export"));
    let extra = [
        "--tags",
        tags.to_str().unwrap(),
        "--export",
        export.to_str().unwrap(),
    ];
    let (ok, stdout, stderr) = run_build(&build_args(
        &images,
        &site,
        &tiny_weights("safetensors"),
        &extra,
    ));
    assert!(ok, "{stderr}");
    let said = format!("{stdout}{stderr}");
    assert!(
        said.contains("1 images named in the tags file are not on the map: missing.jpg"),
        "{said}"
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("data/index.json")).unwrap()).unwrap();
    let columns = index["grid"][0].as_u64().unwrap();
    let items = site_items(&site);
    let cells = |range: std::ops::Range<usize>| -> Vec<u64> {
        let mut cells: Vec<u64> = names[range]
            .iter()
            .map(|n| cell_of(item_named(&items, n), columns))
            .collect();
        cells.sort_unstable();
        cells
    };
    // Records: the tags kept (the 0.05 one is below the score), never in the metadata.
    let whippet = item_named(&items, &names[0]);
    assert_eq!(whippet["tags"], serde_json::json!([["whippet", 0.9]]));
    assert!(
        !whippet["fields"].to_string().contains("whippet"),
        "{whippet}"
    );
    // Search: "dog" finds the whippets and the retriever through their WordNet groups, "boat"
    // the canoes, each marked as a machine-tag entry; a label WordNet lacks is found as itself.
    assert_eq!(tag_cells(&site, "dog"), cells(0..3));
    assert_eq!(tag_cells(&site, "boat"), cells(3..6));
    assert_eq!(tag_cells(&site, "own"), cells(6..7));
    // The filter: its values, and each cell's mask (4 bytes a cell).
    let depicts = (index["facets"].as_array().unwrap().iter())
        .find(|f| f["name"] == "Depicts (machine)")
        .expect("a Depicts facet");
    assert_eq!(depicts["multi"], true);
    assert_eq!(
        depicts["values"],
        serde_json::json!(["boat", "dog", "hound"])
    );
    assert_eq!(depicts["counts"], serde_json::json!([3, 3, 2]));
    let masks = std::fs::read(site.join("data").join(depicts["file"].as_str().unwrap())).unwrap();
    let mask = |cell: u64| u32::from_le_bytes(masks[4 * cell as usize..][..4].try_into().unwrap());
    assert_eq!(
        mask(cells(0..1)[0]),
        0b110,
        "a whippet is a dog and a hound"
    );
    assert_eq!(mask(cells(2..3)[0]), 0b010, "the retriever is a dog");
    assert_eq!(mask(cells(3..4)[0]), 0b001);
    assert_eq!(mask(cells(7..8)[0]), 0, "untagged");
    // The export, in the shape --tags reads back.
    let table = std::fs::read_to_string(export.join("tags.tsv")).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "filename\tlabel\tscore\tgroups");
    assert_eq!(lines.len(), 1 + 7, "{table}");
    let retriever = lines
        .iter()
        .find(|l| l.contains("golden retriever"))
        .unwrap();
    assert!(
        retriever.contains("0.6000\tretriever; sporting dog; hunting dog; dog; "),
        "{retriever}"
    );
}

/// Builds `images` with the tiny fixture, `--tags tags` and no clusters into `dir/LABEL`,
/// exporting to `dir/LABEL-export`; returns both folders.
fn build_tagged(images: &Path, dir: &Path, label: &str, tags: &str) -> (PathBuf, PathBuf) {
    let (site, export) = (dir.join(label), dir.join(format!("{label}-export")));
    let export_arg = export.display().to_string();
    let extra = [
        "--tags",
        tags,
        "--export",
        &export_arg,
        "--clusters",
        "none",
    ];
    let weights = tiny_weights("safetensors");
    let (ok, _, stderr) = run_build(&build_args(images, &site, &weights, &extra));
    assert!(ok, "{stderr}");
    (site, export)
}

#[test]
fn vgg16s_classifier_tags_the_images_with_its_top_classes() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 6);
    let (site, export) = build_tagged(&images, dir.path(), "site", "auto");
    let weights = tiny_weights("safetensors");
    // The tags are the classes fc8 scores DEFAULT_MIN_SCORE or more on each exported fc2
    // vector, at most MAX_TAGS.
    let head = ClassHead::load(&WeightsFile::inspect(&weights).unwrap())
        .unwrap()
        .unwrap();
    let wordnet = WordNet::imagenet().unwrap();
    let features = RowFile::open_npy(&export.join("features.npy")).unwrap();
    let files = std::fs::read_to_string(export.join("items.tsv")).unwrap();
    let files: Vec<&str> = files
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let items = site_items(&site);
    let mut tagged = 0;
    for (row, file) in files.iter().enumerate() {
        let mut fc2 = vec![0f32; features.dim()];
        features.read_rows(row, &mut fc2).unwrap();
        let p = head.probabilities(&fc2).unwrap();
        let mut top: Vec<usize> = (0..p.len())
            .filter(|&c| p[c] >= DEFAULT_MIN_SCORE)
            .collect();
        top.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
        top.truncate(MAX_TAGS);
        let want: Vec<&str> = top.iter().map(|&c| wordnet.name(c)).collect();
        let record = item_named(&items, file);
        let got: Vec<&str> = (record["tags"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter())
        .map(|t| t[0].as_str().unwrap())
        .collect();
        assert_eq!(got, want, "{file}");
        tagged += usize::from(!got.is_empty());
    }
    assert!(
        tagged > 0,
        "the fixture's peaked classifier tags some of {names:?}"
    );
    assert!(export.join("tags.tsv").is_file());
    let report = common::report(&site);
    let stages = report["stage_seconds"].as_array().unwrap();
    assert!(stages.iter().any(|s| s[0] == "tags"), "{report}");
    // --tags none: no tags anywhere.
    let (bare, bare_export) = build_tagged(&images, dir.path(), "bare", "none");
    let items = site_items(&bare);
    assert!(
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("tags").is_none())
    );
    assert!(!bare_export.join("tags.tsv").exists());
}

#[test]
fn a_malformed_tags_file_is_one_line_naming_the_line_and_leaves_the_site_alone() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 4);
    let tags = dir.path().join("tags.csv");
    std::fs::write(
        &tags,
        format!(
            "filename,label,score\n{},dog,0.5\n{},cat,high\n",
            names[0], names[1]
        ),
    )
    .unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("index.html"), "the good site").unwrap();
    let extra = ["--tags", tags.to_str().unwrap()];
    let (ok, _, stderr) = run_build(&build_args(
        &images,
        &site,
        &tiny_weights("safetensors"),
        &extra,
    ));
    assert!(!ok);
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error"))
        .unwrap_or(&stderr);
    assert!(
        error.contains("tags.csv line 3: score \"high\" is not a number from 0 to 1"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(site.join("index.html")).unwrap(),
        "the good site"
    );
    let missing = ["--tags", "no-such-tags.csv"];
    let (ok, _, stderr) = run_build(&build_args(
        &images,
        &site,
        &tiny_weights("safetensors"),
        &missing,
    ));
    assert!(
        !ok && stderr.contains("no-such-tags.csv: tags file not found"),
        "{stderr}"
    );
}
