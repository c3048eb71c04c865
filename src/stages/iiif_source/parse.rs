//! What `--iiif` reads of IIIF Presentation 2.1 and 3 documents: a Collection's members
//! (Manifests and nested Collections, v3 `items` or v2 `collections`/`manifests`/`members`),
//! and of a Manifest its label, metadata pairs, `navDate`, `homepage` (v2 `related`),
//! `rights` (v2 `license`), `requiredStatement` (v2 `attribution`) and each canvas's size,
//! label and image: its image service (Image API 2 or 3, with its compliance level and any
//! `sizes`/`maxWidth`/`maxHeight`/`maxArea` it declares) or, without one, the painting
//! body's URL. Text is taken as plain text: language maps joined (English, else no
//! language, else the first), HTML tags dropped.

use anyhow::{Result, bail};
use serde_json::Value;

/// A document of a IIIF source.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A Collection: its label and the ids of its members, Manifests and Collections alike.
    Collection(String, Vec<String>),
    /// A Manifest.
    Manifest(Manifest),
}

/// A Manifest, as the import needs it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Manifest {
    /// Its id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its metadata pairs, label and value, in order.
    pub metadata: Vec<(String, String)>,
    /// `navDate`.
    pub nav_date: Option<String>,
    /// Its page (`homepage`; v2 `related`).
    pub homepage: Option<String>,
    /// `rights` (v2 `license`).
    pub rights: Option<String>,
    /// `requiredStatement`'s value (v2 `attribution`).
    pub attribution: Option<String>,
    /// Its canvases, in order.
    pub canvases: Vec<Canvas>,
}

/// A canvas: its label, size and image.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    /// Its label.
    pub label: String,
    /// Width and height, where declared.
    pub size: Option<[u32; 2]>,
    /// How its image is reached.
    pub image: Image,
}

/// How a canvas's image is reached.
#[derive(Debug, Clone, PartialEq)]
pub enum Image {
    /// Through an image service.
    Service(Service),
    /// The painting body's URL, as it is.
    Direct(String),
}

/// An image service as a Manifest embeds it (or its `info.json` says).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Service {
    /// Its id (base URI).
    pub id: String,
    /// Image API major version, 2 or 3.
    pub version: u8,
    /// Compliance level, 0–2.
    pub level: u8,
    /// Whole-image sizes it declares.
    pub sizes: Vec<[u32; 2]>,
    /// Full width and height, where declared.
    pub size: Option<[u32; 2]>,
    /// `maxWidth`, `maxHeight`, `maxArea`.
    pub max: (Option<u32>, Option<u32>, Option<u64>),
}

/// The document `json`, a Manifest or Collection of Presentation 2.1 or 3.
pub fn document(json: &Value) -> Result<Document> {
    let kind = field(json, "type", "@type")
        .and_then(Value::as_str)
        .unwrap_or("");
    match kind.trim_start_matches("sc:") {
        "Collection" => Ok(Document::Collection(
            json.get("label").map(text).unwrap_or_default(),
            members(json),
        )),
        "Manifest" => manifest(json).map(Document::Manifest),
        "" => bail!("not a IIIF Presentation document (no type)"),
        other => bail!("a IIIF {other}, not a Manifest or Collection"),
    }
}

/// `json[v3]`, else `json[v2]`.
fn field<'a>(json: &'a Value, v3: &str, v2: &str) -> Option<&'a Value> {
    json.get(v3).or_else(|| json.get(v2))
}

/// A resource's id (`id`, v2 `@id`), or the value itself where it is a string.
fn id_of(json: &Value) -> Option<String> {
    match json {
        Value::String(s) => Some(s.clone()),
        _ => field(json, "id", "@id")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// A Collection's members' ids.
fn members(json: &Value) -> Vec<String> {
    ["items", "collections", "manifests", "members"]
        .iter()
        .filter_map(|key| json.get(*key).and_then(Value::as_array))
        .flatten()
        .filter_map(id_of)
        .collect()
}

/// A Manifest of either version.
fn manifest(json: &Value) -> Result<Manifest> {
    let Some(id) = id_of(json) else {
        bail!("a Manifest without an id");
    };
    let first = |key: &str| {
        json.get(key).map(|v| match v {
            Value::Array(list) => list.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        })
    };
    let homepage = first("homepage")
        .or_else(|| first("related"))
        .and_then(|v| id_of(&v));
    let rights = json
        .get("rights")
        .or_else(|| json.get("license"))
        .map(text)
        .filter(|t| !t.is_empty());
    let attribution = json
        .get("requiredStatement")
        .and_then(|r| r.get("value"))
        .or_else(|| json.get("attribution"))
        .map(text)
        .filter(|t| !t.is_empty());
    let metadata = json
        .get("metadata")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|pair| Some((text(pair.get("label")?), text(pair.get("value")?))))
        .filter(|(label, value)| !label.is_empty() && !value.is_empty())
        .collect();
    Ok(Manifest {
        label: json.get("label").map(text).unwrap_or_default(),
        nav_date: json
            .get("navDate")
            .and_then(Value::as_str)
            .map(str::to_string),
        canvases: canvases(json),
        id,
        metadata,
        homepage,
        rights,
        attribution,
    })
}

/// The canvases of a Manifest with an image: v3 `items`, v2 `sequences[0].canvases`.
fn canvases(json: &Value) -> Vec<Canvas> {
    let list = json
        .get("items")
        .or_else(|| json.get("sequences")?.get(0)?.get("canvases"))
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|canvas| {
            let size = match (dimension(canvas, "width"), dimension(canvas, "height")) {
                (Some(w), Some(h)) => Some([w, h]),
                _ => None,
            };
            Some(Canvas {
                label: canvas.get("label").map(text).unwrap_or_default(),
                size,
                image: painting(canvas)?,
            })
        })
        .collect()
}

/// A positive whole number at `json[key]`.
fn dimension(json: &Value, key: &str) -> Option<u32> {
    json.get(key)?
        .as_u64()
        .filter(|&v| v > 0)
        .and_then(|v| u32::try_from(v).ok())
}

/// A canvas's painted image: v3 `items[0].items[0].body` (a Choice's first item), v2
/// `images[0].resource`.
fn painting(canvas: &Value) -> Option<Image> {
    let v3 = || {
        canvas
            .get("items")?
            .get(0)?
            .get("items")?
            .get(0)?
            .get("body")
    };
    let v2 = || canvas.get("images")?.get(0)?.get("resource");
    let mut body = v3().or_else(v2)?;
    if let Some(first) = body.get("items").and_then(|items| items.get(0)) {
        body = first;
    }
    let service = body.get("service").map(|s| match s {
        Value::Array(list) => list.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    });
    match service.as_ref().and_then(image_service) {
        Some(service) => Some(Image::Service(service)),
        None => id_of(body).map(Image::Direct),
    }
}

/// An image service (embedded or an `info.json`), where `json` is one.
pub fn image_service(json: &Value) -> Option<Service> {
    let id = id_of(json)?;
    let kind = field(json, "type", "@type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let context = json
        .get("@context")
        .map(|c| c.to_string())
        .unwrap_or_default();
    let profile = json
        .get("profile")
        .map(|p| p.to_string())
        .unwrap_or_default();
    let version = if kind == "ImageService3" || context.contains("image/3") {
        3
    } else if kind == "ImageService2" || context.contains("image/2") || profile.contains("image/2")
    {
        2
    } else {
        return None;
    };
    let level = ["level0", "level1", "level2"]
        .iter()
        .position(|l| profile.contains(l))
        .unwrap_or(0) as u8;
    let sizes = json
        .get("sizes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| Some([dimension(s, "width")?, dimension(s, "height")?]))
        .collect();
    let size = dimension(json, "width")
        .zip(dimension(json, "height"))
        .map(|(w, h)| [w, h]);
    let max = (
        dimension(json, "maxWidth"),
        dimension(json, "maxHeight"),
        json.get("maxArea").and_then(Value::as_u64),
    );
    Some(Service {
        id: id.trim_end_matches('/').to_string(),
        version,
        level,
        sizes,
        size,
        max,
    })
}

/// Plain text of a label or value: a v3 language map, a v2 string, `{"@value"}` or a list
/// of them, joined with "; ", HTML tags dropped and entities read.
pub fn text(json: &Value) -> String {
    let strings: Vec<String> = match json {
        Value::String(s) => vec![s.clone()],
        Value::Array(list) => list.iter().map(text).collect(),
        Value::Object(map) if map.contains_key("@value") => vec![text(&map["@value"])],
        Value::Object(map) => {
            let chosen = ["en", "none"]
                .iter()
                .find_map(|k| map.get(*k))
                .or_else(|| map.values().next());
            chosen.map(text).into_iter().collect()
        }
        _ => Vec::new(),
    };
    let joined = strings
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    plain(&joined)
}

/// `html` as plain text: tags dropped, the common entities read, spaces collapsed.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_v3_and_v2_manifests_alike() {
        let v3 = json!({
            "@context": "http://iiif.io/api/presentation/3/context.json",
            "id": "https://h/m3", "type": "Manifest",
            "label": {"en": ["Vase <i>with</i> birds"]},
            "metadata": [{"label": {"en": ["Maker"]}, "value": {"none": ["Delft &amp; Co"]}}],
            "navDate": "1890-01-01T00:00:00Z",
            "homepage": [{"id": "https://h/objects/1", "type": "Text"}],
            "rights": "http://creativecommons.org/publicdomain/zero/1.0/",
            "requiredStatement": {"label": {"en": ["Attribution"]}, "value": {"en": ["Museum X"]}},
            "items": [{"id": "https://h/c1", "type": "Canvas", "width": 4000, "height": 3000,
                "items": [{"type": "AnnotationPage", "items": [{"type": "Annotation", "motivation": "painting",
                    "body": {"id": "https://h/i/full/max/0/default.jpg", "type": "Image",
                        "service": [{"id": "https://h/i/", "type": "ImageService3", "profile": "level1"}]}}]}]}],
        });
        let Document::Manifest(m) = document(&v3).unwrap() else {
            panic!()
        };
        assert_eq!(m.label, "Vase with birds");
        assert_eq!(m.metadata, vec![("Maker".into(), "Delft & Co".into())]);
        assert_eq!(m.homepage.as_deref(), Some("https://h/objects/1"));
        assert_eq!(m.attribution.as_deref(), Some("Museum X"));
        let Image::Service(s) = &m.canvases[0].image else {
            panic!()
        };
        assert_eq!((s.id.as_str(), s.version, s.level), ("https://h/i", 3, 1));
        assert_eq!(m.canvases[0].size, Some([4000, 3000]));

        let v2 = json!({
            "@context": "http://iiif.io/api/presentation/2/context.json",
            "@id": "https://h/m2", "@type": "sc:Manifest", "label": "Plate",
            "metadata": [{"label": "Date", "value": [{"@value": "1700", "@language": "en"}]}],
            "related": {"@id": "https://h/p/2"}, "license": "https://rightsstatements.org/vocab/InC/1.0/",
            "attribution": "Library Y",
            "sequences": [{"canvases": [
                {"@id": "https://h/c/1", "width": 100, "height": 200, "label": "p. 1", "images": [{"resource": {
                    "@id": "https://h/img/1.jpg", "service": {"@context": "http://iiif.io/api/image/2/context.json",
                    "@id": "https://h/iiif/1", "profile": "http://iiif.io/api/image/2/level2.json"}}}]},
                {"@id": "https://h/c/2", "label": "p. 2", "images": [{"resource": {"@id": "https://h/img/2.jpg"}}]}]}],
        });
        let Document::Manifest(m) = document(&v2).unwrap() else {
            panic!()
        };
        assert_eq!(
            (m.label.as_str(), m.homepage.as_deref()),
            ("Plate", Some("https://h/p/2"))
        );
        assert_eq!(m.metadata, vec![("Date".into(), "1700".into())]);
        let Image::Service(s) = &m.canvases[0].image else {
            panic!()
        };
        assert_eq!((s.version, s.level), (2, 2));
        assert_eq!(
            m.canvases[1].image,
            Image::Direct("https://h/img/2.jpg".into())
        );

        let collection = json!({"@type": "sc:Collection", "label": "Box 3", "manifests": [{"@id": "https://h/m2"}],
            "collections": [{"@id": "https://h/c2"}]});
        let members = vec!["https://h/c2".to_string(), "https://h/m2".to_string()];
        assert_eq!(
            document(&collection).unwrap(),
            Document::Collection("Box 3".into(), members)
        );
        assert!(document(&json!({"type": "Canvas"})).is_err());
        assert!(document(&json!([1, 2])).is_err());
    }
}
