#!/usr/bin/env bash
# Map quality on ../shared/datasets/flowers12, one command:  bash bench/quality.sh
# Builds the map twice, from the genuine ImageNet features (EfficientNet-Lite0, brought with
# --features) and from the VGG16 weights of ../shared/models, each refined (the default) and
# with --refine none, and prints bench/quality.py's table for each: zoomap and its unrefined
# grid beside its t-SNE with an exact LAP grid, openTSNE + exact LAP, FLAS and the amnh recipe
# (PCA 256 -> t-SNE -> RasterFairy). Installs numpy, scipy, scikit-learn, openTSNE and
# rasterfairy from PyPI into bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/datasets/flowers12
[ -d "$data" ] || { echo "needs $data"; exit 1; }
py=bench/.venv/bin/python
[ -x $py ] || python3 -m venv bench/.venv
$py -c "import numpy, scipy, sklearn, openTSNE, rasterfairy" 2>/dev/null ||
  bench/.venv/bin/pip install -q numpy scipy scikit-learn openTSNE rasterfairy
cargo build --release -q --bin zoomap
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
evaluate() {
  local name=$1; shift
  echo "== flowers12, $name"
  for refine in auto none; do
    ./target/release/zoomap build "$data" -o "$out/$name-$refine-site" --cell 64 --preview-size 64 \
      --export "$out/$name-$refine" --refine $refine "$@" >/dev/null
  done
  grid=$($py -c "import json; g=json.load(open('$out/$name-auto-site/build-report.json'))['grid']; print(g['cols'], g['rows'])")
  $py bench/quality.py "$out/$name-auto" "$data/labels.csv" $grid "$out/$name-none"
}
evaluate lite0 --features "$data/features-efficientnet-lite0.npy"
evaluate vgg16-hed --weights ../shared/models/vgg16-hed-bsds500-features.safetensors
