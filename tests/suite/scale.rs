//! `bench/scale.sh` end to end at a small size, on inputs common::scale_inputs writes: it builds
//! the map with `--features` and checks the site itself; this asserts only that it completes
//! and that the site it left is valid (its timings are for the benchmark, never a test).

use crate::common;

use std::process::Command;

#[test]
fn the_scale_benchmark_builds_a_valid_site() {
    let dir = tempfile::tempdir().unwrap();
    common::scale_inputs::write_inputs(1500, dir.path(), 4096).unwrap();
    let out = Command::new("bash")
        .arg(common::root().join("bench/scale.sh"))
        .arg("1500")
        .env("ZOOMAP", env!("CARGO_BIN_EXE_zoomap"))
        .env("SCALE_INPUTS", "ready")
        .env("OUT", dir.path())
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("site valid (1500 items)"), "{stdout}");
    for stage in ["reduce", "layout", "tiles"] {
        assert!(stdout.contains(stage), "{stage} missing from {stdout}");
    }
    let site = dir.path().join("site-now");
    common::check_site(&site, 1500);
    let report = common::report(&site);
    let peaks = report["stage_peak_rss_mib"]
        .as_array()
        .expect("per-stage peaks");
    assert_eq!(
        peaks.len(),
        report["stage_seconds"].as_array().unwrap().len()
    );
}
