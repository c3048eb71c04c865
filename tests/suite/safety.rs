//! A user's files are never lost (issue 30's data-loss cases, each as a user hit it): a folder
//! that merely holds an `index.html` is not a site to replace; the site never overlaps the
//! images; a rebuild keeps what the user added to the site; an export never overwrites an
//! input or a file it did not write; outputs are checked against each other before any work;
//! what zoomap wrote inside a collection is not read back as images. Every assertion on the
//! user's files is byte for byte.

use std::fs;
use std::path::Path;

use crate::common::{self, build_args, example_images, run_build, tiny_weights};

/// A temporary folder holding `imgs/`, a collection of `n` example images.
fn collection(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("imgs");
    example_images(&images, n);
    (dir, images)
}

/// A build of `images` into `site` with the tiny weights and `extra` arguments.
fn build(images: &Path, site: &Path, extra: &[&str]) -> (bool, String, String) {
    run_build(&build_args(
        images,
        site,
        &tiny_weights("safetensors"),
        extra,
    ))
}

#[test]
fn a_folder_with_an_index_html_and_the_users_files_is_never_replaced() {
    let (dir, images) = collection(4);
    let www = dir.path().join("www");
    fs::create_dir_all(&www).unwrap();
    fs::write(www.join("index.html"), "<h1>me</h1>").unwrap();
    fs::write(www.join("thesis.docx"), "precious").unwrap();
    let (ok, _, stderr) = build(&images, &www, &[]);
    assert!(!ok);
    assert!(stderr.contains("not a zoomap site"), "{stderr}");
    assert_eq!(fs::read(www.join("thesis.docx")).unwrap(), b"precious");
    assert_eq!(fs::read(www.join("index.html")).unwrap(), b"<h1>me</h1>");
}

#[test]
fn a_site_that_is_holds_or_lies_inside_the_images_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    let photos = www.join("photos");
    let names = example_images(&photos, 4);
    fs::write(www.join("index.html"), "gallery").unwrap();
    for (images, site) in [
        (&photos, &www),
        (&photos, &photos),
        (&www, &photos.join("map")),
    ] {
        let (ok, _, stderr) = build(images, site, &[]);
        assert!(!ok, "{} -o {}", images.display(), site.display());
        assert!(
            stderr.contains("images folder") && stderr.contains("(see -o)"),
            "{stderr}"
        );
    }
    for name in &names {
        let original = common::root().join("examples/patterns").join(name);
        assert_eq!(
            fs::read(photos.join(name)).unwrap(),
            fs::read(original).unwrap()
        );
    }
    assert_eq!(fs::read(www.join("index.html")).unwrap(), b"gallery");
}

#[test]
fn a_rebuild_keeps_the_git_history_and_pages_setup_added_to_the_site() {
    let (dir, images) = collection(4);
    let site = dir.path().join("site");
    let (ok, _, stderr) = build(&images, &site, &[]);
    assert!(ok, "{stderr}");
    fs::create_dir_all(site.join(".git/refs")).unwrap();
    fs::write(site.join(".git/refs/main"), "abc123").unwrap();
    fs::write(site.join("CNAME"), "maps.example.org").unwrap();
    fs::write(site.join(".nojekyll"), "").unwrap();
    fs::write(site.join("about.html"), "<p>about</p>").unwrap();
    let (ok, _, stderr) = build(&images, &site, &["--cell", "32"]);
    assert!(ok, "{stderr}");
    assert_eq!(fs::read(site.join(".git/refs/main")).unwrap(), b"abc123");
    assert_eq!(fs::read(site.join("CNAME")).unwrap(), b"maps.example.org");
    assert_eq!(fs::read(site.join("about.html")).unwrap(), b"<p>about</p>");
    assert!(site.join(".nojekyll").is_file());
    common::check_site(&site, 4);
}

#[test]
fn a_site_given_as_dot_from_inside_it_is_rebuilt_in_place() {
    let (dir, images) = collection(4);
    let site = dir.path().join("site");
    let (ok, _, stderr) = build(&images, &site, &[]);
    assert!(ok, "{stderr}");
    fs::write(site.join("CNAME"), "maps.example.org").unwrap();
    let args = build_args(&images, Path::new("."), &tiny_weights("safetensors"), &[]);
    let out = common::zoomap()
        .current_dir(&site)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dotted = site.join(".");
    let (ok, _, stderr) = build(&images, &dotted, &[]);
    assert!(ok, "-o site/.: {stderr}");
    assert_eq!(fs::read(site.join("CNAME")).unwrap(), b"maps.example.org");
    common::check_site(&site, 4);
}

#[test]
fn an_export_never_truncates_the_features_it_reads() {
    let (dir, images) = collection(6);
    let out = dir.path().join("out");
    let site = dir.path().join("site");
    let (ok, _, stderr) = build(&images, &site, &["--export", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let features = out.join("features.npy");
    let before = fs::read(&features).unwrap();
    assert!(before.len() > 128, "features were exported");
    let again = ["--features", features.to_str().unwrap()];
    let (ok, _, stderr) = build(
        &images,
        &site,
        &[again[0], again[1], "--export", out.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(stderr.contains("(see --export)"), "{stderr}");
    assert_eq!(fs::read(&features).unwrap(), before);
    let elsewhere = dir.path().join("out2");
    let (ok, _, stderr) = build(
        &images,
        &site,
        &[again[0], again[1], "--export", elsewhere.to_str().unwrap()],
    );
    assert!(ok, "fed straight back into another folder: {stderr}");
}

#[test]
fn an_export_into_a_folder_of_the_users_files_is_refused_before_any_work() {
    let (dir, images) = collection(4);
    let mine = dir.path().join("mine");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("items.tsv"), "my table").unwrap();
    let site = dir.path().join("site");
    let (ok, _, stderr) = build(&images, &site, &["--export", mine.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("items.tsv"), "{stderr}");
    assert_eq!(fs::read(mine.join("items.tsv")).unwrap(), b"my table");
    assert!(!site.exists(), "refused before any work");
}

#[test]
fn outputs_inside_the_site_are_refused_before_any_work() {
    let (dir, images) = collection(4);
    let site = dir.path().join("site");
    let (ok, _, stderr) = build(&images, &site, &[]);
    assert!(ok, "{stderr}");
    let page = fs::read(site.join("index.html")).unwrap();
    for flag in ["--export", "--export-folders"] {
        let inside = site.join("exported");
        let (ok, _, stderr) = build(&images, &site, &[flag, inside.to_str().unwrap()]);
        assert!(!ok, "{flag}");
        assert!(stderr.contains("the site folder"), "{stderr}");
        assert!(!inside.exists());
    }
    assert_eq!(fs::read(site.join("index.html")).unwrap(), page);
}

#[test]
fn sites_and_exports_inside_the_collection_are_not_read_back_as_images() {
    let (dir, images) = collection(24);
    let site = dir.path().join("site");
    let export = dir.path().join("export");
    let folders = dir.path().join("by-cluster");
    let extra = [
        "--export",
        export.to_str().unwrap(),
        "--export-folders",
        folders.to_str().unwrap(),
        "--copy",
    ];
    let (ok, _, stderr) = build(&images, &site, &extra);
    assert!(ok, "{stderr}");
    assert!(
        folders.is_dir(),
        "24 images make clusters, so folders: {stderr}"
    );
    for made in [&site, &export, &folders] {
        fs::rename(made, images.join(made.file_name().unwrap())).unwrap();
    }
    let (ok, stdout, stderr) = build(&images, &dir.path().join("site2"), &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("24 images found"), "{stdout}");
}
