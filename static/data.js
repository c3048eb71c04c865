// Item data of a zoomap site, fetched as the view needs it: index.json first (grid, counts,
// filters), the occupied-cell bitmap after the first paint, one region file of item records
// per square region of cells on hover, click and search, facet and year codes when a filter is first
// used, and one search shard per query word. Nothing here ever loads every record.

import { cached, LruCache } from './lru.js';
import { missingKeys } from './schema.js';
import { addNear, byIdentifier, byValue, isFileQuery, nearest, pairKeys, rankedCells, tagRank, termRank } from './ranking.js';
import { identifiers, shardKey, words } from './words.js';

const REGION_CACHE_LIMIT = 600;
const SHARD_CACHE_LIMIT = 64;
// An identifier-like query is checked on at most this many of its word matches.
const FILE_MATCH_LIMIT = 5000;

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
    this.regions = new LruCache(REGION_CACHE_LIMIT);
    this.shards = new LruCache(SHARD_CACHE_LIMIT);
    this.similarFiles = new LruCache(SHARD_CACHE_LIMIT);
    this.codes = new LruCache();
    this.occupied = null;
    this.occupiedLoad = null;
  }

  static async load(base, version) {
    const url = versioned(`${base}/index.json`, version);
    const index = await (await fetchOk(url)).json();
    const missing = missingKeys(index);
    if (missing.length) throw new Error(`${url} lacks ${missing.join(', ')}: rebuild the site with this zoomap`);
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

  // Loads the occupied-cell bitmap (once; later calls share the first load).
  loadOccupied() {
    this.occupiedLoad ??= fetchOk(this.url('occupied.bin')).then((r) => r.arrayBuffer()).then((bytes) => {
      this.occupied = new Uint8Array(bytes);
    });
    return this.occupiedLoad;
  }

  // The record at a cell if its region has loaded: the record, null for an empty cell, or
  // undefined while the region is still to come.
  recordNow(cell) {
    const records = this.regions.peek(this.regionKey(cell))?.value;
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
    return cached(this.regions, key, load);
  }

  shard(key) {
    return cached(this.shards, key, () => fetchOk(this.url(`search/${key}.json`)).then((r) => r.json()));
  }

  // Cells matching every word of `query` (prefix or substring of a word of the title,
  // metadata or file name), best first: whole-word matches, then prefixes, then the rest,
  // in reading order within each. An identifier-like query ("HERB.01950", "IMG_0001") keeps
  // the items holding it whole (the index files identifiers whole too: ranking.js
  // `byIdentifier`); where none does ("img_0001.jpg"), the exact values and file names
  // starting with it (`byValue`); else every word match. Null when the query has no word.
  async search(query) {
    const hits = await this.wordSearch(query);
    if (!hits || !isFileQuery(query)) return hits;
    const whole = identifiers(query);
    if (whole.length === 1) {
      const kept = byIdentifier(hits, await this.matchTerm(whole[0]));
      if (kept.length > 0) return Int32Array.from(kept);
    }
    const checked = Array.from(hits.subarray(0, FILE_MATCH_LIMIT));
    const records = await Promise.all(checked.map((cell) => this.record(cell)));
    const narrowed = byValue(checked, records, query.trim().toLowerCase());
    return narrowed ? Int32Array.from(narrowed) : hits;
  }

  // Up to `n` words of the index close to the words of `query`, nearest first: from the
  // shards of every two characters of each word, so a typo anywhere still finds them.
  async suggest(query, n = 3) {
    const found = new Map();
    for (const term of words(query)) {
      const keys = [...pairKeys(term)].filter((key) => this.searchKeys.has(key));
      const shards = await Promise.all(keys.map((key) => this.shard(key)));
      addNear(found, term, shards.flatMap((shard) => shard.words));
    }
    return nearest(found, n);
  }

  // Cells matching every word of `query` by the index alone. The array's `viaTags` maps
  // each hit that only a machine tag matched (for some query word) to that tag's word.
  async wordSearch(query) {
    const terms = words(query);
    if (terms.length === 0) return null;
    const perTerm = await Promise.all(terms.map((term) => this.matchTerm(term)));
    const hits = rankedCells(perTerm, this.cells);
    hits.viaTags = new Map();
    for (const found of perTerm) {
      for (const [cell, word] of found.viaTags) if (!hits.viaTags.has(cell)) hits.viaTags.set(cell, word);
    }
    return hits;
  }

  // Cell -> rank (3 whole word, 2 prefix, 1 substring) for one query word, from the shard
  // of its first two characters, or of its first three where that shard was split. The
  // map's `viaTags` holds the cells matched only through machine-tag words (the shard's
  // `machine` entries, matched whole or in the plural: ranking.js `tagRank`), with the word.
  async matchTerm(term) {
    const pair = shardKey(term, 2);
    const key = this.splitKeys.has(pair) && [...term].length > 2 ? shardKey(term, 3) : pair;
    const found = new Map();
    found.viaTags = new Map();
    if (!this.searchKeys.has(key)) return found;
    const shard = await this.shard(key);
    const machine = new Set(shard.machine ?? []);
    const own = new Set();
    shard.words.forEach((word, i) => {
      const tag = machine.has(i);
      const rank = tag ? tagRank(word, term) : termRank(word, term);
      if (rank === 0) return;
      let cell = 0;
      for (const delta of shard.cells[i]) {
        cell += delta;
        if ((found.get(cell) ?? 0) < rank) found.set(cell, rank);
        if (!tag) own.add(cell);
        else if (!found.viaTags.has(cell)) found.viaTags.set(cell, word);
      }
    });
    for (const cell of own) found.viaTags.delete(cell);
    return found;
  }

  // The cells of the items nearest the item in `cell` in feature space, nearest first, from
  // its region's `similar/` file (src/site/data/similar.rs); none where the site has none.
  async similar(cell) {
    const entry = this.index.similar;
    if (!entry) return [];
    const key = this.regionKey(cell);
    const bytes = await cached(this.similarFiles, key, () => fetchOk(this.url(`similar/${key}.bin`)).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b)));
    const [col, row] = this.colRow(cell);
    const side = this.index.region;
    const start = ((row % side) * side + (col % side)) * entry.k * entry.bytes;
    const cells = [];
    for (let n = 0; n < entry.k; n++) {
      let value = 0;
      for (let b = entry.bytes - 1; b >= 0; b--) value = value * 256 + bytes[start + n * entry.bytes + b];
      if (value > 0) cells.push(value - 1);
    }
    return cells;
  }

  // The per-cell codes of a filter file (a facet's Uint8Array, the machine tags' facet's
  // Uint32Array of value masks, or the years' Int16Array).
  filterCodes(file, type) {
    return cached(this.codes, file, () => fetchOk(this.url(file)).then((r) => r.arrayBuffer()).then((b) => new type(b)));
  }
}
