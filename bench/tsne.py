"""t-SNE benchmark helper for bench/tsne.sh.

  python bench/tsne.py inputs WORK_DIR        writes blobs-20000.npy and imagenet-pca50.npy
  python bench/tsne.py blobs N PATH           writes N x 50 blobs to PATH (bench/knn.sh)
  python bench/tsne.py mixture N PATH         writes N x 50 rows of 2,000 overlapping Gaussians
                                              whose spread falls off by dimension as a PCA's
                                              does: a harder neighbour search than the blobs
  python bench/tsne.py run INPUT.npy NAME=EMBEDDING.npy:SECONDS ...
      runs openTSNE (2 threads, PCA init, FFT gradients, 250 exaggerated + 750 normal
      iterations as zoomap does) on INPUT, then prints one row per embedding: seconds, exact
      KL(P || Q) against the same P (openTSNE's perplexity-30 affinities) for every embedding,
      time and KL ratios to openTSNE, and the neighbourhood kept: the share of the 10 nearest
      input neighbours of a seeded sample of 10,000 rows that are among their 10 nearest in
      the embedding (kNN recall at k = 10). Each of NAME's files is one run.
"""
import sys
import time

import numpy as np


def blobs(n, path):
    from sklearn.datasets import make_blobs

    x, _ = make_blobs(n_samples=n, n_features=50, centers=30, cluster_std=4.0, random_state=7)
    np.save(path, x.astype(np.float32))


def mixture(n, path):
    rng = np.random.default_rng(7)
    scales = 1.0 / np.sqrt(1.0 + np.arange(50) / 3.0)
    centres = rng.normal(size=(2000, 50)) * scales * 3.0
    x = centres[rng.integers(0, 2000, n)] + rng.normal(size=(n, 50)) * scales * 2.0
    np.save(path, x.astype(np.float32))


def inputs(work):
    from sklearn.decomposition import PCA

    blobs(20000, f"{work}/blobs-20000.npy")
    lite0 = np.load("../shared/datasets/imagenet-sample/features-efficientnet-lite0.npy")
    np.save(f"{work}/imagenet-pca50.npy", PCA(n_components=50, random_state=0).fit_transform(lite0).astype(np.float32))


def exact_kl(P, Y):
    """KL(P || Q) with Q the Student-t affinities of embedding Y, summed exactly in row blocks."""
    Y = Y.astype(np.float64)
    norms = (Y**2).sum(axis=1)
    z = 0.0
    for start in range(0, len(Y), 1000):
        block = Y[start:start + 1000]
        d2 = norms[start:start + 1000, None] + norms[None, :] - 2 * block @ Y.T
        w = 1.0 / (1.0 + np.maximum(d2, 0))
        z += w.sum() - len(block)  # leave out the diagonal, where w = 1
    P = P.tocoo()
    d2 = ((Y[P.row] - Y[P.col]) ** 2).sum(axis=1)
    q = 1.0 / (1.0 + d2) / z
    return float((P.data * np.log(P.data / q)).sum())


def knn_recall(x, y, sample, k=10):
    """Share of each sampled row's k nearest rows of x that are among its k nearest of y."""
    from sklearn.neighbors import NearestNeighbors

    def neighbours(data):
        index = NearestNeighbors(n_neighbors=k + 1).fit(data)
        found = index.kneighbors(data[sample], return_distance=False)
        return [set(row[row != i][:k]) for row, i in zip(found, sample)]

    wanted = neighbours(x)
    got = neighbours(np.asarray(y, dtype=np.float64))
    return float(np.mean([len(w & g) / k for w, g in zip(wanted, got)]))


def run(path, others):
    from openTSNE import TSNE
    from openTSNE.affinity import PerplexityBasedNN

    x = np.load(path)
    start = time.perf_counter()
    embedding = TSNE(perplexity=30, initialization="pca", n_jobs=2, random_state=0,
                     negative_gradient_method="fft", early_exaggeration_iter=250, n_iter=750).fit(x)
    ot_seconds = time.perf_counter() - start
    P = PerplexityBasedNN(x, perplexity=30, n_jobs=2, random_state=0).P
    ot_kl = exact_kl(P, np.asarray(embedding))
    sample = np.random.default_rng(0).choice(len(x), min(10000, len(x)), replace=False)
    ot_recall = knn_recall(x, embedding, sample)
    print(f"{'':24s} {'seconds':>8s} {'KL':>8s} {'time / openTSNE':>16s} {'KL / openTSNE':>14s} {'kNN recall@10':>14s}")
    print(f"{'openTSNE 1.x FFT':24s} {ot_seconds:8.2f} {ot_kl:8.4f} {1:16.2f} {1:14.3f} {ot_recall:14.3f}")
    for other in others:
        name, rest = other.split("=", 1)
        emb, seconds = rest.rsplit(":", 1)
        y = np.load(emb)
        kl = exact_kl(P, y)
        recall = knn_recall(x, y, sample)
        print(f"{name:24s} {float(seconds):8.2f} {kl:8.4f} {float(seconds) / ot_seconds:16.2f} {kl / ot_kl:14.3f} {recall:14.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "inputs":
        inputs(sys.argv[2])
    elif sys.argv[1] in ("blobs", "mixture"):
        {"blobs": blobs, "mixture": mixture}[sys.argv[1]](int(sys.argv[2]), sys.argv[3])
    else:
        run(sys.argv[2], sys.argv[3:])
