"""The layouts' quality (bench/layouts.sh).

metadata LABELS OUT: LABELS (flowers12's labels.csv) with a random Year, lat and lon per row.
score SITE EXPORT ITEMS IMAGES: checks and measures each layout from EXPORT/layouts.tsv.
"""
import csv
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image


def metadata(labels, out):
    rng = random.Random(7)
    rows = list(csv.DictReader(open(labels, newline="")))
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) + ["Year", "lat", "lon"])
        w.writeheader()
        for row in rows:
            row["Year"] = rng.randint(1850, 2019)
            row["lat"] = f"{rng.uniform(-60, 70):.4f}"
            row["lon"] = f"{rng.uniform(-180, 180):.4f}"
            w.writerow(row)


def dominant(path):
    """zoomap's dominant colour: the mean of the fullest bin of a 4x4x4 RGB histogram."""
    px = np.asarray(Image.open(path).convert("RGB").resize((64, 64), Image.BILINEAR)).reshape(-1, 3)
    bins = (px[:, 0] >> 6) * 16 + (px[:, 1] >> 6) * 4 + (px[:, 2] >> 6)
    fullest = np.bincount(bins, minlength=64).argmax()
    return px[bins == fullest].mean(axis=0)


def lab(rgb):
    v = rgb / 255.0
    v = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = v @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def neighbour_distance(cols, rows, colours):
    at = {(c, r): i for i, (c, r) in enumerate(zip(cols, rows))}
    d = [np.linalg.norm(colours[i] - colours[at[(c + dc, r + dr)]])
         for i, (c, r) in enumerate(zip(cols, rows)) for dc, dr in ((1, 0), (0, 1)) if (c + dc, r + dr) in at]
    return float(np.mean(d))


def ranks(v):
    r = np.empty(len(v))
    r[np.argsort(v, kind="stable")] = np.arange(len(v))
    return r


def spearman(a, b):
    return float(np.corrcoef(ranks(np.asarray(a)), ranks(np.asarray(b)))[0, 1])


def connected(cells):
    cells = set(cells)
    start = next(iter(cells))
    seen, stack = {start}, [start]
    while stack:
        c, r = stack.pop()
        for n in ((c + 1, r), (c - 1, r), (c, r + 1), (c, r - 1)):
            if n in cells and n not in seen:
                seen.add(n)
                stack.append(n)
    return len(seen) == len(cells)


def score(site, export, items, images):
    index = json.load(open(Path(site) / "data/index.json"))
    layouts = {l["name"]: l for l in index["layouts"]}
    meta = {r["filename"]: r for r in csv.DictReader(open(items, newline=""))}
    table = list(csv.DictReader(open(Path(export) / "layouts.tsv", newline=""), delimiter="\t"))
    files = [r["filename"] for r in table]
    cell = lambda name, r: (int(r[f"col_{name}"]), int(r[f"row_{name}"]))
    print(f"{len(files)} items; layouts: " + ", ".join(f"{n} {l['grid']['cols']}x{l['grid']['rows']}" for n, l in layouts.items()))

    bands = [l for l in layouts["time"]["labels"]]
    band_of = lambda col: next(k for k, b in enumerate(bands) if b["bounds"][0] <= col <= b["bounds"][2])
    years = [int(meta[f]["Year"]) for f in files]
    band = [band_of(cell("time", r)[0]) for r in table]
    dated = [k for k, b in enumerate(bands) if b["text"] != "no date"]
    members = {k: [years[i] for i in range(len(files)) if band[i] == k] for k in dated}
    in_order = all(max(members[a]) <= min(members[b]) for a, b in zip(dated, dated[1:]))

    def span(text):
        first, _, last = text.partition("–")
        return int(first), int(last or first)

    in_bin = all(span(bands[band[i]]["text"])[0] <= years[i] <= span(bands[band[i]]["text"])[1] for i in range(len(files)))
    print(f"time: {len(bands)} bins ({', '.join(b['text'] for b in bands[:6])}, …); bands in year order: {in_order}; every item in its bin's band: {in_bin}")

    group = next(n for n in layouts if n.startswith("group"))
    by_value = defaultdict(list)
    for f, r in zip(files, table):
        by_value[meta[f]["label"]].append(cell(group, r))
    pieces = sum(connected(v) for v in by_value.values())
    print(f"group:label: {len(by_value)} values, {pieces} of them one connected block")

    colours = lab(np.array([dominant(Path(images) / f) for f in files]))
    rng = np.random.default_rng(1)
    cs = [cell("colour", r) for r in table]
    perm = rng.permutation(len(cs))
    shuffled = [cs[p] for p in perm]
    sim = [cell("similarity", r) for r in table]
    d_colour = neighbour_distance([c for c, _ in cs], [r for _, r in cs], colours)
    d_sim = neighbour_distance([c for c, _ in sim], [r for _, r in sim], colours)
    d_random = neighbour_distance([c for c, _ in shuffled], [r for _, r in shuffled], colours)
    print(f"colour: mean CIELAB distance between neighbours {d_colour:.1f} (similarity map {d_sim:.1f}, random grid {d_random:.1f}; colour/random {d_colour / d_random:.2f})")

    place = next(n for n in layouts if n.startswith("place"))
    pc = [cell(place, r) for r in table]
    lon = [float(meta[f]["lon"]) for f in files]
    lat = [-float(meta[f]["lat"]) for f in files]
    print(f"place: rank correlation of column with longitude {spearman([c for c, _ in pc], lon):.3f}, of row with latitude (south down) {spearman([r for _, r in pc], lat):.3f}")


if __name__ == "__main__":
    {"metadata": metadata, "score": score}[sys.argv[1]](*sys.argv[2:])
