#!/usr/bin/env bash
# The site's IIIF against the IIIF community's validators (issue 35): builds flowers12-small
# (its real photos, labels and features from ../shared, with a year, a licence URI and a
# credit per photo) for the address it is then served at, and
#   - validates the map's Manifest, the items' Collection and every item's Manifest with the
#     Presentation 3 models of iiif-prezi3 (bench/iiif.py);
#   - runs iiif-validator's Image API 3.0 level-0 tests on the map's info.json and tiles
#     (`iiif-validate.py --level 0`: info_json, size_nofull, id_basic, format_jpg,
#     id_squares; the last three compare the image with the validator's own test pattern,
#     which only that test image can pass; their status checks still say whether the
#     level-0 request was answered).
# BIN=path/to/zoomap (default: a release build); PORT (default 8765).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=bench/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q iiif-prezi3==3.1.1 iiif-validator==1.0.5
BIN=${BIN:-}
if [ -z "$BIN" ]; then cargo build --release -q --bin zoomap; BIN=./target/release/zoomap; fi
DATA=../shared/datasets/flowers12-small
PORT=${PORT:-8765}
WORK=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$WORK"' EXIT
{ echo "filename,label,Year,License,Credit"
  tail -n +2 "$DATA/labels.csv" | awk -F, '{ printf "%s,%s,%d,http://creativecommons.org/licenses/by/4.0/,Photo by %s\n", $1, $2, 1900 + NR % 100, $2 }'
} > "$WORK/items.csv"
"$BIN" build "$DATA" -o "$WORK/site" --features "$DATA/features-efficientnet-lite0.npy" \
  --metadata "$WORK/items.csv" --title "{label}" --base-url "http://127.0.0.1:$PORT/" > /dev/null
"$BIN" serve "$WORK/site" --port "$PORT" > /dev/null &
server=$!
sleep 1
echo "iiif-prezi3 (Presentation 3 models):"
"$VENV/bin/python" bench/iiif.py "http://127.0.0.1:$PORT/"
echo "iiif-validator (Image API 3.0, level 0):"
"$VENV/bin/iiif-validate.py" -s "127.0.0.1:$PORT" -p iiif -i map --version=3.0 --level 0 -v 2>&1 |
  grep -E '^\[|got:|Done' || true
