#!/usr/bin/env bash
# t-SNE speed and quality, zoomap vs openTSNE, one command:  bash bench/tsne.sh [N ...]
# Inputs: 20,000 x 50 Gaussian blobs (scikit-learn make_blobs, seeded) and the PCA-50 of the
# EfficientNet-Lite0 features of ../shared/datasets/imagenet-sample (1,000 photos); given
# sizes N, N x 50 blobs of each size instead (bench/tsne.sh 100000 200000: minutes each, run
# it in the background). zoomap runs on 2 threads and on one (the bits must be the same;
# the script says so), openTSNE with n_jobs=2. Prints wall time, the exact KL divergence of
# each embedding against the same affinities, its ratios to openTSNE, and kNN recall at
# k = 10 on a 10,000-row sample (bench/tsne.py); zoomap's profile (seconds per step, the
# interpolation grid and KL every 50 iterations) goes to stderr. Python tools go into
# bench/.venv (see bench/quality.sh).
# BEFORE=/path/to/an/older/tsne_bench adds its rows, labelled "before"; THREADS="2" skips the
# one-thread run (at 100,000 rows and more, where it doubles the bench's time).
set -euo pipefail
cd "$(dirname "$0")/.."
py=bench/.venv/bin/python
[ -x $py ] || python3 -m venv bench/.venv
$py -c "import numpy, scipy, sklearn, openTSNE" 2>/dev/null ||
  bench/.venv/bin/pip install -q numpy scipy scikit-learn openTSNE
bench=${TSNE_BENCH:-}  # a prebuilt tsne_bench, if given
if [ -z "$bench" ]; then
  cargo build --release -q --example tsne_bench
  bench=./target/release/examples/tsne_bench
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -eq 0 ]; then
  $py bench/tsne.py inputs "$work"
  inputs=(blobs-20000 imagenet-pca50)
else
  inputs=()
  for n in "$@"; do
    $py bench/tsne.py blobs "$n" "$work/blobs-$n.npy"
    inputs+=("blobs-$n")
  done
fi
for input in "${inputs[@]}"; do
  echo "== $input"
  runs=()
  if [ -n "${BEFORE:-}" ]; then
    seconds=$(RAYON_NUM_THREADS=2 "$BEFORE" "$work/$input.npy" "$work/before.npy" parallel | sed 's/seconds=//')
    runs+=("zoomap_before=$work/before.npy:$seconds")
  fi
  for threads in ${THREADS:-2 1}; do
    out="$work/$input-$threads.npy"
    seconds=$(RAYON_NUM_THREADS=$threads "$bench" "$work/$input.npy" "$out" | sed 's/seconds=//')
    runs+=("zoomap_($threads-thread)=$out:$seconds")
  done
  if [ -f "$work/$input-1.npy" ]; then
    cmp -s "$work/$input-2.npy" "$work/$input-1.npy" &&
      echo "zoomap on 2 threads and on 1: bit-identical" ||
      echo "zoomap on 2 threads and on 1: DIFFERENT"
  fi
  OMP_NUM_THREADS=2 $py bench/tsne.py run "$work/$input.npy" "${runs[@]}"
done
