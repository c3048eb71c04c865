//! JPEG decoding with libjpeg-turbo's decoder (as MozJPEG carries it), on Pillow's defaults:
//! accurate integer IDCT, smooth chroma upsampling, DCT scaling by 1/2, 1/4 or 1/8. So a
//! photo's pixels, and the features computed from them, are those of Pillow and torchvision.
//!
//! The `mozjpeg` crate owns the decompressor; this module gives it an error manager that turns
//! libjpeg's errors *and* warnings into a Rust unwind caught here, so a damaged file is an
//! `Err` (which the caller answers with a more lenient decoder), as TurboJPEG's API reports a
//! warning as a failure. Nothing is printed and nothing panics.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use anyhow::{Result, bail};
use image::RgbImage;
use mozjpeg_sys::{jpeg_common_struct, jpeg_error_mgr, jpeg_std_error};

/// The most scans a JPEG may have. A baseline JPEG has 1 (or one per component), a
/// progressive one about 10; each scan of a progressive file costs a pass over the whole
/// image, so a small file of thousands of empty scans costs minutes (a 3.2 MB file of 60,000
/// took 58 s). libjpeg-turbo's TurboJPEG API suggests the same limit (`TJPARAM_SCANLIMIT`).
pub const MAX_SCANS: usize = 500;

/// Refuses a JPEG of more than [`MAX_SCANS`] scans before any decoder spends time on it.
/// Scans are counted by their start-of-scan markers (`FF DA`): inside entropy-coded data an
/// `FF` byte is always followed by `00` or a restart marker, so every `FF DA` is a scan.
pub fn check_scans(bytes: &[u8]) -> Result<()> {
    let scans = bytes
        .windows(2)
        .filter(|pair| pair == &[0xFF, 0xDA])
        .count();
    if scans > MAX_SCANS {
        bail!("a JPEG of {scans} scans (more than {MAX_SCANS}): refusing to decode it");
    }
    Ok(())
}

/// Decodes `bytes` to RGB at 1/`scale` of its size (1, 2, 4 or 8, through the DCT).
/// `None` for a CMYK or YCCK JPEG (libjpeg gives no RGB for them) and for a file libjpeg
/// reports an error or a warning on.
pub fn decode_rgb(bytes: &[u8], scale: u32) -> Option<RgbImage> {
    if !matches!(scale, 1 | 2 | 4 | 8) {
        return None;
    }
    catch_unwind(AssertUnwindSafe(|| decode_or_unwind(bytes, scale)))
        .ok()
        .flatten()
}

/// The decoding itself; libjpeg's errors leave it by unwinding (see [`error_manager`]).
fn decode_or_unwind(bytes: &[u8], scale: u32) -> Option<RgbImage> {
    use mozjpeg::ColorSpace;
    let mut decompress = mozjpeg::Decompress::with_err(error_manager())
        .from_mem(bytes)
        .ok()?;
    if matches!(
        decompress.color_space(),
        ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK
    ) {
        return None;
    }
    decompress.scale((8 / scale) as u8);
    let mut started = decompress.rgb().ok()?;
    let (width, height) = (started.width(), started.height());
    let pixels = started.read_scanlines::<u8>().ok()?;
    started.finish().ok()?;
    RgbImage::from_raw(
        u32::try_from(width).ok()?,
        u32::try_from(height).ok()?,
        pixels,
    )
}

/// libjpeg's standard error manager with both exits replaced: an error or a warning unwinds
/// to [`decode_rgb`] (no panic hook runs, nothing is printed); trace messages are dropped.
fn error_manager() -> jpeg_error_mgr {
    // SAFETY: jpeg_error_mgr is a plain C struct of numbers, pointers and nullable function
    // pointers, for which all-zero is valid; jpeg_std_error then fills in every field.
    let mut manager: jpeg_error_mgr = unsafe { std::mem::zeroed() };
    unsafe { jpeg_std_error(&mut manager) };
    manager.error_exit = Some(unwind_on_error);
    manager.emit_message = Some(unwind_on_warning);
    manager
}

/// libjpeg's `error_exit`, which must not return: leaves the decoder by unwinding.
extern "C-unwind" fn unwind_on_error(_cinfo: &mut jpeg_common_struct) {
    resume_unwind(Box::new("libjpeg error"));
}

/// libjpeg's `emit_message`: level -1 is a warning (corrupt data it worked around), which
/// fails the decode as it does in TurboJPEG; levels ≥ 0 are traces, dropped.
extern "C-unwind" fn unwind_on_warning(_cinfo: &mut jpeg_common_struct, level: std::ffi::c_int) {
    if level < 0 {
        resume_unwind(Box::new("libjpeg warning"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(width: u32, height: u32) -> Vec<u8> {
        let pixels: Vec<u8> = (0..width * height * 3)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 90)
            .encode(
                &pixels,
                width as u16,
                height as u16,
                jpeg_encoder::ColorType::Rgb,
            )
            .unwrap();
        out
    }

    #[test]
    fn decodes_at_each_dct_scale() {
        let bytes = encoded(64, 48);
        for (scale, size) in [(1, (64, 48)), (2, (32, 24)), (4, (16, 12)), (8, (8, 6))] {
            let image = decode_rgb(&bytes, scale).unwrap();
            assert_eq!(image.dimensions(), size, "scale {scale}");
        }
        assert!(decode_rgb(&bytes, 3).is_none());
    }

    #[test]
    fn a_jpeg_of_thousands_of_scans_is_refused_and_a_normal_one_passes() {
        let bytes = encoded(64, 48);
        check_scans(&bytes).unwrap();
        let sos = bytes.windows(2).position(|p| p == [0xFF, 0xDA]).unwrap();
        let mut bomb = bytes[..sos].to_vec();
        for _ in 0..600 {
            bomb.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        }
        bomb.extend_from_slice(&bytes[sos..]);
        let err = check_scans(&bomb).unwrap_err().to_string();
        assert!(err.contains("601 scans"), "{err}");
    }

    #[test]
    fn damaged_and_truncated_files_are_none_not_a_panic() {
        let bytes = encoded(64, 48);
        assert!(decode_rgb(&bytes[..bytes.len() / 2], 1).is_none());
        assert!(decode_rgb(&bytes[..20], 1).is_none());
        assert!(decode_rgb(b"not a jpeg", 1).is_none());
        let mut garbled = bytes.clone();
        for b in &mut garbled[300..340] {
            *b = 0xFF;
        }
        // libjpeg may decode past garbled entropy data or stop on it: either, but no panic.
        let _ = decode_rgb(&garbled, 1);
    }
}
