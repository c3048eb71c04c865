//! Helpers shared by the integration tests, and the generators some of them run in process
//! (the examples of the same names are their command lines, for the benches).

pub mod http_load;
pub mod scale_inputs;
pub mod scale_site;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The tiny torchvision-layout VGG fixture (see tests/fixtures/make_vgg_fixture.py).
pub fn tiny_weights(ext: &str) -> PathBuf {
    root().join(format!("tests/fixtures/tiny-vgg.{ext}"))
}

/// Whether every test must run: under CI (`CI=true`, which CI runners set) or with
/// `ZOOMAP_TEST_ALL=1`. There a missing dependency fails the test that needs it instead of
/// skipping it, so a green run means every test ran.
pub fn skips_are_failures() -> bool {
    let set = |name: &str, value: &str| std::env::var(name).is_ok_and(|v| v == value);
    set("CI", "true") || set("ZOOMAP_TEST_ALL", "1")
}

/// Skips the calling test for `reason` (printed as `SKIPPED: reason`), or fails it with the
/// reason where [`skips_are_failures`]. Callers return right after it.
pub fn skip(reason: &str) {
    assert!(
        !skips_are_failures(),
        "{reason} (a test may not skip under CI=true or ZOOMAP_TEST_ALL=1; tests/setup.sh installs what tests need)"
    );
    println!("SKIPPED: {reason}");
}

/// `../shared/<rel>` when present; otherwise [`skip`]s with the reason and returns None.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = root().join("../shared").join(rel);
    if path.exists() {
        return Some(path);
    }
    skip(&format!(
        "{} is absent (the ../shared folder of real data is not beside this checkout)",
        path.display()
    ));
    None
}

/// The zoomap binary built for these tests, with its cache in target/ rather than the user's
/// cache folder (tests that count cache hits pass their own `--cache`).
pub fn zoomap() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zoomap"));
    command.env("ZOOMAP_CACHE", root().join("target/test-cache"));
    command
}

/// Starts `zoomap serve SITE --host HOST` on a free port; returns the child (the server
/// stops when it is killed) and the `host:port` it printed.
pub fn serve(site: &Path, host: &str) -> (std::process::Child, String) {
    serve_on(site, host, 0)
}

/// [`serve`] on `port` (0: any free one).
pub fn serve_on(site: &Path, host: &str, port: u16) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut server = zoomap()
        .args([
            "serve",
            site.to_str().unwrap(),
            "--port",
            &port.to_string(),
            "--host",
            host,
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("serve prints its URL: {line:?}"))
        .to_string();
    (server, addr)
}

/// The arguments of `zoomap build IMAGES -o SITE --weights WEIGHTS --device cpu`, then `extra`.
pub fn build_args(images: &Path, site: &Path, weights: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "build".to_string(),
        images.display().to_string(),
        "-o".into(),
        site.display().to_string(),
        "--weights".into(),
        weights.display().to_string(),
        "--device".into(),
        "cpu".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs zoomap with the owned `args` of [`build_args`].
pub fn run_build(args: &[String]) -> (bool, String, String) {
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Runs zoomap with `args`, returning (success, stdout, stderr). A build that does not name
/// `--tags` gets `--tags none`: the tiny fixture's classifier is random, and its tags would
/// name the pattern images' clusters and add a filter that tests of other things do not
/// expect (tests/suite/tags.rs tests the tags).
pub fn run(args: &[&str]) -> (bool, String, String) {
    let mut command = zoomap();
    command.args(args);
    if args.first() == Some(&"build") && !args.contains(&"--tags") && !args.contains(&"--help") {
        command.args(["--tags", "none"]);
    }
    let out = command.output().expect("zoomap runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Copies `n` example patterns, spread evenly over the collection's families, into `dir`.
pub fn example_images(dir: &Path, n: usize) -> Vec<String> {
    let src = root().join("examples/patterns");
    let mut names: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    names.sort();
    let step = (names.len() / n.max(1)).max(1);
    let names: Vec<String> = names.into_iter().step_by(step).take(n).collect();
    std::fs::create_dir_all(dir).unwrap();
    for name in &names {
        std::fs::copy(src.join(name), dir.join(name)).unwrap();
    }
    names
}

/// Checks that a site is complete: every tile the .dzi implies exists with its pixel size,
/// no tile beyond, one item per expected image, each in its own cell. Returns the item
/// records of every region file as `{"items": [...]}`.
pub fn check_site(site: &Path, expected_items: usize) -> serde_json::Value {
    use zoomap::stages::tiles::{Pyramid, tile_bounds};
    let dzi = std::fs::read_to_string(site.join("map.dzi")).unwrap();
    let attr = |name: &str| -> u32 {
        let start = dzi.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        dzi[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (ts, ov) = (attr("TileSize"), attr("Overlap"));
    let pyramid = Pyramid {
        width: attr("Width"),
        height: attr("Height"),
    };
    for level in 0..=pyramid.max_level() {
        let size = pyramid.level_size(level);
        let (cols, rows) = pyramid.tile_grid(level, ts);
        let dir = site.join(format!("map_files/{level}"));
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count() as u32,
            cols * rows,
            "tile count at level {level}"
        );
        for r in 0..rows {
            for c in 0..cols {
                let [x0, y0, x1, y1] = tile_bounds(size, c, r, ts, ov);
                let (w, h) = image::image_dimensions(dir.join(format!("{c}_{r}.jpg"))).unwrap();
                assert_eq!((w, h), (x1 - x0, y1 - y0), "level {level} tile {c}_{r}");
            }
        }
    }
    assert!(
        !site
            .join(format!("map_files/{}", pyramid.max_level() + 1))
            .exists()
    );
    let data = site_items(site);
    let items = data["items"].as_array().unwrap();
    assert_eq!(items.len(), expected_items);
    let cells: std::collections::HashSet<(u64, u64)> = items
        .iter()
        .map(|i| {
            (
                i["cell"][0].as_u64().unwrap(),
                i["cell"][1].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(cells.len(), items.len(), "each image sits in its own cell");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("data/index.json")).unwrap()).unwrap();
    assert_eq!(index["count"], expected_items);
    let grid = &index["grid"];
    assert!(
        cells
            .iter()
            .all(|&(c, r)| c < grid[0].as_u64().unwrap() && r < grid[1].as_u64().unwrap())
    );
    for item in items {
        assert!(site.join(item["preview"].as_str().unwrap()).is_file());
    }
    assert!(site.join("index.html").is_file() && site.join("static/viewer.js").is_file());
    data
}

/// A built site's `build-report.json`.
pub fn report(site: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(site.join("build-report.json")).unwrap()).unwrap()
}

/// The record of the image `file` among a site's items (as [`site_items`] returns them).
pub fn item_named<'a>(data: &'a serde_json::Value, file: &str) -> &'a serde_json::Value {
    data["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"] == file)
        .unwrap_or_else(|| panic!("{file} not placed"))
}

/// Every item record of a site, gathered from its region files, as `{"items": [...]}`.
pub fn site_items(site: &Path) -> serde_json::Value {
    let mut items = Vec::new();
    for entry in std::fs::read_dir(site.join("data/regions")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let records: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
        items.extend(records);
    }
    serde_json::json!({ "items": items })
}
