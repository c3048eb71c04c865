//! A local preview server for a built site: static files only, confined to the site folder,
//! with the headers a static host sends.
//!
//! Requests are resolved here rather than by tower-http's `ServeDir`, which follows symlinks
//! out of its root and serves dotfiles; the file itself is then served by tower-http's
//! `ServeFile` (content type, `HEAD`, `Range`, `Last-Modified`, `If-Modified-Since`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::site::{CONTENT_SECURITY_POLICY, paths};

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder.
    pub dir: PathBuf,
    /// Address to listen on (loopback by default).
    pub addr: SocketAddr,
    /// Open the page in the default browser once listening.
    pub open: bool,
}

/// The longest request path served; longer ones are refused without touching the disk.
const MAX_PATH_BYTES: usize = 4096;

/// Site folders whose files are served as cacheable for a while (a rebuilt site's tiles
/// reach a visitor within this time); every other file is revalidated on each use.
const CACHED_FOLDERS: &[&str] = &[paths::TILES, paths::PREVIEWS];
const CACHED: &str = "public, max-age=600";
const REVALIDATED: &str = "no-cache";

/// The site folder, canonical, so that a resolved file can be checked to lie inside it.
struct Root(PathBuf);

/// The router serving `dir`: `GET` and `HEAD` of files inside it, `index.html` for folders;
/// dotfiles, symlinks leading out of it and undecodable paths are 404.
pub fn router(dir: &Path) -> Result<Router> {
    let root = dir
        .canonicalize()
        .with_context(|| format!("{}: cannot open", dir.display()))?;
    Ok(Router::new()
        .fallback(handle)
        .with_state(Arc::new(Root(root))))
}

async fn handle(State(root): State<Arc<Root>>, request: Request) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let path = request.uri().path().to_string();
    match resolve(&root.0, &path) {
        Resolved::File(file) => serve_file(file, &path, request).await,
        Resolved::Folder(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Resolved::NotFound => not_found(),
    }
}

/// What a request path names.
#[derive(Debug, PartialEq)]
enum Resolved {
    /// A file inside the root (canonical path).
    File(PathBuf),
    /// A folder named without its trailing `/`: where to redirect, rebuilt from the checked
    /// segments, so that `//static` cannot send a browser to a host named `static`.
    Folder(String),
    /// Nothing that may be served.
    NotFound,
}

/// Resolves a request path against the canonical `root`: percent-decoded, split on `/`;
/// refused if too long, not UTF-8, or holding a NUL, a backslash or a segment that starts
/// with `.` (`..`, dotfiles); then canonicalized, so a symlink must lead to a file inside
/// `root` too.
fn resolve(root: &Path, path: &str) -> Resolved {
    if path.len() > MAX_PATH_BYTES {
        return Resolved::NotFound;
    }
    let Ok(decoded) = percent_encoding::percent_decode_str(path).decode_utf8() else {
        return Resolved::NotFound;
    };
    if decoded.contains(['\0', '\\']) {
        return Resolved::NotFound;
    }
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| s.starts_with('.')) {
        return Resolved::NotFound;
    }
    let Ok(target) = segments
        .iter()
        .fold(root.to_path_buf(), |p, s| p.join(s))
        .canonicalize()
    else {
        return Resolved::NotFound;
    };
    if !target.starts_with(root) {
        return Resolved::NotFound;
    }
    if target.is_dir() {
        if !decoded.ends_with('/') {
            return Resolved::Folder(format!("/{}/", segments.join("/")));
        }
        return match target.join(paths::PAGE).canonicalize() {
            Ok(index) if index.starts_with(root) && index.is_file() => Resolved::File(index),
            _ => Resolved::NotFound,
        };
    }
    if target.is_file() {
        Resolved::File(target)
    } else {
        Resolved::NotFound
    }
}

/// Serves `file` with an `ETag` (answering `If-None-Match` with 304), its cache policy, the
/// site's CSP and `nosniff`; `.dzi` as XML.
async fn serve_file(file: PathBuf, path: &str, mut request: Request) -> Response {
    let Ok(meta) = std::fs::metadata(&file) else {
        return not_found();
    };
    let etag = etag(&meta);
    drop_stale_range(&mut request, &etag);
    let cache = if CACHED_FOLDERS
        .iter()
        .any(|f| path.starts_with(&format!("/{f}/")))
    {
        CACHED
    } else {
        REVALIDATED
    };
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let is_dzi = file.extension().is_some_and(|e| e == "dzi");
        let service = if is_dzi {
            ServeFile::new_with_mime(&file, &mime_xml())
        } else {
            ServeFile::new(&file)
        };
        match service.oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(_) => return not_found(),
        }
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    add_security_headers(headers);
    if path.starts_with(&format!("/{}/", paths::IIIF)) {
        // IIIF clients elsewhere (a Mirador on another site) read these files: CORS, as
        // the Image API asks of level 1 and recommends at level 0.
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    response
}

/// Honours `If-Range` (which `ServeFile` does not): a range is served only of the file the
/// client names by its current ETag; for any other validator (an older ETag, a date) the
/// range is dropped and the whole file sent, so a resumed download of a file a rebuild
/// replaced is never spliced from two versions.
fn drop_stale_range(request: &mut Request, etag: &str) {
    let current = request
        .headers()
        .get(header::IF_RANGE)
        .map(|tag| tag.as_bytes() == etag.as_bytes());
    if current == Some(false) {
        request.headers_mut().remove(header::RANGE);
    }
}

/// A strong validator from the file's length and modification time, as static hosts make.
fn etag(meta: &std::fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default();
    format!(
        "\"{:x}-{:x}{:08x}\"",
        meta.len(),
        modified.as_secs(),
        modified.subsec_nanos()
    )
}

fn mime_xml() -> mime::Mime {
    "application/xml".parse().expect("a valid MIME type")
}

fn add_security_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
}

fn not_found() -> Response {
    let mut response = (StatusCode::NOT_FOUND, "not found\n").into_response();
    add_security_headers(response.headers_mut());
    response
}

/// Serves until interrupted, printing the URL.
pub fn serve(options: &ServeOptions) -> Result<()> {
    if !options.dir.join(paths::PAGE).is_file() {
        bail!(
            "{}: no index.html here; build a site first with `zoomap build`",
            options.dir.display()
        );
    }
    let app = router(&options.dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .with_context(|| format!("cannot listen on {}", options.addr))?;
        let url = format!("http://{}/", listener.local_addr()?);
        println!(
            "Serving {} at {url} (Ctrl-C to stop)",
            options.dir.display()
        );
        if !options.addr.ip().is_loopback() {
            eprintln!(
                "warning: listening on {}, not on this machine alone: anyone who can reach it \
                 on the network can read the site",
                options.addr.ip()
            );
        }
        if options.open
            && let Err(err) = opener::open_browser(&url)
        {
            eprintln!("could not open a browser: {err}");
        }
        serve_connections(listener, app).await;
        Ok(())
    })
}

/// How long a connection may take to send a request's headers, counted from the moment the
/// server waits for them, so also how long it may sit idle between requests: a slow or silent
/// client (slowloris) holds a connection no longer than this.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves each connection accepted on `listener` over HTTP/1.1 with [`HEADER_TIMEOUT`], until
/// Ctrl-C. Written here rather than with `axum::serve`, which sets no timer, so hyper's
/// header timeout never runs there (3,000 silent connections stayed open).
async fn serve_connections(listener: tokio::net::TcpListener, app: Router) {
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => return,
        };
        let Ok((stream, _)) = stream else {
            // Out of file descriptors, or a connection reset before it was accepted: wait
            // a moment rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_inside_the_root_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("index.html"), "x").unwrap();
        std::fs::write(root.join("data/index.json"), "{}").unwrap();
        std::fs::write(root.join(".env"), "secret").unwrap();
        std::fs::write(dir.path().join("outside.txt"), "outside").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), root.join("link.txt")).unwrap();
        let root = root.canonicalize().unwrap();
        assert_eq!(resolve(&root, "/"), Resolved::File(root.join("index.html")));
        assert_eq!(resolve(&root, "/data"), Resolved::Folder("/data/".into()));
        assert_eq!(resolve(&root, "//data"), Resolved::Folder("/data/".into()));
        assert_eq!(
            resolve(&root, "/data/index%2Ejson"),
            Resolved::File(root.join("data/index.json"))
        );
        for refused in [
            "/.env",
            "/%2eenv",
            "/../outside.txt",
            "/%2e%2e/outside.txt",
            "/data%2f..%2f..%2foutside.txt",
            "/..%5coutside.txt",
            "/index.html%00.png",
            "/link.txt",
            "/%ff",
            "/missing",
        ] {
            assert_eq!(resolve(&root, refused), Resolved::NotFound, "{refused}");
        }
        assert_eq!(
            resolve(&root, &format!("/{}", "a/".repeat(40_000))),
            Resolved::NotFound
        );
    }
}
