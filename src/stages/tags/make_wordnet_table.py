"""Writes wordnet.tsv beside this script: the 1,000 ImageNet-1k classes and their WordNet
hypernym chains, as a tree, for zoomap's machine tags (embedded in the binary).

Sources: the classes (WordNet 3.0 ids such as n02099601, and readable names, in class-index
order) from ../shared/datasets/imagenet-sample/labels.csv (one photo per class); the hypernyms
from WordNet 3.0's own database as Debian's `wordnet-base` package installs it
(/usr/share/wordnet/data.noun). An ImageNet id is `n` + the synset's 8-digit offset in
data.noun, so ids are matched exactly. Each synset's chain follows its first hypernym
pointer (`@`, or `@i` for an instance) up to `entity`.

Too general to help a search or name a cluster, by rule: the synsets within 4 steps of
`entity` (entity, physical entity, abstraction, object, whole, living thing, artifact,
matter, ...) are left out of the chains.

Familiarity: how often the synset's senses are used in the SemCor texts WordNet was tagged
against (cntlist.rev, summed over the synset's words), so that of two words saying the same
the everyday one can be chosen ("dog" over "canine", "reptile" over "diapsid").

Output, tab-separated: `node  ID  WORD  PARENT  COUNT` lines (an ancestor synset; PARENT the
row number of its parent node among the node lines, -1 at a chain's top; COUNT its
familiarity), then `class  WNID  NAME  PARENT  COUNT` lines in class-index order.

Usage: apt-get install wordnet-base; python3 src/stages/tags/make_wordnet_table.py
"""

import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, "../../../../shared/datasets/imagenet-sample/labels.csv")
DATA_NOUN = "/usr/share/wordnet/data.noun"
CNTLIST = "/usr/share/wordnet/cntlist.rev"
GENERAL_DEPTH = 4  # synsets this close to `entity` are left out


def read_counts():
    """sense key -> how often SemCor's texts use that sense (WordNet's cntlist.rev)."""
    counts = {}
    with open(CNTLIST, encoding="latin-1") as cntlist:
        for line in cntlist:
            key, _, count = line.split()
            counts[key] = int(count)
    return counts


def familiarity(fields, counts):
    """How often SemCor uses the synset: the tag counts of its words' senses, summed."""
    lexfile, words = int(fields[1]), int(fields[3], 16)
    total = 0
    for k in range(words):
        lemma, lex_id = fields[4 + 2 * k].lower(), int(fields[5 + 2 * k], 16)
        lemma = lemma.split("(")[0]  # an adjective marker such as "(a)"
        total += counts.get(f"{lemma}%1:{lexfile:02d}:{lex_id:02d}::", 0)
    return total


def read_synsets():
    """offset -> (first word, first hypernym offset or None, familiarity)."""
    synsets = {}
    counts = read_counts()
    with open(DATA_NOUN, encoding="latin-1") as data:
        for line in data:
            if line.startswith(" "):
                continue
            fields = line.split(" | ")[0].split()
            offset, words = fields[0], int(fields[3], 16)
            word = fields[4].replace("_", " ")
            pointers_at = 4 + 2 * words
            count = int(fields[pointers_at])
            parent = None
            for k in range(count):
                symbol, target = fields[pointers_at + 1 + 4 * k], fields[pointers_at + 2 + 4 * k]
                if symbol in ("@", "@i"):
                    parent = target
                    break
            synsets[offset] = (word, parent, familiarity(fields, counts))
    return synsets


def chain(synsets, offset):
    """The offsets from `offset`'s parent up to the root."""
    up = []
    parent = synsets[offset][1]
    while parent is not None:
        up.append(parent)
        parent = synsets[parent][1]
    return up


def main():
    synsets = read_synsets()
    with open(LABELS, newline="") as f:
        classes = sorted(csv.DictReader(f), key=lambda r: int(r["class_index"]))
    assert len(classes) == 1000
    nodes, index = [], {}

    def node(offset):
        """The row of `offset`'s node (added with its ancestors), -1 if left out."""
        up = chain(synsets, offset)
        if len(up) <= GENERAL_DEPTH:  # within GENERAL_DEPTH steps of entity
            return -1
        if offset not in index:
            parent = node(up[0]) if up else -1
            index[offset] = len(nodes)
            nodes.append((offset, synsets[offset][0], parent, synsets[offset][2]))
        return index[offset]

    rows = []
    for row in classes:
        offset = row["wnid"][1:]
        parent = synsets[offset][1]
        name = row["label"].replace("_", " ")
        rows.append((row["wnid"], name, node(parent) if parent else -1, synsets[offset][2]))
    with open(os.path.join(HERE, "wordnet.tsv"), "w", newline="\n") as out:
        for offset, word, parent, count in nodes:
            out.write(f"node\tn{offset}\t{word}\t{parent}\t{count}\n")
        for wnid, name, parent, count in rows:
            out.write(f"class\t{wnid}\t{name}\t{parent}\t{count}\n")
    print(f"{len(nodes)} ancestor nodes, {len(rows)} classes")


if __name__ == "__main__":
    main()
