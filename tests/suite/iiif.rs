//! `--iiif` against a local HTTP server started by the test, with generated fixtures: a v3
//! Collection holding a v3 Manifest (a canvas with a level-1 image service, one with a plain
//! image), a nested v2 Collection (a v2 Manifest: a level-2 service, a 404 image, a 429 then
//! 200, a slow answer past the timeout, an HTML page instead of an image), a redirect to a
//! Manifest whose level-0 service lists its sizes only in its info.json, a 404 Manifest,
//! malformed JSON and an HTML error page. Nothing touches the internet.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use zoomap::stages::iiif_source::{Canvases, IiifSourceOptions, import};

use crate::common;

/// Requests per path, as the server saw them.
type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// A JPEG of `w` × `h` pixels.
fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let image =
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .unwrap();
    bytes.into_inner()
}

/// The fixtures' documents, their ids at `base`.
fn documents(base: &str) -> HashMap<String, serde_json::Value> {
    let v3_service = |id: &str, level: &str| json!([{"id": format!("{base}{id}"), "type": "ImageService3", "profile": level}]);
    let v3_canvas = |k: u32, body: serde_json::Value| {
        json!({
        "id": format!("{base}m3/c{k}"), "type": "Canvas", "width": 2000, "height": 1500, "label": {"en": [format!("side {k}")]},
        "items": [{"type": "AnnotationPage", "items": [{"type": "Annotation", "motivation": "painting", "body": body}]}]})
    };
    let v2_canvas = |k: u32, resource: serde_json::Value| {
        json!({
        "@id": format!("{base}m2/c{k}"), "width": 1200, "height": 1600, "label": format!("p. {k}"), "images": [{"resource": resource}]})
    };
    let v2_service = |id: &str, level: &str| {
        json!({"@context": "http://iiif.io/api/image/2/context.json",
        "@id": format!("{base}{id}"), "profile": format!("http://iiif.io/api/image/2/{level}.json")})
    };
    let members: Vec<serde_json::Value> = [
        "m3.json",
        "nested.json",
        "missing.json",
        "malformed.json",
        "html.json",
        "redirect.json",
    ]
    .iter()
    .map(|p| {
        let kind = if *p == "nested.json" {
            "Collection"
        } else {
            "Manifest"
        };
        json!({"id": format!("{base}{p}"), "type": kind})
    })
    .collect();
    HashMap::from([
        (
            "collection.json".into(),
            json!({"@context": "http://iiif.io/api/presentation/3/context.json",
            "id": format!("{base}collection.json"), "type": "Collection", "label": {"en": ["Fixtures"]},
            "items": members}),
        ),
        (
            "nested.json".into(),
            json!({"@id": format!("{base}nested.json"), "@type": "sc:Collection",
            "manifests": [{"@id": format!("{base}m2.json")}, {"@id": format!("{base}m3.json")}]}),
        ),
        (
            "m3.json".into(),
            json!({"@context": "http://iiif.io/api/presentation/3/context.json",
            "id": format!("{base}m3.json"), "type": "Manifest", "label": {"en": ["Vase"]},
            "metadata": [{"label": {"en": ["Maker"]}, "value": {"none": ["Delft"]}}],
            "navDate": "1890-01-01T00:00:00Z", "homepage": [{"id": "https://example.org/vase", "type": "Text"}],
            "rights": "http://creativecommons.org/licenses/by/4.0/",
            "items": [
                v3_canvas(1, json!({"id": format!("{base}iiif3/a/full/max/0/default.jpg"), "type": "Image", "service": v3_service("iiif3/a", "level1")})),
                v3_canvas(2, json!({"id": format!("{base}img/plain.jpg"), "type": "Image"})),
            ]}),
        ),
        (
            "m2.json".into(),
            json!({"@context": "http://iiif.io/api/presentation/2/context.json",
            "@id": format!("{base}m2.json"), "@type": "sc:Manifest", "label": "Plate book",
            "metadata": [{"label": "Maker", "value": "Meissen"}], "attribution": "Library Y",
            "sequences": [{"canvases": [
                v2_canvas(1, json!({"@id": format!("{base}x.jpg"), "service": v2_service("iiif2/b", "level2")})),
                v2_canvas(2, json!({"@id": format!("{base}img/missing.jpg")})),
                v2_canvas(3, json!({"@id": format!("{base}img/flaky.jpg")})),
                v2_canvas(4, json!({"@id": format!("{base}img/slow.jpg")})),
                v2_canvas(5, json!({"@id": format!("{base}img/notimage.jpg")})),
                v2_canvas(6, json!({"@id": format!("{base}img/huge.jpg")})),
            ]}]}),
        ),
        (
            "m0.json".into(),
            json!({"@context": "http://iiif.io/api/presentation/2/context.json",
            "@id": format!("{base}m0.json"), "@type": "sc:Manifest", "label": "Map sheet",
            "sequences": [{"canvases": [v2_canvas(1, json!({"@id": format!("{base}y.jpg"), "service": v2_service("iiif0/c", "level0")}))]}]}),
        ),
        (
            "iiif0/c/info.json".into(),
            json!({"@context": "http://iiif.io/api/image/2/context.json",
            "@id": format!("{base}iiif0/c"), "protocol": "http://iiif.io/api/image", "width": 1000, "height": 800,
            "profile": ["http://iiif.io/api/image/2/level0.json"], "sizes": [{"width": 100, "height": 80}, {"width": 400, "height": 320}]}),
        ),
    ])
}

/// What the server answers for `path`: status, extra headers, body.
fn answer(
    path: &str,
    documents: &HashMap<String, serde_json::Value>,
    hits: &Hits,
) -> (u16, String, Vec<u8>) {
    let seen = {
        let mut hits = hits.lock().unwrap();
        let n = hits.entry(path.to_string()).or_default();
        *n += 1;
        *n
    };
    let html = b"<!doctype html><title>Error</title><p>Something went wrong</p>".to_vec();
    match path {
        "redirect.json" => (302, "Location: /m0.json\r\n".into(), Vec::new()),
        "malformed.json" => (200, String::new(), b"{\"type\": \"Manifest\", ".to_vec()),
        "html.json" | "img/notimage.jpg" => (200, String::new(), html),
        "img/plain.jpg" => (200, String::new(), jpeg(300, 200)),
        // Past the test's 1 MiB image bound.
        "img/huge.jpg" => (200, String::new(), [jpeg(8, 8), vec![0; 2 << 20]].concat()),
        "img/flaky.jpg" if seen == 1 => (429, "Retry-After: 1\r\n".into(), Vec::new()),
        "img/flaky.jpg" => (200, String::new(), jpeg(120, 160)),
        "img/slow.jpg" => {
            std::thread::sleep(Duration::from_millis(2500));
            (200, String::new(), jpeg(10, 10))
        }
        "iiif3/a/full/1024,768/0/default.jpg" => (200, String::new(), jpeg(1024, 768)),
        "iiif2/b/full/768,/0/default.jpg" => (200, String::new(), jpeg(768, 1024)),
        "iiif0/c/full/400,/0/default.jpg" => (200, String::new(), jpeg(400, 320)),
        other => match documents.get(other) {
            Some(document) => (200, String::new(), document.to_string().into_bytes()),
            None => (404, String::new(), b"not found".to_vec()),
        },
    }
}

/// Serves the fixtures on a free port until the test ends; the base URL and the hits.
fn serve_fixtures() -> (String, Hits) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let documents = Arc::new(documents(&base));
    let hits: Hits = Arc::default();
    let served = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (documents, hits) = (documents.clone(), served.clone());
            std::thread::spawn(move || respond(stream, &documents, &hits));
        }
    });
    (base, hits)
}

/// Answers one request on `stream`.
fn respond(mut stream: TcpStream, documents: &HashMap<String, serde_json::Value>, hits: &Hits) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_string();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
            break;
        }
    }
    let (status, headers, body) = answer(&path, documents, hits);
    let head = format!(
        "HTTP/1.1 {status} X\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|_| stream.write_all(&body));
}

/// The import's options for `source`: a 1 s timeout, 2 quick retries.
fn options(source: String) -> IiifSourceOptions {
    IiifSourceOptions {
        source,
        canvases: Canvases::All,
        size: 1024,
        per_host: 4,
        timeout_secs: 1,
        retries: 2,
        backoff_ms: 50,
        image_limit: 1 << 20,
    }
}

#[test]
fn a_collection_is_imported_with_its_failures_left_out_and_named() {
    let (base, hits) = serve_fixtures();
    let cache = tempfile::tempdir().unwrap();
    let imported = import(
        &options(format!("{base}collection.json")),
        cache.path(),
        None,
    )
    .unwrap();
    let skipped = imported.skipped.join("\n");
    println!("left out:\n{skipped}");
    for (what, why) in [
        ("missing.json", "HTTP 404"),
        ("malformed.json", "malformed JSON"),
        ("html.json", "not JSON but HTML"),
        ("img/missing.jpg", "HTTP 404"),
        ("img/slow.jpg", "after 2 retries"),
        ("img/notimage.jpg", "not an image"),
        ("img/huge.jpg", "larger than 1048576 bytes: cut off"),
    ] {
        assert!(
            imported
                .skipped
                .iter()
                .any(|s| s.contains(what) && s.contains(why)),
            "{what}: {why}\n{skipped}"
        );
    }
    assert_eq!(imported.skipped.len(), 7, "{skipped}");
    // Vase (2 canvases), Plate book (level 2 and the 429-then-200 image), Map sheet (after
    // the redirect, level 0 from its info.json's sizes).
    let table = std::fs::read_to_string(&imported.metadata).unwrap();
    println!("{table}");
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 5, "{table}");
    assert!(
        table.starts_with("filename,Title,Manifest,Canvas,Date,URL,Rights,Attribution,Maker\n"),
        "{table}"
    );
    assert!(
        table.contains("Vase — side 1")
            && table.contains("1890-01-01T00:00:00Z")
            && table.contains("Delft")
    );
    assert!(
        table.contains("Plate book — p. 3")
            && table.contains("Library Y")
            && table.contains("Meissen")
    );
    assert!(table.contains(",Map sheet,") && table.contains(&format!("{base}m0.json")));
    let sizes: Vec<(u32, u32)> = rows
        .iter()
        .map(|row| {
            image::image_dimensions(imported.images.join(row.split(',').next().unwrap())).unwrap()
        })
        .collect();
    assert!(
        sizes.contains(&(1024, 768)) && sizes.contains(&(768, 1024)) && sizes.contains(&(400, 320)),
        "{sizes:?}"
    );
    let count = |path: &str| hits.lock().unwrap().get(path).copied().unwrap_or(0);
    assert_eq!(
        count("m3.json"),
        1,
        "a Manifest in two Collections is fetched once"
    );
    assert_eq!(count("img/flaky.jpg"), 2, "429, then 200");
    // A rerun takes everything fetched from the cache: only what failed is asked again.
    let before = hits.lock().unwrap().clone();
    let again = import(
        &options(format!("{base}collection.json")),
        cache.path(),
        None,
    )
    .unwrap();
    assert_eq!(again.skipped.len(), 7);
    assert_eq!(std::fs::read_to_string(&again.metadata).unwrap(), table);
    let failed = [
        "missing.json",
        "malformed.json",
        "html.json",
        "img/missing.jpg",
        "img/slow.jpg",
        "img/notimage.jpg",
        "img/huge.jpg",
    ];
    for (path, n) in hits.lock().unwrap().iter() {
        let asked_again = n - before.get(path).copied().unwrap_or(0);
        assert!(
            asked_again == 0 || failed.contains(&path.as_str()),
            "{path} asked again"
        );
    }
}

#[test]
fn first_canvases_only_and_the_users_table_joined_on_manifest_ids() {
    let (base, _) = serve_fixtures();
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("shelves.csv");
    std::fs::write(
        &user,
        format!("manifest,Shelf\n{base}m3.json,A1\n{base}m0.json,B2\n"),
    )
    .unwrap();
    let mut first = options(format!("{base}collection.json"));
    first.canvases = Canvases::First;
    let imported = import(&first, dir.path(), Some((&user, "manifest"))).unwrap();
    let table = std::fs::read_to_string(&imported.metadata).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert!(rows[0].ends_with(",Maker,Shelf"), "{table}");
    assert_eq!(rows.len(), 4, "one row per Manifest: {table}");
    assert!(
        rows.iter()
            .any(|r| r.contains("Vase — side 1") && r.ends_with(",A1")),
        "{table}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("Map sheet") && r.ends_with(",B2")),
        "{table}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("Plate book — p. 1") && r.ends_with(',')),
        "{table}"
    );
    let bad = import(&first, dir.path(), Some((&user, "Id")));
    assert!(format!("{:#}", bad.unwrap_err()).contains("no column \"Id\""));
}

#[test]
fn a_map_is_built_from_a_iiif_manifest() {
    let (base, _) = serve_fixtures();
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let (ok, stdout, stderr) = common::run(&[
        "build",
        "--iiif",
        &format!("{base}m3.json"),
        "-o",
        site.to_str().unwrap(),
        "--weights",
        common::tiny_weights("safetensors").to_str().unwrap(),
        "--device",
        "cpu",
        "--cache",
        dir.path().join("cache").to_str().unwrap(),
        "--cell",
        "32",
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    let items = common::check_site(&site, 2);
    let titles: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Vase — side 1") && titles.contains(&"Vase — side 2"),
        "{titles:?}"
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("data/index.json")).unwrap()).unwrap();
    assert_eq!(index["title"], "Vase");
    assert!(
        items["items"][0]["url"] == "https://example.org/vase",
        "{}",
        items["items"][0]
    );
}

/// Tiles with overlap are no IIIF tiles: a pyramid is written for IIIF alone and moved into
/// place, one IIIF tile per DeepZoom tile, and nothing of it is left behind.
#[test]
fn overlapping_tiles_get_a_iiif_pyramid_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    common::example_images(&images, 24);
    let site = dir.path().join("site");
    let weights = common::tiny_weights("safetensors");
    // 24 cells of 128 px: a mosaic of several tiles at full size.
    let extra = ["--cell", "128", "--overlap", "1"];
    let args = common::build_args(&images, &site, &weights, &extra);
    let (ok, _, stderr) = common::run_build(&args);
    assert!(ok, "{stderr}");
    let count = |dir: &std::path::Path, name: &str| {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && e.file_name() == name)
            .count()
    };
    let dzi_tiles = walkdir::WalkDir::new(site.join("map_files"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count();
    // One file per tile, and `full/max` besides (a link to the largest one-tile level).
    assert_eq!(count(&site.join("iiif/map"), "default.jpg"), dzi_tiles + 1);
    let full_size =
        image::image_dimensions(site.join("iiif/map/0,0,256,256/256,256/0/default.jpg"));
    assert_eq!(
        full_size.unwrap(),
        (256, 256),
        "a full-size tile without overlap"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&site)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.iter().all(|n| !n.contains("iiif")),
        "{leftovers:?}"
    );
}
