//! Polite, robust downloads for `--iiif`: at most `per_host` requests at once to one host,
//! a timeout on each, retries with exponential backoff on 429 and 5xx answers and on
//! network errors (honouring `Retry-After`), a bound on each response's size, and a disk
//! cache keyed by URL so a rerun fetches nothing again and an interrupted run resumes.
//! A body is cached only once whole and accepted by the caller (parsed, or recognised as
//! an image), written to a temporary file and renamed, so no partial file is ever used.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use sha2::{Digest, Sha256};

/// How the downloads behave.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Requests at once to one host.
    pub per_host: usize,
    /// Longest a request may take, answer included.
    pub timeout: Duration,
    /// Retries after a failed attempt that may succeed later (429, 5xx, network errors).
    pub retries: u32,
    /// First backoff, doubled at each retry (a `Retry-After` answer overrides it).
    pub backoff: Duration,
    /// The cache folder.
    pub cache: PathBuf,
}

/// The longest wait a `Retry-After` may ask for before the retry is given up.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// One attempt's outcome.
enum Attempt {
    /// The whole body.
    Done(Vec<u8>),
    /// Worth trying again, after the wait given (if the server named one).
    Retry(String, Option<Duration>),
    /// Not worth trying again.
    Fail(String),
}

/// Downloads with a per-host limit and a cache.
pub struct Fetcher {
    agent: ureq::Agent,
    options: FetchOptions,
    busy: Mutex<HashMap<String, usize>>,
    freed: Condvar,
}

impl Fetcher {
    /// A fetcher with `options`.
    pub fn new(options: FetchOptions) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .http_status_as_error(false)
            .max_redirects(5)
            .user_agent(concat!(
                "zoomap/",
                env!("CARGO_PKG_VERSION"),
                " (IIIF import)"
            ))
            .build()
            .into();
        Self {
            agent,
            options,
            busy: Mutex::new(HashMap::new()),
            freed: Condvar::new(),
        }
    }

    /// The cache file of `url`.
    pub fn cached_path(&self, url: &str) -> PathBuf {
        let digest = hex::encode(Sha256::digest(url.as_bytes()));
        self.options.cache.join(&digest[..2]).join(&digest[2..32])
    }

    /// The body of `url` (at most `limit` bytes), from the cache or fetched, and then
    /// cached when `accept` takes it; an error says why in one line, naming the URL.
    pub fn get(
        &self,
        url: &str,
        limit: u64,
        accept: impl Fn(&[u8]) -> Result<()>,
    ) -> Result<PathBuf> {
        let path = self.cached_path(url);
        if path.is_file() {
            return Ok(path);
        }
        let body = self.fetch(url, limit)?;
        accept(&body).with_context(|| url.to_string())?;
        let dir = path.parent().context("cache path has no folder")?;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        let mut partial = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut partial, &body)?;
        partial
            .persist(&path)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        Ok(path)
    }

    /// Fetches `url`, retrying as the options say.
    fn fetch(&self, url: &str, limit: u64) -> Result<Vec<u8>> {
        let host = url::Url::parse(url)
            .map_err(|e| anyhow!("{url}: not a URL ({e})"))?
            .host_str()
            .unwrap_or("")
            .to_string();
        let mut wait = self.options.backoff;
        for attempt in 0..=self.options.retries {
            let outcome = self.with_slot(&host, || self.attempt(url, limit));
            match outcome {
                Attempt::Done(body) => return Ok(body),
                Attempt::Fail(why) => bail!("{url}: {why}"),
                Attempt::Retry(why, _) if attempt == self.options.retries => {
                    bail!("{url}: {why} (after {} retries)", self.options.retries)
                }
                Attempt::Retry(why, Some(after)) if after > MAX_RETRY_AFTER => {
                    bail!(
                        "{url}: {why}, and Retry-After asks for {} s",
                        after.as_secs()
                    )
                }
                Attempt::Retry(_, after) => std::thread::sleep(after.unwrap_or(wait)),
            }
            wait *= 2;
        }
        unreachable!("the last attempt returns")
    }

    /// One request for `url`.
    fn attempt(&self, url: &str, limit: u64) -> Attempt {
        let mut response = match self.agent.get(url).call() {
            Ok(response) => response,
            Err(error) => return Attempt::Retry(one_line(&error.to_string()), None),
        };
        let status = response.status().as_u16();
        if status == 429 || (500..600).contains(&status) {
            let after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Attempt::Retry(format!("HTTP {status}"), after);
        }
        if !(200..300).contains(&status) {
            return Attempt::Fail(format!("HTTP {status}"));
        }
        match response.body_mut().with_config().limit(limit).read_to_vec() {
            Ok(body) => Attempt::Done(body),
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                Attempt::Fail(format!("the answer is larger than {limit} bytes: cut off"))
            }
            Err(error) => Attempt::Retry(one_line(&error.to_string()), None),
        }
    }

    /// Runs `work` holding one of `host`'s slots, waiting for one to free.
    fn with_slot<T>(&self, host: &str, work: impl FnOnce() -> T) -> T {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while busy.get(host).copied().unwrap_or(0) >= self.options.per_host.max(1) {
            busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy.entry(host.to_string()).or_default() += 1;
        drop(busy);
        let result = work();
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = busy.get_mut(host) {
            *n -= 1;
        }
        self.freed.notify_all();
        result
    }
}

/// `text` on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
