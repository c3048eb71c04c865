#!/usr/bin/env bash
# JPEG decoding speed, one run:  bash bench/decode.sh [N]   (default 200)
# Decodes the first N photos of ../shared/datasets/imagenet-sample to RGB at full size, one
# thread, each file 5 times, with:
#   - zoomap's decoder (src/stages/thumbs/jpeg.rs: MozJPEG's libjpeg-turbo code through the mozjpeg crate)
#     built with NASM's SIMD, where `nasm` is installed;
#   - the same built as plain C (nasm hidden from its build script);
#   - the TurboJPEG 3 build zoomap used before (turbojpeg crate, cmake + NASM), where `cmake`
#     and `nasm` are installed;
#   - Pillow (libjpeg-turbo in its wheel), what a Python user decodes with.
# Each Rust decoder is a small scratch crate in a temporary folder (registry crates only), so
# the three builds do not touch this checkout's target/. Prints ms per image and the ratio to
# Pillow, and checks that every decoder gives Pillow's pixels (sha256 of the RGB bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
data=../shared/datasets/imagenet-sample
[ -d "$data" ] || { echo "needs $data"; exit 1; }
venv=bench/.venv-pillow
[ -x $venv/bin/python ] || { python3 -m venv $venv && $venv/bin/pip install -q pillow; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ls "$data" | grep -i '\.jpe\?g$' | sort | head -n "$n" | sed "s|^|$(realpath "$data")/|" > "$work/list"

# crate NAME DEPENDENCIES MAIN: a scratch crate whose main decodes every listed file.
crate() {
  mkdir -p "$work/$1/src"
  printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\n[dependencies]\nsha2 = "0.10"\nhex = "0.4"\n%s\n[profile.release]\ncodegen-units = 16\n' "$1" "$2" > "$work/$1/Cargo.toml"
  cat > "$work/$1/src/main.rs" <<EOF
$3
fn main() {
    use sha2::Digest;
    let list = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let files: Vec<Vec<u8>> = list.lines().map(|f| std::fs::read(f).unwrap()).collect();
    let mut hash = sha2::Sha256::new();
    for bytes in &files {
        hash.update(decode(bytes));
    }
    let started = std::time::Instant::now();
    for _ in 0..5 {
        for bytes in &files {
            std::hint::black_box(decode(bytes));
        }
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0 / (5 * files.len()) as f64;
    println!("{ms:.3} {}", hex::encode(hash.finalize()));
}
EOF
}

# run NAME [ENV...]: builds the crate (with the environment given) and decodes the list.
run() {
  local name=$1; shift
  (cd "$work/$name" && env "$@" cargo build --release -q 2> "$work/$name.log") || { echo "$name: build failed" >&2; tail -5 "$work/$name.log" >&2; return 1; }
  "$work/$name/target/release/$name" "$work/list"
}

zoomap_main='#[path = "'$(realpath src/stages/thumbs/jpeg.rs)'"] mod jpeg;
fn decode(bytes: &[u8]) -> Vec<u8> { jpeg::decode_rgb(bytes, 1).unwrap().into_raw() }'
zoomap_deps=$(grep -E '^(mozjpeg|mozjpeg-sys|anyhow) = ' Cargo.toml; echo 'image = { version = "0.25", default-features = false }')
crate simd "$zoomap_deps" "$zoomap_main"
crate plain "$zoomap_deps" "$zoomap_main"
nonasm=$work/nonasm; mkdir -p "$nonasm"
for dir in $(echo "$PATH" | tr : ' '); do  # every command on the PATH but nasm
  for tool in "$dir"/*; do
    name=$(basename "$tool")
    [ "$name" = nasm ] || [ -e "$nonasm/$name" ] || ln -s "$tool" "$nonasm/$name"
  done
done

pillow=$($venv/bin/python - "$work/list" <<'EOF'
import hashlib, sys, time
from PIL import Image
files = [open(f, "rb").read() for f in open(sys.argv[1]).read().splitlines()]
import io
decode = lambda b: Image.open(io.BytesIO(b)).convert("RGB").tobytes()
digest = hashlib.sha256()
for b in files:
    digest.update(decode(b))
started = time.perf_counter()
for _ in range(5):
    for b in files:
        decode(b)
print(f"{(time.perf_counter() - started) * 1000 / (5 * len(files)):.3f} {digest.hexdigest()}")
EOF
)
read -r pillow_ms pillow_hash <<< "$pillow"
row() {  # LABEL "MS HASH" (nothing where the build failed)
  [ -n "$2" ] || { echo "$1: not measured (build failed, above)"; return 0; }
  read -r ms hash <<< "$2"
  same=$([ "$hash" = "$pillow_hash" ] && echo "Pillow's pixels" || echo "DIFFERENT pixels")
  awk -v l="$1" -v m="$ms" -v p="$pillow_ms" -v s="$same" 'BEGIN {printf "%-44s %8.2f ms  %5.2fx Pillow  %s\n", l, m, m / p, s}'
}
echo "$n photos of imagenet-sample, full size, 1 thread, 5 passes"
printf '%-44s %8.2f ms  %5.2fx Pillow\n' "Pillow $($venv/bin/python -c 'import PIL; print(PIL.__version__)')" "$pillow_ms" 1
if command -v nasm > /dev/null; then
  row "zoomap (mozjpeg, NASM SIMD)" "$(run simd)"
else
  echo "zoomap (mozjpeg, NASM SIMD): nasm is not installed"
fi
row "zoomap (mozjpeg, plain C)" "$(run plain PATH="$nonasm")"
if command -v cmake > /dev/null && command -v nasm > /dev/null; then
  crate turbo 'turbojpeg = { version = "1.5", default-features = false, features = ["cmake"] }' '
fn decode(bytes: &[u8]) -> Vec<u8> {
    let mut d = turbojpeg::Decompressor::new().unwrap();
    let h = d.read_header(bytes).unwrap();
    let mut image = turbojpeg::Image { pixels: vec![0; 3 * h.width * h.height], width: h.width,
        pitch: 3 * h.width, height: h.height, format: turbojpeg::PixelFormat::RGB };
    d.decompress(bytes, image.as_deref_mut()).unwrap();
    image.pixels
}'
  row "before: turbojpeg crate (cmake, NASM SIMD)" "$(run turbo)"
else
  echo "before: turbojpeg crate: needs cmake and nasm (apt-get install cmake nasm)"
fi
