#!/usr/bin/env bash
# t-SNE's neighbour search, exact vs approximate (HNSW), one command:  bash bench/knn.sh [N]
# Input: N x 50 Gaussian blobs (scikit-learn make_blobs, seeded; N defaults to 100,000), the
# shape of a PCA-50 projection. Prints both searches' times and the approximate one's recall
# of the exact neighbours (k = 90, perplexity 30's), then runs zoomap's t-SNE on each
# neighbour set beside openTSNE (2 threads each) and prints time and exact KL(P || Q) as
# ratios to openTSNE, as bench/tsne.sh does. Python tools go into bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
py=bench/.venv/bin/python
[ -x $py ] || python3 -m venv bench/.venv
$py -c "import numpy, scipy, sklearn, openTSNE" 2>/dev/null ||
  bench/.venv/bin/pip install -q numpy scipy scikit-learn openTSNE
cargo build --release -q --example knn_bench --example tsne_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
input="$work/blobs-$n.npy"
$py bench/tsne.py blobs "$n" "$input"
RAYON_NUM_THREADS=2 ./target/release/examples/knn_bench "$input"
runs=()
for search in exact approximate; do
  out="$work/$search.npy"
  seconds=$(RAYON_NUM_THREADS=2 ./target/release/examples/tsne_bench "$input" "$out" parallel $search | sed 's/seconds=//')
  runs+=("zoomap_($search)=$out:$seconds")
done
OMP_NUM_THREADS=2 $py bench/tsne.py run "$input" "${runs[@]}"
