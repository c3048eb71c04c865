#!/usr/bin/env bash
# t-SNE's neighbour search, one command:  bash bench/knn.sh [N]
# Input: N x 50 Gaussian blobs (scikit-learn make_blobs, seeded; N defaults to 100,000), the
# shape of a PCA-50 projection. Prints the clustered approximate search's time and recall of
# the exact 90 nearest (perplexity 30's k) at several probe counts (PROBES=4,8,12,16), the
# recall measured on a seeded sample of 2,000 rows, and the exact search's time up to
# 200,000 rows (examples/knn_bench.rs). Up to 200,000 rows it then runs zoomap's t-SNE on
# each search's neighbours beside openTSNE (2 threads each) and prints time, exact KL and
# kNN recall as bench/tsne.sh does. BEFORE=/path/to/an/older/knn_bench adds its line (the
# HNSW search zoomap used before issue 37). INPUT=mixture uses bench/tsne.py's harder input
# (2,000 overlapping Gaussians) instead of the blobs. Python tools go into bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
kind=${INPUT:-blobs}
case "$kind" in
  blobs | mixture) ;;
  *) echo "bench/knn.sh: INPUT must be blobs or mixture, not $kind" >&2; exit 2 ;;
esac
py=bench/.venv/bin/python
[ -x $py ] || python3 -m venv bench/.venv
$py -c "import numpy, scipy, sklearn, openTSNE" 2>/dev/null ||
  bench/.venv/bin/pip install -q numpy scipy scikit-learn openTSNE
release=${RELEASE:-./target/release/examples}
[ -n "${RELEASE:-}" ] || cargo build --release -q --example knn_bench --example tsne_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
input="$work/$kind-$n.npy"
$py bench/tsne.py "$kind" "$n" "$input"
[ -z "${BEFORE:-}" ] || { echo "before:"; RAYON_NUM_THREADS=2 "$BEFORE" "$input"; }
RAYON_NUM_THREADS=2 "$release/knn_bench" "$input" 90 "${PROBES:-4,8,12,16}"
[ "$n" -le 200000 ] || exit 0
runs=()
for search in exact approximate; do
  out="$work/$search.npy"
  seconds=$(RAYON_NUM_THREADS=2 "$release/tsne_bench" "$input" "$out" $search | sed 's/seconds=//')
  runs+=("zoomap_($search)=$out:$seconds")
done
OMP_NUM_THREADS=2 $py bench/tsne.py run "$input" "${runs[@]}"
