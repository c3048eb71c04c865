#!/usr/bin/env bash
# Cluster quality, names and speed (issues 15 and 32). One command; prints four tables.
#  1. Over --seed 1..10 on ../shared/datasets/flowers12 (EfficientNet-Lite0 features,
#     --refine none): the automatic k and the top level's ARI against the species, built with
#     labels.csv as metadata and without metadata; zoomap --clusters 12; scikit-learn
#     KMeans(12, n_init=10, random_state=seed) on the same PCA-50 vectors zoomap clustered
#     (that seed's exported reduced.npy). Each row a seed, then median and range.
#  2. Seed 1: ARI and NMI of zoomap automatic, --clusters 12, --cluster-method hdbscan,
#     scikit-learn KMeans(k=12) and Python hdbscan with PixPlot's parameters
#     (min_cluster_size 20), and with VGG=1 the same on VGG16 HED features (../shared/models).
#  3. The share of top-level clusters (seed 1) whose name is their majority species.
#  4. The hierarchy of 1,000,000 synthetic points × 50 dimensions: seconds and peak RSS
#     (examples/clusters_bench.rs).
# Python tools go into bench/.venv (numpy, scikit-learn, hdbscan from PyPI). BIN=path runs
# an already built zoomap instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/datasets/flowers12
FEATURES=$DATA/features-efficientnet-lite0.npy
VENV=bench/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q numpy scikit-learn hdbscan
if [ -z "${BIN:-}" ]; then
  cargo build --release --bin zoomap --example clusters_bench
  BIN=./target/release/zoomap
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

build() { # NAME SEED EXTRA...
  local name=$1 seed=$2; shift 2
  "$BIN" build "$DATA" -o "$WORK/$name-site" --seed "$seed" --cell 32 --originals none \
    --refine none --export "$WORK/$name" "$@" >/dev/null 2>&1
  rm -rf "$WORK/$name-site"
}
for seed in 1 2 3 4 5 6 7 8 9 10; do
  build "meta-$seed" "$seed" --features "$FEATURES" --metadata "$DATA/labels.csv"
  build "bare-$seed" "$seed" --features "$FEATURES"
  build "k12-$seed" "$seed" --features "$FEATURES" --clusters 12
done
build hdbscan 1 --features "$FEATURES" --cluster-method hdbscan
if [ "${VGG:-0}" = 1 ]; then
  build vgg-auto 1 --weights ../shared/models/*.safetensors --device cpu
  build vgg-k12 1 --weights ../shared/models/*.safetensors --device cpu --clusters 12
  build vgg-hdbscan 1 --weights ../shared/models/*.safetensors --device cpu --cluster-method hdbscan
fi

"$VENV/bin/python" - "$WORK" "$DATA/labels.csv" <<'PY'
import csv, sys, os
from collections import Counter
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score as ari, normalized_mutual_info_score as nmi
import hdbscan
work, labels_csv = sys.argv[1:]
species = {r['filename']: r['label'] for r in csv.DictReader(open(labels_csv))}
def read(name):
    rows = list(csv.DictReader(open(f'{work}/{name}/clusters.tsv'), delimiter='\t'))
    # Noise (no cluster) counts as one label, as hdbscan's -1 does below.
    found = [r.get('cluster_1') or '-1' for r in rows]
    return [species[r['filename']] for r in rows], found, rows
def truth_and_pca(name):
    names = [l.strip() for l in open(f'{work}/{name}/features.txt')]
    return [species[n] for n in names], np.load(f'{work}/{name}/reduced.npy')

print('seed   k meta  ARI meta   k bare  ARI bare   ARI k=12   scikit-learn k=12')
table = []
for seed in range(1, 11):
    row = []
    for kind in ['meta', 'bare']:
        t, c, _ = read(f'{kind}-{seed}')
        row += [len(set(c)), ari(t, c)]
    t, c, _ = read(f'k12-{seed}')
    row.append(ari(t, c))
    t, pca = truth_and_pca(f'meta-{seed}')
    row.append(ari(t, KMeans(12, n_init=10, random_state=seed).fit_predict(pca)))
    table.append(row)
    print(f'{seed:4} {row[0]:7} {row[1]:9.3f} {row[2]:7} {row[3]:9.3f} {row[4]:10.3f} {row[5]:12.3f}')
cols = np.array(table)
for label, f in [('median', np.median), ('min', np.min), ('max', np.max)]:
    v = f(cols, axis=0)
    print(f'{label:>6} {v[0]:5.1f} {v[1]:9.3f} {v[2]:7.1f} {v[3]:9.3f} {v[4]:10.3f} {v[5]:12.3f}')
within = sum(9 <= r[0] <= 15 for r in table)
print(f'k within 12 ± 3: {within} of 10 seeds (with metadata), {sum(9 <= r[2] <= 15 for r in table)} of 10 (without)')

print('\nfeatures        method                        k   ARI    NMI   (seed 1)')
for feats, auto, k12, hd in [('EfficientNet', 'meta-1', 'k12-1', 'hdbscan'),
                             ('VGG16 HED', 'vgg-auto', 'vgg-k12', 'vgg-hdbscan')]:
    if not os.path.exists(f'{work}/{auto}'):
        continue
    truth, pca = truth_and_pca(auto)
    results = []
    for method, name in [('zoomap auto', auto), ('zoomap k12', k12), ('zoomap hdbscan', hd)]:
        t, c, _ = read(name)
        noise = sum(x == '-1' for x in c) / len(c)
        method += f' ({noise:.0%} noise)' if 'hdbscan' in name else ''
        results.append((method, len(set(c) - {'-1'}), ari(t, c), nmi(t, c)))
    km = KMeans(12, n_init=10, random_state=0).fit_predict(pca)
    results.append(('scikit-learn KMeans k=12', 12, ari(truth, km), nmi(truth, km)))
    hd = hdbscan.HDBSCAN(min_cluster_size=20).fit_predict(pca)
    k = len(set(hd) - {-1})
    results.append((f'hdbscan mcs=20 ({(hd < 0).mean():.0%} noise)', k, ari(truth, hd), nmi(truth, hd)))
    for method, k, a, n in results:
        print(f'{feats:15} {method:29} {k:3} {a:.3f}  {n:.3f}')

truth, _, rows = read('meta-1')
groups = {}
for r, s in zip(rows, truth):
    groups.setdefault(r['cluster_1'], (r['name_1'], Counter()))[1][s] += 1
named = sum(name.lower() == count.most_common(1)[0][0].lower() for name, count in groups.values())
print(f'\nnames: {named} of {len(groups)} top-level clusters ({named / len(groups):.0%}) are named by their majority species')
for cid, (name, count) in sorted(groups.items(), key=lambda g: int(g[0])):
    top, n = count.most_common(1)[0]
    print(f'  {cid:>3} {name:28} majority {top} ({n} of {sum(count.values())})')
PY

echo
if [ -x ./target/release/examples/clusters_bench ]; then
  /usr/bin/time -f 'wall %e s, peak RSS %M KiB' ./target/release/examples/clusters_bench 1000000 50
fi
