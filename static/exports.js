// What a selection exports, assembled in the browser from the site's own files (so it works
// on any static host): a CSV of the selected items (file, title, URL, every metadata column,
// cell, cluster ids and names per level) and the list of their files. Region files are
// fetched one region at a time, in cell order within each, with progress reported.

import { csvField } from './csv.js';
import { selectionCollection } from './iiif.js';

// The CSV's header for metadata `columns` and `levels` cluster levels.
export function csvHeader(columns, levels) {
  const clusters = [];
  for (let level = 1; level <= levels; level++) clusters.push(`cluster_${level}`, `name_${level}`);
  return ['file', 'title', 'url', ...columns, 'col', 'row', ...clusters].map(csvField).join(',');
}

// One CSV line for `record` at [col, row], with its cluster `path` ([{ id, name }, …], top
// first, padded to `levels`); every field neutralised against spreadsheet formulas.
export function csvRow(record, [col, row], path, columns, levels) {
  const fields = columns.map((_, i) => record.fields?.[i] ?? '');
  const clusters = [];
  for (let level = 0; level < levels; level++) clusters.push(path[level]?.id ?? '', path[level]?.name ?? '');
  return [record.file, record.title, record.url || '', ...fields, String(col), String(row), ...clusters].map(csvField).join(',');
}

// The selected cells of `mask` grouped by region key, each region's cells ascending, regions
// in the order of their first cell.
export function cellsByRegion(mask, regionKey) {
  const regions = new Map();
  for (let cell = 0; cell < mask.length; cell++) {
    if (!mask[cell]) continue;
    const key = regionKey(cell);
    if (!regions.has(key)) regions.set(key, []);
    regions.get(key).push(cell);
  }
  return regions;
}

// Region files fetched ahead of the one being written: a million-item selection spans
// thousands of them, and one at a time each waits a round trip (1M bench: 54 s at 1, see
// bench/viewer-scale.sh for the figure now).
const REGIONS_AHEAD = 8;

// Visits each selected item of `mask`: `visit(record, cell)`, region by region (the next
// few fetched meanwhile), reporting `progress(done, total)` in regions. Empty cells are
// skipped.
export async function eachSelected(site, mask, visit, progress = () => {}) {
  const regions = [...cellsByRegion(mask, (cell) => site.regionKey(cell))];
  // A failed fetch is reported where it is awaited, not as an unhandled rejection before.
  const fetchRegion = ([key]) => {
    const records = site.region(key);
    records.catch(() => {});
    return records;
  };
  const pending = regions.slice(0, REGIONS_AHEAD).map(fetchRegion);
  let done = 0;
  for (const [i, [, cells]] of regions.entries()) {
    if (i + REGIONS_AHEAD < regions.length) pending.push(fetchRegion(regions[i + REGIONS_AHEAD]));
    const records = await pending[i];
    pending[i] = null;
    for (const cell of cells) {
      const record = records.get(cell);
      if (record) visit(record, cell);
    }
    progress(++done, regions.length);
  }
}

// The cluster path of each cell, a function of the cell: from every level's codes and
// records, fetched first.
export async function clusterPaths(clusters) {
  if (!clusters) return () => [];
  const levels = await Promise.all(clusters.levels.map((_, level) => Promise.all([clusters.cellCodes(level), clusters.level(level)])));
  return (cell) => {
    const path = [];
    levels.forEach(([codes, records], level) => {
      if (codes[cell] !== clusters.none(level)) path.push(records[codes[cell]]);
    });
    return path;
  };
}

// The CSV of the selected items of `mask` as a Blob (UTF-8 with a byte-order mark, which
// spreadsheets need to read it as UTF-8).
export async function selectionCsv(site, clusters, mask, progress) {
  const { columns } = site.index;
  const levels = clusters ? clusters.depth : 0;
  const pathOf = await clusterPaths(clusters);
  const lines = ['\ufeff' + csvHeader(columns, levels)];
  await eachSelected(site, mask, (record, cell) => {
    lines.push(csvRow(record, site.colRow(cell), pathOf(cell), columns, levels));
  }, progress);
  return new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
}

// The selected items' files, one path per line (for `rsync --files-from`, `xargs`).
export async function selectionFiles(site, mask, progress) {
  const lines = [];
  await eachSelected(site, mask, (record) => lines.push(record.file), progress);
  return new Blob([lines.join('\n') + '\n'], { type: 'text/plain;charset=utf-8' });
}

// The selected items as a saved group named `name`: the `filename,group` CSV that
// `zoomap build --groups FILE` reads (src/site/groups.rs).
export async function selectionGroupCsv(site, mask, name, progress) {
  const lines = ['filename,group'];
  await eachSelected(site, mask, (record) => lines.push(`${csvField(record.file)},${csvField(name)}`), progress);
  return new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
}

// The selected items as a IIIF Presentation 3 Collection of their Manifests (JSON), for
// Mirador, Universal Viewer or any IIIF client; null on a site written without IIIF.
export async function selectionIiif(site, mask, progress) {
  const { iiif, title } = site.index;
  if (!iiif) return null;
  const items = [];
  await eachSelected(site, mask, (record, cell) => items.push({ cell, title: record.title }), progress);
  const collection = selectionCollection(iiif, `${title}: ${items.length} selected`, items);
  return new Blob([JSON.stringify(collection, null, 1)], { type: 'application/ld+json' });
}
