//! A bounded HTTP/1.1 load generator for loopback servers: `CONNECTIONS` connections, each
//! fetching the paths of `PATHS_FILE` in turn (keep-alive where the server allows it,
//! reconnecting where it closes) for `SECONDS`, then one JSON line of requests, errors,
//! requests/s and latency percentiles. Used by tests/serve.rs and bench/serve.sh.
//!
//! tests/suite/serve.rs runs it in its own process; `examples/http_load.rs` is its command
//! line for bench/serve.sh: `http_load HOST:PORT PATHS_FILE CONNECTIONS SECONDS`.
//!
//! Hand-written rather than `oha` or `wrk` from a registry: the test needs a client it can
//! build offline in the same `cargo test`, and a bench comparing servers needs the same client
//! for each; std sockets and threads are all it takes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// One connection's tally.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: u64,
}

/// Reads one response; returns its status and whether the connection stays open.
fn read_response(reader: &mut BufReader<TcpStream>) -> Result<(u16, bool)> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let version = parts.next().context("no status line")?.to_string();
    let status: u16 = parts.next().context("no status")?.parse()?;
    let (mut length, mut close) = (None, version == "HTTP/1.0");
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(v) = header.strip_prefix("content-length:") {
            length = Some(v.trim().parse::<u64>()?);
        } else if header == "connection: close" {
            close = true;
        } else if header == "connection: keep-alive" {
            close = false;
        }
    }
    match length {
        Some(n) => {
            std::io::copy(&mut reader.by_ref().take(n), &mut std::io::sink())?;
        }
        None => {
            std::io::copy(reader, &mut std::io::sink())?;
            close = true;
        }
    }
    Ok((status, !close))
}

fn connection(addr: &str, paths: &[String], deadline: Instant, offset: usize) -> Tally {
    let mut tally = Tally::default();
    let mut stream: Option<BufReader<TcpStream>> = None;
    let mut next = offset;
    while Instant::now() < deadline {
        let path = &paths[next % paths.len()];
        next += 1;
        let start = Instant::now();
        let result = (|| -> Result<bool> {
            if stream.is_none() {
                let s = TcpStream::connect(addr)?;
                s.set_read_timeout(Some(Duration::from_secs(10)))?;
                stream = Some(BufReader::new(s));
            }
            let reader = stream.as_mut().expect("connected above");
            write!(
                reader.get_mut(),
                "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n"
            )?;
            let (status, keep) = read_response(reader)?;
            if status != 200 {
                bail!("{path}: HTTP {status}");
            }
            Ok(keep)
        })();
        match result {
            Ok(keep) => {
                tally.latencies_us.push(start.elapsed().as_micros() as u64);
                if !keep {
                    stream = None;
                }
            }
            Err(_) => {
                tally.errors += 1;
                stream = None;
            }
        }
    }
    tally
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// Runs `connections` connections against `addr` for `seconds`, each fetching `paths` in
/// turn, and returns the JSON line of the tally.
pub fn run(addr: &str, paths: &[String], connections: usize, seconds: f64) -> Result<String> {
    if paths.is_empty() {
        bail!("no paths to fetch");
    }
    let duration = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let deadline = start + duration;
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..connections)
            .map(|i| scope.spawn(move || connection(addr, paths, deadline, i * 7)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut latencies: Vec<u64> = tallies
        .iter()
        .flat_map(|t| t.latencies_us.iter().copied())
        .collect();
    latencies.sort_unstable();
    let errors: u64 = tallies.iter().map(|t| t.errors).sum();
    Ok(format!(
        "{{\"requests\":{},\"errors\":{errors},\"seconds\":{elapsed:.2},\"requests_per_s\":{:.0},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2}}}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    ))
}
