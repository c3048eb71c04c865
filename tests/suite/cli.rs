//! `zoomap build` end to end on small collections, with the tiny VGG fixture as weights.

use crate::common;

use common::{check_site, example_images, item_named, run, tiny_weights};
use std::fs;

fn build_args<'a>(images: &'a str, out: &'a str, weights: &'a str) -> Vec<&'a str> {
    vec![
        "build",
        images,
        "-o",
        out,
        "--weights",
        weights,
        "--cell",
        "64",
        "--device",
        "cpu",
    ]
}

/// The files under `dir`, recursively, but zoomap's hidden markers.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// Every image once in the cluster folders, the first (curated) cluster's under its name.
fn check_cluster_folders(folders: &std::path::Path, first_size: usize) {
    assert_eq!(files_under(folders).len(), 24, "every image once");
    let first = folders.join("00-curated-zero");
    assert_eq!(files_under(&first).len(), first_size, "{}", first.display());
}

/// The site's cluster files: the top level's records, and one code per grid cell.
fn check_site_clusters(site: &std::path::Path, top: usize) {
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(site.join("data/index.json")).unwrap()).unwrap();
    let level = &index["clusters"][0];
    assert_eq!(level["count"], top);
    let records: serde_json::Value =
        serde_json::from_slice(&fs::read(site.join("data/clusters/0.json")).unwrap()).unwrap();
    assert_eq!(records.as_array().unwrap().len(), top);
    assert_eq!(records[0]["name"], "Curated zero");
    let cells = index["grid"][0].as_u64().unwrap() * index["grid"][1].as_u64().unwrap();
    let codes = fs::read(site.join("data/clusters/0.bin")).unwrap();
    assert_eq!(codes.len() as u64, cells, "one byte per cell");
    let placed = codes.iter().filter(|&&c| c != u8::MAX).count();
    assert_eq!(placed, 24, "each image's cell holds its cluster");
}

#[test]
fn builds_a_complete_site_with_metadata_export_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 24);
    let csv = dir.path().join("items.csv");
    let mut text = String::from("File,Name,Year,Id\n");
    for (i, name) in names.iter().enumerate().take(20) {
        text.push_str(&format!("{name},\"Pattern {i}\",{},{i}\n", 1900 + i));
    }
    fs::write(&csv, text).unwrap();
    let (site, export) = (dir.path().join("site"), dir.path().join("export"));
    let weights = tiny_weights("safetensors");
    let mut args = build_args(
        images.to_str().unwrap(),
        site.to_str().unwrap(),
        weights.to_str().unwrap(),
    );
    args.extend([
        "--metadata",
        csv.to_str().unwrap(),
        "--filename-column",
        "File",
        "--title",
        "{Name} ({Year})",
        "--url",
        "https://example.org/objects/{Id}",
        "--export",
        export.to_str().unwrap(),
    ]);
    let (folders, cluster_names) = (dir.path().join("folders"), dir.path().join("names.csv"));
    fs::write(&cluster_names, "id,name\n0,Curated zero\n99,Nowhere\n").unwrap();
    args.extend([
        "--export-folders",
        folders.to_str().unwrap(),
        "--cluster-names",
        cluster_names.to_str().unwrap(),
    ]);
    let (ok, stdout, stderr) = run(&args);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("24 images found, 24 placed, 0 skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("warning: 4 images have no metadata row (titled by their file name, empty in every column): {}, ", names[20])),
        "the images the CSV leaves out are counted and named: {stdout}"
    );
    let data = check_site(&site, 24);
    let first = item_named(&data, &names[0]);
    assert_eq!(first["title"], "Pattern 0 (1900)");
    assert_eq!(first["url"], "https://example.org/objects/0");
    let last = item_named(&data, &names[23]);
    assert_eq!(
        last["title"],
        names[23].as_str(),
        "no metadata: title is the file name"
    );
    assert!(last.get("url").is_none());

    let tsv = fs::read_to_string(export.join("items.tsv")).unwrap();
    assert_eq!(tsv.lines().count(), 25);
    assert!(tsv.starts_with("filename\ttitle\turl\tx\ty\tcol\trow\n"));
    let features = zoomap::base::vectors::read_npy(&export.join("features.npy")).unwrap();
    assert_eq!(
        (features.rows(), features.dim),
        (24, 32),
        "tiny VGG fc2 is 32 wide"
    );
    let reduced = zoomap::base::vectors::read_npy(&export.join("reduced.npy")).unwrap();
    assert_eq!(reduced.rows(), 24);
    let clusters = fs::read_to_string(export.join("clusters.tsv")).unwrap();
    assert_eq!(clusters.lines().count(), 25);
    assert!(
        clusters.starts_with("filename\tcluster_1\tname_1"),
        "{clusters}"
    );
    let tree: serde_json::Value =
        serde_json::from_slice(&fs::read(export.join("clusters.json")).unwrap()).unwrap();
    let top: Vec<&serde_json::Value> = tree
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["level"] == 0)
        .collect();
    assert!(top.len() >= 2, "{tree}");
    let sizes: u64 = top.iter().map(|c| c["size"].as_u64().unwrap()).sum();
    assert_eq!(sizes, 24, "every image is in one top-level cluster");
    assert!(
        top.iter()
            .all(|c| c["name"].as_str().is_some_and(|n| !n.is_empty()))
    );
    assert_eq!(top[0]["name"], "Curated zero", "--cluster-names overrides");
    let said = format!("{stdout}{stderr}");
    assert!(
        said.contains("names.csv: 1 cluster ids name no cluster"),
        "{said}"
    );
    check_cluster_folders(&folders, top[0]["size"].as_u64().unwrap() as usize);
    check_site_clusters(&site, top.len());

    let report = common::report(&site);
    assert_eq!(report["images_placed"], 24);
    assert_eq!(report["features"]["kind"], "vgg16");
    assert_eq!(report["features"]["backend"], "flex");
    assert_eq!(
        report["features"]["weights_sha256"].as_str().unwrap().len(),
        64
    );
    assert!(report["stage_seconds"].as_array().unwrap().len() >= 6);
}

#[test]
fn corrupt_images_are_skipped_and_reported_and_the_rest_is_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    example_images(&images, 9);
    fs::write(images.join("broken.jpg"), b"\xFF\xD8\xFF\xE0 truncated").unwrap();
    fs::write(images.join("empty.png"), b"").unwrap();
    let site = dir.path().join("site");
    let weights = tiny_weights("safetensors");
    let (ok, stdout, stderr) = run(&build_args(
        images.to_str().unwrap(),
        site.to_str().unwrap(),
        weights.to_str().unwrap(),
    ));
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("11 images found, 9 placed, 2 skipped"),
        "{stdout}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("skipped ") && l.contains("broken.jpg")),
        "{stderr}"
    );
    check_site(&site, 9);
    let report = common::report(&site);
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["broken.jpg", "empty.png"]);
}

#[test]
fn a_failed_build_leaves_the_previous_site_intact() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    example_images(&images, 5);
    let site = dir.path().join("site");
    let weights = tiny_weights("safetensors");
    let args = build_args(
        images.to_str().unwrap(),
        site.to_str().unwrap(),
        weights.to_str().unwrap(),
    );
    assert!(run(&args).0);
    let before = fs::read(site.join("data/index.json")).unwrap();

    let csv = dir.path().join("items.csv");
    fs::write(&csv, "filename,Name\n").unwrap();
    let mut bad = args.clone();
    bad.extend(["--metadata", csv.to_str().unwrap(), "--title", "{Nmae}"]);
    let (ok, _, stderr) = run(&bad);
    assert!(!ok);
    assert!(
        stderr.contains("Nmae") && stderr.lines().count() == 1,
        "{stderr}"
    );

    let mut wrong_weights = args.clone();
    let broken = dir.path().join("broken.safetensors");
    fs::write(&broken, b"not weights").unwrap();
    wrong_weights[5] = broken.to_str().unwrap();
    let (ok, _, stderr) = run(&wrong_weights);
    assert!(!ok);
    assert!(stderr.contains("broken.safetensors"), "{stderr}");

    assert_eq!(fs::read(site.join("data/index.json")).unwrap(), before);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".zoomap"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );
}

#[test]
fn a_folder_without_images_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let weights = tiny_weights("safetensors");
    let empty = dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let out = dir.path().join("site");
    let (ok, _, stderr) = run(&build_args(
        empty.to_str().unwrap(),
        out.to_str().unwrap(),
        weights.to_str().unwrap(),
    ));
    assert!(!ok);
    assert!(stderr.contains("no images found"), "{stderr}");
}

#[test]
fn exported_features_round_trip_through_features_flag() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    example_images(&images, 12);
    let weights = tiny_weights("safetensors");
    let (site, first, second) = (
        dir.path().join("site"),
        dir.path().join("first"),
        dir.path().join("second"),
    );
    let mut args = build_args(
        images.to_str().unwrap(),
        site.to_str().unwrap(),
        weights.to_str().unwrap(),
    );
    args.extend(["--export", first.to_str().unwrap()]);
    assert!(run(&args).0);
    let npy = first.join("features.npy");
    let (ok, stdout, stderr) = build_from_features(&images, &site, &npy, &second, &[]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("12 placed") && stdout.contains("32-d vectors from"),
        "{stdout}"
    );
    check_site(&site, 12);
    assert_eq!(
        fs::read(npy).unwrap(),
        fs::read(second.join("features.npy")).unwrap()
    );
    let report = common::report(&site);
    assert_eq!(report["features"]["kind"], "files");
    assert_eq!(report["features"]["dim"], 32);
}

/// The viewer's "Save as a group" CSV, read back with `--groups`: the group is a facet and a
/// search word, and images without a group are no warning.
#[test]
fn saved_groups_become_a_facet_and_a_search_word() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 12);
    let features = features_tsv(dir.path(), &names);
    let groups = dir.path().join("groups.csv");
    let rows: String = names[..3]
        .iter()
        .map(|n| format!("{n},Blue ware\r\n"))
        .collect();
    fs::write(&groups, format!("filename,group\r\n{rows}")).unwrap();
    let (site, export) = (dir.path().join("site"), dir.path().join("export"));
    let extra = ["--groups", groups.to_str().unwrap()];
    let (ok, stdout, stderr) = build_from_features(&images, &site, &features, &export, &extra);
    assert!(ok, "{stderr}");
    assert!(!stdout.contains("no metadata row"), "{stdout}");
    let facet = site_facet(&site, "Group");
    assert_eq!(facet["values"], serde_json::json!(["Blue ware"]));
    assert_eq!(facet["counts"], serde_json::json!([3]));
    let key = zoomap::site::search::shard_key("bl", 2);
    let shard = fs::read_to_string(site.join(format!("data/search/{key}.json"))).unwrap();
    assert!(shard.contains("\"blue\""), "{shard}");
}

/// Two images with nearly the same vector are flagged: in the summary, the report, the
/// viewer's Near-duplicate filter and `duplicates.tsv`; the rest are not.
#[test]
fn near_duplicates_are_flagged_in_the_report_the_filter_and_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 12);
    let rows: String = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            // Image 1 is image 0 with a hair of noise; the others lie apart on a spiral.
            let k = if i == 1 { 0.0 } else { i as f32 };
            let nudge = if i == 1 { 0.01 } else { 0.0 };
            format!(
                "{n}\t{}\t{}\t{}\n",
                k.cos() * (1.0 + k) + nudge,
                k.sin() * (1.0 + k),
                k
            )
        })
        .collect();
    let features = dir.path().join("features.tsv");
    fs::write(&features, format!("image\ta\tb\tc\n{rows}")).unwrap();
    let (site, export) = (dir.path().join("site"), dir.path().join("export"));
    let (ok, stdout, stderr) = build_from_features(&images, &site, &features, &export, &[]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("near-duplicates: 1 groups, 2 images"),
        "{stdout}"
    );
    let report = common::report(&site);
    assert_eq!(
        report["duplicates"],
        serde_json::json!({"groups": 1, "items": 2})
    );
    let tsv = fs::read_to_string(export.join("duplicates.tsv")).unwrap();
    assert_eq!(
        tsv,
        format!("group\tfile\n1\t{}\n1\t{}\n", names[0], names[1])
    );
    let facet = site_facet(&site, "Near-duplicate");
    assert_eq!(facet["counts"], serde_json::json!([2]), "{facet}");
}

/// The facet named `name` of the site's `index.json` (a panic naming the facets there if none).
fn site_facet(site: &std::path::Path, name: &str) -> serde_json::Value {
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(site.join("data/index.json")).unwrap()).unwrap();
    let found = index["facets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name);
    found
        .cloned()
        .unwrap_or_else(|| panic!("a {name} facet: {}", index["facets"]))
}

/// `zoomap build IMAGES -o SITE --cell 64 --features FEATURES --export EXPORT`, then `extra`.
fn build_from_features(
    images: &std::path::Path,
    site: &std::path::Path,
    features: &std::path::Path,
    export: &std::path::Path,
    extra: &[&str],
) -> (bool, String, String) {
    let mut args = vec![
        "build",
        images.to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
        "--cell",
        "64",
        "--features",
        features.to_str().unwrap(),
        "--export",
        export.to_str().unwrap(),
    ];
    args.extend(extra);
    run(&args)
}

fn features_tsv(dir: &std::path::Path, names: &[String]) -> std::path::PathBuf {
    let rows: String = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{n}\t{}\t{}\t{}\n", i % 3, (i * 7) % 5, i as f32 / 2.0))
        .collect();
    let path = dir.join("features.tsv");
    fs::write(&path, format!("image\ta\tb\tc\n{rows}")).unwrap();
    path
}

#[test]
fn images_without_vectors_are_left_out_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 10);
    let tsv = features_tsv(dir.path(), &names[..7]);
    let site = dir.path().join("site");
    let (ok, stdout, stderr) = run(&[
        "build",
        images.to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
        "--cell",
        "32",
        "--features",
        tsv.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("10 images found, 7 placed") && stdout.contains("3 images have no vector"),
        "{stdout}"
    );
    check_site(&site, 7);
    let report = common::report(&site);
    let left_out: Vec<&str> = report["without_features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        left_out,
        names[7..].iter().map(String::as_str).collect::<Vec<_>>()
    );
}

#[test]
fn features_naming_missing_images_fail_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let mut names = example_images(&images, 4);
    names.extend(["ghost-1.jpg".to_string(), "sub/ghost-2.jpg".to_string()]);
    let tsv = features_tsv(dir.path(), &names);
    let site = dir.path().join("site");
    let (ok, _, stderr) = run(&[
        "build",
        images.to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
        "--features",
        tsv.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("features.tsv: 2 of its image paths name no image")
            && stderr.contains("ghost-1.jpg, sub/ghost-2.jpg"),
        "{stderr}"
    );
    assert!(!site.exists());
}

#[test]
fn a_bad_feature_row_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 3);
    let tsv = dir.path().join("f.tsv");
    fs::write(
        &tsv,
        format!(
            "{}\t1\t2\n{}\t1\tnan\n{}\t1\t2\n",
            names[0], names[1], names[2]
        ),
    )
    .unwrap();
    let (ok, _, stderr) = run(&[
        "build",
        images.to_str().unwrap(),
        "-o",
        dir.path().join("s").to_str().unwrap(),
        "--features",
        tsv.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("f.tsv: line 2: NaN, infinity"), "{stderr}");
}

#[test]
fn feature_cache_skips_images_already_extracted_and_recomputes_damaged_entries() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 22);
    let held_back = dir.path().join("held-back");
    fs::create_dir(&held_back).unwrap();
    for name in &names[12..] {
        fs::rename(images.join(name), held_back.join(name)).unwrap();
    }
    let (site, cache) = (dir.path().join("site"), dir.path().join("cache"));
    let weights = tiny_weights("safetensors");
    let mut args = build_args(
        images.to_str().unwrap(),
        site.to_str().unwrap(),
        weights.to_str().unwrap(),
    );
    args.extend(["--cache", cache.to_str().unwrap()]);
    let counts = |stdout: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with("feature cache:"))
            .unwrap_or("")
            .to_string()
    };

    let (ok, stdout, stderr) = run(&args);
    assert!(ok, "{stderr}");
    assert_eq!(counts(&stdout), "feature cache: 12 extracted, 0 reused");
    let (_, stdout, _) = run(&args);
    assert_eq!(
        counts(&stdout),
        "feature cache: 0 extracted, 12 reused",
        "an unchanged collection extracts nothing"
    );

    for name in &names[12..] {
        fs::rename(held_back.join(name), images.join(name)).unwrap();
    }
    let (_, stdout, _) = run(&args);
    assert_eq!(
        counts(&stdout),
        "feature cache: 10 extracted, 12 reused",
        "adding 10 images extracts 10"
    );

    let entry = walk_files(&cache).into_iter().next().unwrap();
    let mut bytes = fs::read(&entry).unwrap();
    bytes[3] ^= 0x55;
    fs::write(&entry, bytes).unwrap();
    let (_, stdout, _) = run(&args);
    assert_eq!(
        counts(&stdout),
        "feature cache: 1 extracted, 21 reused",
        "a damaged entry is recomputed"
    );
    check_site(&site, 22);
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk_files(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn given_cells_are_used_as_they_are_and_given_points_are_spread_onto_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 6);
    let cells_csv = dir.path().join("cells.csv");
    let cells: Vec<(usize, usize)> = vec![(0, 0), (3, 0), (1, 1), (2, 2), (0, 2)];
    let mut text = String::from("filename,col,row\n");
    for (name, (c, r)) in names.iter().zip(&cells) {
        text.push_str(&format!("{name},{c},{r}\n"));
    }
    std::fs::write(&cells_csv, text).unwrap();
    let site = dir.path().join("site");
    let build = |positions: &std::path::Path, site: &std::path::Path| {
        // ZOOMAP_WEIGHTS set, as the README suggests, does not conflict with --positions.
        let out = common::zoomap()
            .env("ZOOMAP_WEIGHTS", tiny_weights("safetensors"))
            .args([
                "build",
                images.to_str().unwrap(),
                "-o",
                site.to_str().unwrap(),
            ])
            .args(["--cell", "32", "--positions", positions.to_str().unwrap()])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = build(&cells_csv, &site);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 images have no position"), "{stdout}");
    let items = check_site(&site, 5);
    assert_eq!(
        common::report(&site)["grid"],
        serde_json::json!({"cols": 4, "rows": 3})
    );
    for (name, (c, r)) in names.iter().zip(&cells) {
        let item = item_named(&items, name);
        assert_eq!(item["cell"], serde_json::json!([c, r]), "{name}");
    }

    let points_tsv = dir.path().join("points.tsv");
    let mut text = String::from("filename\tx\ty\n");
    for (k, name) in names.iter().enumerate() {
        text.push_str(&format!("{name}\t{}\t{}\n", k as f32 * 10.0, 0.5));
    }
    std::fs::write(&points_tsv, text).unwrap();
    let site = dir.path().join("site2");
    let (ok, _, stderr) = build(&points_tsv, &site);
    assert!(ok, "{stderr}");
    let items = check_site(&site, 6);
    let column_of = |name: &str| item_named(&items, name)["cell"][0].as_u64().unwrap();
    let columns: Vec<u64> = names.iter().map(|n| column_of(n)).collect();
    assert!(
        columns.windows(2).all(|w| w[0] <= w[1]) && columns[0] < columns[5],
        "points given left to right land in columns {columns:?}"
    );

    // Naming both maps draws the positions beside the similarity map; the image the file
    // leaves out goes to the "no position" band of that layout and stays on the map.
    let site = dir.path().join("site-beside");
    let (ok, _, stderr) = run(&[
        "build",
        images.to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
        "--weights",
        tiny_weights("safetensors").to_str().unwrap(),
        "--cell",
        "32",
        "--positions",
        cells_csv.to_str().unwrap(),
        "--layouts",
        "similarity,positions",
    ]);
    assert!(ok, "{stderr}");
    check_site(&site, 6);
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(site.join("data/index.json")).unwrap()).unwrap();
    let layouts = index["layouts"].as_array().unwrap();
    let names: Vec<&str> = layouts
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["similarity", "positions"]);
    assert_eq!(layouts[1]["labels"][0]["text"], "no position");
    let cells = fs::read(site.join("data/layouts/positions.bin")).unwrap();
    let grid = &layouts[1]["grid"];
    let count = grid["cols"].as_u64().unwrap() * grid["rows"].as_u64().unwrap();
    assert_eq!(cells.len() as u64, 4 * count);
    let (ok, _, stderr) = run(&[
        "build",
        images.to_str().unwrap(),
        "-o",
        dir.path().join("site-both").to_str().unwrap(),
        "--features",
        cells_csv.to_str().unwrap(),
        "--positions",
        cells_csv.to_str().unwrap(),
    ]);
    assert!(!ok && stderr.contains("similarity,positions"), "{stderr}");

    std::fs::write(&cells_csv, "filename,col,row\nghost.jpg,0,0\n").unwrap();
    let (ok, _, stderr) = build(&cells_csv, &dir.path().join("site3"));
    assert!(
        !ok && stderr.contains("ghost.jpg") && stderr.contains("cells.csv"),
        "{stderr}"
    );
}

/// `zoomap extract --shard I/3` three times (each with its own cache), merged by `--features`
/// on their folder, makes the same map as one whole `zoomap extract`, bit for bit with `--seed`.
#[test]
fn sharded_extraction_merges_into_the_same_map_as_one_extraction() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    example_images(&images, 12);
    let weights = tiny_weights("safetensors");
    let extract = |output: &std::path::Path, shard: &str, cache: &str| {
        let (ok, stdout, stderr) = run(&[
            "extract",
            images.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "--shard",
            shard,
            "--weights",
            weights.to_str().unwrap(),
            "--device",
            "cpu",
            "--cache",
            dir.path().join(cache).to_str().unwrap(),
        ]);
        assert!(ok, "{stderr}");
        stdout
    };
    let shards = dir.path().join("shards");
    let mut extracted = 0;
    for i in 0..3 {
        let output = shards.join(format!("features-{i}.npy"));
        let stdout = extract(&output, &format!("{i}/3"), &format!("cache-{i}"));
        let names = fs::read_to_string(output.with_extension("txt")).unwrap();
        extracted += names.lines().count();
        assert!(stdout.contains(&format!("shard {i}/3")), "{stdout}");
    }
    assert_eq!(extracted, 12, "every image in exactly one shard");
    let whole = dir.path().join("whole.npy");
    extract(&whole, "0/1", "cache-whole");

    let build = |features: &std::path::Path, label: &str| {
        let (site, export) = (
            dir.path().join(label),
            dir.path().join(format!("{label}-export")),
        );
        let (ok, _, stderr) =
            build_from_features(&images, &site, features, &export, &["--seed", "7"]);
        assert!(ok, "{stderr}");
        check_site(&site, 12);
        (site, export)
    };
    let (merged_site, merged) = build(&shards, "merged");
    let (whole_site, single) = build(&whole, "single");
    for file in [
        "features.npy",
        "features.txt",
        "features.pairing.json",
        "reduced.npy",
        "items.tsv",
    ] {
        assert_eq!(
            fs::read(merged.join(file)).unwrap(),
            fs::read(single.join(file)).unwrap(),
            "{file}"
        );
    }
    for file in files_under(&whole_site.join("data")) {
        let relative = file.strip_prefix(&whole_site).unwrap();
        assert_eq!(
            fs::read(merged_site.join(relative)).unwrap(),
            fs::read(&file).unwrap(),
            "{}",
            relative.display()
        );
    }
}

/// Two shards that both hold an image are refused, naming both files and the image; a `.txt`
/// changed since extraction is refused by the pair's record.
#[test]
fn an_image_in_two_feature_files_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 4);
    let weights = tiny_weights("safetensors");
    let whole = dir.path().join("feats/a.npy");
    let (ok, _, stderr) = run(&[
        "extract",
        images.to_str().unwrap(),
        "-o",
        whole.to_str().unwrap(),
        "--weights",
        weights.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    fs::copy(&whole, dir.path().join("feats/b.npy")).unwrap();
    fs::copy(whole.with_extension("txt"), dir.path().join("feats/b.txt")).unwrap();
    let pattern = dir.path().join("feats/*.npy");
    let (ok, _, stderr) = run(&[
        "build",
        images.to_str().unwrap(),
        "-o",
        dir.path().join("site").to_str().unwrap(),
        "--features",
        pattern.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("a.npy") && stderr.contains("b.npy") && stderr.contains(&names[0]),
        "{stderr}"
    );
    assert!(
        !dir.path().join("site").exists(),
        "no site from a refused build"
    );

    let index = whole.with_extension("txt");
    let mut lines: Vec<String> = fs::read_to_string(&index)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    lines.swap(0, 1);
    fs::write(&index, lines.join("\n") + "\n").unwrap();
    let (ok, _, stderr) = run(&[
        "build",
        images.to_str().unwrap(),
        "-o",
        dir.path().join("site").to_str().unwrap(),
        "--features",
        whole.to_str().unwrap(),
    ]);
    assert!(
        !ok && stderr.contains("a.txt: its image names are not those written with"),
        "a reordered .txt is not paired with the .npy: {stderr}"
    );
}

/// Every `--flag` in `text`.
fn long_flags(text: &str) -> Vec<String> {
    text.match_indices("--")
        .map(|(at, _)| {
            let rest = &text[at + 2..];
            let end = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
                .unwrap_or(rest.len());
            format!("--{}", &rest[..end])
        })
        .filter(|flag| flag.len() > 2)
        .collect()
}

/// The long flags in the first column of README's option tables (`| \`--flag …\` |`).
fn readme_flags() -> std::collections::BTreeSet<String> {
    let readme = fs::read_to_string(common::root().join("README.md")).unwrap();
    readme
        .lines()
        .filter(|line| line.starts_with("| `-"))
        .filter_map(|line| line.replace("\\|", "/").split('|').nth(1).map(long_flags))
        .flatten()
        .collect()
}

/// README's flag tables list exactly the flags `zoomap build --help` prints (clap's own
/// definitions), so the two cannot drift.
#[test]
fn the_readme_flag_tables_are_the_build_commands_flags() {
    let out = common::zoomap().args(["build", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    // A flag's own line starts with it (after `-o, `); its description may name others.
    let clap: std::collections::BTreeSet<String> = help
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .filter_map(|line| {
            long_flags(line.split("  ").next().unwrap_or(""))
                .into_iter()
                .next()
        })
        .filter(|f| f != "--help")
        .collect();
    assert!(clap.contains("--metadata") && clap.len() > 30, "{help}");
    let readme = readme_flags();
    let missing: Vec<_> = clap.difference(&readme).collect();
    let stale: Vec<_> = readme.difference(&clap).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "in `build --help` but not in README's tables: {missing:?}; in README but not a build flag: {stale:?}"
    );
}

/// A build into a pipe (a batch job, a log file) says what it does, a line per stage and a
/// line when a bar starts, and prints no error where nothing failed: probing for a GPU
/// with Mesa's lavapipe installed and no desktop session (no XDG_RUNTIME_DIR) used to print
/// "error: XDG_RUNTIME_DIR is invalid or not set in the environment." twice.
#[test]
fn a_build_into_a_pipe_prints_its_stages_and_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    example_images(&images, 24);
    let weights = tiny_weights("safetensors");
    let out = common::zoomap()
        .env_remove("XDG_RUNTIME_DIR")
        .args(["build", images.to_str().unwrap(), "-o"])
        .arg(dir.path().join("site"))
        .args(["--weights", weights.to_str().unwrap(), "--device", "auto"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for stage in [
        "scan",
        "thumbs+features",
        "reduce",
        "layout",
        "tiles",
        "clusters",
        "site",
    ] {
        assert!(
            stderr.contains(&format!("{stage}: done in ")),
            "{stage}: {stderr}"
        );
    }
    assert!(
        stderr.contains("images [") && stderr.contains("/24"),
        "{stderr}"
    );
    assert!(
        !stderr.to_lowercase().contains("error") && !stderr.contains("XDG_RUNTIME_DIR"),
        "{stderr}"
    );
}
