// The cluster hierarchy of a site, fetched a level at a time as the zoom or the tree needs
// it: each level's records (id, name, size, parent, children, bounds, label cell, example
// previews) and its per-cell codes (the index of each cell's cluster in that level).

import { fetchOk, versioned } from './data.js';
import { cached, LruCache } from './lru.js';
import { codeArray, countCode, noCluster } from './codes.js';
import { csvField } from './csv.js';

const CODE_TYPES = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array };

export class Clusters {
  // `renames`: the curator's names (renames.js), put over the built ones.
  constructor(site, renames) {
    this.site = site;
    this.renames = renames;
    this.levels = site.index.clusters || [];
    this.records = new LruCache();
    this.codes = new LruCache();
  }

  get depth() {
    return this.levels.length;
  }

  // Level `level`'s records, each given its `level` and its `index` in the level.
  level(level) {
    const version = (path) => versioned(path, this.site.version);
    const load = () => fetchOk(this.site.url(this.levels[level].records)).then((r) => r.json())
      .then((list) => list.map((record, index) => this.renames.apply(Object.assign(record, { level, index, examples: record.examples.map(version) }))));
    return cached(this.records, level, load);
  }

  levelNow(level) {
    return this.records.peek(level)?.value;
  }

  // Level `level`'s per-cell codes; `none(level)` marks a cell in no cluster.
  cellCodes(level) {
    const { codes, bytes } = this.levels[level];
    return cached(this.codes, level, () => fetchOk(this.site.url(codes)).then((r) => r.arrayBuffer()).then((b) => new CODE_TYPES[bytes](b)));
  }

  codesNow(level) {
    return this.codes.peek(level)?.value;
  }

  none(level) {
    return noCluster(this.levels[level].bytes);
  }

  // The cluster with path-like id `id` ("7-3"), or null.
  async byId(id) {
    const path = String(id).split('-').map(Number);
    if (path.length > this.depth || !path.every(Number.isInteger)) return null;
    let record = (await this.level(0))[path[0]];
    for (let depth = 1; record && depth < path.length; depth++) {
      const [first, count] = record.children || [0, 0];
      record = path[depth] >= 0 && path[depth] < count ? (await this.level(depth))[first + path[depth]] : null;
    }
    return record || null;
  }

  async children(record) {
    if (!record.children) return [];
    const [first, count] = record.children;
    return (await this.level(record.level + 1)).slice(first, first + count);
  }

  // The cluster and its ancestors, top first.
  async path(record) {
    const path = [record];
    while (path[0].parent !== undefined) path.unshift((await this.level(path[0].level - 1))[path[0].parent]);
    return path;
  }

  // The cluster holding `cell` at `level`, or null (codes and records fetched as needed).
  async at(cell, level) {
    const [codes, records] = await Promise.all([this.cellCodes(level), this.level(level)]);
    return codes[cell] === this.none(level) ? null : records[codes[cell]];
  }

  // Per cell, 1 where the cell lies in `record`.
  async mask(record) {
    const codes = await this.cellCodes(record.level);
    const mask = new Uint8Array(this.site.cells);
    this.eachCell(record, codes, (cell) => { mask[cell] = 1; });
    return mask;
  }

  // Calls `visit(cell)` for each cell of `record`, with its level's `codes`.
  eachCell(record, codes, visit) {
    const [c0, r0, c1, r1] = record.bounds;
    for (let row = r0; row <= r1; row++) {
      for (let col = c0, cell = this.site.cellOf(c0, row); col <= c1; col++, cell++) {
        if (codes[cell] === record.index) visit(cell);
      }
    }
  }

  // Each value's count inside `record` for the facet `facet` of the index, largest first.
  async breakdown(record, facet) {
    const [codes, values] = await Promise.all([this.cellCodes(record.level), this.site.filterCodes(facet.file, codeArray(facet))]);
    const counts = new Array(facet.values.length).fill(0);
    this.eachCell(record, codes, (cell) => countCode(facet, values[cell], counts));
    return counts.map((count, code) => ({ value: facet.values[code], count })).filter((v) => v.count > 0).sort((a, b) => b.count - a.count);
  }

  // Every cluster's id and name as CSV, the file `--cluster-names` reads back.
  // Names `record` `name` (an empty name gives back the built one), kept in this browser.
  rename(record, name) {
    this.renames.set(record.id, name);
    this.renames.apply(record);
  }

  async namesCsv() {
    const levels = await Promise.all(this.levels.map((_, level) => this.level(level)));
    return ['id,name', ...levels.flat().map((c) => `${c.id},${csvField(c.name)}`)].join('\n') + '\n';
  }
}
