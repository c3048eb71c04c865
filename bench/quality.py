"""Map-quality figures of a zoomap build and of the anchor recipes on the same features.

  python bench/quality.py EXPORT_DIR LABELS_CSV [GRID_COLS GRID_ROWS]

Reads the `--export` folder of a build (items.tsv, features.npy, reduced.npy = the PCA space)
and a labels CSV (filename,label). Lays the same images out four ways:
  zoomap                 zoomap's own t-SNE and grid (items.tsv);
  zoomap t-SNE + LAP     zoomap's t-SNE points, exact linear assignment (scipy) to the same grid;
  openTSNE + LAP         openTSNE (PCA init, 2 threads) on zoomap's PCA space, exact LAP;
  amnh recipe            PCA 256 (scikit-learn) -> openTSNE -> RasterFairy, as the amnh
                         image-collection tools do (they use MulticoreTSNE; openTSNE is its
                         maintained successor).
and prints for each:
  trust@10      trustworthiness at k=10 of the 2-D points against the PCA space (scikit-learn);
  grid agree    share of horizontally/vertically adjacent occupied cell pairs with equal labels;
  displacement  mean distance, in cells, from each (grid-scaled) point to its cell's centre;
  cost/exact    total squared displacement over the exact optimum for the same points;
  DPQ16         distance preservation quality, p = 16 (Barthel et al. 2023), of the grid against
                the PCA space, holes left out;
and, once, the features' own 10-NN label agreement (cosine): how much the features know.
"""
import csv
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.neighbors import NearestNeighbors


def load(export_dir, labels_csv):
    with open(labels_csv, newline="") as f:
        labels = {row["filename"]: row["label"] for row in csv.DictReader(f)}
    with open(f"{export_dir}/items.tsv", newline="") as f:
        items = list(csv.DictReader(f, delimiter="\t"))
    names = [i["filename"] for i in items]
    missing = [n for n in names if n not in labels]
    if missing:
        sys.exit(f"{labels_csv}: no label for {len(missing)} images, e.g. {missing[:3]}")
    return items, np.array([labels[n] for n in names])


def scale_to_grid(points, cols, rows):
    """zoomap's scaling: each axis stretched to the grid's extent, cell centres at k + 0.5."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (points - lo) / span * np.array([cols, rows])


def centres(cells):
    return cells.astype(float) + 0.5


def exact_lap(scaled, cols, rows):
    grid = np.array([(c, r) for r in range(rows) for c in range(cols)])
    cost = ((scaled[:, None, :] - centres(grid)[None, :, :]) ** 2).sum(axis=2)
    _, assigned = linear_sum_assignment(cost)
    return grid[assigned]


def grid_agreement(cells, labels):
    at = {(int(c), int(r)): k for k, (c, r) in enumerate(cells)}
    same = total = 0
    for (c, r), k in at.items():
        for neighbour in ((c + 1, r), (c, r + 1)):
            if neighbour in at:
                total += 1
                same += labels[k] == labels[at[neighbour]]
    return same / total


def squared_distances(x):
    x = x.astype(np.float64)
    norms = (x**2).sum(axis=1)
    return np.maximum(norms[:, None] + norms[None, :] - 2 * x @ x.T, 0)


def preservation_gain(sorted_rows, mean_distance):
    k = np.arange(1, sorted_rows.shape[1])
    mean_to_k_nearest = (np.cumsum(sorted_rows[:, 1:], axis=1) / k).mean(axis=0)
    return np.clip((mean_distance - mean_to_k_nearest) / mean_distance, 0, None)


def dpq(features, cells, p=16):
    """DPQ_p: how close the grid's neighbourhoods come to the feature space's own, as the
    p-norm of the distance preservation gain over k, relative to the ideal (1 = ideal)."""
    hd = np.sqrt(squared_distances(features))
    ideal = np.sort(hd, axis=1)
    mean_distance = ideal[:, 1:].mean()
    spatial = squared_distances(cells)
    by_grid = np.take_along_axis(hd, np.lexsort((hd, spatial), axis=1), axis=1)
    gain_grid = preservation_gain(by_grid, mean_distance)
    gain_ideal = preservation_gain(ideal, mean_distance)
    return np.linalg.norm(gain_grid, ord=p) / np.linalg.norm(gain_ideal, ord=p)


def knn_agreement(features, labels, k=10):
    nn = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(features)
    _, idx = nn.kneighbors(features)
    return float((labels[idx[:, 1:]] == labels[:, None]).mean())


def opentsne(x, seed=0):
    from openTSNE import TSNE

    return np.asarray(TSNE(perplexity=30, initialization="pca", n_jobs=2, random_state=seed).fit(x))


def rasterfairy_grid(points, cols, rows):
    np.float = float  # RasterFairy 1.0.6 still uses the alias NumPy 1.24 removed
    import rasterfairy

    grid, _ = rasterfairy.transformPointCloud2D(points, target=(cols, rows))
    return np.rint(grid).astype(int)


def figures(name, points, cells, pca_space, labels, cols, rows):
    scaled = scale_to_grid(points, cols, rows)
    displacement = np.sqrt(((scaled - centres(cells)) ** 2).sum(axis=1))
    optimum = exact_lap(scaled, cols, rows)
    cost_ratio = (displacement**2).sum() / ((scaled - centres(optimum)) ** 2).sum()
    print(
        f"{name:22s} {trustworthiness(pca_space, points, n_neighbors=10):8.3f}"
        f" {grid_agreement(cells, labels):11.3f} {displacement.mean():12.3f}"
        f" {cost_ratio:10.3f} {dpq(pca_space, cells):7.3f}"
    )


def main():
    export_dir, labels_csv = sys.argv[1:3]
    items, labels = load(export_dir, labels_csv)
    features = np.load(f"{export_dir}/features.npy")
    pca_space = np.load(f"{export_dir}/reduced.npy")
    points = np.array([[float(i["x"]), float(i["y"])] for i in items])
    cells = np.array([[int(i["col"]), int(i["row"])] for i in items])
    cols, rows = (int(a) for a in sys.argv[3:5]) if len(sys.argv) > 4 else (
        cells[:, 0].max() + 1, cells[:, 1].max() + 1)
    print(f"images {len(items)}, grid {cols}x{rows}, features' own 10-NN label agreement "
          f"{knn_agreement(features, labels):.3f}")
    print(f"{'layout':22s} {'trust@10':>8s} {'grid agree':>11s} {'displacement':>12s}"
          f" {'cost/exact':>10s} {'DPQ16':>7s}")
    figures("zoomap", points, cells, pca_space, labels, cols, rows)
    figures("zoomap t-SNE + LAP", points, exact_lap(scale_to_grid(points, cols, rows), cols, rows),
            pca_space, labels, cols, rows)
    ot = opentsne(pca_space)
    figures("openTSNE + LAP", ot, exact_lap(scale_to_grid(ot, cols, rows), cols, rows),
            pca_space, labels, cols, rows)
    amnh_points = opentsne(PCA(n_components=min(256, *features.shape)).fit_transform(features))
    figures("amnh recipe", amnh_points, rasterfairy_grid(amnh_points, cols, rows), pca_space,
            labels, cols, rows)


if __name__ == "__main__":
    main()
