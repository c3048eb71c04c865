//! Which item URLs may become links: a URL from the metadata is user data, and a
//! `javascript:` or `data:` URL in a link runs code in the visitor's browser when clicked.
//! Only `http:`, `https:`, `mailto:` and relative URLs become links; the viewer shows any other
//! as text.

use url::Url;

/// The URL schemes a link may have.
const LINK_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Whether `url` may be the `href` of an item's link. It is resolved against a page URL by the
/// WHATWG URL parser (the `url` crate), as a browser resolves it, so leading spaces, tabs or
/// newlines inside the scheme and letter case cannot disguise one; a relative URL resolves to
/// the page's own `https:` scheme, and one the parser rejects is no link.
pub fn is_safe_link(url: &str) -> bool {
    let page = Url::parse("https://zoomap.invalid/site/index.html").expect("a valid URL");
    page.join(url)
        .is_ok_and(|resolved| LINK_SCHEMES.contains(&resolved.scheme()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mail_and_relative_urls_are_links() {
        for url in [
            "https://example.org/objects/7",
            "HTTP://example.org/a?b=c#d",
            "mailto:curator@example.org",
            "objects/7.html",
            "/objects/7",
            "//example.org/objects/7",
            "?id=7",
        ] {
            assert!(is_safe_link(url), "{url}");
        }
    }

    #[test]
    fn script_and_data_urls_are_not_links_however_written() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "http://[::1",
        ] {
            assert!(!is_safe_link(url), "{url:?}");
        }
    }
}
