//! `zoomap serve`: static files with their content types, and nothing outside the site.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

fn get(addr: &str, path: &str) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    (status, content_type, response[split + 4..].to_vec())
}

#[test]
fn serves_the_site_and_nothing_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html><p>map</p>").unwrap();
    std::fs::write(site.join("static/viewer.js"), "export {};").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();

    let mut server = common::zoomap()
        .args(["serve", site.to_str().unwrap(), "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert!(
        addr.starts_with("127.0.0.1:"),
        "loopback by default: {line}"
    );

    let (status, kind, body) = get(&addr, "/");
    assert_eq!((status, kind.starts_with("text/html")), (200, true));
    assert_eq!(body, b"<!doctype html><p>map</p>");
    let (status, kind, _) = get(&addr, "/static/viewer.js");
    assert_eq!(status, 200);
    assert!(kind.contains("javascript"), "{kind}");
    for escape in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/static/../../secret.txt",
    ] {
        let (status, _, body) = get(&addr, escape);
        assert_ne!(status, 200, "{escape}");
        assert!(
            !String::from_utf8_lossy(&body).contains("outside"),
            "{escape}"
        );
    }
    server.kill().unwrap();
    let _ = server.wait();
}

#[test]
fn serving_a_folder_without_a_site_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = common::run(&["serve", dir.path().to_str().unwrap(), "--port", "0"]);
    assert!(!ok);
    assert!(stderr.contains("no index.html"), "{stderr}");
}
