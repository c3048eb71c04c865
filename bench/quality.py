"""Map-quality figures of a zoomap build, from its `--export` folder and a labels CSV.

  python bench/quality.py EXPORT_DIR LABELS_CSV

Prints, for the images of items.tsv:
  trustworthiness@10  of the t-SNE points against the PCA space (reduced.npy), scikit-learn's;
  grid agreement      share of horizontally/vertically adjacent occupied cell pairs whose two
                      images have the same label;
  knn agreement@10    share of each image's 10 nearest neighbours (cosine, features.npy) with
                      its label: how much the features themselves know.
"""
import csv
import sys

import numpy as np
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


def grid_agreement(items, labels):
    cells = {(int(i["col"]), int(i["row"])): k for k, i in enumerate(items)}
    same = total = 0
    for (c, r), k in cells.items():
        for neighbour in ((c + 1, r), (c, r + 1)):
            if neighbour in cells:
                total += 1
                same += labels[k] == labels[cells[neighbour]]
    return same / total


def knn_agreement(features, labels, k=10):
    nn = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(features)
    _, idx = nn.kneighbors(features)
    return float((labels[idx[:, 1:]] == labels[:, None]).mean())


def main():
    export_dir, labels_csv = sys.argv[1:3]
    items, labels = load(export_dir, labels_csv)
    features = np.load(f"{export_dir}/features.npy")
    reduced = np.load(f"{export_dir}/reduced.npy")
    points = np.array([[float(i["x"]), float(i["y"])] for i in items])
    print(f"images              {len(items)}")
    print(f"trustworthiness@10  {trustworthiness(reduced, points, n_neighbors=10):.3f}")
    print(f"grid agreement      {grid_agreement(items, labels):.3f}")
    print(f"knn agreement@10    {knn_agreement(features, labels):.3f}")


if __name__ == "__main__":
    main()
