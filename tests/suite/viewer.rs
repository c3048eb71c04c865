//! The viewer in a real browser: sites served with `zoomap serve`, driven by headless
//! Chromium through tests/viewer/check.mjs (playwright-core). One test builds a small site of
//! the bundled patterns with their metadata (hover, click, panel keys, search, filters,
//! minimap, touch, deep link); one a 40,000-item synthetic site from common::scale_site
//! (what loads before the first paint, search and panel keys across region files).
//! Screenshots land in target/viewer-screenshots/.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{example_images, root, tiny_weights};
use zoomap::site::search;

/// Whether the browser and its driver are installed; the test [`common::skip`]s where not.
fn browser_available() -> bool {
    let driver = root().join("tests/viewer/node_modules/playwright-core");
    let ok = Path::new("/usr/bin/chromium").exists() && driver.exists();
    if !ok {
        common::skip("needs /usr/bin/chromium and tests/viewer/node_modules (run tests/setup.sh)");
    }
    ok
}

/// Runs check.mjs in `mode` against the served `site`, with `inputs` (a folder of the
/// build's inputs and exports) where the mode reads them.
fn check_in_browser(site: &Path, mode: &str, inputs: Option<&Path>) {
    let (server, addr) = common::serve(site, "127.0.0.1");
    let url = format!("http://{addr}/");
    let mut args = vec![url.as_str(), mode];
    let inputs = inputs.map(|p| p.to_str().unwrap());
    args.extend(inputs);
    run_script("check.mjs", server, &args);
}

/// Runs tests/viewer/`script` with the screenshot folder after the first of `args`, stops
/// `server`, and fails with the script's output unless it succeeded.
fn run_script(script: &str, mut server: std::process::Child, args: &[&str]) -> String {
    let shots = root().join("target/viewer-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/viewer").join(script))
        .arg(args[0])
        .arg(&shots)
        .args(&args[1..])
        .output()
        .expect("node runs");
    server.kill().unwrap();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Builds `images` into `site` with the tiny VGG fixture and the `metadata` CSV, then `extra`.
fn build_with_metadata(
    images: &Path,
    site: &Path,
    metadata: &Path,
    extra: &[&str],
) -> (bool, String, String) {
    let mut args = common::build_args(images, site, &tiny_weights("safetensors"), &["--metadata"]);
    args.push(metadata.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    common::run_build(&args)
}

#[test]
fn viewer_shows_searches_filters_and_navigates_a_collection() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 48);
    let all = std::fs::read_to_string(root().join("examples/patterns/metadata.csv")).unwrap();
    let mut lines = all.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    for line in lines.filter(|l| names.iter().any(|n| l.contains(&format!(",{n},")))) {
        csv.push_str(line);
        csv.push('\n');
    }
    let metadata = dir.path().join("items.csv");
    std::fs::write(&metadata, csv).unwrap();
    // Two saved groups sharing an item, and the export the lasso is checked against.
    let groups = dir.path().join("groups.csv");
    let rows = [
        (0, "Blue ware"),
        (1, "Blue ware"),
        (2, "Blue ware"),
        (2, "Kept"),
        (3, "Kept"),
    ];
    let groups_csv: String = rows
        .iter()
        .map(|(i, g)| format!("{},{g}\n", names[*i]))
        .collect();
    std::fs::write(&groups, format!("filename,group\n{groups_csv}")).unwrap();
    // Machine tags from a tagger's file: two whippets (dogs, by WordNet) and a canoe.
    let tags = dir.path().join("tags.csv");
    let tags_csv = format!(
        "filename,label,score,wnid\n{},whippet,0.9,n02091134\n{},whippet,0.8,n02091134\n{},canoe,0.7,n02951358\n{},canoe,0.6,n02951358\n",
        names[5], names[6], names[7], names[8]
    );
    std::fs::write(&tags, tags_csv).unwrap();
    let site = dir.path().join("site");
    let export = dir.path().join("export");
    let (ok, _, stderr) = build_with_metadata(
        &images,
        &site,
        &metadata,
        &[
            "--title",
            "{Name} ({Year})",
            "--url",
            "https://example.org/item/{Id}",
            "--groups",
            groups.to_str().unwrap(),
            "--layouts",
            "similarity,time,group:Category,colour",
            "--tags",
            tags.to_str().unwrap(),
            "--export",
            export.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    check_in_browser(&site, "collection", Some(dir.path()));
    let shots = root().join("target/viewer-screenshots");
    let page = format!("file://{}", site.join("index.html").display());
    let out = Command::new("node")
        .arg(root().join("tests/viewer/check.mjs"))
        .args([page.as_str(), shots.to_str().unwrap(), "file"])
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "file:// page: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The site's IIIF in real IIIF clients (tests/viewer/iiif.mjs): OpenSeadragon opens the
/// map's `info.json` and loads its deepest tiles, Mirador 4 opens the map's and an item's
/// Manifests and draws them, from another origin (through the server's CORS header).
#[test]
fn iiif_clients_open_the_map_and_an_item() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    example_images(&images, 24);
    // The ids name the address the site is served at: a free port, taken for the build.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let site = dir.path().join("site");
    let base = format!("http://127.0.0.1:{port}/");
    let mut args = common::build_args(
        &images,
        &site,
        &tiny_weights("safetensors"),
        &["--base-url"],
    );
    args.push(base.clone());
    let (ok, _, stderr) = common::run_build(&args);
    assert!(ok, "{stderr}");
    let (server, addr) = common::serve_on(&site, "127.0.0.1", port);
    assert_eq!(format!("http://{addr}/"), base);
    println!("{}", run_script("iiif.mjs", server, &[base.as_str()]));
}

#[test]
fn viewer_loads_little_and_searches_a_large_synthetic_map() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let summary = common::scale_site::write_synthetic_site(&site, 40_000, 16).unwrap();
    println!("{summary}");
    check_in_browser(&site, "scale", None);
}

/// Titles, fields and URLs that would run script if any of them reached the page as HTML or
/// as a link; the last three URLs are links that must stay links.
const HOSTILE_ROWS: &[[&str; 3]] = &[
    [
        "<img src=x onerror=\"window.pwned='img'\">",
        "<iframe src=javascript:window.pwned=1>",
        "javascript:window.pwned='js'",
    ],
    [
        "<script>window.pwned='script'</script>",
        "</dd><script>window.pwned=2</script>",
        " JaVaScRiPt:window.pwned='case'",
    ],
    [
        "\"><svg onload=window.pwned='svg'>",
        "' onmouseover='window.pwned=3",
        "data:text/html,<script>window.pwned=4</script>",
    ],
    [
        "Line one\nline two \"quoted\" 'single'",
        "a\nb",
        "java\tscript:window.pwned='tab'",
    ],
    [
        "{{ page.title }} </title><b>bold</b>",
        "&lt;escaped&gt; &amp;",
        "https://example.org/ok?a=1&b=\"2\"",
    ],
    [
        "Plain <onerror> title",
        "mailto",
        "mailto:curator@example.org",
    ],
    ["Relative link", "", "objects/7.html"],
    ["=HYPERLINK(\"http://evil.example/\")", "+1+2", ""],
];

fn csv_field(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

#[test]
fn viewer_shows_hostile_metadata_as_text_and_runs_none_of_it() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, HOSTILE_ROWS.len());
    let mut csv = String::from("filename,Name,Note,Link\n");
    for (name, [title, note, link]) in names.iter().zip(HOSTILE_ROWS) {
        let fields: Vec<String> = [name.as_str(), title, note, link]
            .iter()
            .map(|v| csv_field(v))
            .collect();
        csv.push_str(&fields.join(","));
        csv.push('\n');
    }
    let csv_path = dir.path().join("items.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let site = dir.path().join("site");
    let (ok, stdout, stderr) = build_with_metadata(
        &images,
        &site,
        &csv_path,
        &[
            "--cell",
            "64",
            "--name",
            "</title><script>window.pwned='name'</script>",
            "--title",
            "{Name}",
            "--url",
            "{Link}",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("4 item URLs are not http(s), mailto or relative and are shown as text"),
        "{stdout}"
    );
    let report = common::report(&site);
    assert_eq!(
        report["unlinked_urls"]["count"], 4,
        "{}",
        report["unlinked_urls"]
    );
    check_in_browser(&site, "hostile", None);
}

/// Texts whose words differ between naive splitters: accents, Greek final sigma, a dotted
/// capital I (which lower-cases to two characters), Devanagari vowel signs (letters to Rust's
/// `is_alphanumeric`, marks to `\p{L}`), CJK, number forms, emoji and one-letter runs.
const SPLIT_SAMPLES: &[&str] = &[
    "Vase (1901), blue-glazed",
    "naïve café Ünïcödé",
    "A. Öberg, ﬁne, Ὀδυσσεύς, Ёлка, 한국어",
    "ΟΔΟΣ ΣΟΦΟΣ ΣΑΣ",
    "İstanbul İ x",
    "हिन्दी संग्रह पुस्तकालय",
    "日本語のテキスト",
    "Ⅻ ₂½ 42 x9",
    "🏺vase🏺 a_b c-d e.f",
    "HERB.01950, great_white_shark; -1850-1870. http://x.org/a_b javascript:alert(1) Öberg_Ü.2",
    "",
];

/// What `call` (a JavaScript expression over the module's exports, `m`) gives for the viewer
/// module `static/<module>`, run by node; `None` (after a skip) without node.
fn node_eval(module: &str, call: &str) -> Option<serde_json::Value> {
    if Command::new("node").arg("--version").output().is_err() {
        common::skip("needs node");
        return None;
    }
    let path = root().join("static").join(module);
    // Imported from its file, so that its own imports (./dom.js, …) resolve.
    let script = format!(
        "import(require('url').pathToFileURL({:?}).href).then((m) => {{
           console.log(JSON.stringify({call}));
         }});",
        path.display().to_string(),
    );
    let out = Command::new("node").args(["-e", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// Codes the site writer and the viewer share: the saved groups' join (site/groups.rs,
/// static/savedgroups.js) and a layout's empty cell (site/data/layouts.rs,
/// static/maplayout.js).
#[test]
fn the_viewer_reads_saved_groups_and_layouts_as_the_site_writes_them() {
    let Some(join) = node_eval("savedgroups.js", "m.JOIN") else {
        return;
    };
    assert_eq!(join, serde_json::json!(zoomap::site::groups::GROUP_JOIN));
    let empty = node_eval("maplayout.js", "m.NO_ITEM").unwrap();
    assert_eq!(empty, serde_json::json!(zoomap::site::data::NO_ITEM));
}

/// The viewer's search words and identifiers (static/words.js, run by node) are the index's
/// (`site::search::words`, `identifiers`) for every sample, so a query finds what the index
/// filed.
#[test]
fn search_words_split_the_same_in_the_viewer_and_the_index() {
    let samples = serde_json::to_string(SPLIT_SAMPLES).unwrap();
    let call = format!("{samples}.map((t) => [m.words(t), m.identifiers(t)])");
    let Some(viewer) = node_eval("words.js", &call) else {
        return;
    };
    let both: Vec<(Vec<String>, Vec<String>)> = SPLIT_SAMPLES
        .iter()
        .map(|t| (search::words(t), search::identifiers(t)))
        .collect();
    assert_eq!(viewer, serde_json::json!(both));
    let index: Vec<Vec<String>> = both.into_iter().map(|b| b.0).collect();
    assert_eq!(
        search::identifiers(SPLIT_SAMPLES[9]),
        [
            "herb.01950",
            "great_white_shark",
            "1850-1870",
            "x.org",
            "a_b",
            "oberg_u.2"
        ]
    );
    assert_eq!(index[3], ["οδος", "σοφος", "σας"]);
    assert_eq!(index[1], ["naive", "cafe", "unicode"], "diacritics folded");
}

/// The viewer's names CSV (static/csv.js) neutralises formulas as the exports do
/// (`table::spreadsheet_text`), on the same samples.
#[test]
fn the_viewer_neutralises_spreadsheet_formulas_as_the_exports_do() {
    let texts: Vec<&str> = zoomap::base::table::SPREADSHEET_SAMPLES
        .iter()
        .map(|s| s.0)
        .collect();
    let call = format!(
        "{}.map((t) => m.spreadsheetText(t))",
        serde_json::json!(texts)
    );
    let Some(viewer) = node_eval("csv.js", &call) else {
        return;
    };
    let rust: Vec<String> = texts
        .iter()
        .map(|t| zoomap::base::table::spreadsheet_text(t))
        .collect();
    assert_eq!(viewer, serde_json::json!(rust));
    let field = node_eval("csv.js", r#"m.csvField('=1+2, "x"')"#).unwrap();
    assert_eq!(field, r#""'=1+2, ""x""""#);
}

/// The viewer's pure modules (viewport, hash, search ranking and edit distance, the shown
/// state, the cache, the keys) pass their unit tests beside them (`static/*.test.js`).
#[test]
fn the_viewers_unit_tests_pass() {
    if Command::new("node").arg("--version").output().is_err() {
        common::skip("needs node");
        return;
    }
    let out = Command::new("node")
        .args(["--test", "static/"])
        .current_dir(root())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("# fail 0"), "{report}");
}

/// The per-cell "nothing here" codes (static/codes.js) are the site writer's, and the search
/// shard key (static/words.js `shardKey`) is the index's (`site::search::shard_key`).
#[test]
fn codes_and_shard_keys_are_the_same_in_the_viewer_and_the_site() {
    let Some(codes) = node_eval(
        "codes.js",
        "[m.NO_VALUE, m.NO_YEAR, m.noCluster(1), m.noCluster(2), m.noCluster(4)]",
    ) else {
        return;
    };
    let no_cluster = zoomap::site::data::no_cluster;
    let rust = serde_json::json!([
        zoomap::site::facets::NO_VALUE,
        zoomap::site::facets::NO_YEAR,
        no_cluster(1),
        no_cluster(2),
        no_cluster(4)
    ]);
    assert_eq!(codes, rust);
    let call = format!(
        "{}.flatMap((t) => [m.shardKey(t, 2), m.shardKey(t, 3)])",
        serde_json::json!(SPLIT_SAMPLES)
    );
    let viewer = node_eval("words.js", &call).unwrap();
    let index: Vec<String> = SPLIT_SAMPLES
        .iter()
        .flat_map(|t| [2, 3].map(|n| zoomap::site::search::shard_key(t, n)))
        .collect();
    assert_eq!(viewer, serde_json::json!(index));
}

/// The keys of `index.json`, top level and in each entry, as `key` and `key.entry`.
fn index_keys(index: &serde_json::Value) -> Vec<String> {
    let mut keys = Vec::new();
    for (key, value) in index.as_object().unwrap() {
        keys.push(key.clone());
        let entries = match value {
            serde_json::Value::Array(list) => list.iter().collect(),
            serde_json::Value::Object(_) => vec![value],
            _ => Vec::new(),
        };
        for entry in entries.into_iter().filter_map(|e| e.as_object()) {
            keys.extend(entry.keys().map(|k| format!("{key}.{k}")));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// `index.json` as the site writer writes it (with facets, years and clusters) has exactly
/// the keys the viewer's schema (static/schema.js) names, and the viewer's check finds a
/// key that is missing.
#[test]
fn the_index_schema_is_the_same_in_the_viewer_and_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    common::scale_site::write_synthetic_site(&site, 300, 4).unwrap();
    let text = std::fs::read_to_string(site.join("data/index.json")).unwrap();
    let index: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = |key: &str| index[key].as_array().map_or(0, Vec::len);
    assert!(
        index["years"].is_object() && entries("clusters") > 0 && entries("facets") > 0,
        "{text}"
    );
    let call = "Object.entries(m.INDEX_SCHEMA).flatMap(([k, inner]) => [k, ...inner.map((e) => `${k}.${e}`)]).sort()";
    let Some(schema) = node_eval("schema.js", call) else {
        return;
    };
    assert_eq!(schema, serde_json::json!(index_keys(&index)));
    let missing = node_eval("schema.js", &format!("m.missingKeys({text})")).unwrap();
    assert_eq!(missing, serde_json::json!([]));
    let mut broken = index.clone();
    broken.as_object_mut().unwrap().remove("region");
    broken["search"].as_object_mut().unwrap().remove("split");
    let missing = node_eval("schema.js", &format!("m.missingKeys({broken})")).unwrap();
    assert_eq!(missing, serde_json::json!(["region", "search.split"]));
}

/// README's key table is the viewer's (static/keys.js `KEYS`, which also fills the page's
/// key list), row for row.
#[test]
fn the_readme_key_table_is_the_viewers() {
    let Some(keys) = node_eval("keys.js", "m.KEYS.map((k) => [k.label, k.does])") else {
        return;
    };
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("| key | does |")
        .expect("README has a key table");
    let rows: Vec<[String; 2]> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            [
                cells[0].trim_start_matches("| ").to_string(),
                cells[1].trim_end_matches(" |").to_string(),
            ]
        })
        .collect();
    assert_eq!(keys, serde_json::json!(rows));
}
