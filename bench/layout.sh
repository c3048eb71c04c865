#!/usr/bin/env bash
# Grid-assignment speed and quality at N = 1k, 10k, 100k, 1M, one command:  bash bench/layout.sh
# Synthetic clustered 2-D points (examples/layout_bench.rs), one process per run so each peak
# RSS is its own. zoomap's automatic method is compared with the exact solver where it fits
# (1k, 10k) and with large blocks solved exactly and not refined (100k). Uses every core the
# machine has (RAYON_NUM_THREADS to limit).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --example layout_bench
bench=./target/release/examples/layout_bench
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
printf '%-9s %-28s %10s %10s %12s %12s %10s\n' N method seconds "RSS MiB" cost/point "vs baseline" "time ratio"
for n in 1000 10000 100000 1000000; do
  ours=$($bench $n)
  baseline=""
  case $n in
    1000|10000) baseline=$($bench $n exact) ;;
    100000) baseline=$($bench $n blocks4096) ;;
  esac
  for line in "$baseline" "$ours"; do
    [ -n "$line" ] || continue
    method=$(echo "$line" | sed 's/.*method=\(.*\) seconds=.*/\1/')
    ratio="-"; time_ratio="-"
    if [ -n "$baseline" ] && [ "$line" = "$ours" ]; then
      ratio=$(python3 -c "print(f'{$(field "$ours" cost)/$(field "$baseline" cost):.4f}')")
      time_ratio=$(python3 -c "print(f'{$(field "$ours" seconds)/$(field "$baseline" seconds):.3f}')")
    fi
    printf '%-9s %-28s %10s %10s %12s %12s %10s\n' "$n" "$method" "$(field "$line" seconds)" \
      "$(field "$line" peak_rss_mib)" "$(field "$line" cost_per_point)" "$ratio" "$time_ratio"
  done
done
