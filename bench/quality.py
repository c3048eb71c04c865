"""Map-quality figures of a zoomap build and of the anchor recipes on the same features.

  python bench/quality.py EXPORT_DIR LABELS_CSV [GRID_COLS GRID_ROWS [UNREFINED_EXPORT_DIR]]

Reads the `--export` folder of a build (items.tsv, features.npy, reduced.npy = the PCA space)
and a labels CSV (filename,label). Lays the same images out four ways:
  zoomap                 zoomap's own t-SNE and refined grid (items.tsv);
  zoomap --refine none   the same build's grid before refinement, when UNREFINED_EXPORT_DIR
                         (a `--refine none` build's export) is given;
  zoomap t-SNE + LAP     zoomap's t-SNE points, exact linear assignment (scipy) to the same grid;
  openTSNE + LAP         openTSNE (PCA init, 2 threads) on zoomap's PCA space, exact LAP;
  amnh recipe            PCA 256 (scikit-learn) -> openTSNE -> RasterFairy, as the amnh
                         image-collection tools do (they use MulticoreTSNE; openTSNE is its
                         maintained successor);
  FLAS                   Fast Linear Assignment Sorting (Barthel et al. 2023) on the PCA space
                         from a random grid, after the authors' reference implementation
                         (github.com/Visual-Computing/LAS_FLAS) with its default settings;
  FLAS from zoomap grid  the same, started from zoomap's unrefined grid (or its grid) with
                         the initial radius a tenth of the grid's side, as a refinement.
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


def flas(x, cols, rows, radius_factor=0.5, decay=0.93, radius_end=1.0, swaps=9,
         weight_hole=0.01, seed=0, start=None):
    """FLAS: from a random grid (or the cells `start`), repeatedly box-filter the (hole-weighted) map of vectors with
    a decaying radius, then in grid_size / 9 random areas of (2r + 1)^2 cells solve the exact
    assignment of 9 of their items to the filtered vectors at their cells."""
    rng = np.random.default_rng(seed)
    n, dim = x.shape
    size = cols * rows
    grid = -np.ones(size, int)
    if start is None:
        grid[rng.permutation(size)[:n]] = np.arange(n)
    else:
        grid[start[:, 1] * cols + start[:, 0]] = np.arange(n)
    som = np.zeros((size, dim))
    rad = max(cols, rows) * radius_factor
    while True:
        filled = grid >= 0
        som[filled] = x[grid[filled]]
        som[~filled] *= weight_hole
        weights = np.where(filled, 1.0, weight_hole)
        radius = max(1, round(rad))
        som = box_filter(som, weights, cols, rows, max(1, min(cols // 2, radius)),
                         max(1, min(rows // 2, radius)))
        rad *= decay
        area_w, area_h = min(2 * radius + 1, cols), min(2 * radius + 1, rows)
        grow = 0
        while area_w * area_h < swaps:
            if grow % 2 == 0:
                area_w = min(area_w + 1, cols)
            else:
                area_h = min(area_h + 1, rows)
            grow += 1
        offsets = np.array([y * cols + c for y in range(area_h) for c in range(area_w)])
        for _ in range(max(1, size // swaps)):
            centre = rng.integers(size)
            x0 = min(max(0, centre % cols - area_w // 2), cols - area_w)
            y0 = min(max(0, centre // cols - area_h // 2), rows - area_h)
            pick = offsets[rng.permutation(len(offsets))[:swaps]]
            pos = (y0 + pick // cols) * cols + x0 + pick % cols
            ids = grid[pos]
            if (ids < 0).all():
                continue
            vectors = np.where((ids >= 0)[:, None], x[np.maximum(ids, 0)], som[pos])
            cost = ((vectors[:, None, :] - som[pos][None, :, :]) ** 2).sum(axis=2)
            _, to = linear_sum_assignment(cost)
            grid[pos[to]] = ids
        if rad <= radius_end:
            break
    at = np.nonzero(grid >= 0)[0]
    cells = np.zeros((n, 2), int)
    cells[grid[at]] = np.stack([at % cols, at // cols], axis=1)
    return cells


def box_filter(som, weights, cols, rows, radius_x, radius_y):
    """FLAS's weighted mean filter with mirrored borders."""
    from scipy.ndimage import uniform_filter1d

    def blur(a):
        a = uniform_filter1d(a, 2 * radius_x + 1, axis=1, mode="mirror")
        return uniform_filter1d(a, 2 * radius_y + 1, axis=0, mode="mirror")

    total = blur(som.reshape(rows, cols, -1) * 1.0)
    weight = blur(weights.reshape(rows, cols))
    return (total / weight[:, :, None]).reshape(cols * rows, -1)


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
    unrefined_cells = cells
    if len(sys.argv) > 5:
        unrefined, _ = load(sys.argv[5], labels_csv)
        unrefined_cells = np.array([[int(i["col"]), int(i["row"])] for i in unrefined])
        figures("zoomap --refine none", np.array([[float(i["x"]), float(i["y"])] for i in unrefined]),
                unrefined_cells, pca_space, labels, cols, rows)
    figures("zoomap t-SNE + LAP", points, exact_lap(scale_to_grid(points, cols, rows), cols, rows),
            pca_space, labels, cols, rows)
    ot = opentsne(pca_space)
    figures("openTSNE + LAP", ot, exact_lap(scale_to_grid(ot, cols, rows), cols, rows),
            pca_space, labels, cols, rows)
    amnh_points = opentsne(PCA(n_components=min(256, *features.shape)).fit_transform(features))
    sorted_cells = flas(pca_space, cols, rows)
    figures("FLAS", centres(sorted_cells), sorted_cells, pca_space, labels, cols, rows)
    sorted_cells = flas(pca_space, cols, rows, radius_factor=0.1, start=unrefined_cells)
    figures("FLAS from zoomap grid", centres(sorted_cells), sorted_cells, pca_space, labels,
            cols, rows)
    figures("amnh recipe", amnh_points, rasterfairy_grid(amnh_points, cols, rows), pca_space,
            labels, cols, rows)


if __name__ == "__main__":
    main()
