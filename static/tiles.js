// The DeepZoom pyramid as images: which level suits a zoom, a bounded cache of tile images
// (lru.js: least recently drawn dropped first), and drawing the tiles that cover a rectangle. The
// pyramid's geometry comes from the page (`config.levels`, written by src/stages/tiles.rs), so the
// rules for level sizes exist once.

import { versioned } from './data.js';
import { LruCache } from './lru.js';

// Tile images kept; the oldest beyond this are dropped.
const TILE_CACHE_LIMIT = 800;

export class TileLayer {
  // `config`: the page's config; `onLoad`: called whenever a tile image arrives.
  constructor(config, onLoad) {
    this.config = config;
    this.levels = config.levels;
    this.maxLevel = this.levels.length - 1;
    this.onLoad = onLoad;
    this.cache = new LruCache(TILE_CACHE_LIMIT);
  }

  // The level whose pixels are closest to (not coarser than) `devicePixelsPerMosaicPixel`.
  levelFor(devicePixelsPerMosaicPixel) {
    const ideal = this.maxLevel + Math.ceil(Math.log2(devicePixelsPerMosaicPixel));
    return Math.min(Math.max(ideal, 0), this.maxLevel);
  }

  // The coarsest level at least `px` pixels wide (the finest there is if none is).
  levelWider(px) {
    let level = 0;
    while (level < this.maxLevel && this.levels[level].width < px) level++;
    return level;
  }

  // Mosaic pixels per pixel of `level`.
  scale(level) {
    return 2 ** (this.maxLevel - level);
  }

  // The tile's cache entry, started when absent and `request` is set; null otherwise.
  tile(level, col, row, request) {
    const key = `${level}/${col}_${row}`;
    let entry = this.cache.get(key);
    if (entry) return entry;
    if (!request) return null;
    const img = new Image();
    entry = { img, ready: false };
    img.onload = () => { entry.ready = true; this.onLoad(); };
    img.onerror = () => { entry.failed = true; };
    img.src = versioned(`${this.config.tiles}/${key}.${this.config.format}`, this.config.version);
    this.cache.set(key, entry);
    return entry;
  }

  // Draws the loaded tiles of `level` that cover mosaic rectangle [x0, y0, x1, y1] onto
  // `target`, placed by `place(x, y, w, h)` (mosaic to target pixels); requests missing ones
  // when `request` is set. Returns how many were drawn.
  draw(target, level, [x0, y0, x1, y1], place, request) {
    const scale = this.scale(level);
    const { cols, rows } = this.levels[level];
    const ts = this.config.tile_size, ov = this.config.overlap;
    const c0 = Math.max(0, Math.floor(x0 / scale / ts));
    const r0 = Math.max(0, Math.floor(y0 / scale / ts));
    const c1 = Math.min(cols - 1, Math.floor(x1 / scale / ts));
    const r1 = Math.min(rows - 1, Math.floor(y1 / scale / ts));
    let drawn = 0;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const entry = this.tile(level, c, r, request);
        if (!entry || !entry.ready) continue;
        // A tile starts `overlap` pixels before its square on sides that have a neighbour.
        const tx = Math.max(c * ts - (c > 0 ? ov : 0), 0), ty = Math.max(r * ts - (r > 0 ? ov : 0), 0);
        const [sx, sy, sw, sh] = place(tx * scale, ty * scale, entry.img.naturalWidth * scale, entry.img.naturalHeight * scale);
        target.drawImage(entry.img, sx, sy, sw, sh);
        drawn++;
      }
    }
    return drawn;
  }

  // How many tile images have arrived and are kept.
  loaded() {
    return [...this.cache.values()].filter((t) => t.ready).length;
  }
}
