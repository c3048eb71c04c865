#!/usr/bin/env bash
# Whether cluster names can be believed (issue 32), over seeds 1–5, for the current binary
# and, with BEFORE=path/to/an/older/zoomap, that one in the same run:
#  1. flowers12 with labels.csv as the metadata: the share of top-level clusters whose drawn
#     name (not numbered) starts with their majority species, and how many are drawn;
#  2. flowers12 with a herbarium-like CSV (random collector and country columns, a IIIF link
#     per row, a notes column with a javascript: link): names at any level taken from those;
#  3. imagenet-sample with `--name-columns label` (its label column is one class per image,
#     near-unique, so no name comes from it unless chosen): the share of drawn top-level names
#     whose every word is in the labels of more than half of the cluster.
# Uses ../shared/datasets (EfficientNet-Lite0 features); prints one table.
set -euo pipefail
cd "$(dirname "$0")/.."
# ZOOMAP=path uses a binary already built (such as target/ci/zoomap) instead of --release.
if [ -z "${ZOOMAP:-}" ]; then cargo build --release --bin zoomap >/dev/null; ZOOMAP=./target/release/zoomap; fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK" "$ZOOMAP" ${BEFORE:-} <<'PY'
import csv, json, os, subprocess, sys
from collections import Counter, defaultdict
work, binaries = sys.argv[1], sys.argv[2:]
F12, IMN = '../shared/datasets/flowers12', '../shared/datasets/imagenet-sample'

def herbarium(path):
    rows = list(csv.reader(open(f'{F12}/labels.csv')))[1:]
    collectors = ["R. Ortiz", "A. Öberg", "K. Tanaka", "M. Dubois", "J. Smith", "L. Rossi", "P. Novak", "S. Khan"]
    countries = ["Sweden", "United Kingdom", "Japan", "France", "Peru"]
    state, mask = 0x9E3779B97F4A7C15, (1 << 64) - 1
    def nxt(n):
        nonlocal state
        state ^= (state << 13) & mask; state ^= state >> 7; state ^= (state << 17) & mask
        return state % n
    with open(path, 'w') as out:
        out.write('filename,Species,Collector,Country,IIIF,Notes\n')
        for i, (f, s, *_) in enumerate(rows):
            c, k = collectors[nxt(8)], countries[nxt(5)]
            notes = 'javascript:alert(1)' if i == 7 else ''
            out.write(f'{f},{s},{c},{k},https://iiif.example.org/iiif/2/{s}%2F{i}/full/max/0/default.jpg,{notes}\n')
    return [w.lower() for w in collectors + countries + ['Kingdom', 'iiif', '2f', 'http', 'javascript', 'alert'] for w in w.split() if len(w) > 2]

def build(binary, data, metadata, seed, tag, *extra):
    site, export = f'{work}/{tag}-site', f'{work}/{tag}-export'
    subprocess.run([binary, 'build', data, '-o', site, '--features', f'{data}/features-efficientnet-lite0.npy',
                    '--metadata', metadata, '--seed', str(seed), '--refine', 'none', '--cell', '32',
                    '--originals', 'none', '--export', export, *extra], check=True, capture_output=True)
    levels = []
    level = 0
    while os.path.exists(f'{site}/data/clusters/{level}.json'):
        levels.append(json.load(open(f'{site}/data/clusters/{level}.json'))); level += 1
    rows = list(csv.DictReader(open(f'{export}/clusters.tsv'), delimiter='\t'))
    subprocess.run(['rm', '-rf', site, export])
    return levels, rows

def top_members(rows):
    members = defaultdict(list)
    for r in rows:
        if r['cluster_1']: members[r['cluster_1']].append(r['filename'])
    return members

labels = {r[0]: r[1] for r in list(csv.reader(open(f'{F12}/labels.csv')))[1:]}
inet = {r[0]: r[1] for r in list(csv.reader(open(f'{IMN}/labels.csv')))[1:]}
banned = herbarium(f'{work}/herbarium.csv')
print('binary | seed | flowers12: drawn top-level names = majority species | herbarium: names from random/link columns | imagenet-sample --name-columns label: drawn top-level names a real majority')
for binary in binaries:
    for seed in range(1, 6):
        levels, rows = build(binary, F12, f'{F12}/labels.csv', seed, 'f')
        members = top_members(rows)
        drawn = [r for r in levels[0] if not r.get('numbered')]
        good = sum(1 for r in drawn if Counter(labels[f] for f in members[r['id']]).most_common(1)[0][0] == r['name'].split(',')[0].lower())
        flowers = f'{good}/{len(drawn)} of {len(levels[0])}'
        levels, _ = build(binary, F12, f'{work}/herbarium.csv', seed, 'h')
        bad = [r['name'] for level in levels for r in level if any(b in r['name'].lower() for b in banned)]
        # A binary from before --name-columns names from every column anyway.
        choose = ['--name-columns', 'label'] if '--name-columns' in subprocess.run([binary, 'build', '--help'], capture_output=True, text=True).stdout else []
        levels, rows = build(binary, IMN, f'{IMN}/labels.csv', seed, 'i', *choose)
        members = top_members(rows)
        drawn = [r for r in levels[0] if not r.get('numbered')]
        def majority(r):
            words = [w for w in r['name'].lower().replace(',', ' ').split()]
            held = [sum(1 for f in members[r['id']] if w in inet[f].lower()) for w in words]
            return all(h > len(members[r['id']]) / 2 for h in held)
        real = sum(1 for r in drawn if majority(r))
        imagenet = f'{real}/{len(drawn)} of {len(levels[0])}'
        print(f'{binary} | {seed} | {flowers} | {len(bad)} {bad[:4]} | {imagenet}')
PY
