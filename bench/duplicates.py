# Near-duplicate detection, measured (issue 33). Two steps:
#   make OUT: a copy of 240 flowers12 photos (20 per species, train split) plus, for the
#     first 100 of them, one near-duplicate each of four kinds — JPEG re-encoded at quality
#     60, resized to 50%, cropped by 5% on each side, colour-shifted (+12 red, −8 blue) —
#     written as dup-<kind>-<name>; truth.tsv lists (original, duplicate) pairs.
#   score EXPORT TRUTH: from zoomap's export of a build of OUT (reduced.npy, features.txt,
#     duplicates.tsv), precision and recall of the flagged pairs against the truth for
#     zoomap's rule at several thresholds (recomputed here with an exact search on the same
#     PCA vectors) and for zoomap's own duplicates.tsv.
# bench/duplicates.sh runs both around a build.
import csv, os, sys
from collections import defaultdict

def make(out):
    from PIL import Image
    src = '../shared/datasets/flowers12/train'
    truth = []
    os.makedirs(out, exist_ok=True)
    originals = []
    for species in sorted(os.listdir(src)):
        for name in sorted(os.listdir(f'{src}/{species}'))[:20]:
            originals.append((species, name))
    for i, (species, name) in enumerate(originals):
        image = Image.open(f'{src}/{species}/{name}').convert('RGB')
        base = f'{species}-{name}'
        image.save(f'{out}/{base}', quality=95)
        if i >= 100:
            continue
        w, h = image.size
        r, g, b = image.split()
        variants = {
            'jpeg60': image,
            'half': image.resize((max(1, w // 2), max(1, h // 2))),
            'crop5': image.crop((w // 20, h // 20, w - w // 20, h - h // 20)),
            'colour': Image.merge('RGB', (r.point(lambda v: min(255, v + 12)), g, b.point(lambda v: max(0, v - 8)))),
        }
        for kind, variant in variants.items():
            dup = f'dup-{kind}-{base}'
            variant.save(f'{out}/{dup}', quality=60 if kind == 'jpeg60' else 92)
            truth.append((base, dup))
    with open(f'{out}/../truth.tsv', 'w') as f:
        f.writelines(f'{a}\t{b}\n' for a, b in truth)

def pairs_of(groups):
    found = set()
    for members in groups.values():
        members = sorted(members)
        found.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    return found

def score(found, truth):
    hit = len(found & truth)
    return hit / max(1, len(found)), hit / max(1, len(truth))

def rule_groups(export, alpha):
    import numpy as np
    x = np.load(f'{export}/reduced.npy').astype(np.float64)
    names = [l.strip() for l in open(f'{export}/features.txt')]
    d = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0))
    np.fill_diagonal(d, np.inf)
    k = min(60, len(x) - 1)
    near = np.sort(d, axis=1)[:, :k]
    scale = np.median(near[:, -1])
    parent = list(range(len(x)))
    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i, j in zip(*np.nonzero(d <= alpha * scale)):
        parent[find(i)] = find(j)
    groups = defaultdict(list)
    for i in range(len(x)):
        groups[find(i)].append(names[i])
    return {g: m for g, m in groups.items() if len(m) > 1}

def by_kind_pairs(truth_path):
    return [tuple(line.split()) for line in open(truth_path)]

def main():
    if sys.argv[1] == 'make':
        make(sys.argv[2])
        return
    export, truth_path = sys.argv[2:4]
    truth = set()
    for line in open(truth_path):
        a, b = line.split()
        truth.add(tuple(sorted((a, b))))
    # Near-duplicates of one original are near-duplicates of each other too.
    by_original = defaultdict(list)
    for a, b in list(truth):
        original = a if not a.startswith('dup-') else b
        by_original[original].append(a if a != original else b)
    for original, dups in by_original.items():
        truth.update(pairs_of({0: dups}))
    print(f'{len(truth)} true pairs')
    print('rule                          flagged pairs  precision  recall')
    kinds = ['jpeg60', 'half', 'crop5', 'colour']
    print(f'{"":60}recall of original-duplicate pairs by kind: {" ".join(kinds)}')
    for alpha in [0.1, 0.2, 0.25, 0.3, 0.4, 0.5]:
        found = pairs_of(rule_groups(export, alpha))
        p, r = score(found, truth)
        direct = [tuple(sorted(pair)) for pair in by_kind_pairs(truth_path)]
        per_kind = [sum(1 for pair in direct if f'dup-{k}-' in ''.join(pair) and pair in found) / 100 for k in kinds]
        print(f'PCA distance <= {alpha:.2f} x median d60 {len(found):8}  {p:9.3f}  {r:6.3f}   ' + ' '.join(f'{v:.2f}' for v in per_kind))
    if os.path.exists(f'{export}/duplicates.tsv'):
        groups = defaultdict(list)
        for row in csv.DictReader(open(f'{export}/duplicates.tsv'), delimiter='\t'):
            groups[row['group']].append(os.path.basename(row['file']))
        found = pairs_of(groups)
        p, r = score(found, truth)
        print(f'zoomap duplicates.tsv          {len(found):8}  {p:9.3f}  {r:6.3f}')

main()
