// Selecting items on the map, as PixPlot and Embedding Atlas do: Shift + drag draws a lasso
// (Ctrl/Cmd + Shift + drag takes its cells away), Shift + click adds or removes one item, the
// header's Select button makes a one-finger drag draw the lasso on touch screens; search
// results, a cluster and the filters add theirs. Selections combine by union. The selection
// dims the rest of the map, is counted in the header, travels in the link (`sel=`), and its
// panel (selectionpanel.js) breaks it down and exports it.

import { decodeLassos, decodeSelection, encodeLassos, encodeSelection, lassoCells, lassoPoints, MAX_LINK_CHARS, quantiseLasso, selectedCount } from './selection.js';
import { SelectionPanel } from './selectionpanel.js';

const byId = (id) => document.getElementById(id);

export class Selector {
  // `viewer`: the map (its site, viewport, shown cells and clusters).
  constructor(viewer) {
    this.viewer = viewer;
    this.site = viewer.site;
    // One byte per cell (1 selected), or null when nothing is selected.
    this.mask = null;
    this.count = 0;
    // The selection as link text ('' for none or too scattered to fit).
    this.text = '';
    // The lassos (quantised, selection.js) that made the selection when lassos alone did,
    // else null: a link carries them where they are shorter than the cells' runs.
    this.lassos = [];
    // The lasso being drawn: its points in mosaic pixels and whether it removes.
    this.lasso = null;
    this.touchMode = false;
    this.toggle = byId('selection-toggle');
    this.modeButton = byId('select-mode');
    this.panel = new SelectionPanel(viewer, this);
    this.toggle.addEventListener('click', () => this.panel.setOpen(!this.panel.open));
    this.modeButton.addEventListener('click', () => this.setTouchMode(!this.touchMode));
    this.wireSources();
  }

  // The "Select these" buttons: the search results shown (the hits the filters and cluster
  // leave), the selected cluster, the cells the filters pass.
  wireSources() {
    const v = this.viewer;
    const set = (mask) => mask && Array.from(mask.keys()).filter((cell) => mask[cell] === 1);
    const sources = {
      'results-select': () => v.search.shownHits(),
      'cluster-select': () => set(v.inCluster),
      'filters-select': () => set(v.passing),
    };
    for (const [id, cells] of Object.entries(sources)) {
      byId(id)?.addEventListener('click', () => {
        const found = cells();
        if (found?.length) this.add(found);
      });
    }
  }

  // Whether a press (a pointerdown event) draws a lasso rather than panning.
  lassoPress(event) {
    return event.shiftKey || (this.touchMode && event.pointerType !== 'mouse');
  }

  // Starts a lasso at screen point (sx, sy); Ctrl or Cmd makes it take cells away.
  beginLasso(sx, sy, event) {
    const p = this.viewer.viewport.toImage(sx, sy);
    this.lasso = { points: [[p.x, p.y]], removing: event.ctrlKey || event.metaKey };
    this.viewer.dirty = true;
  }

  extendLasso(sx, sy) {
    if (!this.lasso) return;
    const p = this.viewer.viewport.toImage(sx, sy);
    this.lasso.points.push([p.x, p.y]);
    this.viewer.dirty = true;
  }

  // Ends the lasso: when `apply`, the cells whose centre it encloses join (or leave) the
  // selection; else (a click, a cancelled touch) it is dropped. The lasso is first rounded
  // to what a link keeps, so that a link selects the same cells.
  endLasso(apply) {
    if (!this.lasso) return;
    const { points, removing } = this.lasso;
    this.lasso = null;
    this.viewer.dirty = true;
    if (!apply || (removing && !this.mask)) return;
    const lasso = { removing, points: quantiseLasso(points, this.site.index.cell) };
    // A link replays lassos on the map's own layout only.
    const lassos = this.viewer.layout.isOwn ? this.lassos && [...this.lassos, lasso] : null;
    this.set(this.withLasso(this.mask ?? new Uint8Array(this.site.cells), lasso), lassos);
  }

  // `mask` with the items whose cell in the layout shown `lasso` encloses set (or cleared,
  // when it takes away).
  withLasso(mask, { removing, points }) {
    const { layout } = this.viewer;
    const cells = lassoCells(lassoPoints(points, layout.cell), layout.cell, layout.cols, layout.rows);
    for (const item of layout.items(cells)) mask[item] = removing ? 0 : 1;
    return mask;
  }

  // Keeps the selection but not its lassos (drawn on a layout no longer shown): only its
  // link text changes.
  forgetLassos() {
    if (!this.mask || !this.lassos) return;
    this.lassos = null;
    this.text = this.shortestText();
  }

  // Adds `cells` (an iterable of cell indices) to the selection.
  add(cells) {
    const mask = this.mask ?? new Uint8Array(this.site.cells);
    for (const cell of cells) mask[cell] = 1;
    this.set(mask);
  }

  remove(cells) {
    if (!this.mask) return;
    for (const cell of cells) this.mask[cell] = 0;
    this.set(this.mask);
  }

  // Adds the item in `cell` when it is not selected, else takes it away.
  toggleCell(cell) {
    if (cell < 0 || this.site.isOccupied(cell) === false) return;
    if (this.mask?.[cell]) this.remove([cell]);
    else this.add([cell]);
  }

  clear() {
    this.set(null);
  }

  // Makes `mask` the selection (null, or one selecting no item, clears it); `lassos`: the
  // lassos that made it, when only lassos did.
  set(mask, lassos = null) {
    const { site } = this;
    const count = mask ? selectedCount(mask, (cell) => site.isOccupied(cell) !== false) : 0;
    this.mask = count > 0 ? mask : null;
    this.count = count;
    this.lassos = this.mask ? lassos : [];
    this.text = this.mask ? this.shortestText() : '';
    this.toggle.hidden = count === 0;
    this.toggle.textContent = `${count.toLocaleString()} selected`;
    this.viewer.updateShown();
    this.panel.refresh();
    byId('status').textContent = count ? `${count.toLocaleString()} images selected` : 'Selection cleared';
  }

  // The selection's link text, encoded once per change (the link is rewritten at every rest
  // of the view): its lassos or its runs of cells, whichever is shorter; '' when neither fits.
  shortestText() {
    const texts = [encodeSelection(this.mask)];
    if (this.lassos?.length) texts.push(encodeLassos(this.lassos));
    const text = texts.reduce((a, b) => (b.length < a.length ? b : a));
    return text.length <= MAX_LINK_CHARS ? text : '';
  }

  setTouchMode(on) {
    this.touchMode = on;
    this.modeButton.setAttribute('aria-pressed', String(on));
    this.viewer.canvas.classList.toggle('lasso-mode', on);
  }

  // The selection as link text ('' for none, or when too scattered to fit in a link).
  linkText() {
    return this.text;
  }

  // Whether the selection is too scattered to travel in a link.
  tooLongForLink() {
    return Boolean(this.mask) && this.linkText() === '';
  }

  // Applies a link's selection text ('' clears): lassos replayed, or runs of cells.
  applyLink(text) {
    if (text === this.linkText()) return;
    const lassos = text ? decodeLassos(text) : null;
    if (lassos) {
      this.set(lassos.reduce((mask, lasso) => this.withLasso(mask, lasso), new Uint8Array(this.site.cells)), lassos);
    } else {
      this.set(text ? decodeSelection(text, this.site.cells) : null);
    }
  }
}
