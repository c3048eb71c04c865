//! `zoomap serve`: static files with their content types, and nothing outside the site.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;

/// One response: status, headers (names lower case), body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request_head` (method, path and any extra header lines) and reads the response.
fn send(addr: &str, method: &str, path: &[u8], extra: &str) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut request = format!("{method} ").into_bytes();
    request.extend_from_slice(path);
    request.extend_from_slice(
        format!(" HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n").as_bytes(),
    );
    stream.write_all(&request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = response.get(split + 4..).unwrap_or_default().to_vec();
    Response {
        status,
        headers,
        body,
    }
}

fn get(addr: &str, path: &str) -> Response {
    send(addr, "GET", path.as_bytes(), "")
}

/// Starts `zoomap serve` on a free port; returns the child and its address.
fn start_server(site: &std::path::Path) -> (std::process::Child, String) {
    common::serve(site, "127.0.0.1")
}

/// A small site: a page, a script, a DZI, 64 tiles, a dotfile, and beside it a secret and
/// a symlink to it from inside.
fn small_site(dir: &std::path::Path) -> std::path::PathBuf {
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::fs::create_dir_all(site.join("map_files/0")).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html><p>map</p>").unwrap();
    std::fs::write(site.join("static/viewer.js"), "export {};").unwrap();
    std::fs::write(site.join("map.dzi"), "<?xml version=\"1.0\"?><Image/>").unwrap();
    for i in 0..64 {
        std::fs::write(
            site.join(format!("map_files/0/{i}_0.jpg")),
            vec![i as u8; 20_000],
        )
        .unwrap();
    }
    std::fs::write(site.join(".env"), "SECRET=outside").unwrap();
    std::fs::write(dir.join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), site.join("link.txt")).unwrap();
    std::os::unix::fs::symlink("/etc", site.join("etc")).unwrap();
    site
}

#[test]
fn serves_the_site_with_static_host_headers_and_nothing_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let site = small_site(dir.path());
    let (mut server, addr) = start_server(&site);
    assert!(
        addr.starts_with("127.0.0.1:"),
        "loopback by default: {addr}"
    );

    let page = get(&addr, "/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.body, b"<!doctype html><p>map</p>");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        page.header("content-security-policy"),
        Some(zoomap::site::CONTENT_SECURITY_POLICY)
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert!(page.header("last-modified").is_some());
    let script = get(&addr, "/static/viewer.js");
    assert!(
        script
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        get(&addr, "/map.dzi").header("content-type"),
        Some("application/xml")
    );
    let tile = get(&addr, "/map_files/0/3_0.jpg");
    assert_eq!(tile.header("content-type"), Some("image/jpeg"));
    assert_eq!(tile.header("cache-control"), Some("public, max-age=600"));

    // Validators, HEAD and ranges, as a static host answers them.
    let etag = tile.header("etag").unwrap().to_string();
    let again = send(
        &addr,
        "GET",
        b"/map_files/0/3_0.jpg",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert_eq!((again.status, again.body.len()), (304, 0));
    let head = send(&addr, "HEAD", b"/map_files/0/3_0.jpg", "");
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(head.header("content-length"), Some("20000"));
    let range = send(
        &addr,
        "GET",
        b"/map_files/0/3_0.jpg",
        "Range: bytes=10-19\r\n",
    );
    assert_eq!((range.status, range.body.len()), (206, 10));
    assert_eq!(range.header("content-range"), Some("bytes 10-19/20000"));
    let if_range = |validator: &str| {
        let extra = format!("Range: bytes=10-19\r\nIf-Range: {validator}\r\n");
        let response = send(&addr, "GET", b"/map_files/0/3_0.jpg", &extra);
        (response.status, response.body.len())
    };
    assert_eq!(if_range(&etag), (206, 10), "the current file: the range");
    assert_eq!(
        if_range("\"1-0\""),
        (200, 20_000),
        "a replaced file: the whole file, never a splice"
    );
    assert_eq!(if_range("Wed, 21 Oct 2015 07:28:00 GMT"), (200, 20_000));
    assert_eq!(send(&addr, "POST", b"/index.html", "").status, 405);
    assert_eq!(
        get(&addr, "/static").status,
        308,
        "a folder redirects to its slash"
    );

    // Escapes, dotfiles, symlinks out, absurd paths: 404 (or refused by the HTTP layer).
    let long = format!("/{}", "a".repeat(64 * 1024));
    let attacks: Vec<&[u8]> = vec![
        b"/../secret.txt",
        b"/%2e%2e/secret.txt",
        b"/%2E%2E%2Fsecret.txt",
        b"/static/../../secret.txt",
        b"/static/%2e%2e/%2e%2e/secret.txt",
        b"/..%2fsecret.txt",
        b"/..\\secret.txt",
        b"/%5c..%5csecret.txt",
        b"/index.html%00.jpg",
        b"/link.txt",
        b"/etc/passwd",
        b"/.env",
        b"/%2eenv",
        b"/static/.%2e/.env",
        long.as_bytes(),
    ];
    for attack in attacks {
        let response = send(&addr, "GET", attack, "");
        let shown = String::from_utf8_lossy(&attack[..attack.len().min(60)]).into_owned();
        assert!(
            [400, 404, 414, 431].contains(&response.status),
            "{shown}: HTTP {}",
            response.status
        );
        let body = String::from_utf8_lossy(&response.body);
        assert!(
            !body.contains("outside") && !body.contains("root:"),
            "{shown}"
        );
    }
    server.kill().unwrap();
    let _ = server.wait();
}

#[test]
fn serves_200_concurrent_connections_without_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let site = small_site(dir.path());
    let (mut server, addr) = start_server(&site);
    let paths: Vec<String> = (0..64).map(|i| format!("/map_files/0/{i}_0.jpg")).collect();
    let tally = common::http_load::run(&addr, &paths, 200, 3.0);
    server.kill().unwrap();
    let _ = server.wait();
    let result: serde_json::Value = serde_json::from_str(&tally.unwrap()).unwrap();
    println!("zoomap serve, 200 connections, 3 s: {result}");
    assert_eq!(result["errors"], 0, "{result}");
    assert!(result["requests"].as_u64().unwrap() >= 200, "{result}");
}

/// Silent clients and a client that sends half a request (slowloris) are disconnected after
/// the header timeout, while the server keeps answering others.
#[test]
fn connections_that_send_no_whole_request_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let site = small_site(dir.path());
    let (mut server, addr) = start_server(&site);
    let mut idle: Vec<TcpStream> = (0..50)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    idle.push(slow);
    assert_eq!(get(&addr, "/").status, 200, "others are still served");
    let limit = zoomap::cmd::serve::HEADER_TIMEOUT * 3;
    for stream in &mut idle {
        stream.set_read_timeout(Some(limit)).unwrap();
        let mut buf = Vec::new();
        match stream.read_to_end(&mut buf) {
            Ok(_) => {}
            Err(err) => assert!(
                err.kind() == std::io::ErrorKind::ConnectionReset,
                "still open after {limit:?}: {err}"
            ),
        }
    }
    server.kill().unwrap();
    let _ = server.wait();
}

#[test]
fn localhost_is_a_host_and_the_loopback_address_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let site = small_site(dir.path());
    let (mut server, addr) = common::serve(&site, "localhost");
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    assert_eq!(get(&addr, "/").status, 200);
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
