#!/usr/bin/env bash
# Cluster quality, names and speed (issue 15). One command; prints three tables.
#  1. ARI and NMI of the top level against the species of ../shared/datasets/flowers12, on
#     EfficientNet-Lite0 features (and, with VGG=1, VGG16 HED features from
#     ../shared/models): zoomap automatic, zoomap --clusters 12, zoomap --cluster-method
#     hdbscan, scikit-learn KMeans(k=12) and Python hdbscan with PixPlot's parameters (min_cluster_size 20), both on the same
#     PCA-50 vectors zoomap clustered (its exported reduced.npy).
#  2. The share of top-level clusters whose name is their majority species (labels.csv as
#     the metadata).
#  3. The hierarchy of 1,000,000 synthetic points × 50 dimensions: seconds and peak RSS
#     (examples/clusters_bench.rs).
# Python tools go into bench/.venv (numpy, scikit-learn, hdbscan from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/datasets/flowers12
VENV=bench/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q numpy scikit-learn hdbscan
cargo build --release --bin zoomap --example clusters_bench
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

build() { # NAME EXTRA...
  local name=$1; shift
  ./target/release/zoomap build "$DATA" -o "$WORK/$name-site" --metadata "$DATA/labels.csv" \
    --seed 1 --cell 64 --originals none --export "$WORK/$name" "$@" >/dev/null
}
build auto --features "$DATA/features-efficientnet-lite0.npy"
build k12 --features "$DATA/features-efficientnet-lite0.npy" --clusters 12
build hdbscan --features "$DATA/features-efficientnet-lite0.npy" --cluster-method hdbscan
if [ "${VGG:-0}" = 1 ]; then
  build vgg-auto --weights ../shared/models/*.safetensors --device cpu
  build vgg-k12 --weights ../shared/models/*.safetensors --device cpu --clusters 12
  build vgg-hdbscan --weights ../shared/models/*.safetensors --device cpu --cluster-method hdbscan
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
    return rows, [species[r['filename']] for r in rows]
print('features        method                        k   ARI    NMI')
for feats in ['', 'vgg-']:
    if not os.path.exists(f'{work}/{feats}auto'):
        continue
    label = 'VGG16 HED' if feats else 'EfficientNet'
    rows, truth = read(f'{feats}auto')
    pca = np.load(f'{work}/{feats}auto/reduced.npy')
    results = []
    for name in ['auto', 'k12', 'hdbscan']:
        r, t = read(f'{feats}{name}')
        # Noise (no cluster) counts as one label, as hdbscan's -1 does below.
        c = [x.get('cluster_1') or '-1' for x in r]
        noise = sum(x == '-1' for x in c) / len(c)
        method = f'zoomap {name}' + (f' ({noise:.0%} noise)' if name == 'hdbscan' else '')
        results.append((method, len(set(c) - {'-1'}), ari(t, c), nmi(t, c)))
    km = KMeans(12, n_init=10, random_state=0).fit_predict(pca)
    results.append(('scikit-learn KMeans k=12', 12, ari(truth, km), nmi(truth, km)))
    hd = hdbscan.HDBSCAN(min_cluster_size=20).fit_predict(pca)
    k = len(set(hd) - {-1})
    results.append((f'hdbscan mcs=20 ({(hd < 0).mean():.0%} noise)', k, ari(truth, hd), nmi(truth, hd)))
    for method, k, a, n in results:
        print(f'{label:15} {method:29} {k:3} {a:.3f}  {n:.3f}')
rows, truth = read('auto')
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
/usr/bin/time -f 'wall %e s, peak RSS %M KiB' ./target/release/examples/clusters_bench 1000000 50
