#!/usr/bin/env bash
# Grid-refinement cost, one command:  bash bench/refine.sh [N ...]
# Runs examples/refine_bench.rs (4 sweeps on a synthetic t-SNE-shaped neighbour graph of
# 60 neighbours per item) for each N (default 10,000, 100,000 and 1,000,000), one process
# per N, and prints its wall time and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --example refine_bench
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
for n in "${sizes[@]}"; do
  ./target/release/examples/refine_bench $n
done
