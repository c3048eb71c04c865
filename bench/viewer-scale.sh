#!/usr/bin/env bash
# The viewer at scale, one command:  bash bench/viewer-scale.sh [N]   (N defaults to 1,000,000)
# Builds a synthetic N-item site through the library's tiles and site stages
# (examples/scale_site: 16-px solid cells, generated titles, two facets and a year column),
# serves it with `zoomap serve` and measures in headless Chromium (bench/viewer_scale.mjs):
# first paint and the bytes before it, JS heap (CDP Performance.getMetrics), search and
# facet-filter times, a lasso over a third of the map (select time, link length, CSV
# download time, link restore). Beside it, what loading every record up front costs (one JSON of all
# records, as single-file viewers do): transfer, parse and heap.
# Needs tests/setup.sh to have run (Chromium, playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
cargo build --release -q --bin zoomap --example scale_site
bin=${CARGO_TARGET_DIR:-target}/release
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
"$bin"/examples/scale_site "$work/site" "$n"
python3 - "$work/site" <<'PY'
import json, os, sys
site = sys.argv[1]
regions = os.path.join(site, "data", "regions")
records = []
for name in sorted(os.listdir(regions)):
    with open(os.path.join(regions, name)) as f:
        records.extend(json.load(f))
with open(os.path.join(site, "all-items.json"), "w") as f:
    json.dump(records, f, separators=(",", ":"))
PY
echo "site: $(du -sh "$work/site/data" | cut -f1) of item data in $(find "$work/site/data" -type f | wc -l) files; all records in one file: $(du -h "$work/site/all-items.json" | cut -f1)"
"$bin"/zoomap serve "$work/site" --port 0 > "$work/serve.log" &
server=$!
for _ in $(seq 50); do grep -q http "$work/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/serve.log")
mkdir -p target/viewer-scale
node bench/viewer_scale.mjs "$url" target/viewer-scale
echo "screenshots: target/viewer-scale/"
