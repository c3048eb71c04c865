#!/usr/bin/env bash
# The layouts' quality, measured (issue 34) on flowers12 (its real photos, labels and
# EfficientNet-Lite0 features from ../shared) with a random year (1850–2019) and place per
# photo added to its labels (bench/layouts.py metadata): builds time, group:label, colour and
# place:lat,lon beside the similarity map, then bench/layouts.py score checks and measures
# each from --export's layouts.tsv: the timeline's bands in year order and every item in its
# bin's band, each label's block one connected piece, the colour sort's mean CIELAB distance
# between neighbouring items against the similarity map and a random grid, and the rank
# correlation of the place map's columns and rows with longitude and latitude.
# SEEDS (default "1 2 3"): the t-SNE seeds built (the similarity map, and so the order inside
# bands and blocks, depends on it; the checks should not). BIN=path/to/zoomap (default: a
# release build). About half a minute per seed on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=bench/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q numpy pillow
BIN=${BIN:-}
if [ -z "$BIN" ]; then cargo build --release -q --bin zoomap; BIN=./target/release/zoomap; fi
DATA=../shared/datasets/flowers12
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$VENV/bin/python" bench/layouts.py metadata "$DATA/labels.csv" "$WORK/items.csv"
for seed in ${SEEDS:-1 2 3}; do
  echo "seed $seed"
  rm -rf "$WORK/site" "$WORK/export"
  "$BIN" build "$DATA" -o "$WORK/site" --features "$DATA/features-efficientnet-lite0.npy" \
    --metadata "$WORK/items.csv" --seed "$seed" --cell 64 --originals none --export "$WORK/export" \
    --layouts similarity,time,group:label,colour,place:lat,lon | grep -E '^time:'
  "$VENV/bin/python" bench/layouts.py score "$WORK/site" "$WORK/export" "$WORK/items.csv" "$DATA"
done
