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

const COLLECTORS: [&str; 8] = [
    "R. Ortiz",
    "A. Öberg",
    "K. Tanaka",
    "M. Dubois",
    "J. Smith",
    "L. Rossi",
    "P. Novak",
    "S. Khan",
];
const COUNTRIES: [&str; 5] = ["Sweden", "United Kingdom", "Japan", "France", "Peru"];

/// A herbarium-like export for flowers12: the species, collector and country columns
/// drawn at random (a fixed xorshift, so the same every run), a IIIF link per sheet (whose
/// percent-encoded path holds the species) and a notes column, nearly empty, holding one
/// `javascript:` link.
fn herbarium_csv(images: &std::path::Path, out: &std::path::Path) {
    let labels = std::fs::read_to_string(images.join("labels.csv")).unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut csv = String::from("filename,Species,Collector,Country,IIIF,Notes\n");
    for (i, line) in labels.lines().skip(1).enumerate() {
        let mut fields = line.split(',');
        let (file, species) = (fields.next().unwrap(), fields.next().unwrap());
        let link =
            format!("https://iiif.example.org/iiif/2/{species}%2F{i}/full/max/0/default.jpg");
        let notes = if i == 7 { "javascript:alert(1)" } else { "" };
        let (collector, country) = (COLLECTORS[next(8)], COUNTRIES[next(5)]);
        csv.push_str(&format!(
            "{file},{species},{collector},{country},{link},{notes}\n"
        ));
    }
    std::fs::write(out, csv).unwrap();
}

/// Cluster names come from evidence: on flowers12 (960 photos) with its genuine ImageNet features
/// and a herbarium-like CSV, no cluster at any level is named from the random collector and
/// country columns, the IIIF links or the notes (the code before this rule named clusters
/// "M. Dubois", "Sweden, P. Novak" and "2f225, 2f233, 2f794" here), and the top-level names
/// are species.
#[test]
fn cluster_names_come_from_evidence_not_links_or_chance() {
    let Some(images) = shared("datasets/flowers12") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (site, csv) = (dir.path().join("site"), dir.path().join("herbarium.csv"));
    herbarium_csv(&images, &csv);
    let features = images.join("features-efficientnet-lite0.npy");
    let args: Vec<String> = [
        "build",
        images.to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
        "--features",
        features.to_str().unwrap(),
        "--metadata",
        csv.to_str().unwrap(),
        "--seed",
        "1",
        "--refine",
        "none",
        "--cell",
        "32",
    ]
    .map(String::from)
    .to_vec();
    let (ok, _, stderr) = run_build(&args);
    assert!(ok, "{stderr}");
    let mut names = Vec::new();
    for level in 0.. {
        let path = site.join(format!("data/clusters/{level}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            break;
        };
        let records: serde_json::Value = serde_json::from_str(&text).unwrap();
        for record in records.as_array().unwrap() {
            let numbered = record["numbered"].as_bool().unwrap_or(false);
            let name = record["name"].as_str().unwrap().to_string();
            names.push((level, name, numbered));
        }
    }
    assert!(names.len() > 12, "{names:?}");
    let banned = COLLECTORS
        .iter()
        .flat_map(|c| c.split(' ').filter(|w| w.len() > 2))
        .chain(COUNTRIES)
        .chain([
            "Kingdom",
            "iiif",
            "2f",
            "http",
            "default",
            "javascript",
            "alert",
        ]);
    for word in banned {
        let lower = word.to_lowercase();
        let named: Vec<_> = names
            .iter()
            .filter(|(_, name, _)| name.to_lowercase().contains(&lower))
            .collect();
        assert!(named.is_empty(), "{word:?} names {named:?}");
    }
    let species = [
        "bluebell",
        "buttercup",
        "colts-foot",
        "daisy",
        "dandelion",
        "fritillary",
        "iris",
        "lily-valley",
        "pansy",
        "sunflower",
        "tigerlily",
        "windflower",
    ];
    let top: Vec<_> = names
        .iter()
        .filter(|(level, _, numbered)| *level == 0 && !numbered)
        .collect();
    assert!(!top.is_empty(), "{names:?}");
    for (_, name, _) in &top {
        let first = name.split(", ").next().unwrap().to_lowercase();
        assert!(
            species.contains(&first.as_str()),
            "top-level {name:?} is not a species"
        );
    }
}
