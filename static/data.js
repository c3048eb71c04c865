// Item data of a zoomap site, fetched as the view needs it: index.json first (grid, counts,
// filters), the occupied-cell bitmap after the first paint, one region file of item records
// per square region of cells on hover, click and search, facet and year codes when a filter is first
// used, and one search shard per query word. Nothing here ever loads every record.

import { shardKey, words } from './words.js';

const REGION_CACHE_LIMIT = 600;
const SHARD_CACHE_LIMIT = 64;

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}


// The promise of `key`'s value, started by `load` when absent from `cache`, which keeps at
// most `limit` entries (least recently used dropped first). A loaded value is also kept as
// `entry.value` for synchronous use; a failed load is forgotten, so the next call retries.
function cached(cache, key, load, limit = Infinity) {
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
  constructor(base, index) {
    this.base = base;
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

  static async load(base) {
    const index = await (await fetchOk(`${base}/index.json`)).json();
    return new SiteData(base, index);
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
    const bytes = await (await fetchOk(`${this.base}/occupied.bin`)).arrayBuffer();
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
    const load = () => fetchOk(`${this.base}/regions/${key}.json`)
      .then((r) => r.json())
      .then((list) => new Map(list.map((item) => [this.cellOf(item.cell[0], item.cell[1]), item])));
    return cached(this.regions, key, load, REGION_CACHE_LIMIT);
  }

  shard(key) {
    return cached(this.shards, key, () => fetchOk(`${this.base}/search/${key}.json`).then((r) => r.json()), SHARD_CACHE_LIMIT);
  }

  // Cells matching every word of `query` (prefix or substring of a word of the title,
  // metadata or file name), best first: whole-word matches, then prefixes, then the rest,
  // in reading order within each. Null when the query has no word to search for.
  async search(query) {
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
    return cached(this.codes, file, () => fetchOk(`${this.base}/${file}`).then((r) => r.arrayBuffer()).then((b) => new type(b)));
  }
}
