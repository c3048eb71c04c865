# The criteria for the clusters' automatic top-level k, measured on a labelled dataset:
# scikit-learn KMeans for k = 2..24 on the PCA-50 of its EfficientNet-Lite0 features, with
# inertia (elbow), silhouette on a 2,000 sample, spherical BIC and ARI against the labels.
# Usage: bench/.venv/bin/python bench/cluster_criteria.py ../shared/datasets/flowers12
import numpy as np, sys
from sklearn.decomposition import PCA
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score, adjusted_rand_score
d=sys.argv[1]
X=np.load(d+'/features-efficientnet-lite0.npy').astype(np.float64)
names=[l.strip() for l in open(d+'/features-efficientnet-lite0.txt')]
lab={}
for line in open(d+'/labels.csv').read().splitlines()[1:]:
    p=line.split(','); lab[p[0]]=p[1]
y=[lab.get(n, lab.get(n.split('/')[-1],'?')) for n in names]
P=PCA(50,random_state=0).fit_transform(X)
rng=np.random.default_rng(0); s=rng.choice(len(P),min(2000,len(P)),replace=False)
print('n',len(P),'labels',len(set(y)))
prev=None
for k in range(2,25):
    km=KMeans(k,n_init=3,random_state=0).fit(P)
    sil=silhouette_score(P[s],km.labels_[s])
    n,dm=P.shape
    # BIC (spherical, shared variance)
    var=km.inertia_/(n-k)/dm
    ll=-0.5*n*dm*np.log(2*np.pi*var)-0.5*(n-k)*dm
    bic=-2*ll+ (k*(dm+1))*np.log(n)
    print(k, 'inertia %.0f'%km.inertia_, 'sil %.3f'%sil, 'bic %.0f'%bic, 'ari %.3f'%adjusted_rand_score(y,km.labels_))
