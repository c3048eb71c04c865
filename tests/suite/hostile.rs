//! Builds attacked by their input and their environment: a generated folder of broken,
//! hostile and unusual files (never real photos committed), builds killed with SIGKILL at
//! several points, and output on a full or read-only file system.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{check_site, example_images, report, run_build, tiny_weights};
use image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};

/// Peak memory the hostile build may reach: a fixed bound, whatever the files declare (before
/// bounded decoding, the two pixel bombs alone took this build to 12.5 GiB; before bounded
/// profiles, the ICC bomb alone took it past 1.5 GiB).
const PEAK_RSS_BOUND_MIB: f64 = 1024.0;

fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    })
}

fn jpeg_bytes(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 85)
        .encode(
            image.as_raw(),
            image.width() as u16,
            image.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    bytes
}

/// A JPEG whose frame header claims `width × height` over the data of a 16 × 16 image.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = jpeg_bytes(&gradient(16, 16));
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

/// A JPEG of a 40 × 20 image with an EXIF orientation of 6 (rotate 90° clockwise to view).
fn exif_rotated_jpeg() -> Vec<u8> {
    let plain = jpeg_bytes(&gradient(40, 20));
    let mut exif = b"Exif\0\0II\x2a\0\x08\0\0\0\x01\0".to_vec();
    exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1];
    bytes.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    bytes.extend_from_slice(&exif);
    bytes.extend_from_slice(&plain[2..]);
    bytes
}

/// A real PNG bomb: 30,000 × 30,000 black RGB pixels (2.7 GB decoded) in a few MB.
fn png_bomb(path: &Path) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut encoder = png::Encoder::new(file, 30_000, 30_000);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder
        .write_header()
        .unwrap()
        .into_stream_writer()
        .unwrap();
    let row = vec![0u8; 30_000 * 3];
    for _ in 0..30_000 {
        writer.write_all(&row).unwrap();
    }
    writer.finish().unwrap();
}

/// A 64 × 64 PNG whose ICC profile inflates to 1.5 GiB of zeros from 1.5 MB: the zlib stream
/// repeats one fully flushed 1 MiB block (a full flush resets the compressor, so each block
/// compresses to the same bytes), then ends with the checksum of all those zeros.
fn icc_bomb_png() -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    const CHUNK: usize = 1 << 20;
    const CHUNKS: usize = 1536;
    let zeros = vec![0u8; CHUNK];
    let mut compress = Compress::new(Compression::best(), true);
    let mut next = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(CHUNK);
        compress.compress_vec(input, &mut out, flush).unwrap();
        out
    };
    let first = next(&zeros, FlushCompress::Full);
    let repeated = next(&zeros, FlushCompress::Full);
    assert_eq!(repeated, next(&zeros, FlushCompress::Full), "blocks repeat");
    let mut end = next(&[], FlushCompress::Finish);
    end.truncate(end.len() - 4);
    let adler = (((CHUNK * CHUNKS) % 65521) as u32) << 16 | 1;
    let mut data = b"bomb\0\0".to_vec();
    data.extend_from_slice(&first);
    for _ in 1..CHUNKS {
        data.extend_from_slice(&repeated);
    }
    data.extend_from_slice(&end);
    data.extend_from_slice(&adler.to_be_bytes());
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"iCCP");
    chunk.extend_from_slice(&data);
    let mut crc = Crc::new();
    crc.update(b"iCCP");
    crc.update(&data);
    chunk.extend_from_slice(&crc.sum().to_be_bytes());
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(gradient(64, 64))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let after_ihdr = 8 + 25;
    png.splice(after_ihdr..after_ihdr, chunk);
    png
}

/// A JPEG of 60,000 empty scans before its real one: seconds of decoding per file unrefused.
fn scan_bomb_jpeg() -> Vec<u8> {
    let bytes = jpeg_bytes(&gradient(64, 48));
    let sos = bytes.windows(2).position(|p| p == [0xFF, 0xDA]).unwrap();
    let empty_scan = [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00];
    let mut bomb = bytes[..sos].to_vec();
    bomb.extend(empty_scan.repeat(60_000));
    bomb.extend_from_slice(&bytes[sos..]);
    bomb
}

fn palette_png(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(file, 8, 8);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_palette(vec![255, 0, 0, 0, 0, 255]);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[0, 1].repeat(32)).unwrap();
}

fn animated_gif(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let frames = [Rgba([255, 0, 0, 255]), Rgba([0, 255, 0, 255])]
        .map(|c| image::Frame::new(RgbaImage::from_pixel(12, 12, c)));
    image::codecs::gif::GifEncoder::new(file)
        .encode_frames(frames)
        .unwrap();
}

fn save(dir: &Path, name: &str, image: DynamicImage) {
    image.save(dir.join(name)).unwrap();
}

/// Writes the hostile collection into `dir`; returns (names expected on the map, names
/// expected to be skipped).
fn hostile_collection(dir: &Path) -> (Vec<&'static str>, Vec<&'static str>) {
    std::fs::create_dir_all(dir.join("nested/deeper")).unwrap();
    std::fs::create_dir_all(dir.join("x.jpg")).unwrap();
    let real = jpeg_bytes(&gradient(64, 48));
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    write("empty.jpg", b"");
    write("header-only.jpg", &real[..real.len().min(160)]);
    write("text.png", b"just some text, with an image's name\n");
    write("page.jpg", b"<!doctype html><script>alert(1)</script>");
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write("random.webp", &noise);
    let mut png = Vec::new();
    gradient(16, 16)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let ihdr_crc = 8 + 8 + 13;
    png[ihdr_crc] ^= 0xFF;
    write("bad-crc.png", &png);
    png_bomb(&dir.join("bomb.png"));
    write("bomb.jpg", &jpeg_claiming(65_000, 65_000));
    write("truncated.jpg", &real[..real.len() / 2]);
    write("icc-bomb.png", &icc_bomb_png());
    write("scan-bomb.jpg", &scan_bomb_jpeg());

    let mut cmyk = Vec::new();
    let ink: Vec<u8> = (0..32 * 32)
        .flat_map(|i| [(i % 255) as u8, 40, 200, 10])
        .collect();
    jpeg_encoder::Encoder::new(&mut cmyk, 85)
        .encode(&ink, 32, 32, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    write("cmyk.jpg", &cmyk);
    let deep = image::ImageBuffer::<Rgb<u16>, _>::from_pixel(20, 20, Rgb([65535, 0, 30000]));
    save(dir, "sixteen-bit.png", DynamicImage::ImageRgb16(deep));
    palette_png(&dir.join("palette.png"));
    save(
        dir,
        "alpha.png",
        DynamicImage::ImageRgba8(RgbaImage::from_pixel(20, 20, Rgba([0, 0, 255, 90]))),
    );
    animated_gif(&dir.join("animated.gif"));
    save(
        dir,
        "one-pixel.png",
        DynamicImage::ImageRgb8(gradient(1, 1)),
    );
    save(dir, "strip.png", DynamicImage::ImageRgb8(gradient(4000, 3)));
    write("exif-rotated.jpg", &exif_rotated_jpeg());
    write("scan-12000x9000.jpg", &jpeg_bytes(&gradient(12_000, 9_000)));
    for name in [
        "with space.jpg",
        "quote\"s and 'apostrophes'.jpg",
        "<img src=x onerror=alert(1)>.jpg",
        "日本語 写真.jpg",
        "nested/deeper/Ελληνικά.jpg",
        "x.jpg/inside.jpg",
        ".hidden.jpg",
    ] {
        write(name, &real);
    }
    std::os::unix::fs::symlink("..", dir.join("nested/loop")).unwrap();
    let placed = vec![
        "<img src=x onerror=alert(1)>.jpg",
        "alpha.png",
        "animated.gif",
        "cmyk.jpg",
        "exif-rotated.jpg",
        "icc-bomb.png",
        "nested/deeper/Ελληνικά.jpg",
        "one-pixel.png",
        "palette.png",
        "quote\"s and 'apostrophes'.jpg",
        "scan-12000x9000.jpg",
        "sixteen-bit.png",
        "strip.png",
        "with space.jpg",
        "x.jpg/inside.jpg",
        "日本語 写真.jpg",
    ];
    let skipped = vec![
        "bad-crc.png",
        "bomb.jpg",
        "bomb.png",
        "empty.jpg",
        "header-only.jpg",
        "page.jpg",
        "random.webp",
        "scan-bomb.jpg",
        "text.png",
        "truncated.jpg",
    ];
    (placed, skipped)
}

/// `zoomap build IMAGES -o SITE` with the tiny VGG fixture on the CPU, then `extra`.
fn build_args(images: &Path, site: &Path, extra: &[&str]) -> Vec<String> {
    common::build_args(images, site, &tiny_weights("safetensors"), extra)
}

fn sorted_strings(value: &serde_json::Value, key: &str) -> Vec<String> {
    let mut names: Vec<String> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn a_hostile_collection_places_every_decodable_file_and_skips_the_rest_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let (placed, skipped) = hostile_collection(&images);
    let site = dir.path().join("site");
    let (ok, stdout, stderr) = run_build(&build_args(&images, &site, &[]));
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let data = common::site_items(&site);
    assert_eq!(
        sorted_strings(&data["items"], "file"),
        placed,
        "{stdout}\n{stderr}"
    );
    check_site(&site, placed.len());
    let report = report(&site);
    assert_eq!(
        sorted_strings(&report["skipped"], "file"),
        skipped,
        "{stdout}"
    );
    for entry in report["skipped"].as_array().unwrap() {
        let reason = entry["reason"].as_str().unwrap();
        let file = entry["file"].as_str().unwrap();
        assert!(reason.contains(file) && !reason.contains('\n'), "{reason}");
        println!("skipped {reason}");
    }
    let reason = |file: &str| {
        report["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["file"] == file)
            .unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        reason("bomb.png").contains("30000 × 30000 pixels (900 MP)"),
        "{}",
        reason("bomb.png")
    );
    assert!(
        reason("bomb.jpg").contains("65000 × 65000 pixels (4225 MP)"),
        "{}",
        reason("bomb.jpg")
    );
    assert!(
        reason("scan-bomb.jpg").contains("60001 scans"),
        "{}",
        reason("scan-bomb.jpg")
    );
    assert!(
        report["warnings"]
            .to_string()
            .contains("File system loop found"),
        "the symlink loop is reported: {}",
        report["warnings"]
    );
    let rotated = common::item_named(&data, "exif-rotated.jpg");
    let preview = site.join(rotated["preview"].as_str().unwrap());
    assert_eq!(
        image::image_dimensions(preview).unwrap(),
        (20, 40),
        "EXIF orientation applied"
    );
    let peak = report["peak_rss_mib"].as_f64().unwrap();
    println!("peak RSS of the hostile build: {peak:.0} MiB");
    assert!(peak < PEAK_RSS_BOUND_MIB, "peak RSS {peak} MiB");
}

/// Spawns a build whose stderr is discarded.
fn spawn_build(args: &[String]) -> Child {
    common::zoomap()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn staging_folders(parent: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".zoomap-build-")
                && p.is_dir()
        })
        .collect()
}

/// Kills `child` with SIGKILL as soon as `reached` holds (polled every millisecond); returns
/// whether it was still running then.
fn kill_when(child: &mut Child, reached: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if reached() {
            let running = child.try_wait().unwrap().is_none();
            child.kill().unwrap();
            child.wait().unwrap();
            return running;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("the build never reached the kill point");
}

#[test]
fn builds_killed_during_features_tiles_and_publish_leave_a_complete_site() {
    let dir = tempfile::tempdir().unwrap();
    let (images, site, cache) = (
        dir.path().join("images"),
        dir.path().join("site"),
        dir.path().join("cache"),
    );
    let names = example_images(&images, 48);
    let cache_arg = cache.to_str().unwrap();
    // The previous site: 12 images, tiled finely so that removing it takes a while.
    let old = dir.path().join("old-images");
    std::fs::create_dir_all(&old).unwrap();
    for name in &names[..12] {
        std::fs::copy(images.join(name), old.join(name)).unwrap();
    }
    let old_args = build_args(
        &old,
        &site,
        &["--cache", cache_arg, "--tile-size", "8", "--overlap", "0"],
    );
    let (ok, _, stderr) = run_build(&old_args);
    assert!(ok, "{stderr}");
    let old_index = std::fs::read(site.join("index.html")).unwrap();
    let new_args = build_args(
        &images,
        &site,
        &[
            "--cache",
            cache_arg,
            "--cell",
            "256",
            "--batch",
            "1",
            "--tile-size",
            "32",
            "--overlap",
            "0",
        ],
    );

    let in_staging = |what: &'static str| {
        let parent = dir.path().to_path_buf();
        move || {
            staging_folders(&parent)
                .iter()
                .any(|s| s.join(what).exists())
        }
    };
    // During features: cells are being written, no tile yet.
    let mut build = spawn_build(&new_args);
    let cells = in_staging(".cells");
    let tiles = in_staging("map_files");
    assert!(
        kill_when(&mut build, || cells() && !tiles()),
        "killed during features"
    );
    check_site(&site, 12);
    assert!(
        !staging_folders(dir.path()).is_empty(),
        "the killed build left its staging folder"
    );
    // During tiles: every vector is in the cache by then.
    let mut build = spawn_build(&new_args);
    assert!(
        kill_when(&mut build, in_staging("map_files/9")),
        "killed during tiles"
    );
    check_site(&site, 12);
    assert_eq!(std::fs::read(site.join("index.html")).unwrap(), old_index);

    // A rerun succeeds, reuses the cache and removes what the killed builds left.
    let (ok, _, stderr) = run_build(&new_args);
    assert!(ok, "{stderr}");
    check_site(&site, 48);
    assert_eq!(
        report(&site)["extraction"]["cached"],
        48,
        "{}",
        report(&site)
    );
    assert!(staging_folders(dir.path()).is_empty());

    // During publish: killed once the new site is in place, while the old one is being
    // removed. The window is tens of milliseconds, so it is tried until a kill lands in it.
    let killed_in_publish = (1..=5).any(|attempt| {
        let (ok, _, stderr) = run_build(&old_args);
        assert!(ok, "{stderr}");
        let mut build = spawn_build(&new_args);
        let site_path = site.clone();
        let running = kill_when(&mut build, move || report_images(&site_path) == Some(48));
        check_site(&site, 48);
        println!("publish kill, attempt {attempt}: the build was still running: {running}");
        running
    });
    assert!(
        killed_in_publish,
        "no kill landed during publish in 5 tries"
    );
    let (ok, _, stderr) = run_build(&new_args);
    assert!(ok, "{stderr}");
    assert!(staging_folders(dir.path()).is_empty());
}

fn report_images(site: &Path) -> Option<u64> {
    let bytes = std::fs::read(site.join("build-report.json")).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes).ok()?["images_placed"].as_u64()
}

/// A small tmpfs mounted for a test, unmounted when dropped; `None` (with the reason printed)
/// where this process may not mount.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(out) if out.status.success() => Some(Self(dir.to_path_buf())),
            Ok(out) => {
                common::skip(&format!(
                    "cannot mount a tmpfs here: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
                None
            }
            Err(err) => {
                common::skip(&format!("cannot run mount: {err}"));
                None
            }
        }
    }

    fn remount(&self, option: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{option}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_or_read_only_disk_fails_in_one_line_and_keeps_the_previous_site() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&dir.path().join("disk"), "8m") else {
        return;
    };
    let images = dir.path().join("images");
    let names = example_images(&images, 24);
    let few = dir.path().join("few");
    std::fs::create_dir_all(&few).unwrap();
    for name in &names[..6] {
        std::fs::copy(images.join(name), few.join(name)).unwrap();
    }
    let site = disk.0.join("site");
    let (ok, _, stderr) = run_build(&build_args(&few, &site, &[]));
    assert!(ok, "{stderr}");
    let before = std::fs::read(site.join("build-report.json")).unwrap();
    let big = build_args(&images, &site, &["--cell", "256", "--preview-size", "1024"]);

    // Full: all but ~1 MB taken by a filler file.
    let filler = disk.0.join("filler");
    let free = fs_free_bytes(&disk.0);
    std::fs::write(&filler, vec![1u8; free.saturating_sub(1 << 20) as usize]).unwrap();
    let (ok, _, stderr) = run_build(&big);
    assert!(!ok);
    let last = the_one_error_line(&stderr, "No space left on device");
    println!("full disk: {last}");
    assert!(
        last.contains(disk.0.to_str().unwrap()),
        "names the path: {last}"
    );
    assert_eq!(
        std::fs::read(site.join("build-report.json")).unwrap(),
        before
    );
    check_site(&site, 6);
    assert!(
        staging_folders(&disk.0).is_empty(),
        "the failed build cleaned up"
    );
    std::fs::remove_file(&filler).unwrap();

    // Read-only.
    disk.remount("ro");
    let (ok, _, stderr) = run_build(&big);
    disk.remount("rw");
    assert!(!ok);
    let last = the_one_error_line(&stderr, "Read-only file system");
    println!("read-only disk: {last}");
    check_site(&site, 6);
}

/// The failed build's error: its last line, the only one starting with "error", holding
/// `reason`.
fn the_one_error_line<'a>(stderr: &'a str, reason: &str) -> &'a str {
    let lines: Vec<&str> = stderr.trim_end().lines().collect();
    let errors = lines.iter().filter(|l| l.starts_with("error")).count();
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        errors == 1 && last.starts_with("error: ") && last.contains(reason),
        "{stderr}"
    );
    last
}

fn fs_free_bytes(path: &Path) -> u64 {
    let out = std::process::Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}
