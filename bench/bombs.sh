#!/usr/bin/env bash
# Decompression bombs and a large legitimate image, one command:
#   bash bench/bombs.sh [ZOOMAP_BINARY]      (default: target/release/zoomap, built if missing)
# Writes, in a temporary folder, the two bombs of issue 12 (a real PNG of 30,000 × 30,000
# black pixels in 2.6 MB, and a 4 KB JPEG whose header claims 65,000 × 65,000) beside two
# bundled photos, and separately a 200 MP PNG (14,142², a gradient); builds each folder with
# the tiny VGG fixture and prints what was placed or skipped, the wall time and the peak RSS
# (GNU time). Pass the binary of an older commit to see the figures before bounded decoding.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/zoomap}
[ -x "$bin" ] || cargo build --release -q --bin zoomap
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bombs" "$work/large"
cp examples/patterns/dots-green-1.jpg examples/patterns/checks-red-4.jpg "$work/bombs/"
python3 - "$work" examples/patterns/blobs-blue-1.jpg <<'PY'
import struct, sys, zlib
work, jpeg = sys.argv[1], sys.argv[2]
def png(path, w, h, row, level):
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    comp = zlib.compressobj(level)
    data = b''.join(comp.compress(row) for _ in range(h)) + comp.flush()
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', data) + chunk(b'IEND', b''))
png(f'{work}/bombs/bomb.png', 30000, 30000, bytes(1 + 30000 * 3), 9)
j = bytearray(open(jpeg, 'rb').read())
sof = j.find(b'\xff\xc0')
j[sof + 5:sof + 9] = (65000).to_bytes(2, 'big') * 2
open(f'{work}/bombs/bomb.jpg', 'wb').write(j)
w = 14142
png(f'{work}/large/large-200mp.png', w, w, bytes([0]) + bytes(x * 255 // w for x in range(w)) * 3, 1)
PY
for folder in bombs large; do
  echo "== $folder: $(ls "$work/$folder" | tr '\n' ' ')"
  /usr/bin/time -f "wall %e s, peak RSS %M KiB" "$bin" build "$work/$folder" -o "$work/site-$folder" \
    --weights tests/fixtures/tiny-vgg.safetensors --device cpu --cache "$work/cache" 2>&1 \
    | grep -E "^skipped|images found|^wall" | sort -u
done
