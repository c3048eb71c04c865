#!/usr/bin/env bash
# Tiler speed and memory, zoomap vs libvips, one command:  bash bench/tiles.sh
# A 16,384² mosaic (64 × 64 cells of 256 px cut from the photos of ../shared/datasets, cycled)
# tiled by zoomap's streaming DZI writer (from the cells, as a build does) and by
# `vips dzsave` (from the same mosaic as a .v file), both with zoomap's default tiles (256, no overlap), JPEG Q85,
# 2 threads. Prints seconds, tiles/s and peak RSS of each and the speed ratio; then a synthetic
# 100,000-cell map (128-px solid cells, 40,448² px) through zoomap for peak RSS at scale.
# Installs libvips-tools (Debian) when vips is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v vips >/dev/null || sudo apt-get install -y -q libvips-tools >/dev/null
cargo build --release -q --example tiles_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
images=$(find ../shared/datasets/flowers12 ../shared/datasets/imagenet-sample -iname '*.jp*g' | sort)
export RAYON_NUM_THREADS=2 VIPS_CONCURRENCY=2
ours=$(./target/release/examples/tiles_bench photos "$work" 64 $images)
vips rawload "$work/mosaic.raw" "$work/mosaic.v" 16384 16384 3
rm "$work/mosaic.raw"
start=$(date +%s.%N)
vips_rss=$( { /usr/bin/time -f "%M" vips dzsave "$work/mosaic.v" "$work/vips" --tile-size 256 --overlap 0 \
  --suffix ".jpg[Q=85]" ; } 2>&1 | tail -1)
vips_seconds=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
vips_tiles=$(find "$work/vips_files" -name '*.jpg' | wc -l)
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
printf '%-22s %9s %7s %9s %9s\n' tiler seconds tiles tiles/s "RSS MiB"
printf '%-22s %9s %7s %9s %9s\n' "zoomap" "$(field "$ours" seconds)" "$(field "$ours" tiles)" \
  "$(field "$ours" tiles_per_s)" "$(field "$ours" peak_rss_mib)"
printf '%-22s %9s %7s %9s %9s\n' "vips dzsave $(vips --version | cut -d- -f2)" "$vips_seconds" "$vips_tiles" \
  "$(python3 -c "print(round($vips_tiles / $vips_seconds))")" "$((vips_rss / 1024))"
python3 -c "print(f'speed ratio zoomap / vips  {$(field "$ours" tiles_per_s) / ($vips_tiles / $vips_seconds):.2f}x')"
echo "synthetic 100,000 cells: $(./target/release/examples/tiles_bench synthetic "$work" 100000 128)"
