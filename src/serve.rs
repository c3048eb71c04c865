//! A local preview server for a built site: static files only, confined to the site folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use axum::Router;
use tower_http::services::ServeDir;

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

/// The router serving `dir`: files with their content types, `index.html` for folders, and
/// nothing outside `dir` (`..` segments are refused by `ServeDir`).
pub fn router(dir: &Path) -> Router {
    Router::new().fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
}

/// Serves until interrupted, printing the URL.
pub fn serve(options: &ServeOptions) -> Result<()> {
    if !options.dir.join("index.html").is_file() {
        bail!(
            "{}: no index.html here; build a site first with `zoomap build`",
            options.dir.display()
        );
    }
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
        if options.open
            && let Err(err) = opener::open_browser(&url)
        {
            eprintln!("could not open a browser: {err}");
        }
        axum::serve(listener, router(&options.dir))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("server stopped")
    })
}
