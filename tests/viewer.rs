//! The viewer in a real browser: builds a small site, serves it with `zoomap serve`, and has
//! headless Chromium (driven by tests/viewer/check.mjs through playwright-core) hover, click,
//! zoom and deep-link. Screenshots land in target/viewer-screenshots/.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{example_images, root, run, tiny_weights};

#[test]
fn viewer_loads_tiles_shows_titles_and_opens_items() {
    let driver = root().join("tests/viewer/node_modules/playwright-core");
    if !std::path::Path::new("/usr/bin/chromium").exists() || !driver.exists() {
        println!(
            "SKIPPED: needs /usr/bin/chromium and tests/viewer/node_modules (run tests/setup.sh)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let names = example_images(&images, 30);
    let csv = dir.path().join("items.csv");
    let rows: String = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{n},Pattern {i},{i}\n"))
        .collect();
    std::fs::write(&csv, format!("filename,Name,Id\n{rows}")).unwrap();
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
        csv.to_str().unwrap(),
        "--title",
        "{Name}",
        "--url",
        "https://example.org/item/{Id}",
    ]);
    assert!(ok, "{stderr}");

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

    let shots = root().join("target/viewer-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/viewer/check.mjs"))
        .args([&url, shots.to_str().unwrap()])
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
