#!/usr/bin/env bash
# The preview server under load, one command:  bash bench/serve.sh [CONNECTIONS] [SECONDS]
# Builds a synthetic 100,000-item site (examples/scale_site), lists 2,000 of its tiles, and
# fetches them with examples/http_load (CONNECTIONS connections, default 200, for SECONDS,
# default 10, keep-alive where the server allows) from `zoomap serve` and then from Python's
# `python3 -m http.server` on the same folder, same client, in one run. Prints each server's
# requests/s, p50/p99 latency and errors, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-200}
seconds=${2:-10}
cargo build --release -q --bin zoomap --example scale_site --example http_load
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
./target/release/examples/scale_site "$work/site" 100000 > /dev/null
(cd "$work/site" && find map_files -name '*.jpg' | sort | head -2000 | sed 's|^|/|') > "$work/paths.txt"
echo "site: $(wc -l < "$work/paths.txt") tile paths, $connections connections, $seconds s each"

measure() { # NAME PORT: runs the load against 127.0.0.1:PORT and prints the result line
  ./target/release/examples/http_load "127.0.0.1:$2" "$work/paths.txt" "$connections" "$seconds" | tee "$work/$1.json"
}
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return; sleep 0.1; done; }

./target/release/zoomap serve "$work/site" --port 18471 > /dev/null &
server=$!
wait_port 18471
printf 'zoomap serve:        '; measure zoomap 18471
kill $server; wait $server 2>/dev/null || true

python3 -m http.server 18472 --bind 127.0.0.1 --directory "$work/site" > /dev/null 2>&1 &
server=$!
wait_port 18472
printf 'python http.server:  '; measure python 18472

python3 - "$work" <<'PY'
import json, sys
z = json.load(open(f"{sys.argv[1]}/zoomap.json"))
p = json.load(open(f"{sys.argv[1]}/python.json"))
print(f"ratio zoomap / python: requests/s {z['requests_per_s'] / max(p['requests_per_s'], 1):.1f}x, "
      f"p99 {z['p99_ms']:.1f} ms vs {p['p99_ms']:.1f} ms")
PY
