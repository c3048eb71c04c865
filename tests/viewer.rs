//! The viewer in a real browser: sites served with `zoomap serve`, driven by headless
//! Chromium through tests/viewer/check.mjs (playwright-core). One test builds a small site of
//! the bundled patterns with their metadata (hover, click, panel keys, search, filters,
//! minimap, touch, deep link); one a 40,000-item synthetic site with examples/scale_site
//! (what loads before the first paint, search and panel keys across region files).
//! Screenshots land in target/viewer-screenshots/.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{example_images, root, run, tiny_weights};

/// The browser and driver, or a printed reason to skip.
fn browser_available() -> bool {
    let driver = root().join("tests/viewer/node_modules/playwright-core");
    let ok = Path::new("/usr/bin/chromium").exists() && driver.exists();
    if !ok {
        println!(
            "SKIPPED: needs /usr/bin/chromium and tests/viewer/node_modules (run tests/setup.sh)"
        );
    }
    ok
}

/// Serves `site` on a free port; the server stops when the returned child is killed.
fn serve(site: &Path) -> (Child, String) {
    let mut server = common::zoomap()
        .args(["serve", site.to_str().unwrap(), "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("serve prints its URL")
        .to_string();
    (server, url)
}

/// Runs check.mjs in `mode` against the served `site`.
fn check_in_browser(site: &Path, mode: &str) {
    let (mut server, url) = serve(site);
    let shots = root().join("target/viewer-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/viewer/check.mjs"))
        .args([url.as_str(), shots.to_str().unwrap(), mode])
        .output()
        .expect("node runs");
    server.kill().unwrap();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
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
    let site = dir.path().join("site");
    let weights = tiny_weights("safetensors");
    let (ok, _, stderr) = run(&[
        "build",
        images.to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
        "--weights",
        weights.to_str().unwrap(),
        "--device",
        "cpu",
        "--metadata",
        metadata.to_str().unwrap(),
        "--title",
        "{Name} ({Year})",
        "--url",
        "https://example.org/item/{Id}",
    ]);
    assert!(ok, "{stderr}");
    check_in_browser(&site, "collection");
}

/// examples/scale_site, which `cargo test` builds beside the test binaries.
fn scale_site_example() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples/scale_site");
    path.exists().then_some(path)
}

#[test]
fn viewer_loads_little_and_searches_a_large_synthetic_map() {
    if !browser_available() {
        return;
    }
    let Some(example) = scale_site_example() else {
        println!(
            "SKIPPED: examples/scale_site not built (run `cargo test` without target filters)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let out = Command::new(example)
        .args([site.to_str().unwrap(), "40000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_in_browser(&site, "scale");
}
