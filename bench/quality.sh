#!/usr/bin/env bash
# Map quality on ../shared/datasets/flowers12, one command:  bash bench/quality.sh
# Builds the layout twice, from the genuine ImageNet features (EfficientNet-Lite0, brought with
# --features) and from the VGG16 weights of ../shared/models, and prints bench/quality.py's
# figures for each. Installs numpy and scikit-learn into bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/datasets/flowers12
[ -d "$data" ] || { echo "needs $data"; exit 1; }
[ -x bench/.venv/bin/python ] || { python3 -m venv bench/.venv && bench/.venv/bin/pip install -q numpy scikit-learn; }
cargo build --release -q
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== flowers12, EfficientNet-Lite0 features (--features)"
./target/release/zoomap build "$data" -o "$out/lite0-site" --features "$data/features-efficientnet-lite0.npy" \
  --cell 64 --preview-size 64 --export "$out/lite0" >/dev/null
bench/.venv/bin/python bench/quality.py "$out/lite0" "$data/labels.csv"
echo "== flowers12, VGG16 (HED weights of ../shared/models)"
./target/release/zoomap build "$data" -o "$out/vgg-site" --weights ../shared/models/vgg16-hed-bsds500-features.safetensors \
  --cell 64 --preview-size 64 --export "$out/vgg" >/dev/null
bench/.venv/bin/python bench/quality.py "$out/vgg" "$data/labels.csv"
