# The criteria for the clusters' automatic top-level k, measured on a labelled dataset:
# scikit-learn KMeans for k = 2..20 on the PCA-50 of its EfficientNet-Lite0 features, ten
# single-start runs per k and seed (the least inertia kept, as zoomap keeps it), for seeds
# 1..10. For each seed, the k each rule picks:
#   silhouette tie  the finest k within 0.005 of the best silhouette (zoomap before issue 32)
#   DB argmin       the lowest Davies–Bouldin index
#   DB tie 1.5%     the finest k within 1.5% of the lowest Davies–Bouldin index (zoomap now)
#   DB mean         the lowest Davies–Bouldin index averaged over the ten runs
# and the ARI against the labels of the k=12 fit, for reference.
# Usage: bench/.venv/bin/python bench/cluster_criteria.py ../shared/datasets/flowers12
import sys
import numpy as np
from sklearn.decomposition import PCA
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score, davies_bouldin_score, adjusted_rand_score

d = sys.argv[1]
X = np.load(d + '/features-efficientnet-lite0.npy').astype(np.float64)
names = [l.strip() for l in open(d + '/features-efficientnet-lite0.txt')]
lab = {}
for line in open(d + '/labels.csv').read().splitlines()[1:]:
    p = line.split(',')
    lab[p[0]] = p[1]
y = [lab.get(n, lab.get(n.split('/')[-1], '?')) for n in names]
P = PCA(50, random_state=0).fit_transform(X)
print('n', len(P), 'labels', len(set(y)))
ks = list(range(2, 21))
picks = {'silhouette tie': [], 'DB argmin': [], 'DB tie 1.5%': [], 'DB mean': []}
for seed in range(1, 11):
    best, mean, sil = [], [], []
    for k in ks:
        fits = [KMeans(k, n_init=1, random_state=seed * 1000 + r).fit(P) for r in range(10)]
        dbs = [davies_bouldin_score(P, f.labels_) for f in fits]
        b = int(np.argmin([f.inertia_ for f in fits]))
        best.append(dbs[b])
        mean.append(np.mean(dbs))
        sil.append(silhouette_score(P, fits[b].labels_))
        if k == 12:
            print(f'seed {seed}: ARI at k=12 {adjusted_rand_score(y, fits[b].labels_):.3f}')
    best, mean, sil = np.array(best), np.array(mean), np.array(sil)
    picks['silhouette tie'].append(max(k for k, v in zip(ks, sil) if v >= sil.max() - 0.005))
    picks['DB argmin'].append(ks[int(np.argmin(best))])
    picks['DB tie 1.5%'].append(max(k for k, v in zip(ks, best) if v <= best.min() * 1.015))
    picks['DB mean'].append(ks[int(np.argmin(mean))])
for rule, found in picks.items():
    within = sum(abs(k - len(set(y))) <= 3 for k in found)
    print(f'{rule:15} k over seeds 1..10: {found}  within labels ± 3: {within}/10')
