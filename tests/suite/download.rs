//! The weights download, against a local HTTP server: a good file lands with its checksum
//! verified; a wrong checksum or a cut-off transfer leaves nothing at the destination.

use std::io::{Read, Write};
use std::net::TcpListener;

use sha2::{Digest, Sha256};
use zoomap::stages::features::weights::download;

/// Serves each connection once: `/good` and `/bad` whole, `/cut` with its body cut in half
/// under a Content-Length that promises all of it. Hand-written because the point is to send
/// a broken response, which real servers won't.
fn serve(body: Vec<u8>, connections: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            let mut request = [0u8; 1024];
            let n = stream.read(&mut request).unwrap();
            let line = String::from_utf8_lossy(&request[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let sent = if line.contains("/cut") {
                &body[..body.len() / 2]
            } else {
                &body[..]
            };
            let header = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(header.as_bytes());
            let _ = stream.write_all(sent);
        }
    });
    format!("http://{addr}")
}

fn prefix_of(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))[..8].to_string()
}

#[test]
fn good_file_is_downloaded_and_verified() {
    let body: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let base = serve(body.clone(), 1);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cache/vgg16.pth");
    download(&format!("{base}/good"), &dest, &prefix_of(&body)).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[test]
fn checksum_mismatch_leaves_no_file() {
    let body = b"these are not the weights you are looking for".to_vec();
    let base = serve(body, 1);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("vgg16.pth");
    let err = download(&format!("{base}/bad"), &dest, "397923af")
        .unwrap_err()
        .to_string();
    assert!(err.contains("checksum"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file, partial or final"
    );
}

#[test]
fn interrupted_transfer_leaves_no_file() {
    let body: Vec<u8> = vec![7u8; 200_000];
    let base = serve(body.clone(), 1);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("vgg16.pth");
    let err = download(&format!("{base}/cut"), &dest, &prefix_of(&body)).unwrap_err();
    assert!(format!("{err:#}").contains("interrupted"), "{err:#}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file, partial or final"
    );
}

#[test]
fn unreachable_server_is_a_clear_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let err = download(&format!("http://{addr}/x"), &dir.path().join("w.pth"), "00").unwrap_err();
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}
