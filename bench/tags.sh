#!/usr/bin/env bash
# Machine tags (issue 36) on real predictions: EfficientNet-Lite0's ImageNet top-5 per image
# (../shared/datasets/*/predictions-efficientnet-lite0.csv, the stand-in for VGG16's fc8),
# brought with `--tags FILE`, its Lite0 vectors with `--features`, and NO metadata. The
# images are linked under neutral names (img0001.jpeg, …) so that neither search nor names
# can draw on the class names in the file names: everything measured comes from the tags.
#  1. the score threshold: per --tag-min-score, tags per image, the share of tags that are
#     the true class, the share of images keeping their true class;
#  2. imagenet-sample search, for 20 words naming WordNet groups: recall and precision of
#     the site's search index (whole-word hits, and every hit the viewer lists: own words'
#     substrings too, tag words whole, as static/ranking.js matches them), against the truth
#     from labels.csv's wnids and the WordNet table;
#  3. imagenet-sample names, seeds 1–3: the share of top-level and second-level clusters
#     whose name is a WordNet group (or class) that most of their members' true classes fall
#     under, and every top-level name;
#  4. flowers12, seed 1: its top-level names as they come out.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${ZOOMAP:-}" ]; then cargo build --release --bin zoomap >/dev/null; ZOOMAP=./target/release/zoomap; fi
VENV=bench/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q numpy
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$VENV/bin/python" - "$WORK" "$ZOOMAP" <<'PY'
import csv, json, os, subprocess, sys
from collections import Counter, defaultdict
import numpy as np
work, binary = sys.argv[1], sys.argv[2]
SHARED = '../shared/datasets'

# WordNet chains, from the table zoomap embeds: wnid -> [class name, groups nearest first].
nodes, chains = [], {}
for kind, wnid, word, parent, _count in csv.reader(open('src/stages/tags/wordnet.tsv'), delimiter='\t'):
    if kind == 'node':
        nodes.append((word, int(parent)))
        continue
    chain, at = [word], int(parent)
    while at >= 0:
        chain.append(nodes[at][0]); at = nodes[at][1]
    chains[wnid] = chain

def neutral(dataset):
    """The dataset's images linked as img0001.jpeg…, its features and predictions renamed."""
    src = f'{SHARED}/{dataset}'
    names = open(f'{src}/features-efficientnet-lite0.txt').read().split()
    out = f'{work}/{dataset}'
    os.makedirs(f'{out}/images')
    rename = {n: f'img{i:04d}{os.path.splitext(n)[1].lower()}' for i, n in enumerate(names)}
    for n, m in rename.items():
        os.symlink(os.path.abspath(f'{src}/{n}'), f'{out}/images/{m}')
    np.save(f'{out}/features.npy', np.load(f'{src}/features-efficientnet-lite0.npy'))
    open(f'{out}/features.txt', 'w').write('\n'.join(rename[n] for n in names) + '\n')
    with open(f'{out}/tags.csv', 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['filename', 'wnid', 'label', 'score'])
        for r in csv.DictReader(open(f'{src}/predictions-efficientnet-lite0.csv')):
            w.writerow([rename[r['filename']], r['wnid'], r['label'], r['score']])
    truth = {rename[r['filename']]: r.get('wnid', r['label']) for r in csv.DictReader(open(f'{src}/labels.csv'))}
    return out, truth

def build(out, seed, tag, *extra):
    site, export = f'{work}/{tag}-site', f'{work}/{tag}-export'
    subprocess.run([binary, 'build', f'{out}/images', '-o', site, '--features', f'{out}/features.npy',
                    '--tags', f'{out}/tags.csv', '--seed', str(seed), '--refine', 'none', '--cell', '32',
                    '--originals', 'none', '--export', export, *extra], check=True, capture_output=True)
    return site, export

def thresholds(out, truth):
    by = defaultdict(list)
    for r in csv.DictReader(open(f'{out}/tags.csv')):
        by[r['filename']].append((float(r['score']), r['wnid']))
    print('| --tag-min-score | tags per image | tags that are the true class | images keeping their true class | images with a tag |')
    print('|---|---|---|---|---|')
    for t in [0.05, 0.1, 0.15, 0.2, 0.3, 0.5]:
        kept = [[w for s, w in by[f][:3] if s >= t] for f in truth]
        n = sum(map(len, kept))
        right = sum(truth[f] in k for f, k in zip(truth, kept))
        print(f'| {t} | {n / len(truth):.2f} | {right / max(n, 1):.3f} | {right / len(truth):.3f} | {sum(map(bool, kept)) / len(truth):.3f} |')

def search(site, export, truth, queries):
    index = json.load(open(f'{site}/data/index.json'))
    cols = index['grid'][0]
    file_at = {int(r['row']) * cols + int(r['col']): r['filename'] for r in csv.DictReader(open(f'{export}/items.tsv'), delimiter='\t')}
    keys, split = set(index['search']['keys']), set(index['search']['split'])
    print('| query | true | whole-word hits | recall | precision | every hit listed | recall | precision |')
    print('|---|---|---|---|---|---|---|---|')
    sums = [0.0] * 4
    for q in queries:
        hexkey = lambda n: q[:n].encode().hex()
        key = hexkey(3) if hexkey(2) in split and len(q) > 2 else hexkey(2)
        shard = json.load(open(f'{site}/data/search/{key}.json')) if key in keys else {'words': [], 'cells': []}
        whole, every = set(), set()
        machine = set(shard.get('machine', []))
        for k, (word, deltas) in enumerate(zip(shard['words'], shard['cells'])):
            # As static/ranking.js: a tag word whole (or plural: the queries are singular),
            # an own word anywhere.
            if q not in word or (k in machine and word != q):
                continue
            cells = np.cumsum(deltas).tolist()
            every.update(cells)
            if word == q: whole.update(cells)
        true = {f for f, w in truth.items() if any(q in g.lower().split() for g in chains[w])}
        row = []
        for hits in (whole, every):
            found = {file_at[c] for c in hits}
            tp = len(found & true)
            row += [len(found), tp / max(len(true), 1), tp / max(len(found), 1)]
        sums = [a + b for a, b in zip(sums, [row[1], row[2], row[4], row[5]])]
        print(f'| {q} | {len(true)} | {row[0]} | {row[1]:.2f} | {row[2]:.2f} | {row[3]} | {row[4]:.2f} | {row[5]:.2f} |')
    m = [s / len(queries) for s in sums]
    print(f'| mean | | | {m[0]:.2f} | {m[1]:.2f} | | {m[2]:.2f} | {m[3]:.2f} |')

def plural_of(name, term):
    n, t = name.lower(), term.lower()
    forms = {t, t + 's', t + 'es', t[:-1] + 'ies', t[:-1] + 'ves', t[:-2] + 'ves'}
    return n in forms

def name_quality(export, truth, level):
    rows = list(csv.DictReader(open(f'{export}/clusters.tsv'), delimiter='\t'))
    members, names = defaultdict(list), {}
    for r in rows:
        cid = r.get(f'cluster_{level}')
        if cid:
            members[cid].append(r['filename']); names[cid] = r[f'name_{level}']
    good = named = repeated = 0
    for cid, files in members.items():
        groups = Counter(g for f in files for g in set(chains[truth[f]]))
        # The name's first part ("Dogs" of "Dogs, terriers"); a numbered name ("Group 7",
        # "Dogs 2": a sibling's name repeated) is not drawn, so counts as no name, but is
        # counted apart by the name it repeats.
        name = names[cid].split(',')[0]
        if name.startswith('Group '):
            continue
        base = name.rsplit(' ', 1)[0] if name.split()[-1].isdigit() else None
        right = any(plural_of(base or name, g) and n * 2 > len(files) for g, n in groups.items())
        if base:
            repeated += right
            continue
        named += 1
        good += right
    return good, named, repeated, len(members), sorted(names.values())

out, truth = neutral('imagenet-sample')
print('## 1. The score threshold (imagenet-sample predictions, at most 3 tags kept)\n')
thresholds(out, truth)
site, export = build(out, 1, 'imn-1')
print('\n## 2. imagenet-sample search through tags (seed 1, no metadata, neutral file names)\n')
search(site, export, truth, ['dog', 'bird', 'fish', 'snake', 'car', 'boat', 'fruit', 'instrument', 'cat', 'monkey',
                             'insect', 'spider', 'turtle', 'lizard', 'shark', 'truck', 'vegetable', 'fungus', 'clock', 'bear'])
print('\n## 3. imagenet-sample names from tags (no metadata)\n')
print('| seed | top level: drawn name is their members\' majority WordNet group (of all; of those named) | with the numbered repeats ("Dogs 2") | second level |')
print('|---|---|---|---|')
tops = {}
for seed in (1, 2, 3):
    _, export = build(out, seed, f'imn-{seed}') if seed > 1 else (site, export)
    g1, named1, r1, n1, names = name_quality(export, truth, 1)
    g2, named2, _, n2, _ = name_quality(export, truth, 2)
    tops[seed] = names
    share = lambda g, n: f'{g}/{n} ({100 * g / max(n, 1):.0f}%)'
    print(f'| {seed} | {share(g1, n1)}; {share(g1, named1)} | {share(g1 + r1, n1)} | {share(g2, n2)}; {share(g2, named2)} |')
for seed, names in tops.items():
    print(f'\nseed {seed} top-level names: ' + '; '.join(names))
out, truth = neutral('flowers12')
_, export = build(out, 1, 'f12-1')
print('\n## 4. flowers12 top-level names from tags (seed 1, no metadata)\n')
rows = list(csv.DictReader(open(f'{export}/clusters.tsv'), delimiter='\t'))
sizes = Counter(r['name_1'] for r in rows if r['cluster_1'])
print('; '.join(f'{name} ({n})' for name, n in sorted(sizes.items(), key=lambda x: -x[1])))
PY
