//! Decodes each image once and derives what later stages need from it: the square cell
//! thumbnail of the mosaic, the model's input, and the preview shown in the viewer's panel.

pub mod cells;
pub mod jpeg;
pub mod png_profile;

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};

use crate::base::message::one_line;
use crate::base::setting::{Setting, check};
use crate::stages::scan::ImageFile;

pub use cells::CellStore;

/// How an image fills its square cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// The whole image, letterboxed on the background colour.
    Contain,
    /// The centre square of the image, cropped to fill the cell.
    Cover,
}

/// How an image becomes the model's square input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Preprocess {
    /// torchvision's `Resize(256)` then `CenterCrop(224)`: the shorter side scaled, the centre kept.
    Crop,
    /// The whole image stretched to the square.
    Squash,
}

/// What to derive from each image.
#[derive(Debug, Clone)]
pub struct ThumbOptions {
    /// Side of the square mosaic cell, in pixels; 0 makes no cell (`zoomap extract`).
    pub cell_side: u32,
    /// How the image fills its cell.
    pub fit: Fit,
    /// Colour of letterbox bars and of transparent pixels.
    pub background: [u8; 3],
    /// Side of the model's square input, and how to get there; `None` when no model runs.
    pub model_input: Option<(u32, Preprocess)>,
    /// Folder to write `{index}.jpg` previews into, and their longest side.
    pub previews: Option<(PathBuf, u32)>,
    /// The most pixels (width × height, as the file's header declares them) an image may
    /// have; larger ones are skipped before any pixel is decoded.
    pub max_pixels: u64,
}

/// The default of [`ThumbOptions::max_pixels`]: 250 megapixels, a 20,000 × 12,500 scan.
pub const DEFAULT_MAX_PIXELS: u64 = 250_000_000;

/// JPEGs up to this many pixels are decoded whole, so the model sees what torchvision's
/// pipeline would; larger ones are decoded at the 1/2, 1/4 or 1/8 DCT scale that still covers
/// every output, which costs a quarter to a 64th of the memory.
const WHOLE_JPEG_PIXELS: u64 = 64_000_000;

/// Images that decode to more pixels than this should be decoded one at a time
/// ([`decoded_pixels`] tells), so that peak memory does not grow with the number of threads.
pub const PARALLEL_DECODE_PIXELS: u64 = 16_000_000;

/// What one image yields.
#[derive(Debug)]
pub struct Thumb {
    /// Index of the image in the scan.
    pub index: usize,
    /// Hex sha256 of the file's bytes: the image's identity in the feature cache.
    pub content_sha256: String,
    /// `cell_side × cell_side` RGB8 pixels, row-major.
    pub cell_pixels: Vec<u8>,
    /// The decoded image's side that spans the cell (the longer for `contain`, the shorter
    /// for `cover`), in pixels: below the cell side, the cell magnifies the image.
    pub fitted_side: u32,
    /// `side × side` RGB8 pixels of the model input, when asked for.
    pub model_input: Option<Vec<u8>>,
}

/// Why an image yields no thumbnail: the caller skips the image, or stops.
#[derive(Debug, thiserror::Error)]
pub enum ThumbError {
    /// The image cannot be used (unreadable, undecodable, too large): one line naming the
    /// file and the reason, for the build's list of skipped images.
    #[error("{0}")]
    Unusable(String),
    /// Writing what was derived failed (a full disk, say): no other image would fare better.
    #[error(transparent)]
    Output(anyhow::Error),
}

/// The file name of the preview of the image at scan index `index`, in the previews folder.
pub fn preview_file(index: usize) -> String {
    format!("{index}.jpg")
}

/// Reads `file` whole: the bytes [`decoded_pixels`] and [`make_thumb`] work from, so that a
/// file is read once however many times its header is looked at.
pub fn read_image(file: &ImageFile) -> Result<Vec<u8>, ThumbError> {
    std::fs::read(&file.path).map_err(|e| unusable(file, &e.to_string()))
}

fn unusable(file: &ImageFile, reason: &str) -> ThumbError {
    ThumbError::Unusable(format!("{}: {}", file.path.display(), one_line(reason)))
}

/// Decodes `bytes`, the content of `file`, and derives its cell thumbnail, model input and
/// preview. The model input is made only when `needs_model_input` says so for the content
/// hash (a feature cache hit needs none).
pub fn make_thumb(
    index: usize,
    file: &ImageFile,
    bytes: &[u8],
    options: &ThumbOptions,
    needs_model_input: impl FnOnce(&str) -> bool,
) -> Result<Thumb, ThumbError> {
    let content_sha256 = hex::encode(Sha256::digest(bytes));
    let image = decode_contained(bytes, options).map_err(|reason| unusable(file, &reason))?;
    let cell_pixels = match options.cell_side {
        0 => Vec::new(),
        side => cell_thumbnail(&image, side, options.fit, options.background),
    };
    let (width, height) = image.dimensions();
    let fitted_side = match options.fit {
        Fit::Contain => width.max(height),
        Fit::Cover => width.min(height),
    };
    let model_input = options
        .model_input
        .filter(|_| needs_model_input(&content_sha256))
        .map(|(side, preprocess)| model_input(&image, side, preprocess));
    if let Some((dir, long_side)) = &options.previews {
        let path = dir.join(preview_file(index));
        write_preview(&image, &path, *long_side)
            .with_context(|| format!("{}: cannot write preview", path.display()))
            .map_err(ThumbError::Output)?;
    }
    Ok(Thumb {
        index,
        content_sha256,
        cell_pixels,
        fitted_side,
        model_input,
    })
}

/// [`decode_bytes_upright_rgb`], with a panic inside a third-party decoder turned into an
/// error: a hostile file must cost its own place on the map, never the build.
fn decode_contained(bytes: &[u8], options: &ThumbOptions) -> Result<RgbImage, String> {
    let needed = needed_size(options);
    let decode = || decode_bytes_upright_rgb(bytes, options.background, options.max_pixels, needed);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)) {
        Ok(result) => result.map_err(|e| format!("{e:#}")),
        Err(_) => Err("the decoder crashed on this file".into()),
    }
}

/// The smallest (short side, long side) of a decoded image that still makes every output of
/// `options` at full quality: the cell, the model input (torchvision resizes the short side
/// to 256) and the preview.
fn needed_size(options: &ThumbOptions) -> (u32, u32) {
    let model_short = options
        .model_input
        .map_or(0, |(side, _)| side * 256 / 224 + 1);
    let preview_long = options.previews.as_ref().map_or(0, |(_, side)| *side);
    let short = options.cell_side.max(model_short);
    (short, short.max(preview_long))
}

/// Decodes the image at `path` whole (no DCT reduction), within [`DEFAULT_MAX_PIXELS`]; see
/// [`decode_bytes_upright_rgb`].
pub fn decode_upright_rgb(path: &Path, background: [u8; 3]) -> Result<RgbImage> {
    let whole = (u32::MAX, u32::MAX);
    decode_bytes_upright_rgb(&std::fs::read(path)?, background, DEFAULT_MAX_PIXELS, whole)
}

/// Decodes an image of any supported format, applies its EXIF orientation and flattens it to
/// 8-bit RGB (greyscale expanded, 16-bit narrowed, alpha composited over `background`).
/// A PNG's oversized colour profile is dropped first ([`png_profile`]). An image whose
/// header declares more than `max_pixels` is refused before decoding; a JPEG
/// larger than [`WHOLE_JPEG_PIXELS`] is decoded at the smallest DCT scale whose short and
/// long sides still reach `needed` (see [`needed_size`]).
pub fn decode_bytes_upright_rgb(
    bytes: &[u8],
    background: [u8; 3],
    max_pixels: u64,
    needed: (u32, u32),
) -> Result<RgbImage> {
    let bytes = &*crate::stages::thumbs::png_profile::bounded(bytes);
    let reader = limited_reader(bytes, max_pixels)?;
    let format = reader.format();
    let mut decoder = reader.into_decoder().context("cannot decode")?;
    let (width, height) = decoder.dimensions();
    check_declared_size(width, height, max_pixels)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let scale = jpeg_scale(format, width, height, needed);
    if format == Some(ImageFormat::Jpeg) {
        crate::stages::thumbs::jpeg::check_scans(bytes)?;
    }
    let turbo = (format == Some(ImageFormat::Jpeg))
        .then(|| crate::stages::thumbs::jpeg::decode_rgb(bytes, scale))
        .flatten();
    let mut image = match turbo {
        Some(rgb) => DynamicImage::ImageRgb8(rgb),
        None if scale > 1 => {
            drop(decoder);
            decode_jpeg_reduced(bytes, width.div_ceil(scale), height.div_ceil(scale))?
        }
        None => DynamicImage::from_decoder(decoder).context("cannot decode")?,
    };
    image.apply_orientation(orientation);
    if image.width() == 0 || image.height() == 0 {
        anyhow::bail!("image has no pixels");
    }
    Ok(flatten(image, background))
}

/// How many pixels [`make_thumb`] will hold decoded for the image in `bytes`: its declared
/// size, or the reduced size of a large JPEG; 0 where the header cannot be read or declares
/// too much (the image will be skipped without decoding). Reads the header only.
pub fn decoded_pixels(bytes: &[u8], options: &ThumbOptions) -> u64 {
    let bytes = &*crate::stages::thumbs::png_profile::bounded(bytes);
    let header = || -> Option<(Option<ImageFormat>, u32, u32)> {
        let reader = ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .ok()?;
        let format = reader.format();
        let (width, height) = reader.into_dimensions().ok()?;
        Some((format, width, height))
    };
    let Some((format, width, height)) = header() else {
        return 0;
    };
    if check_declared_size(width, height, options.max_pixels).is_err() {
        return 0;
    }
    let scale = u64::from(jpeg_scale(format, width, height, needed_size(options)));
    u64::from(width) * u64::from(height) / (scale * scale)
}

/// A reader of `bytes` whose decoder may allocate no more than an image of `max_pixels` at
/// 16 bits per channel with alpha needs: the backstop for formats whose header understates
/// what decoding allocates.
fn limited_reader(bytes: &[u8], max_pixels: u64) -> Result<ImageReader<std::io::Cursor<&[u8]>>> {
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(8));
    reader.limits(limits);
    Ok(reader)
}

fn check_declared_size(width: u32, height: u32, max_pixels: u64) -> Result<()> {
    let declared = u64::from(width) * u64::from(height);
    if declared > max_pixels {
        anyhow::bail!(
            "{width} × {height} pixels ({}) is more than the {} an image may have",
            megapixels(declared),
            megapixels(max_pixels)
        );
    }
    Ok(())
}

/// A pixel count for people: "900 MP", "0.3 MP".
fn megapixels(pixels: u64) -> String {
    let mp = pixels as f64 / 1e6;
    if mp >= 10.0 {
        format!("{mp:.0} MP")
    } else {
        format!("{mp:.1} MP")
    }
}

/// The DCT reduction (1, 2, 4 or 8) at which to decode an image: above 1 only for a JPEG of
/// more than [`WHOLE_JPEG_PIXELS`], and only as far as its sides still reach `needed`.
fn jpeg_scale(format: Option<ImageFormat>, width: u32, height: u32, needed: (u32, u32)) -> u32 {
    if format != Some(ImageFormat::Jpeg)
        || u64::from(width) * u64::from(height) <= WHOLE_JPEG_PIXELS
    {
        return 1;
    }
    let (short, long) = (width.min(height), width.max(height));
    [8, 4, 2]
        .into_iter()
        .find(|&s| short / s >= needed.0 && long / s >= needed.1)
        .unwrap_or(1)
}

/// Decodes a CMYK or YCCK JPEG at the DCT scale that gives at least `width × height`, with
/// jpeg-decoder: `image`'s JPEG decoder (zune-jpeg) cannot decode at reduced size, and
/// libjpeg-turbo gives no RGB for these colour spaces.
fn decode_jpeg_reduced(bytes: &[u8], width: u32, height: u32) -> Result<DynamicImage> {
    use jpeg_decoder::PixelFormat;
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let clamp = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
    let (w, h) = decoder
        .scale(clamp(width), clamp(height))
        .context("cannot decode")?;
    let pixels = decoder.decode().context("cannot decode")?;
    let format = decoder.info().context("cannot decode")?.pixel_format;
    let (w, h) = (u32::from(w), u32::from(h));
    let image = match format {
        PixelFormat::L8 => image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        PixelFormat::L16 => {
            let wide = pixels
                .chunks_exact(2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .collect();
            image::ImageBuffer::from_raw(w, h, wide).map(DynamicImage::ImageLuma16)
        }
        PixelFormat::RGB24 => RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
        PixelFormat::CMYK32 => {
            RgbImage::from_raw(w, h, cmyk_to_rgb(&pixels)).map(DynamicImage::ImageRgb8)
        }
    };
    image.context("decoder returned fewer pixels than it declared")
}

/// jpeg-decoder's CMYK (ink amounts, 255 = full ink) to RGB, as `image` converts CMYK JPEGs.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let k = 255 - u16::from(px[3]);
        for &ink in &px[..3] {
            rgb.push(((255 - u16::from(ink)) * k / 255) as u8);
        }
    }
    rgb
}

fn flatten(image: DynamicImage, background: [u8; 3]) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut rgb = RgbImage::new(width, height);
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = u16::from(px[3]);
        for c in 0..3 {
            let blended = u16::from(px[c]) * alpha + u16::from(background[c]) * (255 - alpha);
            out[c] = ((blended + 127) / 255) as u8;
        }
    }
    rgb
}

/// Resizes a region of `image` to `width × height` with a triangle (bilinear, antialiased)
/// filter, the one PIL and torchvision use.
fn resize(image: &RgbImage, crop: [f64; 4], width: u32, height: u32) -> Vec<u8> {
    let mut dst = Image::new(width.max(1), height.max(1), PixelType::U8x3);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
        .crop(crop[0], crop[1], crop[2], crop[3]);
    Resizer::new()
        .resize(image, &mut dst, &options)
        .expect("source and destination are both U8x3");
    dst.into_vec()
}

/// The `side × side` thumbnail of the mosaic cell.
pub fn cell_thumbnail(image: &RgbImage, side: u32, fit: Fit, background: [u8; 3]) -> Vec<u8> {
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    match fit {
        Fit::Cover => resize(image, centre_square(w, h), side, side),
        Fit::Contain => {
            let scale = f64::from(side) / w.max(h);
            let tw = ((w * scale).round() as u32).clamp(1, side);
            let th = ((h * scale).round() as u32).clamp(1, side);
            let small = resize(image, [0.0, 0.0, w, h], tw, th);
            letterbox(&small, tw, th, side, background)
        }
    }
}

fn centre_square(w: f64, h: f64) -> [f64; 4] {
    let s = w.min(h);
    [(w - s) / 2.0, (h - s) / 2.0, s, s]
}

fn letterbox(small: &[u8], tw: u32, th: u32, side: u32, background: [u8; 3]) -> Vec<u8> {
    let mut cell: Vec<u8> = background
        .iter()
        .copied()
        .cycle()
        .take((side * side * 3) as usize)
        .collect();
    let (x0, y0) = ((side - tw) / 2, (side - th) / 2);
    let row_bytes = (tw * 3) as usize;
    for y in 0..th {
        let src = (y * tw * 3) as usize;
        let dst = (((y0 + y) * side + x0) * 3) as usize;
        cell[dst..dst + row_bytes].copy_from_slice(&small[src..src + row_bytes]);
    }
    cell
}

/// The model's `side × side` RGB8 input.
pub fn model_input(image: &RgbImage, side: u32, preprocess: Preprocess) -> Vec<u8> {
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let crop = match preprocess {
        Preprocess::Squash => [0.0, 0.0, w, h],
        Preprocess::Crop => torchvision_centre_crop(w, h, f64::from(side)),
    };
    resize(image, crop, side, side)
}

/// The source region torchvision's `Resize(side·256/224)` + `CenterCrop(side)` keeps, with its
/// integer rounding: the longer side resized to `floor(short_target · long / short)`, the crop
/// offset `round((resized − side) / 2)`; mapped back to source pixels.
fn torchvision_centre_crop(w: f64, h: f64, side: f64) -> [f64; 4] {
    let short_target = (side * 256.0 / 224.0).round();
    let (rw, rh) = if w <= h {
        (short_target, (short_target * h / w).floor())
    } else {
        ((short_target * w / h).floor(), short_target)
    };
    let (sx, sy) = (w / rw, h / rh);
    let left = ((rw - side) / 2.0).round_ties_even();
    let top = ((rh - side) / 2.0).round_ties_even();
    [left * sx, top * sy, side * sx, side * sy]
}

fn write_preview(image: &RgbImage, path: &Path, long_side: u32) -> Result<()> {
    let (w, h) = image.dimensions();
    let scale = (f64::from(long_side) / f64::from(w.max(h))).min(1.0);
    let tw = ((f64::from(w) * scale).round() as u32).max(1);
    let th = ((f64::from(h) * scale).round() as u32).max(1);
    let pixels = resize(image, [0.0, 0.0, f64::from(w), f64::from(h)], tw, th);
    let mut out = BufWriter::new(File::create(path)?);
    JpegEncoder::new_with_quality(&mut out, 85).encode(
        &pixels,
        tw,
        th,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(())
}

/// The grid, its cells and the previews.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MosaicOptions {
    /// Grid width / height.
    pub aspect: f64,
    /// Side of each image's square cell, in pixels.
    pub cell_side: u32,
    /// How images fill their cells.
    pub fit: Fit,
    /// Colour of letterbox bars, empty cells and the page.
    pub background: [u8; 3],
    /// Longest side of panel previews.
    pub preview_size: u32,
    /// The most pixels an image may declare; larger ones are skipped undecoded.
    pub max_pixels: u64,
}

impl Default for MosaicOptions {
    fn default() -> Self {
        Self {
            aspect: 1.0,
            cell_side: 256,
            fit: Fit::Contain,
            background: [0x11; 3],
            preview_size: 1024,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

/// The largest cell side: 4096² RGB pixels are 48 MiB per cell, and a cell far larger than
/// a screen shows nothing more.
const MAX_CELL_SIDE: u32 = 4096;

impl MosaicOptions {
    /// Refuses a grid, cell or preview no image could fill.
    pub fn validate(&self) -> Result<()> {
        check(
            self.aspect.is_finite() && self.aspect > 0.0,
            Setting::Aspect,
            format!("aspect {} is not a positive number", self.aspect),
        )?;
        check(
            (1..=MAX_CELL_SIDE).contains(&self.cell_side),
            Setting::CellSide,
            format!(
                "cell side {} is not within 1–{MAX_CELL_SIDE} pixels",
                self.cell_side
            ),
        )?;
        check(
            self.preview_size >= 1,
            Setting::PreviewSize,
            "previews need a side of at least 1 pixel",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Rgba, RgbaImage};

    fn save(dir: &Path, name: &str, image: DynamicImage) -> ImageFile {
        let path = dir.join(name);
        image.save(&path).unwrap();
        ImageFile {
            path,
            name: name.into(),
        }
    }

    fn thumb_of(
        index: usize,
        file: &ImageFile,
        options: &ThumbOptions,
    ) -> Result<Thumb, ThumbError> {
        make_thumb(index, file, &read_image(file)?, options, |_| true)
    }

    fn options(fit: Fit) -> ThumbOptions {
        ThumbOptions {
            cell_side: 16,
            fit,
            background: [10, 20, 30],
            model_input: Some((8, Preprocess::Crop)),
            previews: None,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }

    #[test]
    fn letterboxes_wide_image_on_background() {
        let dir = tempfile::tempdir().unwrap();
        let wide = RgbImage::from_pixel(64, 32, image::Rgb([200, 0, 0]));
        let file = save(dir.path(), "wide.png", DynamicImage::ImageRgb8(wide));
        let thumb = thumb_of(0, &file, &options(Fit::Contain)).unwrap();
        assert_eq!(thumb.cell_pixels.len(), 16 * 16 * 3);
        assert_eq!(
            &thumb.cell_pixels[0..3],
            &[10, 20, 30],
            "top bar is background"
        );
        let centre = ((8 * 16 + 8) * 3) as usize;
        assert_eq!(&thumb.cell_pixels[centre..centre + 3], &[200, 0, 0]);
        assert_eq!(thumb.model_input.unwrap().len(), 8 * 8 * 3);
    }

    #[test]
    fn cover_fills_the_cell() {
        let dir = tempfile::tempdir().unwrap();
        let wide = RgbImage::from_pixel(64, 32, image::Rgb([0, 200, 0]));
        let file = save(dir.path(), "wide.png", DynamicImage::ImageRgb8(wide));
        let thumb = thumb_of(0, &file, &options(Fit::Cover)).unwrap();
        assert!(thumb.cell_pixels.chunks(3).all(|px| px == [0, 200, 0]));
    }

    #[test]
    fn greyscale_and_alpha_become_rgb() {
        let dir = tempfile::tempdir().unwrap();
        let grey = save(
            dir.path(),
            "g.png",
            DynamicImage::ImageLuma8(GrayImage::from_pixel(5, 5, image::Luma([77]))),
        );
        let thumb = thumb_of(0, &grey, &options(Fit::Cover)).unwrap();
        assert_eq!(&thumb.cell_pixels[0..3], &[77, 77, 77]);
        let clear = save(
            dir.path(),
            "a.png",
            DynamicImage::ImageRgba8(RgbaImage::from_pixel(5, 5, Rgba([255, 255, 255, 0]))),
        );
        let thumb = thumb_of(0, &clear, &options(Fit::Cover)).unwrap();
        assert_eq!(
            &thumb.cell_pixels[0..3],
            &[10, 20, 30],
            "transparent shows background"
        );
    }

    #[test]
    fn sixteen_bit_is_narrowed() {
        let dir = tempfile::tempdir().unwrap();
        let deep = image::ImageBuffer::<image::Rgb<u16>, _>::from_pixel(
            4,
            4,
            image::Rgb([65535, 0, 32896]),
        );
        let file = save(dir.path(), "d.png", DynamicImage::ImageRgb16(deep));
        let thumb = thumb_of(0, &file, &options(Fit::Cover)).unwrap();
        assert_eq!(&thumb.cell_pixels[0..3], &[255, 0, 128]);
    }

    #[test]
    fn corrupt_file_is_a_one_line_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.jpg");
        std::fs::write(&path, b"\xFF\xD8\xFF\xE0 not really a jpeg").unwrap();
        let file = ImageFile {
            path,
            name: "broken.jpg".into(),
        };
        let err = thumb_of(0, &file, &options(Fit::Cover))
            .unwrap_err()
            .to_string();
        assert!(err.contains("broken.jpg"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn centre_crop_follows_torchvision_rounding() {
        // 500×375 → Resize(256) gives 341×256; CenterCrop(224) starts at round(58.5) = 58.
        let [left, top, w, h] = torchvision_centre_crop(500.0, 375.0, 224.0);
        assert!((left - 58.0 * 500.0 / 341.0).abs() < 1e-9 && top == 16.0 * 375.0 / 256.0);
        assert!(
            (w - 224.0 * 500.0 / 341.0).abs() < 1e-9 && (h - 224.0 * 375.0 / 256.0).abs() < 1e-9
        );
        assert_eq!(
            torchvision_centre_crop(256.0, 256.0, 224.0),
            [16.0, 16.0, 224.0, 224.0]
        );
    }

    #[test]
    fn writes_preview_with_long_side_capped() {
        let dir = tempfile::tempdir().unwrap();
        let file = save(
            dir.path(),
            "big.png",
            DynamicImage::ImageRgb8(RgbImage::new(100, 50)),
        );
        let mut opts = options(Fit::Cover);
        opts.previews = Some((dir.path().to_path_buf(), 40));
        thumb_of(3, &file, &opts).unwrap();
        let preview = image::open(dir.path().join("3.jpg")).unwrap();
        assert_eq!((preview.width(), preview.height()), (40, 20));
    }

    /// Mean absolute difference per channel value of two RGB images of one size.
    fn mean_difference(a: &RgbImage, b: &RgbImage) -> f64 {
        let total: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(&x, &y)| u64::from(x.abs_diff(y)))
            .sum();
        total as f64 / a.as_raw().len() as f64
    }

    #[test]
    fn a_reduced_jpeg_decode_matches_the_whole_decode_downscaled() {
        use jpeg_encoder::{ColorType, Encoder};
        let (w, h) = (256u16, 192u16);
        let ramp = |x: u32, y: u32| {
            [
                (x % 256) as u8,
                (y * 255 / 191) as u8,
                ((x + y) / 2 % 256) as u8,
            ]
        };
        let pixels = |channels: usize| -> Vec<u8> {
            (0..u32::from(h))
                .flat_map(|y| (0..u32::from(w)).map(move |x| (x, y)))
                .flat_map(|(x, y)| {
                    let [r, g, b] = ramp(x, y);
                    [r, g, b, 60][..channels].to_vec()
                })
                .collect()
        };
        for (color, channels) in [
            (ColorType::Rgb, 3),
            (ColorType::Luma, 1),
            (ColorType::Cmyk, 4),
        ] {
            let mut bytes = Vec::new();
            Encoder::new(&mut bytes, 95)
                .encode(&pixels(channels), w, h, color)
                .unwrap();
            let whole =
                decode_bytes_upright_rgb(&bytes, [0; 3], DEFAULT_MAX_PIXELS, (u32::MAX, u32::MAX))
                    .unwrap();
            let quarter = decode_jpeg_reduced(&bytes, 64, 48).unwrap().into_rgb8();
            assert_eq!(quarter.dimensions(), (64, 48), "{color:?}");
            let small = resize(&whole, [0.0, 0.0, 256.0, 192.0], 64, 48);
            let small = RgbImage::from_raw(64, 48, small).unwrap();
            let diff = mean_difference(&small, &quarter);
            assert!(diff < 3.0, "{color:?}: mean difference {diff}");
        }
    }

    #[test]
    fn large_jpegs_are_decoded_at_the_scale_their_outputs_need() {
        let jpeg = Some(ImageFormat::Jpeg);
        let needed = (293, 1024);
        assert_eq!(
            jpeg_scale(jpeg, 12_000, 9_000, needed),
            8,
            "1500 × 1125 still covers"
        );
        assert_eq!(
            jpeg_scale(jpeg, 9_000, 8_000, (1001, 1024)),
            4,
            "1000 short of 1001"
        );
        assert_eq!(
            jpeg_scale(jpeg, 6_000, 4_000, needed),
            1,
            "24 MP: decoded whole"
        );
        assert_eq!(jpeg_scale(Some(ImageFormat::Png), 12_000, 9_000, needed), 1);
    }
}
