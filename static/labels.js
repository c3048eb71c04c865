// Cluster names drawn on the map like place names: the top level over the whole map, each
// deeper level fading in as its clusters grow on screen and fading out once they are larger
// than the screen, sized by cluster size, never overlapping and wholly on screen (a name
// that does not fit is shortened to its first term, else left out), with a dark halo so
// that they read over any image. Numbered names (no text earned them) are not drawn. Also the outline of a cluster (hovered or selected), traced from its cell codes.

import { LruCache } from './lru.js';

// A level's names fade in as its typical cluster grows from FADE_IN_PX to twice that on
// screen, and out as it grows from one to two screen sides.
const FADE_IN_PX = 110;
// A cluster whose own extent on screen is smaller than this gets no name.
const MIN_CLUSTER_PX = 40;
// Names drawn at most, and the widest a name may be before it is shortened.
const MAX_LABELS = 150;
const MAX_LABEL_PX = 260;
// Font sizes by level (top, second, deeper): smallest and largest, by cluster size.
const FONT_PX = [[15, 24], [13, 17], [12, 14]];
const HALO = 'rgba(0,0,0,0.8)';
const TEXT = '#fff';
// Space kept around each name, in screen pixels.
const GAP_PX = 4;
// Opacity of the names outside the selected cluster's branch while one is selected.
const UNSELECTED_ALPHA = 0.35;
// Outlines traced at most, kept for reuse.
const OUTLINE_CACHE = 8;

// Smoothstep of `t` clamped to 0–1.
function smooth(t) {
  const u = Math.min(1, Math.max(0, t));
  return u * u * (3 - 2 * u);
}

// Whether one cluster lies inside the other (or is it), by their path-like ids.
const sameBranch = (a, b) => a === b || a.startsWith(`${b}-`) || b.startsWith(`${a}-`);

export class LabelLayer {
  // `changed()`: a level or its codes arrived, so the map should be drawn again.
  constructor(clusters, viewport, changed) {
    this.clusters = clusters;
    this.viewport = viewport;
    this.changed = changed;
    this.placed = [];
    this.widths = new Map();
    this.outlines = new LruCache(OUTLINE_CACHE);
  }

  // Each level's opacity at the current zoom.
  alphas(site) {
    const { viewport } = this;
    const screen = Math.min(viewport.width, viewport.height - viewport.top);
    const cellPx = site.index.cell * viewport.view.z;
    return this.clusters.levels.map((level, depth) => {
      const typical = Math.sqrt(site.index.count / level.count) * cellPx;
      const fadeIn = depth === 0 ? 1 : smooth((typical - FADE_IN_PX) / FADE_IN_PX);
      const last = depth === this.clusters.depth - 1;
      const fadeOut = last ? 1 : 1 - smooth((typical - screen) / screen);
      return fadeIn * fadeOut;
    });
  }

  // The deepest level whose names are mostly shown: what the breadcrumb follows.
  shownDepth(site) {
    const alphas = this.alphas(site);
    let deepest = 0;
    alphas.forEach((a, depth) => { if (a >= 0.5) deepest = depth; });
    return deepest;
  }

  // A name's font and its size in pixels, from its level and its cluster's share of the
  // largest in that level.
  fontOf(record, largest) {
    const [small, big] = FONT_PX[Math.min(record.level, FONT_PX.length - 1)];
    const px = Math.round(small + (big - small) * Math.sqrt(record.size / largest));
    return { px, font: `${record.level === 0 ? 600 : 500} ${px}px system-ui, sans-serif` };
  }

  width(ctx, font, text) {
    const key = `${font}|${text}`;
    let w = this.widths.get(key);
    if (w === undefined) {
      ctx.font = font;
      w = ctx.measureText(text).width;
      if (this.widths.size > 5000) this.widths.clear();
      this.widths.set(key, w);
    }
    return w;
  }

  // The names worth drawing now, largest first within each level, top level first.
  candidates(site) {
    const { viewport } = this;
    const c = site.index.cell, z = viewport.view.z;
    const out = [];
    this.alphas(site).forEach((alpha, level) => {
      if (alpha < 0.02) return;
      const records = this.clusters.levelNow(level);
      if (!records) {
        this.clusters.level(level).then(this.changed, () => {});
        return;
      }
      const largest = records.reduce((m, r) => Math.max(m, r.size), 1);
      for (const record of records) {
        // A numbered name ("Group 7") is not something the data says: listed, never drawn.
        if (record.numbered || Math.sqrt(record.size) * c * z < MIN_CLUSTER_PX) continue;
        const p = viewport.toScreen((record.label[0] + 0.5) * c, (record.label[1] + 0.5) * c);
        if (p.x < 0 || p.y < viewport.top || p.x > viewport.width || p.y > viewport.height) continue;
        out.push({ record, alpha, x: p.x, y: p.y, ...this.fontOf(record, largest) });
      }
    });
    return out.sort((a, b) => a.record.level - b.record.level || b.record.size - a.record.size);
  }

  // Lays out and draws the names right of `left` (the screen the drawer leaves free);
  // `hovered` and `selected` clusters (or null) are drawn in `highlight`.
  draw(ctx, site, { hovered, selected, highlight, left }) {
    this.placed = [];
    if (this.clusters.depth === 0) return;
    const boxes = [];
    const overlaps = (b) => boxes.some((o) => b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    for (const label of this.candidates(site)) {
      if (this.placed.length >= MAX_LABELS) break;
      const { px } = label;
      const fits = (text) => {
        const w = this.width(ctx, label.font, text);
        const box = [label.x - w / 2 - GAP_PX, label.y - px / 2 - GAP_PX, label.x + w / 2 + GAP_PX, label.y + px / 2 + GAP_PX];
        const { top, width, height } = this.viewport;
        const inside = box[0] >= left && box[1] >= top && box[2] <= width && box[3] <= height;
        const clear = inside && !overlaps(box);
        return w <= MAX_LABEL_PX && clear ? box : null;
      };
      const name = label.record.name;
      const short = name.split(/, | & /)[0];
      let text = name, box = fits(name);
      if (!box && short !== name) {
        text = short;
        box = fits(short);
      }
      if (!box) continue;
      boxes.push(box);
      this.placed.push({ ...label, text, box });
    }
    for (const label of this.placed) {
      const marked = label.record === hovered || label.record === selected;
      const related = !selected || sameBranch(label.record.id, selected.id);
      ctx.globalAlpha = marked ? 1 : label.alpha * (related ? 1 : UNSELECTED_ALPHA);
      ctx.font = label.font;
      ctx.lineWidth = Math.max(3, label.px / 4);
      ctx.strokeStyle = HALO;
      ctx.strokeText(label.text, label.x, label.y);
      ctx.fillStyle = marked ? highlight : TEXT;
      ctx.fillText(label.text, label.x, label.y);
    }
    ctx.globalAlpha = 1;
  }

  // The cluster whose name is drawn at screen point (sx, sy), or null.
  hit(sx, sy) {
    const found = this.placed.find(({ box }) => sx >= box[0] && sx <= box[2] && sy >= box[1] && sy <= box[3]);
    return found ? found.record : null;
  }

  // Draws `record`'s outline: the edges between its cells and the others.
  outline(ctx, site, record, colour, lineWidth) {
    const path = this.outlinePath(site, record);
    if (!path) return;
    const c = site.index.cell * this.viewport.view.z;
    const origin = this.viewport.toScreen(0, 0);
    ctx.save();
    ctx.translate(origin.x, origin.y);
    ctx.scale(c, c);
    ctx.strokeStyle = HALO;
    ctx.lineWidth = (lineWidth + 2) / c;
    ctx.stroke(path);
    ctx.strokeStyle = colour;
    ctx.lineWidth = lineWidth / c;
    ctx.stroke(path);
    ctx.restore();
  }

  // `record`'s outline in cell units, traced once its codes have come.
  outlinePath(site, record) {
    const key = `${record.level}:${record.index}`;
    const known = this.outlines.get(key);
    if (known) return known;
    const codes = this.clusters.codesNow(record.level);
    if (!codes) {
      this.clusters.cellCodes(record.level).then(this.changed, () => {});
      return null;
    }
    const inside = (col, row) => col >= 0 && row >= 0 && col < site.cols && row < site.rows && codes[site.cellOf(col, row)] === record.index;
    const path = new Path2D();
    const edge = (x0, y0, x1, y1) => { path.moveTo(x0, y0); path.lineTo(x1, y1); };
    this.clusters.eachCell(record, codes, (cell) => {
      const [col, row] = site.colRow(cell);
      if (!inside(col - 1, row)) edge(col, row, col, row + 1);
      if (!inside(col + 1, row)) edge(col + 1, row, col + 1, row + 1);
      if (!inside(col, row - 1)) edge(col, row, col + 1, row);
      if (!inside(col, row + 1)) edge(col, row + 1, col + 1, row + 1);
    });
    this.outlines.set(key, path);
    return path;
  }
}
