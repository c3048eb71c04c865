//! The map and its items as IIIF Presentation 3: a Manifest of the map (one Canvas, the
//! mosaic, painted by the level-0 image service), one Manifest per item (its title, every
//! metadata column as a label/value pair, its year as `navDate`, its page as `homepage`, its
//! preview as `thumbnail`, attribution and licence columns as `requiredStatement` and
//! `rights`, its original or preview painted on its Canvas), and a Collection of the items'
//! Manifests (nested in Collections of [`PER_COLLECTION`] past that many, so no client has to
//! read one list of a million).

use serde_json::{Value, json};

/// Manifests listed per Collection before the items are split into nested Collections.
pub const PER_COLLECTION: usize = 1000;

/// The JSON-LD context of every Presentation 3 document.
const CONTEXT: &str = "http://iiif.io/api/presentation/3/context.json";

/// A language map of text in no stated language: user data carries none.
pub fn text(value: &str) -> Value {
    json!({"none": [value]})
}

/// A language map of zoomap's own English words.
pub fn english(value: &str) -> Value {
    json!({"en": [value]})
}

/// A metadata value as a language map. IIIF clients read a value that starts with `<` as
/// HTML; user text that does is escaped inside a `<span>`, so it shows as the text it is and
/// never as markup.
pub fn value(text_value: &str) -> Value {
    if text_value.trim_start().starts_with('<') {
        text(&format!("<span>{}</span>", escape_html(text_value)))
    } else {
        text(text_value)
    }
}

/// `text` with `&`, `<`, `>` and quotes escaped for HTML.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An image resource: `id`, its MIME `format` and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageResource {
    /// Its absolute URL.
    pub id: String,
    /// Its MIME type.
    pub format: &'static str,
    /// Width and height, in pixels.
    pub size: [u32; 2],
}

impl ImageResource {
    /// The resource as a Presentation 3 `Image`, with the image `service`s given.
    pub fn json(&self, service: Option<Value>) -> Value {
        let mut image = json!({
            "id": self.id,
            "type": "Image",
            "format": self.format,
            "width": self.size[0],
            "height": self.size[1],
        });
        if let Some(service) = service {
            image["service"] = json!([service]);
        }
        image
    }
}

/// A Canvas of `id` painted by `body` (its size the body's, or `size`), labelled `label`.
pub fn canvas(id: &str, label: &Value, body: Value, size: [u32; 2]) -> Value {
    json!({
        "id": id,
        "type": "Canvas",
        "label": label,
        "width": size[0],
        "height": size[1],
        "items": [{
            "id": format!("{id}/page"),
            "type": "AnnotationPage",
            "items": [{
                "id": format!("{id}/page/painting"),
                "type": "Annotation",
                "motivation": "painting",
                "body": body,
                "target": id,
            }],
        }],
    })
}

/// A Manifest's opening: context, `id`, type and `label`.
pub fn manifest(id: &str, label: &Value) -> Value {
    json!({"@context": CONTEXT, "id": id, "type": "Manifest", "label": label})
}

/// A Collection of `items` (references to Manifests or Collections).
pub fn collection(id: &str, label: &Value, items: Vec<Value>) -> Value {
    json!({"@context": CONTEXT, "id": id, "type": "Collection", "label": label, "items": items})
}

/// A reference to the Manifest or Collection `id` of type `kind`, as a Collection lists it.
pub fn reference(id: &str, kind: &str, label: &Value) -> Value {
    json!({"id": id, "type": kind, "label": label})
}

/// `navDate` of a year: its first instant, in UTC; None outside 1–9999 (`xsd:dateTime`'s
/// four-digit years, which every client reads).
pub fn nav_date(year: i32) -> Option<String> {
    (1..=9999)
        .contains(&year)
        .then(|| format!("{year:04}-01-01T00:00:00Z"))
}

/// Whether `uri` is one `rights` may hold: a Creative Commons licence or public-domain mark,
/// or a RightsStatements.org statement (Presentation 3, §3.3.1 `rights`).
pub fn is_rights_uri(uri: &str) -> bool {
    let uri = uri.trim();
    let uri = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"));
    uri.is_some_and(|rest| {
        [
            "creativecommons.org/licenses/",
            "creativecommons.org/publicdomain/",
            "rightsstatements.org/vocab/",
        ]
        .iter()
        .any(|prefix| rest.starts_with(prefix))
    })
}

/// The MIME type of an image file named with `extension`.
pub fn image_format(extension: &str) -> &'static str {
    match extension.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "bmp" => "image/bmp",
        _ => "image/jpeg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_never_becomes_markup_and_rights_take_only_licence_uris() {
        assert_eq!(value("Vase, 1920"), json!({"none": ["Vase, 1920"]}));
        assert_eq!(
            value("<img src=x onerror=alert(1)>"),
            json!({"none": ["<span>&lt;img src=x onerror=alert(1)&gt;</span>"]})
        );
        assert!(is_rights_uri("http://creativecommons.org/licenses/by/4.0/"));
        assert!(is_rights_uri(
            " https://rightsstatements.org/vocab/InC/1.0/"
        ));
        assert!(!is_rights_uri("CC BY 4.0"));
        assert!(!is_rights_uri("https://example.org/licence"));
        assert_eq!(nav_date(1889).as_deref(), Some("1889-01-01T00:00:00Z"));
        assert_eq!(nav_date(-300), None);
        let page = canvas("http://h/c", &text("A"), json!({"id": "x"}), [3, 2]);
        assert_eq!(page["items"][0]["items"][0]["target"], "http://h/c");
        assert_eq!(page["width"], 3);
    }
}
