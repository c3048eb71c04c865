//! Generates the bundled example collection, `examples/patterns/`: procedural pictures in
//! eight shape families and six colour families, with a `metadata.csv` (Id, filename, Name,
//! Year, Category, Colour). Run with `cargo run --release --example make_patterns`.

use std::f32::consts::PI;
use std::fmt::Write as _;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use rand::{Rng, SeedableRng};

const SIDE: u32 = 192;
const PER_COMBINATION: usize = 5;
const SHAPES: [&str; 8] = [
    "stripes",
    "checks",
    "rings",
    "dots",
    "waves",
    "spiral",
    "triangles",
    "blobs",
];
const COLOURS: [(&str, [f32; 3]); 6] = [
    ("red", [0.86, 0.16, 0.14]),
    ("orange", [0.95, 0.55, 0.10]),
    ("green", [0.20, 0.65, 0.25]),
    ("teal", [0.10, 0.60, 0.62]),
    ("blue", [0.15, 0.30, 0.85]),
    ("violet", [0.55, 0.20, 0.75]),
];

/// Intensity in 0..1 of a shape family's pattern at (x, y), with per-image variation.
fn pattern(shape: &str, x: f32, y: f32, freq: f32, phase: f32) -> f32 {
    let (cx, cy) = (x - 0.5, y - 0.5);
    let r = (cx * cx + cy * cy).sqrt();
    let angle = cy.atan2(cx);
    let wave = |v: f32| 0.5 + 0.5 * v.sin();
    match shape {
        "stripes" => wave((x + y * 0.3) * freq * 2.0 * PI + phase),
        "checks" => {
            let cells = (freq * 0.6).max(2.0);
            if ((x * cells).floor() + (y * cells).floor()) as i32 % 2 == 0 {
                1.0
            } else {
                0.1
            }
        }
        "rings" => wave(r * freq * 4.0 * PI + phase),
        "dots" => {
            let cells = (freq * 0.7).max(2.0);
            let (fx, fy) = ((x * cells).fract() - 0.5, (y * cells).fract() - 0.5);
            if (fx * fx + fy * fy).sqrt() < 0.3 {
                1.0
            } else {
                0.15
            }
        }
        "waves" => wave((y + 0.08 * (x * freq * PI + phase).sin()) * freq * 2.0 * PI),
        "spiral" => wave(angle * 3.0 + r * freq * 3.0 + phase),
        "triangles" => {
            let cells = (freq * 0.5).max(2.0);
            let (fx, fy) = ((x * cells).fract(), (y * cells).fract());
            if fx < fy { 1.0 } else { 0.2 }
        }
        _ => {
            let v =
                (x * freq + phase).sin() * (y * freq * 0.7 - phase).cos() + (r * freq * 0.5).sin();
            if v > 0.3 { 1.0 } else { 0.25 }
        }
    }
}

fn draw(shape: &str, colour: [f32; 3], rng: &mut impl Rng) -> RgbImage {
    let freq = rng.random_range(4.0..9.0);
    let phase = rng.random_range(0.0..2.0 * PI);
    let tint: f32 = rng.random_range(0.8..1.15);
    let paper = rng.random_range(0.88..0.98);
    RgbImage::from_fn(SIDE, SIDE, |px, py| {
        let (x, y) = (px as f32 / SIDE as f32, py as f32 / SIDE as f32);
        let v = pattern(shape, x, y, freq, phase);
        let channel = |c: usize| {
            let ink = (colour[c] * tint).min(1.0);
            ((v * ink + (1.0 - v) * paper) * 255.0).round() as u8
        };
        Rgb([channel(0), channel(1), channel(2)])
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/patterns");
    std::fs::create_dir_all(&dir)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2024);
    let mut csv = String::from("Id,filename,Name,Year,Category,Colour\n");
    let mut id = 0;
    for shape in SHAPES {
        for (colour_name, colour) in COLOURS {
            for k in 1..=PER_COMBINATION {
                id += 1;
                let file = format!("{shape}-{colour_name}-{k}.jpg");
                let image = draw(shape, colour, &mut rng);
                let out = std::io::BufWriter::new(std::fs::File::create(dir.join(&file))?);
                JpegEncoder::new_with_quality(out, 88).encode_image(&image)?;
                let year = rng.random_range(1890..2024);
                let title = format!("{} {} no. {k}", capitalise(colour_name), shape);
                writeln!(csv, "P{id:04},{file},{title},{year},{shape},{colour_name}")?;
            }
        }
    }
    std::fs::write(dir.join("metadata.csv"), csv)?;
    println!("wrote {id} images and metadata.csv to {}", dir.display());
    Ok(())
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
