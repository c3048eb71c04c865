//! Property-based fuzzing of every reader of user files, on stable Rust (proptest): the
//! metadata CSV and `{Column}` templates, the `--features` readers (.npy + index, .tsv, .csv),
//! the `--positions` reader, and image decoding of mutated real files. Each property: no
//! panic, and either a value or a one-line error naming the file.
//!
//! `cargo test --profile ci --test suite fuzz::` runs a bounded number of cases per property
//! (below); for a long run set PROPTEST_CASES, e.g. an hour:
//! `PROPTEST_CASES=200000 timeout 3600 cargo test --release --test suite fuzz::`.

use crate::common;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use zoomap::site::{Metadata, Template};
use zoomap::stages::features::imported::ImportedFeatures;
use zoomap::stages::positions::{Given, Positions, grid_of};
use zoomap::stages::scan::ImageFile;
use zoomap::stages::thumbs::{Fit, ThumbOptions, make_thumb, read_image};

/// `cases` per property, unless PROPTEST_CASES asks for more.
fn runner(cases: u32) -> TestRunner {
    let mut config = Config::default();
    if std::env::var("PROPTEST_CASES").is_err() {
        config.cases = cases;
    }
    config.failure_persistence = None;
    TestRunner::new(config)
}

/// Text built from the characters that break parsers: separators, quotes, line ends, braces.
fn tricky_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(",".to_string()),
            Just("\t".to_string()),
            Just("\"".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just("{Name}".to_string()),
            Just("filename".to_string()),
            Just("x".to_string()),
            Just("col".to_string()),
            Just("1e40".to_string()),
            Just("NaN".to_string()),
            Just("-3".to_string()),
            Just("4294967295".to_string()),
            Just("ünï".to_string()),
            Just("<script>".to_string()),
            "[a-z0-9 ./]{1,6}",
            any::<u32>().prop_map(|n| n.to_string()),
        ],
        0..max,
    )
    .prop_map(|parts| parts.concat())
}

/// Bytes of a file: the text, sometimes with bytes that are not UTF-8 spliced in.
fn file_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    (
        tricky_text(max),
        proptest::collection::vec(any::<u8>(), 0..4),
        any::<usize>(),
    )
        .prop_map(|(text, junk, at)| {
            let mut bytes = text.into_bytes();
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, junk);
            bytes
        })
}

/// An error must name the file and be one line.
fn check_error(err: &anyhow::Error, path: &Path) -> Result<(), TestCaseError> {
    let text = format!("{err:#}");
    prop_assert!(text.contains(&path.display().to_string()), "{text}");
    prop_assert!(!text.contains('\n'), "{text:?}");
    Ok(())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn metadata_csv_and_templates_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let strategy = (
        file_bytes(40),
        tricky_text(8),
        proptest::collection::vec(tricky_text(4), 0..6),
    );
    runner(256)
        .run(&strategy, |(csv, template, row)| {
            let path = write(
                dir.path(),
                "items.csv",
                &[b"filename,Name\n".as_slice(), &csv].concat(),
            );
            match Metadata::load(&path, "filename") {
                Ok(meta) => {
                    if let Ok(template) = Template::parse(&template, &meta.columns) {
                        let _ = template.render(&row);
                    }
                }
                Err(err) => check_error(&err, &path)?,
            }
            Ok(())
        })
        .unwrap();
}

/// A valid .npy of `rows` × `dim` float32 values, for mutation.
fn npy_bytes(rows: usize, dim: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.npy");
    let vectors = zoomap::base::vectors::Vectors {
        dim,
        data: (0..rows * dim).map(|i| i as f32).collect(),
    };
    zoomap::base::vectors::write_npy(&path, &vectors).unwrap();
    std::fs::read(path).unwrap()
}

/// Mutations of a file: byte overwrites, a truncation, a splice of random bytes.
fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len();
    (
        proptest::collection::vec((0..len, any::<u8>()), 0..8),
        prop_oneof![Just(len), 0..=len],
        proptest::collection::vec(any::<u8>(), 0..16),
        0..=len,
    )
        .prop_map(move |(edits, keep, junk, at)| {
            let mut bytes = seed.clone();
            for (i, b) in edits {
                bytes[i] = b;
            }
            let at = at.min(keep);
            bytes.truncate(keep);
            bytes.splice(at..at, junk);
            bytes
        })
}

#[test]
fn feature_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let npy = npy_bytes(3, 4);
    let header_end = npy.iter().position(|&b| b == b'\n').unwrap();
    // Shapes in the header rewritten too: the reader must not trust them.
    let header = String::from_utf8_lossy(&npy[..=header_end]).into_owned();
    let strategy = (
        mutated(npy.clone()),
        prop_oneof![
            Just("(3, 4)"),
            Just("(99999999999, 4096)"),
            Just("(3,)"),
            Just("(0, 4)"),
            Just("(18446744073709551615, 2)")
        ],
        file_bytes(30),
        any::<bool>(),
    );
    runner(256)
        .run(&strategy, |(bytes, shape, table, tsv)| {
            let npy_path = write(dir.path(), "f.npy", &bytes);
            write(dir.path(), "f.txt", b"a.jpg\nb.jpg\nc.jpg\n");
            let reshaped = header.replace("(3, 4)", shape);
            let mut reshaped_bytes = reshaped.into_bytes();
            reshaped_bytes.extend_from_slice(&npy[header_end + 1..]);
            let reshaped_path = write(dir.path(), "g.npy", &reshaped_bytes);
            write(dir.path(), "g.txt", b"a.jpg\nb.jpg\nc.jpg\n");
            let table_path = write(dir.path(), if tsv { "f.tsv" } else { "f.csv" }, &table);
            for path in [&npy_path, &reshaped_path, &table_path] {
                if let Err(err) = ImportedFeatures::read(&[path.to_path_buf()], None) {
                    check_error(&err, path)?;
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn positions_files_never_panic_and_bound_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let strategy = (
        prop_oneof![
            Just("filename,x,y\n"),
            Just("filename,col,row\n"),
            Just("filename\tcol\trow\n"),
            Just("")
        ],
        file_bytes(40),
    );
    runner(256)
        .run(&strategy, |(header, body)| {
            let path = write(
                dir.path(),
                "positions.csv",
                &[header.as_bytes(), &body].concat(),
            );
            match Positions::read(&path) {
                Ok(positions) => {
                    if let Given::Cells(cells) = &positions.placement {
                        let cells: Vec<_> = cells.values().copied().collect();
                        prop_assert!(grid_of(&cells).cells() <= (cells.len() * 64).max(65_536));
                    }
                }
                Err(err) => check_error(&err, &path)?,
            }
            Ok(())
        })
        .unwrap();
}

/// One small real file of each decodable format: a bundled JPEG photo-like pattern, and PNG,
/// GIF, BMP, TIFF and WebP encodings of it.
fn image_seeds(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let jpeg_path = common::root().join("examples/patterns/blobs-blue-1.jpg");
    let jpeg = std::fs::read(&jpeg_path).unwrap();
    let image =
        image::open(&jpeg_path)
            .unwrap()
            .resize(24, 24, image::imageops::FilterType::Triangle);
    let mut seeds = vec![("jpg", jpeg)];
    for (ext, format) in [
        ("png", image::ImageFormat::Png),
        ("gif", image::ImageFormat::Gif),
        ("bmp", image::ImageFormat::Bmp),
        ("tif", image::ImageFormat::Tiff),
        ("webp", image::ImageFormat::WebP),
    ] {
        let path = dir.join(format!("seed.{ext}"));
        image.to_rgba8().save_with_format(&path, format).unwrap();
        seeds.push((ext, std::fs::read(&path).unwrap()));
    }
    seeds
}

#[test]
fn decoding_mutated_images_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let options = ThumbOptions {
        cell_side: 16,
        fit: Fit::Contain,
        background: [0, 0, 0],
        model_input: Some((32, zoomap::stages::thumbs::Preprocess::Crop)),
        previews: None,
        // Small, so that a mutated header declaring a huge image is refused, not decoded.
        max_pixels: 4_000_000,
    };
    for (ext, seed) in image_seeds(dir.path()) {
        runner(96)
            .run(&mutated(seed), |bytes| {
                let path = write(dir.path(), &format!("mutant.{ext}"), &bytes);
                let file = ImageFile {
                    path: path.clone(),
                    name: format!("mutant.{ext}"),
                };
                let thumb =
                    read_image(&file).and_then(|b| make_thumb(0, &file, &b, &options, |_| true));
                if let Err(err) = thumb {
                    let reason = err.to_string();
                    prop_assert!(reason.contains(&path.display().to_string()), "{reason}");
                    prop_assert!(!reason.contains('\n'), "{reason:?}");
                }
                Ok(())
            })
            .unwrap();
    }
}
