//! Which URL fetches a canvas's image at most `--iiif-size` pixels on its longest side:
//! through its image service where it has one, else its painting body as it is. A level-0
//! service answers only the sizes it lists, so the largest listed size within the bound is
//! taken (the smallest where none is); a level-1 or level-2 service is asked for the
//! canvas's size scaled down to the bound and to the `maxWidth`/`maxHeight`/`maxArea` it
//! declares, in the canonical form of its version (`w,` for 2, `w,h` for 3); `full`/`max`
//! where no scaling is needed.

use super::parse::{Image, Service};

/// The URL of `image` (of a canvas `size` pixels, where known) at most `bound` pixels on
/// its longest side; None where the service's size is unknown (its `info.json` is needed).
pub fn image_url(image: &Image, size: Option<[u32; 2]>, bound: u32) -> Option<String> {
    match image {
        Image::Direct(url) => Some(url.clone()),
        Image::Service(service)
            if service.level == 0
                || !service.sizes.is_empty() && service.size.is_none() && size.is_none() =>
        {
            Some(listed_size(service, bound))
        }
        Image::Service(service) => scaled(service, service.size.or(size)?, bound),
    }
}

/// A level-0 request: the largest listed size whose longest side is within `bound` (else
/// the smallest listed), or the whole image where no size is listed.
fn listed_size(service: &Service, bound: u32) -> String {
    let longest = |s: &[u32; 2]| s[0].max(s[1]);
    let within = service
        .sizes
        .iter()
        .filter(|s| longest(s) <= bound)
        .max_by_key(|s| longest(s));
    let chosen = within.or_else(|| service.sizes.iter().min_by_key(|s| longest(s)));
    match chosen {
        Some(&[w, h]) => sized(service, w, h),
        None => full(service),
    }
}

/// A scaled request of an image `[width, height]` to `bound` and the service's maxima.
fn scaled(service: &Service, [width, height]: [u32; 2], bound: u32) -> Option<String> {
    let (max_w, max_h, max_area) = service.max;
    let mut scale = (f64::from(bound) / f64::from(width.max(height))).min(1.0);
    if let Some(mw) = max_w {
        scale = scale.min(f64::from(mw) / f64::from(width));
        scale = scale.min(f64::from(max_h.unwrap_or(mw)) / f64::from(height));
    }
    if let Some(area) = max_area {
        scale = scale.min((area as f64 / (f64::from(width) * f64::from(height))).sqrt());
    }
    if scale >= 1.0 {
        return Some(full(service));
    }
    let w = ((f64::from(width) * scale).floor() as u32).max(1);
    let h = ((f64::from(height) * scale).floor() as u32).max(1);
    Some(sized(service, w, h))
}

/// The whole image at `w` × `h` in the service's canonical form.
fn sized(service: &Service, w: u32, h: u32) -> String {
    match service.version {
        3 => format!("{}/full/{w},{h}/0/default.jpg", service.id),
        _ => format!("{}/full/{w},/0/default.jpg", service.id),
    }
}

/// The whole image at full size (`max` in version 3, `full` in 2).
fn full(service: &Service) -> String {
    match service.version {
        3 => format!("{}/full/max/0/default.jpg", service.id),
        _ => format!("{}/full/full/0/default.jpg", service.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(version: u8, level: u8) -> Service {
        Service {
            id: "https://h/i".into(),
            version,
            level,
            ..Service::default()
        }
    }

    #[test]
    fn asks_each_service_for_what_it_can_answer() {
        let v3 = Image::Service(service(3, 1));
        assert_eq!(
            image_url(&v3, Some([4000, 3000]), 1024).unwrap(),
            "https://h/i/full/1024,768/0/default.jpg"
        );
        let v2 = Image::Service(service(2, 2));
        assert_eq!(
            image_url(&v2, Some([3000, 4000]), 1024).unwrap(),
            "https://h/i/full/768,/0/default.jpg"
        );
        // Small enough already: the whole image.
        assert_eq!(
            image_url(&v2, Some([800, 600]), 1024).unwrap(),
            "https://h/i/full/full/0/default.jpg"
        );
        // maxWidth bounds the request below --iiif-size.
        let mut capped = service(3, 2);
        capped.max = (Some(500), None, None);
        assert_eq!(
            image_url(&Image::Service(capped), Some([4000, 3000]), 1024).unwrap(),
            "https://h/i/full/500,375/0/default.jpg"
        );
        // Level 0: the largest listed size within the bound, else the smallest.
        let mut level0 = service(3, 0);
        level0.sizes = vec![[250, 200], [500, 400], [2000, 1600]];
        assert_eq!(
            image_url(&Image::Service(level0.clone()), None, 1024).unwrap(),
            "https://h/i/full/500,400/0/default.jpg"
        );
        assert_eq!(
            image_url(&Image::Service(level0), None, 100).unwrap(),
            "https://h/i/full/250,200/0/default.jpg"
        );
        // A level-1 service of unknown size needs its info.json.
        assert_eq!(image_url(&v3, None, 1024), None);
        assert_eq!(
            image_url(&Image::Direct("https://h/a.jpg".into()), None, 10).unwrap(),
            "https://h/a.jpg"
        );
    }
}
