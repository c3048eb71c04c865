// A layout of the map (`--layouts`): its grid, its pyramid and which item sits in each of
// its cells. Items are known everywhere by their cell on the map's own layout (the record,
// filter, search, cluster and selection files are keyed by it); a layout's geometry turns
// those into its own cells and back. The map's own layout is the identity.

import { fetchOk } from './data.js';

// Marks an empty cell in a layout's cell file (src/site/data/layouts.rs NO_ITEM).
export const NO_ITEM = 0xffffffff;

// Per item (`items` of them), its cell in the layout whose cell file is `toItem`, -1 where
// it has none.
export function inverse(toItem, items) {
  const toCell = new Int32Array(items).fill(-1);
  for (let cell = 0; cell < toItem.length; cell++) if (toItem[cell] !== NO_ITEM && toItem[cell] < items) toCell[toItem[cell]] = cell;
  return toCell;
}

// A per-item `mask` as a per-cell one of the layout whose cell file is `toItem`.
export function displayMask(mask, toItem) {
  const shown = new Uint8Array(toItem.length);
  for (let cell = 0; cell < toItem.length; cell++) if (toItem[cell] !== NO_ITEM) shown[cell] = mask[toItem[cell]];
  return shown;
}

export class MapLayout {
  // `entry`: the layout's entry of index.json (null for a site without layouts); `site`:
  // the site data; `toItem`: its cell file (null for the map's own layout).
  constructor(entry, site, toItem = null) {
    this.entry = entry;
    this.site = site;
    this.name = entry?.name ?? '';
    this.cell = site.index.cell;
    this.cols = entry ? entry.grid.cols : site.cols;
    this.rows = entry ? entry.grid.rows : site.rows;
    this.toItem = toItem;
    this.toCell = toItem ? inverse(toItem, site.cells) : null;
    this.isOwn = !toItem;
    this.labels = entry?.labels ?? [];
  }

  // The layout `entry` of `site`, its cell file fetched.
  static async load(entry, site) {
    if (!entry.cells) return new MapLayout(entry, site);
    const buffer = await fetchOk(site.url(entry.cells)).then((r) => r.arrayBuffer());
    return new MapLayout(entry, site, new Uint32Array(buffer));
  }

  // The tile layer's config for this layout, from the page's `config`.
  tileConfig(config) {
    if (this.isOwn || !this.entry) return config;
    const [width, height] = this.entry.size;
    return { ...config, width, height, levels: this.entry.levels, tiles: `${this.entry.pyramid}_files` };
  }

  // This layout's cell at (col, row).
  cellOf(col, row) {
    return row * this.cols + col;
  }

  // The item in this layout's cell (col, row), -1 outside the grid or in an empty cell.
  itemAt(col, row) {
    if (col < 0 || row < 0 || col >= this.cols || row >= this.rows) return -1;
    const cell = this.cellOf(col, row);
    if (!this.toItem) return cell;
    return this.toItem[cell] === NO_ITEM ? -1 : this.toItem[cell];
  }

  // The [col, row] of `item` in this layout, null where it has none.
  colRow(item) {
    const cell = this.toCell ? this.toCell[item] : item;
    return cell >= 0 ? [cell % this.cols, Math.floor(cell / this.cols)] : null;
  }

  // The items in this layout's `cells`.
  items(cells) {
    if (!this.toItem) return cells;
    return cells.map((c) => this.toItem[c]).filter((item) => item !== NO_ITEM);
  }

  // A per-item mask as one per cell of this layout (the same mask for the map's own).
  display(mask) {
    return mask && this.toItem ? displayMask(mask, this.toItem) : mask;
  }

  // The bounds [c0, r0, c1, r1] of the items of a per-item `mask` in this layout, or null.
  boundsOf(mask) {
    const items = [];
    for (let item = 0; item < mask.length; item++) if (mask[item]) items.push(item);
    return this.boundsOfItems(items);
  }

  // The bounds [c0, r0, c1, r1] of `items` in this layout, or null where it has none.
  boundsOfItems(items) {
    let bounds = null;
    for (const item of items) {
      const at = this.colRow(item);
      if (!at) continue;
      const [c, r] = at;
      bounds = bounds ? [Math.min(bounds[0], c), Math.min(bounds[1], r), Math.max(bounds[2], c), Math.max(bounds[3], r)] : [c, r, c, r];
    }
    return bounds;
  }
}
