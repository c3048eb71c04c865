#!/usr/bin/env bash
# Near-duplicate flags, measured (issue 33): 240 flowers12 photos with 400 generated
# near-duplicates of 100 of them (JPEG quality 60, 50% resize, 5% crop, colour shift;
# bench/duplicates.py make), built with the VGG16 weights of ../shared/models on the CPU, then
# precision and recall of the flagged pairs at several thresholds and of the build's own
# duplicates.tsv (bench/duplicates.py score). About 4 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=bench/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q numpy pillow
BIN=${BIN:-}
if [ -z "$BIN" ]; then cargo build --release -q --bin zoomap; BIN=./target/release/zoomap; fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$VENV/bin/python" bench/duplicates.py make "$WORK/images"
"$BIN" build "$WORK/images" -o "$WORK/site" --weights ../shared/models/vgg16-hed-bsds500-features.safetensors \
  --device cpu --seed 1 --cell 32 --originals none --export "$WORK/export" | grep -E 'near-duplicates|placed'
"$VENV/bin/python" bench/duplicates.py score "$WORK/export" "$WORK/truth.tsv"
