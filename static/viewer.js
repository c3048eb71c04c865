// zoomap viewer: draws a DeepZoom pyramid on a canvas with smooth pan and zoom (wheel, drag,
// pinch, double-click, keyboard), shows each item's title on hover, opens a side panel on
// click or tap (arrow keys then step to the neighbouring cells), dims what search and filters
// leave out, and keeps a minimap of the view. Item data comes in pieces as needed (data.js),
// so a map of a million items opens as fast as one of ten. The URL hash keeps the view and
// the open item, so any view can be linked to.
//
// This file composes the parts, one concern each: viewport.js (view and easing), tiles.js
// (pyramid and tile cache), renderer.js (drawing), input.js (pointers), minimap.js,
// panel.js, hash.js, and data.js + finder.js (item data, search and filters).

import { SiteData } from './data.js';
import { setupFilters, setupSearch } from './finder.js';
import { HashLink } from './hash.js';
import { trackPointers, trackWheel } from './input.js';
import { Minimap } from './minimap.js';
import { Panel } from './panel.js';
import { Renderer, ShownLayer } from './renderer.js';
import { TileLayer } from './tiles.js';
import { Viewport } from './viewport.js';

// Height of the title bar over the top of the map, kept clear by the whole-map view.
const BAR = 48;
// Cells smaller than this on screen are too small to point at: no hover, a click zooms in.
const MIN_CELL_PX = 4;
// A click where cells are too small to point at zooms in by this factor.
const CLICK_ZOOM = 2;
// Zoom factors of the + and − keys and of the zoom buttons.
const KEY_ZOOM = 1.6;
const BUTTON_ZOOM = 2;
// Steps an arrow key looks ahead for a filled cell before giving up.
const NEIGHBOUR_REACH = 64;
// An item stepped to is zoomed in to when its cell is smaller than this on screen…
const REVEAL_MIN_PX = 24;
// …to this size; a search result is flown to at this size.
const REVEAL_PX = 96;
const PICK_PX = 128;
// The tooltip's offset from the pointer, and its least distance from the screen's edge.
const TOOLTIP_OFFSET = { x: 14, y: 18 };
const TOOLTIP_MARGIN = 4;

class Viewer {
  constructor(config) {
    this.config = config;
    this.canvas = document.getElementById('map');
    this.tooltip = document.getElementById('tooltip');
    this.viewport = new Viewport({ width: config.width, height: config.height }, BAR);
    this.tiles = new TileLayer(config, () => { this.dirty = true; });
    this.shownLayer = new ShownLayer();
    this.renderer = new Renderer(this.canvas, config, this.viewport, this.tiles, this.shownLayer);
    this.minimap = new Minimap(document.getElementById('minimap'), config, this.viewport, this.tiles, this.shownLayer, () => this.hash.schedule());
    this.panel = null;
    this.hash = new HashLink(() => ({ view: this.viewport.goal, item: this.selected }));
    this.site = null;
    this.search = null;
    this.hovered = -1;
    this.selected = -1;
    this.hits = null;
    this.passing = null;
    this.shownCount = null;
    this.opening = 0;
    this.dirty = true;
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    this.viewport.resize(this.canvas.clientWidth, this.canvas.clientHeight);
    this.renderer.resize(this.viewport.width, this.viewport.height, dpr);
    this.minimap.resize(dpr);
    this.dirty = true;
  }

  frame() {
    if (this.viewport.step() === 'settled') this.hash.schedule();
    if (this.dirty || this.viewport.dirty) {
      this.dirty = false;
      this.viewport.dirty = false;
      const { site, hits, hovered, selected } = this;
      this.renderer.draw({ site, hits, hovered, selected });
      this.minimap.draw(site);
    }
    requestAnimationFrame(() => this.frame());
  }

  // The screen area the open panel leaves free, as [left, top, right, bottom].
  freeArea() {
    const { width, height } = this.viewport;
    return [0, BAR, width - (this.panel ? this.panel.width() : 0), height];
  }

  // Moves the view so `cell` sits in the middle of the free area, zoomed in to at least `z`.
  flyTo(cell, z) {
    const [col, row] = this.site.colRow(cell);
    const c = this.site.index.cell;
    this.viewport.flyTo((col + 0.5) * c, (row + 0.5) * c, this.freeArea(), z);
  }

  // Keeps `cell` in the free area, moving only when it is (partly) outside.
  reveal(cell) {
    const [col, row] = this.site.colRow(cell);
    const c = this.site.index.cell;
    const a = this.viewport.toScreen(col * c, row * c), b = this.viewport.toScreen((col + 1) * c, (row + 1) * c);
    const [l, t, r, bottom] = this.freeArea();
    if (c * this.viewport.view.z < REVEAL_MIN_PX) this.flyTo(cell, REVEAL_PX / c);
    else if (a.x < l || a.y < t || b.x > r || b.y > bottom) this.flyTo(cell);
  }

  cellAt(sx, sy) {
    if (!this.site) return -1;
    const p = this.viewport.toImage(sx, sy);
    const c = this.site.index.cell;
    const col = Math.floor(p.x / c), row = Math.floor(p.y / c);
    if (col < 0 || row < 0 || col >= this.site.cols || row >= this.site.rows) return -1;
    return this.site.cellOf(col, row);
  }

  pointable() {
    return this.site && this.site.index.cell * this.viewport.view.z >= MIN_CELL_PX;
  }

  hover(sx, sy) {
    const { site, tooltip } = this;
    const cell = this.pointable() ? this.cellAt(sx, sy) : -1;
    const record = cell >= 0 && site.isOccupied(cell) !== false ? site.recordNow(cell) : null;
    if (record === undefined) {
      site.region(site.regionKey(cell)).then(() => { if (this.cellAt(sx, sy) === cell) this.hover(sx, sy); }, () => {});
    }
    const index = record ? cell : -1;
    if (index !== this.hovered) {
      this.hovered = index;
      this.dirty = true;
    }
    if (!record) {
      tooltip.hidden = true;
      return;
    }
    tooltip.textContent = record.title;
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(sx + TOOLTIP_OFFSET.x, this.viewport.width - tooltip.offsetWidth - TOOLTIP_MARGIN)}px`;
    tooltip.style.top = `${sy + TOOLTIP_OFFSET.y}px`;
  }

  leave() {
    this.hovered = -1;
    this.tooltip.hidden = true;
    this.dirty = true;
  }

  tap(sx, sy) {
    if (this.pointable()) this.openItem(this.cellAt(sx, sy));
    else this.viewport.zoomAt(CLICK_ZOOM, sx, sy);
  }

  // Opens the panel on the item in `cell`, or closes it (cell -1 or empty).
  async openItem(cell) {
    const mine = ++this.opening;
    const record = cell >= 0 && this.site ? await this.site.record(cell) : null;
    if (mine !== this.opening) return;
    this.selected = record ? cell : -1;
    this.dirty = true;
    if (record) this.panel.show(record);
    else this.panel?.close();
    this.hash.schedule();
  }

  // Opens the nearest filled cell from the open one in direction (dx, dy).
  async step(dx, dy) {
    if (this.selected < 0) return;
    const { site } = this;
    this.tooltip.hidden = true;
    let [col, row] = site.colRow(this.selected);
    for (let k = 0; k < NEIGHBOUR_REACH; k++) {
      col += dx;
      row += dy;
      if (col < 0 || row < 0 || col >= site.cols || row >= site.rows) return;
      const cell = site.cellOf(col, row);
      if (site.isOccupied(cell) === false || !(await site.record(cell))) continue;
      await this.openItem(cell);
      this.reveal(cell);
      return;
    }
  }

  // What search and filters leave shown: cells in both, or nothing shaded when neither is
  // active.
  updateShown() {
    const { site, hits, passing } = this;
    let shown = null;
    this.shownCount = null;
    if (hits || passing) {
      shown = new Uint8Array(site.cells);
      if (hits) hits.forEach((cell) => { shown[cell] = 1; });
      else shown.fill(1);
      if (passing) for (let cell = 0; cell < site.cells; cell++) shown[cell] &= passing[cell];
      if (site.occupied) {
        this.shownCount = 0;
        for (let cell = 0; cell < site.cells; cell++) if (shown[cell] && site.isOccupied(cell)) this.shownCount++;
      }
    }
    this.shownLayer.set(shown, site.cols, site.rows);
    const count = this.shownCount;
    document.getElementById('shown').textContent = count === null ? '' : `${count.toLocaleString()} of ${site.index.count.toLocaleString()} shown`;
    this.dirty = true;
  }

  listen() {
    const { viewport } = this;
    trackPointers(this.canvas, viewport, {
      hover: (sx, sy) => this.hover(sx, sy),
      tap: (sx, sy) => this.tap(sx, sy),
      leave: () => this.leave(),
      drag: () => { this.tooltip.hidden = true; },
      rest: () => this.hash.schedule(),
    });
    trackWheel(this.canvas, viewport);
    window.addEventListener('keydown', (e) => this.key(e));
    const centre = (factor) => () => viewport.zoomAt(factor, viewport.width / 2, viewport.height / 2);
    document.getElementById('zoom-in').onclick = centre(BUTTON_ZOOM);
    document.getElementById('zoom-out').onclick = centre(1 / BUTTON_ZOOM);
    document.getElementById('home').onclick = () => viewport.home();
    document.getElementById('panel-close').onclick = () => this.openItem(-1);
    window.addEventListener('resize', () => this.resize());
  }

  key(e) {
    if (e.target instanceof HTMLInputElement) return;
    const { viewport } = this;
    const pan = Math.min(viewport.width, viewport.height) / 4;
    const zoom = (factor) => () => viewport.zoomAt(factor, viewport.width / 2, viewport.height / 2);
    const arrow = (dx, dy) => () => (this.selected >= 0 ? this.step(dx, dy) : viewport.panBy(-dx * pan, -dy * pan, true));
    const actions = {
      '+': zoom(KEY_ZOOM),
      '=': zoom(KEY_ZOOM),
      '-': zoom(1 / KEY_ZOOM),
      '_': zoom(1 / KEY_ZOOM),
      '0': () => viewport.home(),
      '/': () => document.getElementById('search').focus(),
      ArrowLeft: arrow(-1, 0),
      ArrowRight: arrow(1, 0),
      ArrowUp: arrow(0, -1),
      ArrowDown: arrow(0, 1),
      Escape: () => this.openItem(-1),
    };
    if (actions[e.key]) {
      e.preventDefault();
      actions[e.key]();
    }
  }

  // Starts at the linked view (else the whole map), loads the site data, then opens the
  // linked item.
  async start() {
    const linked = HashLink.read();
    const { viewport } = this;
    viewport.goal = viewport.wholeMap();
    if (linked.view) viewport.goal = viewport.clampCentre({ ...linked.view, z: viewport.clampZoom(linked.view.z) });
    viewport.jump();
    const site = await SiteData.load(this.config.data);
    this.site = site;
    this.panel = new Panel(document.getElementById('panel'), site.index.columns);
    this.search = setupSearch(site, {
      show: (found) => { this.hits = found; this.updateShown(); },
      pick: async (cell) => {
        await this.openItem(cell);
        this.flyTo(cell, PICK_PX / site.index.cell);
      },
    });
    setupFilters(site, { show: (pass) => { this.passing = pass; this.updateShown(); } });
    if (linked.item >= 0 && linked.item < site.cells) this.openItem(linked.item);
    this.dirty = true;
    site.loadOccupied().then(() => { if (this.shownLayer.shown) this.updateShown(); }, (error) => console.error(error.message));
  }

  // A small handle for scripted use (tests, embedding pages): where things are on screen.
  handle(ready) {
    const cell = (col, row) => this.site.cellOf(col, row);
    return {
      ready,
      view: () => ({ ...this.viewport.view }),
      cellCentre: (col, row) => {
        const c = this.site.index.cell;
        return this.viewport.toScreen((col + 0.5) * c, (row + 0.5) * c);
      },
      index: () => this.site.index,
      record: (col, row) => this.site.record(cell(col, row)),
      selected: () => (this.selected < 0 ? null : this.site.colRow(this.selected)),
      search: (query) => this.search.run(query),
      shownCount: () => this.shownCount,
      firstPaint: () => this.renderer.firstPaintAt,
      tilesLoaded: () => this.tiles.loaded(),
    };
  }
}

const viewer = new Viewer(JSON.parse(document.getElementById('zoomap-config').textContent));
viewer.resize();
viewer.listen();
const ready = viewer.start();
requestAnimationFrame(() => viewer.frame());
window.zoomap = viewer.handle(ready);
