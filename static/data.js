// Item data of a zoomap site, fetched as the view needs it: index.json first (grid, counts,
// filters), the occupied-cell bitmap after the first paint, one region file of item records
// per square region of cells on hover, click and search, facet and year codes when a filter is first
// used, and one search shard per query word. Nothing here ever loads every record.

import { shardKey, words } from './words.js';

const REGION_CACHE_LIMIT = 600;
const SHARD_CACHE_LIMIT = 64;
// A query that looks like a file name (one token holding `.`, `_` or `-`) keeps only the
// word matches whose file name starts with it, checked on at most this many of them.
const FILE_QUERY = /^[^\s]*[._-][^\s]*$/;
const FILE_MATCH_LIMIT = 5000;
// Suggestions for a query without matches: words at most this many edits away.
const SUGGEST_DISTANCE = 2;

// The Levenshtein distance of `a` and `b`, giving up (returning limit + 1) past `limit`.
function editDistance(a, b, limit) {
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

// `path` with the site's content version as its query (src/site/version.rs), so that a cache
// never serves a file of one build beside a file of another.
export function versioned(path, version) {
  return version ? `${path}?v=${version}` : path;
}

export async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

// The promise of `key`'s value, started by `load` when absent from `cache`, which keeps at
// most `limit` entries (least recently used dropped first). A loaded value is also kept as
// `entry.value` for synchronous use; a failed load is forgotten, so the next call retries.
export function cached(cache, key, load, limit = Infinity) {
  let entry = cache.get(key);
  if (!entry) {
    entry = { promise: load() };
    entry.promise.then((value) => { entry.value = value; }, () => cache.delete(key));
  }
  cache.delete(key);
  cache.set(key, entry);
  if (cache.size > limit) cache.delete(cache.keys().next().value);
  return entry.promise;
}

export class SiteData {
  constructor(base, index, version) {
    this.base = base;
    this.version = version;
    this.index = index;
    this.cols = index.grid[0];
    this.rows = index.grid[1];
    this.cells = this.cols * this.rows;
    this.searchKeys = new Set(index.search.keys);
    this.splitKeys = new Set(index.search.split);
    this.regions = new Map();
    this.shards = new Map();
    this.codes = new Map();
    this.occupied = null;
  }

  static async load(base, version) {
    const index = await (await fetchOk(versioned(`${base}/index.json`, version))).json();
    return new SiteData(base, index, version);
  }

  // The URL of the data file `name`, versioned.
  url(name) {
    return versioned(`${this.base}/${name}`, this.version);
  }

  // `record` with its preview and original (paths relative to the page) versioned.
  versionFiles(record) {
    if (record.preview) record.preview = versioned(record.preview, this.version);
    if (record.original) record.original = versioned(record.original, this.version);
    return record;
  }

  cellOf(col, row) {
    return row * this.cols + col;
  }

  colRow(cell) {
    return [cell % this.cols, Math.floor(cell / this.cols)];
  }

  regionKey(cell) {
    const [col, row] = this.colRow(cell);
    return `${Math.floor(col / this.index.region)}_${Math.floor(row / this.index.region)}`;
  }

  // Whether a cell holds an item: true, false, or undefined before the bitmap has loaded.
  isOccupied(cell) {
    if (!this.occupied) return undefined;
    return (this.occupied[cell >> 3] >> (cell & 7) & 1) === 1;
  }

  async loadOccupied() {
    const bytes = await (await fetchOk(this.url('occupied.bin'))).arrayBuffer();
    this.occupied = new Uint8Array(bytes);
  }

  // The record at a cell if its region has loaded: the record, null for an empty cell, or
  // undefined while the region is still to come.
  recordNow(cell) {
    const records = this.regions.get(this.regionKey(cell))?.value;
    if (!records) return undefined;
    return records.get(cell) ?? null;
  }

  // The record at a cell, or null for an empty cell, fetching its region if needed.
  async record(cell) {
    if (this.isOccupied(cell) === false) return null;
    const records = await this.region(this.regionKey(cell));
    return records.get(cell) ?? null;
  }

  // A region's records by cell.
  region(key) {
    const load = () => fetchOk(this.url(`regions/${key}.json`))
      .then((r) => r.json())
      .then((list) => new Map(list.map((item) => [this.cellOf(item.cell[0], item.cell[1]), this.versionFiles(item)])));
    return cached(this.regions, key, load, REGION_CACHE_LIMIT);
  }

  shard(key) {
    return cached(this.shards, key, () => fetchOk(this.url(`search/${key}.json`)).then((r) => r.json()), SHARD_CACHE_LIMIT);
  }

  // Cells matching every word of `query` (prefix or substring of a word of the title,
  // metadata or file name), best first: whole-word matches, then prefixes, then the rest,
  // in reading order within each. Null when the query has no word to search for.
  async search(query) {
    const hits = await this.wordSearch(query);
    return hits && FILE_QUERY.test(query.trim()) ? this.byFileName(hits, query.trim().toLowerCase()) : hits;
  }

  // The hits whose file name (or path) starts with `prefix`, in the same order.
  async byFileName(hits, prefix) {
    const checked = Array.from(hits.subarray(0, FILE_MATCH_LIMIT));
    const records = await Promise.all(checked.map((cell) => this.record(cell)));
    return Int32Array.from(checked.filter((cell, i) => {
      const file = (records[i]?.file || '').toLowerCase();
      return file.startsWith(prefix) || file.split('/').pop().startsWith(prefix);
    }));
  }

  // Up to `n` words of the index close to the words of `query`, nearest first: from the
  // shards of every two characters of each word, so a typo anywhere still finds them.
  async suggest(query, n = 3) {
    const found = new Map();
    for (const term of words(query)) {
      const chars = [...term];
      const keys = new Set(chars.slice(0, -1).map((_, i) => shardKey(chars.slice(i, i + 2).join(''), 2)));
      const shards = await Promise.all([...keys].filter((key) => this.searchKeys.has(key)).map((key) => this.shard(key)));
      for (const word of shards.flatMap((shard) => shard.words)) {
        const d = editDistance(term, word, SUGGEST_DISTANCE);
        if (d > 0 && d <= SUGGEST_DISTANCE && !(found.get(word) <= d)) found.set(word, d);
      }
    }
    return [...found].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, n).map(([word]) => word);
  }

  // Cells matching every word of `query` by the index alone.
  async wordSearch(query) {
    const terms = words(query);
    if (terms.length === 0) return null;
    const perTerm = await Promise.all(terms.map((term) => this.matchTerm(term)));
    perTerm.sort((a, b) => a.size - b.size);
    const [first, ...rest] = perTerm;
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
      if (total >= 0) hits.push(total * this.cells * 2 + (this.cells - cell));
    }
    hits.sort((a, b) => b - a);
    return Int32Array.from(hits, (key) => this.cells - (key % (this.cells * 2)));
  }

  // Cell -> rank (3 whole word, 2 prefix, 1 substring) for one query word, from the shard
  // of its first two characters, or of its first three where that shard was split.
  async matchTerm(term) {
    const pair = shardKey(term, 2);
    const key = this.splitKeys.has(pair) && [...term].length > 2 ? shardKey(term, 3) : pair;
    const found = new Map();
    if (!this.searchKeys.has(key)) return found;
    const shard = await this.shard(key);
    shard.words.forEach((word, i) => {
      if (!word.includes(term)) return;
      const rank = word === term ? 3 : word.startsWith(term) ? 2 : 1;
      let cell = 0;
      for (const delta of shard.cells[i]) {
        cell += delta;
        if ((found.get(cell) ?? 0) < rank) found.set(cell, rank);
      }
    });
    return found;
  }

  // The per-cell codes of a filter file (a facet's Uint8Array or the years' Int16Array).
  filterCodes(file, type) {
    return cached(this.codes, file, () => fetchOk(this.url(file)).then((r) => r.arrayBuffer()).then((b) => new type(b)));
  }
}
