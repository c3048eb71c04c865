// How search ranks, apart from fetching: a query word's rank in an indexed word, the
// ranked intersection of every word's matches, the file-name rule, and the nearest words
// for suggestions. Pure functions, tested by ranking.test.js.

import { fold, shardKey } from './words.js';

// A query that looks like a file name (one token holding `.`, `_` or `-`) keeps only the
// word matches whose file name starts with it.
const FILE_QUERY = /^[^\s]*[._-][^\s]*$/;
// Suggestions for a query without matches: words at most this many edits away.
const SUGGEST_DISTANCE = 2;

// The rank of indexed `word` for query word `term`: 3 the whole word, 2 a prefix, 1 inside
// it, 0 no match.
export function termRank(word, term) {
  if (!word.includes(term)) return 0;
  return word === term ? 3 : word.startsWith(term) ? 2 : 1;
}

// The rank of a machine tag's word (a class or WordNet group word, src/site/search.rs) for
// query word `term`: 3 the whole word or its plural ("dogs", "boxes", "butterflies"), else
// 0. Tag words are a vocabulary, not the item's own text: a prefix or a substring of them
// ("car" in "carnivore", "instrument" in "instrumentality") would list whole branches of
// WordNet that the query does not name.
export function tagRank(word, term) {
  const plural = term === `${word}s` || term === `${word}es` || (word.endsWith('y') && term === `${word.slice(0, -1)}ies`);
  return word === term || plural ? 3 : 0;
}

// The cells in every one of `perTerm` (one Map of cell -> rank per query word), best first:
// the highest sum of ranks, then reading order (lower cell first). `cells` is the grid's
// cell count.
export function rankedCells(perTerm, cells) {
  const sorted = [...perTerm].sort((a, b) => a.size - b.size);
  const [first, ...rest] = sorted;
  const hits = [];
  for (const [cell, rank] of first) {
    let total = rank;
    for (const other of rest) {
      const r = other.get(cell);
      if (r === undefined) {
        total = -1;
        break;
      }
      total += r;
    }
    if (total >= 0) hits.push(total * cells * 2 + (cells - cell));
  }
  hits.sort((a, b) => b - a);
  return Int32Array.from(hits, (key) => cells - (key % (cells * 2)));
}

// Whether `query` looks like a file name or an identifier (one token with `.`, `_` or `-`),
// so that its hits are ordered by `byValue`.
export function isFileQuery(query) {
  return FILE_QUERY.test(query.trim());
}

// The word hits `cells` (best first) narrowed to those whose index holds the query's whole
// identifier, `whole` (cell -> rank of the identifier, as `termRank`): the exact identifier
// first ("herb.01950" before "herb.019501"), then prefixes, then the rest, each in the
// order of `cells`.
export function byIdentifier(cells, whole) {
  const kept = Array.from(cells).filter((cell) => whole.has(cell));
  return kept.sort((a, b) => whole.get(b) - whole.get(a));
}

// The word hits `cells` of an identifier-like `query` (lower case), their `records` beside
// them, narrowed: items with a field or title equal to the query ("HERB.01950" as stored,
// "great_white_shark" as shown) first, then those whose file name starts with it ("dots-b"
// is the blue dots, not every dots item); null where neither is, so that the caller keeps
// every word match and such a query never finds less than its words do.
export function byValue(cells, records, query) {
  const exact = [], files = [];
  const folded = fold(query).toLowerCase();
  cells.forEach((cell, i) => {
    const record = records[i] || {};
    const values = [record.title, ...(record.fields || [])].filter(Boolean).map((v) => fold(v.trim()).toLowerCase());
    if (values.includes(folded)) exact.push(cell);
    else if (fileMatches(record.file, query)) files.push(cell);
  });
  return exact.length + files.length > 0 ? [...exact, ...files] : null;
}

// Whether `file` (a path relative to the collection) or its last part starts with
// `prefix` (lower case).
export function fileMatches(file, prefix) {
  const lower = (file || '').toLowerCase();
  return lower.startsWith(prefix) || lower.split('/').pop().startsWith(prefix);
}

// The shard keys of every two consecutive characters of `term`: a typo anywhere in a word
// leaves some pair intact.
export function pairKeys(term) {
  const chars = [...term];
  return new Set(chars.slice(0, -1).map((_, i) => shardKey(chars.slice(i, i + 2).join(''), 2)));
}

// The Levenshtein distance of `a` and `b`, giving up (returning limit + 1) past `limit`.
export function editDistance(a, b, limit) {
  const x = [...a], y = [...b];
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    if (Math.min(...row) > limit) return limit + 1;
    previous = row;
  }
  return previous[y.length];
}

// Keeps in `found` (word -> distance) each of `words` within SUGGEST_DISTANCE edits of
// `term` but not equal to it, at its least distance.
export function addNear(found, term, words) {
  for (const word of words) {
    const d = editDistance(term, word, SUGGEST_DISTANCE);
    if (d > 0 && d <= SUGGEST_DISTANCE && !(found.get(word) <= d)) found.set(word, d);
  }
}

// The `n` nearest of `found` (word -> distance), nearest first, ties alphabetical.
export function nearest(found, n) {
  return [...found].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, n).map(([word]) => word);
}
