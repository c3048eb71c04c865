#!/usr/bin/env bash
# A whole build at scale, one command:  bash bench/scale.sh [N]   (default 100000)
# Generates N procedural 64-px images and N × 4096 clustered synthetic vectors
# (examples/scale_inputs.rs) in a temporary folder (OUT=DIR keeps them and the site there),
# builds the map from them with --features (--cell ${CELL:-64}, previews 128 px, no originals),
# and prints each stage's seconds and peak RSS from build-report.json, the whole run's wall time
# and peak RSS, and checks that the site is complete, and what its IIIF adds to its size.
# BEFORE=/path/to/an/older/zoomap runs the same build with it too and prints the ratios.
# LAYOUTS=LIST (e.g. time,group:Kind,colour,place:lat,lon) also writes a metadata CSV of a
# random year (1850–2019), one of 12 kinds and a random place per image, builds the layouts
# with it, and prints each layout's seconds (its stage) and bytes (tiles and cell file)
# beside the map's own tiles and the whole site.
# TAGS=1 also writes a tags file of 1–2 random ImageNet classes per image (random scores
# 0.2–0.9), builds with it (--tags FILE), then again with --tags none, and prints what the
# tags cost: the tags stage, each build's seconds, the site's and its data/'s bytes.
# ZOOMAP and SCALE_INPUTS name prebuilt binaries; SCALE_INPUTS=ready takes the inputs already
# in OUT (the test suite writes them in process and passes its own zoomap).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cell=${CELL:-64}
if [ -z "${ZOOMAP:-}" ] || [ -z "${SCALE_INPUTS:-}" ]; then
  cargo build --release -q --bin zoomap --example scale_inputs
fi
zoomap=${ZOOMAP:-./target/release/zoomap}
inputs=${SCALE_INPUTS:-./target/release/examples/scale_inputs}
if [ -n "${OUT:-}" ]; then
  work=$OUT; mkdir -p "$work"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi
[ "$inputs" = ready ] || "$inputs" "$n" "$work"
layout_args=()
if [ -n "${LAYOUTS:-}" ]; then
  (cd "$work/images" && find . -type f | sed 's|^\./||' | sort) | awk 'BEGIN {
      srand(7); print "filename,Year,Kind,lat,lon" }
    { printf "%s,%d,kind %d,%.3f,%.3f\n", $0, 1850 + int(rand() * 170), int(rand() * 12),
        rand() * 140 - 60, rand() * 360 - 180 }' > "$work/items.csv"
  layout_args=(--metadata "$work/items.csv" --layouts "$LAYOUTS")
fi
tag_args=()
if [ -n "${TAGS:-}" ]; then
  awk -F'\t' '$1 == "class" { print $2 "\t" $3 }' src/stages/tags/wordnet.tsv > "$work/classes.tsv"
  (cd "$work/images" && find . -type f | sed 's|^\./||' | sort) | awk -v classes="$work/classes.tsv" 'BEGIN {
      srand(11); FS = "\t"; n = 0
      while ((getline line < classes) > 0) { split(line, f, "\t"); wnid[n] = f[1]; label[n] = f[2]; n++ }
      print "filename,wnid,label,score" }
    { k = 1 + int(rand() * 2)
      for (i = 0; i < k; i++) { c = int(rand() * n); printf "%s,%s,\"%s\",%.3f\n", $0, wnid[c], label[c], 0.2 + rand() * 0.7 } }' \
    > "$work/tags.csv"
  tag_args=(--tags "$work/tags.csv")
fi

# build LABEL BINARY: builds the site into $work/site-LABEL; prints "seconds peak_mib" (the
# report's peak: zoomap resets the kernel's high-water mark per stage, so rusage's is not the
# whole run's).
build() {
  local label=$1 binary=$2 site=$work/site-$1 started ended peak
  started=$(date +%s.%N)
  "$binary" build "$work/images" -o "$site" --features "$work/features.npy" --cell "$cell" \
    --preview-size 128 --originals none "${layout_args[@]}" "${tag_args[@]}" > "$work/log-$label" 2>&1 || { cat "$work/log-$label"; exit 1; }
  ended=$(date +%s.%N)
  peak=$(tr -d ' \n' < "$site/build-report.json" | grep -o '"peak_rss_mib":[0-9.]*' | cut -d: -f2)
  awk -v a="$started" -v b="$ended" -v m="$peak" 'BEGIN {printf "%.1f %.0f\n", b - a, m}'
}

# stages SITE: "stage seconds peak_mib" per stage, from the build report.
stages() {
  tr -d ' \n' < "$1/build-report.json" | sed 's/.*"stage_seconds":\[\(.*\)\],"stage_peak_rss_mib":\[\(.*\)\],"total_seconds".*/\1|\2/' |
    awk -F'|' '{
      n = split($1, t, /\],\[/); split($2, m, /\],\[/)
      for (i = 1; i <= n; i++) {
        gsub(/[\[\]"]/, "", t[i]); gsub(/[\[\]"]/, "", m[i])
        split(t[i], a, ","); split(m[i], b, ",")
        printf "%-16s %10.1f %10.0f\n", a[1], a[2], b[2]
      }
    }'
}

# A build that failed prints its log in place of "seconds peak" (the subshell cannot stop
# the script): stop here.
finished() { [[ $1 =~ ^[0-9.]+$ ]] || { cat "$work/log-$2"; exit 1; }; }
read -r seconds peak < <(build now "$zoomap")
finished "$seconds" now
site=$work/site-now
count=$(tr -d ' \n' < "$site/data/index.json" | grep -o '"count":[0-9]*' | head -1 | cut -d: -f2)
for file in index.html map.dzi data/index.json data/occupied.bin build-report.json; do
  [ -s "$site/$file" ] || { echo "site incomplete: $file missing"; exit 1; }
done
[ "$count" = "$n" ] || { echo "site incomplete: $count items of $n"; cat "$work/log-now"; exit 1; }
printf '%s images, %s-px cells: %s s, peak RSS %s MiB; site valid (%s items)\n' \
  "$n" "$cell" "$seconds" "$peak" "$count"
printf '%-16s %10s %10s\n' stage seconds "peak MiB"
stages "$site"
bytes() { du -sb "$@" | awk '{ s += $1 } END { printf "%d\n", s }'; }
# IIIF's cost: the site with and without iiif/ (du counts a file hard-linked twice once).
whole=$(bytes "$site")
without=$(du -sb --exclude=iiif "$site" | cut -f1)
printf 'site %s bytes, %s without iiif/: IIIF adds %s bytes (%s%%); iiif/items %s bytes in %s files\n' \
  "$whole" "$without" "$((whole - without))" "$(awk -v a="$whole" -v b="$without" 'BEGIN {printf "%.1f", 100 * (a - b) / b}')" \
  "$(bytes "$site/iiif/items")" "$(find "$site/iiif/items" -type f | wc -l)"
if [ -n "${LAYOUTS:-}" ]; then
  printf '%-16s %14s\n' layout bytes
  printf '%-16s %14s\n' "own tiles" "$(bytes "$site/map_files" "$site/map.dzi")"
  for dir in "$site"/layouts/*/; do
    name=$(basename "$dir")
    printf '%-16s %14s\n' "$name" "$(bytes "$dir" "$site/data/layouts/$name.bin")"
  done
  printf '%-16s %14s\n' "whole site" "$(bytes "$site")"
fi
if [ -n "${TAGS:-}" ]; then
  tagged_seconds=$seconds
  tag_args=(--tags none)
  read -r bare_seconds _ < <(build notags "$zoomap")
  finished "$bare_seconds" notags
  tag_stage=$(stages "$site" | awk '$1 == "tags" { print $2 }')
  printf 'tags: %s tags of %s images; tags stage %s s; build %s s with tags, %s s without
' \
    "$(($(wc -l < "$work/tags.csv") - 1))" "$n" "$tag_stage" "$tagged_seconds" "$bare_seconds"
  for part in "" data data/search data/regions data/facets; do
    with=$(bytes "$site/$part"); bare=$(bytes "$work/site-notags/$part")
    printf '  %-14s %12s bytes with tags, %12s without: +%s (%s%%)\n' "${part:-site}" "$with" "$bare" \
      "$((with - bare))" "$(awk -v a="$with" -v b="$bare" 'BEGIN {printf "%.1f", 100 * (a - b) / b}')"
  done
fi
if [ -n "${BEFORE:-}" ]; then
  read -r before_seconds before_peak < <(build before "$BEFORE")
  finished "$before_seconds" before
  printf 'before: %s s, peak RSS %s MiB; now/before: time %s, memory %s\n' \
    "$before_seconds" "$before_peak" \
    "$(awk -v a="$seconds" -v b="$before_seconds" 'BEGIN {printf "%.3f", a / b}')" \
    "$(awk -v a="$peak" -v b="$before_peak" 'BEGIN {printf "%.3f", a / b}')"
fi
