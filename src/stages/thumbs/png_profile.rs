//! PNG colour profiles kept to their real size. A PNG's ICC profile (its `iCCP` chunk) is
//! zlib-compressed, and `image`'s PNG decoder inflates it while reading the header, bounded only
//! by the decoder's whole allocation limit (2 GB for a 250 MP image): a 3 MB file of 64 × 64
//! pixels whose profile inflates to 3 GiB held that much memory per decoding thread. zoomap
//! never uses the profile (as Pillow's `convert("RGB")` does not), so a profile that inflates
//! past [`MAX_PROFILE_BYTES`] is dropped from a copy of the file before any decoder reads it,
//! and the pixels are decoded as usual. Written here because neither `image` nor `png` lets a
//! caller bound the profile apart from the pixels.

use std::borrow::Cow;

/// The largest ICC profile kept: real ones are a few kB to a few MB (a device link at most).
pub const MAX_PROFILE_BYTES: usize = 16 << 20;

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// `bytes` as they are, or, for a PNG whose `iCCP` chunk inflates past [`MAX_PROFILE_BYTES`]
/// (or not at all), a copy without that chunk. Anything that is not a well-formed PNG up to
/// its first `IDAT` is returned as it is, for the decoder to judge.
pub fn bounded(bytes: &[u8]) -> Cow<'_, [u8]> {
    match oversized_profile(bytes) {
        Some(range) => Cow::Owned([&bytes[..range.start], &bytes[range.end..]].concat()),
        None => Cow::Borrowed(bytes),
    }
}

/// The byte range of the whole `iCCP` chunk (length, type, data and CRC) when its profile
/// inflates past the bound; chunks after the first `IDAT` are never read.
fn oversized_profile(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    let mut at = SIGNATURE.len();
    if !bytes.starts_with(SIGNATURE) {
        return None;
    }
    while let Some(header) = bytes.get(at..at + 8) {
        let length = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let end = at.checked_add(12)?.checked_add(length)?;
        let data = bytes.get(at + 8..end - 4)?;
        match &header[4..] {
            b"IDAT" => return None,
            b"iCCP" if !profile_fits(data) => return Some(at..end),
            _ => at = end,
        }
    }
    None
}

/// Whether an `iCCP` chunk's profile (after its name, a NUL and the compression method)
/// inflates within [`MAX_PROFILE_BYTES`].
fn profile_fits(data: &[u8]) -> bool {
    let Some(nul) = data.iter().position(|&b| b == 0) else {
        return true;
    };
    let compressed = data.get(nul + 2..).unwrap_or_default();
    fdeflate::decompress_to_vec_bounded(compressed, MAX_PROFILE_BYTES).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2 × 2 PNG with an `iCCP` chunk holding `profile`, zlib-compressed.
    fn png_with_profile(profile: &[u8]) -> Vec<u8> {
        let mut png = Vec::new();
        let mut info = png::Info::with_size(2, 2);
        info.color_type = png::ColorType::Rgb;
        info.icc_profile = Some(profile.to_vec().into());
        let encoder = png::Encoder::with_info(&mut png, info).unwrap();
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[7; 12]).unwrap();
        writer.finish().unwrap();
        png
    }

    #[test]
    fn a_profile_within_the_bound_is_kept() {
        let png = png_with_profile(&[1; 4000]);
        assert!(matches!(bounded(&png), Cow::Borrowed(_)));
    }

    #[test]
    fn a_profile_past_the_bound_is_dropped_and_the_pixels_still_decode() {
        let png = png_with_profile(&vec![0; MAX_PROFILE_BYTES + 1]);
        let kept = bounded(&png);
        assert!(kept.len() < png.len());
        assert!(!kept.windows(4).any(|w| w == b"iCCP"));
        let image = image::load_from_memory(&kept).unwrap().to_rgb8();
        assert_eq!(
            (image.width(), image.height(), image.as_raw()[0]),
            (2, 2, 7)
        );
    }

    #[test]
    fn what_is_not_a_whole_png_is_left_to_the_decoder() {
        let png = png_with_profile(&vec![0; MAX_PROFILE_BYTES + 1]);
        for bytes in [&b"GIF89a"[..], &png[..40], b""] {
            assert!(matches!(bounded(bytes), Cow::Borrowed(_)));
        }
    }
}
