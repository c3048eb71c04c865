//! Says which JPEG decoder build zoomap gets. mozjpeg-sys assembles libjpeg-turbo's x86 SIMD
//! with NASM where `nasm` runs at build time and compiles plain C where it does not (decoding
//! 1.45× slower, bench/decode.sh); cargo hides a dependency's build-script warnings, so
//! zoomap's own build script makes the same check, warns when SIMD is missing, and passes the
//! answer to the binary as `ZOOMAP_JPEG_DECODER` (`zoomap --version` prints it).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let decoder = if !matches!(arch.as_str(), "x86_64" | "x86") {
        "libjpeg-turbo (MozJPEG), SIMD where the target has it"
    } else if nasm_runs() {
        "libjpeg-turbo (MozJPEG), SIMD assembled with NASM"
    } else {
        println!(
            "cargo:warning=nasm is not installed: JPEG decoding is built as plain C, without \
             libjpeg-turbo's SIMD (install nasm, then `cargo clean -p mozjpeg-sys -p zoomap`, for SIMD)"
        );
        "libjpeg-turbo (MozJPEG), plain C: nasm was not installed at build time"
    };
    println!("cargo:rustc-env=ZOOMAP_JPEG_DECODER={decoder}");
}

/// Whether `nasm -v` runs and is not of the 0.x versions, as mozjpeg-sys's build script
/// decides.
fn nasm_runs() -> bool {
    std::process::Command::new("nasm")
        .arg("-v")
        .output()
        .is_ok_and(|out| !String::from_utf8_lossy(&out.stdout).contains("NASM version 0."))
}
