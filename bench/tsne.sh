#!/usr/bin/env bash
# t-SNE speed and quality, zoomap vs openTSNE, one command:  bash bench/tsne.sh
# Inputs: 20,000 x 50 Gaussian blobs (scikit-learn make_blobs, seeded) and the PCA-50 of the
# EfficientNet-Lite0 features of ../shared/datasets/imagenet-sample (1,000 photos). zoomap runs
# with 2 threads (default) and on one thread (what --seed does, bit-identical); openTSNE with
# n_jobs=2. Prints wall time and the exact KL divergence of each embedding against the same
# affinities, as ratios to openTSNE. Python tools go into bench/.venv (see bench/quality.sh).
# BEFORE=/path/to/an/older/tsne_bench adds its rows (both modes), labelled "before".
set -euo pipefail
cd "$(dirname "$0")/.."
py=bench/.venv/bin/python
[ -x $py ] || python3 -m venv bench/.venv
$py -c "import numpy, scipy, sklearn, openTSNE" 2>/dev/null ||
  bench/.venv/bin/pip install -q numpy scipy scikit-learn openTSNE
cargo build --release -q --example tsne_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$py bench/tsne.py inputs "$work"
for input in blobs-20000 imagenet-pca50; do
  echo "== $input"
  runs=()
  for binary in ${BEFORE:+"$BEFORE"} ./target/release/examples/tsne_bench; do
    version=$([ "$binary" = "${BEFORE:-}" ] && echo "before " || true)
    for mode in parallel reproducible; do
      out="$work/$input-${version// /}$mode.npy"
      seconds=$(RAYON_NUM_THREADS=2 "$binary" "$work/$input.npy" "$out" $mode | sed 's/seconds=//')
      label="zoomap ${version}($mode)"
      runs+=("${label// /_}=$out:$seconds")
    done
  done
  OMP_NUM_THREADS=2 $py bench/tsne.py run "$work/$input.npy" "${runs[@]}"
done
