//! A real build: ../shared/datasets/flowers12-small (240 photos) with the real VGG16 weights
//! of ../shared/models, skipped with a printed reason where ../shared is absent.

use crate::common;

use common::{build_args, check_site, run_build, shared};

#[test]
fn builds_flowers12_small_with_real_weights() {
    let (Some(images), Some(weights)) = (
        shared("datasets/flowers12-small"),
        shared("models/vgg16-hed-bsds500-features.safetensors"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let cache = dir.path().join("cache");
    let csv = images.join("labels.csv");
    let extra = [
        "--cache",
        cache.to_str().unwrap(),
        "--metadata",
        csv.to_str().unwrap(),
        "--title",
        "{label}",
    ];
    let (ok, stdout, stderr) = run_build(&build_args(&images, &site, &weights, &extra));
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("240 images found, 240 placed, 0 skipped"),
        "{stdout}"
    );
    let data = check_site(&site, 240);
    let report = common::report(&site);
    assert_eq!(
        report["features"]["layer"], "gap",
        "conv-only weights give the pooled conv5 features"
    );
    assert_eq!(
        report["features"]["normalization"]["bgr"], true,
        "the weights declare Caffe BGR input"
    );
    // Each item's title is its species, taken from labels.csv by file name.
    for item in data["items"].as_array().unwrap() {
        let species = item["file"].as_str().unwrap().split('/').next().unwrap();
        assert_eq!(item["title"], species);
    }
}
