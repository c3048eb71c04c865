// zoomap viewer: draws a DeepZoom pyramid on a canvas with smooth pan and zoom (wheel, drag,
// pinch, double-click, keyboard) up to the cells' native resolution, shows each item's title
// on hover, opens a side panel on click, tap or Enter (arrow keys then step to the
// neighbouring cells) with the full image and a download, dims what search and filters leave
// out, and keeps a minimap of the view. Cluster names sit on the map like place names; a
// name or a row of the Clusters tree selects its cluster (flown to, the rest dimmed, its
// details shown). Item data comes in pieces as needed (data.js), so a map of a million
// items opens as fast as one of ten. The URL hash keeps the view, the open item, the
// search, the filters and the cluster; opening an item is a history entry that Back closes.
//
// This file composes the parts, one concern each: viewport.js (view and easing), tiles.js
// (pyramid and tile cache), renderer.js (drawing), input.js (pointers), minimap.js,
// panel.js, lightbox.js, hash.js, data.js + finder.js (item data, search and filters), and
// clusters.js + labels.js + groups.js (cluster data, names on the map, the Clusters drawer).

import { Clusters } from './clusters.js';
import { SiteData } from './data.js';
import { setupFilters, setupSearch } from './finder.js';
import { Groups } from './groups.js';
import { HashLink } from './hash.js';
import { trackPointers, trackWheel } from './input.js';
import { LabelLayer } from './labels.js';
import { Lightbox } from './lightbox.js';
import { Minimap } from './minimap.js';
import { Panel } from './panel.js';
import { Renderer, ShownLayer } from './renderer.js';
import { TileLayer } from './tiles.js';
import { Viewport } from './viewport.js';

// Cells smaller than this on screen are too small to point at: no hover, a click zooms in.
const MIN_CELL_PX = 4;
// A tap opens an item only where cells are at least this wide (a fingertip); below, it zooms.
const MIN_TAP_CELL_PX = 32;
// A click waits this long for a second click (a double-click zooms, and opens nothing).
const DOUBLE_CLICK_MS = 250;
// A click where cells are too small to point at zooms in by this factor.
const CLICK_ZOOM = 2;
// Zoom factors of the + and − keys and of the zoom buttons.
const KEY_ZOOM = 1.6;
const BUTTON_ZOOM = 2;
// Steps an arrow key looks ahead for a filled cell before giving up.
const NEIGHBOUR_REACH = 64;
// An item stepped to or linked to is zoomed in to when its cell is smaller than this on
// screen…
const REVEAL_MIN_PX = 24;
// …to this size; a search result is flown to at this size.
const REVEAL_PX = 96;
const PICK_PX = 128;
// The tooltip's offset from the pointer, and its least distance from the screen's edge.
const TOOLTIP_OFFSET = { x: 14, y: 18 };
const TOOLTIP_MARGIN = 4;
// Below this window width (the stylesheet's phone layout), selecting a cluster leaves the
// Clusters drawer closed.
const PHONE_WIDTH = 700;

const byId = (id) => document.getElementById(id);

class Viewer {
  constructor(config) {
    this.config = config;
    this.canvas = byId('map');
    this.tooltip = byId('tooltip');
    const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.viewport = new Viewport({ width: config.width, height: config.height }, config.max_zoom, reducedMotion ? 1 : undefined);
    this.tiles = new TileLayer(config, () => { this.dirty = true; });
    this.shownLayer = new ShownLayer();
    this.renderer = new Renderer(this.canvas, config, this.viewport, this.tiles, this.shownLayer);
    this.minimap = new Minimap(byId('minimap'), config, this.viewport, this.tiles, this.shownLayer, () => this.hash.schedule());
    this.lightbox = new Lightbox(byId('lightbox'));
    this.panel = null;
    this.hash = new HashLink(() => this.linkState());
    this.site = null;
    this.search = null;
    this.filters = null;
    this.hovered = -1;
    this.selected = -1;
    this.hits = null;
    this.passing = null;
    // The cluster names and the Clusters drawer (null without clusters), the cluster under
    // the pointer's name, the selected one and the cells it holds.
    this.clusters = null;
    this.labels = null;
    this.groups = null;
    this.hoveredCluster = null;
    this.cluster = null;
    this.inCluster = null;
    this.shownCount = null;
    this.opening = 0;
    this.clickTimer = 0;
    this.expectBack = false;
    this.dirty = true;
  }

  linkState() {
    const filters = this.filters ? this.filters.state() : { facets: '', years: '' };
    const cluster = this.cluster ? this.cluster.id : '';
    return { view: this.viewport.goal, item: this.selected, query: this.search ? this.search.query() : '', ...filters, cluster };
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const bar = document.querySelector('.bar').offsetHeight;
    document.documentElement.style.setProperty('--bar-height', `${bar}px`);
    this.viewport.resize(this.canvas.clientWidth, this.canvas.clientHeight, bar);
    this.renderer.resize(this.viewport.width, this.viewport.height, dpr);
    this.minimap.resize(dpr);
    this.dirty = true;
  }

  // Lays the map out again when the header changed height (a count or a button wrapped it
  // onto another row).
  refitBar() {
    if (document.querySelector('.bar').offsetHeight !== this.viewport.top) this.resize();
  }

  frame() {
    if (this.viewport.step() === 'settled') this.settled();
    if (this.dirty || this.viewport.dirty) {
      this.dirty = false;
      this.viewport.dirty = false;
      const { site, hits, hovered, selected, labels, hoveredCluster, cluster } = this;
      const [left] = this.freeArea();
      this.renderer.draw({ site, hits, hovered, selected, labels, hoveredCluster, cluster, left });
      this.minimap.draw(site);
      if (this.renderer.firstPaintAt !== null) byId('loading').hidden = true;
    }
    requestAnimationFrame(() => this.frame());
  }

  // Once the view rests: the link, and the breadcrumb of the clusters at its centre.
  settled() {
    this.hash.schedule();
    if (!this.groups) return;
    const [l, t, r, b] = this.freeArea();
    const cell = this.cellAt((l + r) / 2, (t + b) / 2);
    this.groups.showBreadcrumb(cell, this.labels.shownDepth(this.site)).catch((error) => console.error(error.message));
  }

  // The screen area the open panel and drawer leave free, as [left, top, right, bottom].
  freeArea() {
    const { width, height, top } = this.viewport;
    return [this.groups ? this.groups.width() : 0, top, width - (this.panel ? this.panel.width() : 0), height];
  }

  // Moves the view so `cell` sits in the middle of the free area, zoomed in to at least `z`.
  flyTo(cell, z) {
    const [col, row] = this.site.colRow(cell);
    const c = this.site.index.cell;
    this.viewport.flyTo((col + 0.5) * c, (row + 0.5) * c, this.freeArea(), z);
  }

  // Keeps `cell` in the free area, moving only when it is (partly) outside or too small.
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

  // Screen pixels a cell spans now.
  cellPx() {
    return this.site ? this.site.index.cell * this.viewport.view.z : 0;
  }

  // The cluster whose name is under the pointer: outlined, and its size in the tooltip.
  hoverName(sx, sy) {
    const record = this.labels ? this.labels.hit(sx, sy) : null;
    if (record !== this.hoveredCluster) {
      this.hoveredCluster = record;
      this.dirty = true;
    }
    this.canvas.classList.toggle('on-name', Boolean(record));
    return record;
  }

  // Shows `text` in the tooltip beside the pointer at (sx, sy).
  showTooltip(text, sx, sy) {
    const { tooltip } = this;
    tooltip.textContent = text;
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(sx + TOOLTIP_OFFSET.x, this.viewport.width - tooltip.offsetWidth - TOOLTIP_MARGIN)}px`;
    tooltip.style.top = `${sy + TOOLTIP_OFFSET.y}px`;
  }

  hover(sx, sy) {
    const { site, tooltip } = this;
    const name = this.hoverName(sx, sy);
    if (name) {
      if (this.hovered >= 0) this.dirty = true;
      this.hovered = -1;
      this.showTooltip(`${name.name}: ${name.size.toLocaleString()} images`, sx, sy);
      return;
    }
    const cell = this.cellPx() >= MIN_CELL_PX ? this.cellAt(sx, sy) : -1;
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
    this.showTooltip(record.title, sx, sy);
  }

  leave() {
    this.hovered = -1;
    this.hoveredCluster = null;
    this.tooltip.hidden = true;
    this.dirty = true;
  }

  // A click opens the item under it once no second click follows; a tap opens it at once
  // where cells are large enough to aim at; elsewhere both zoom in.
  tap(sx, sy, pointerType) {
    this.tooltip.hidden = true;
    clearTimeout(this.clickTimer);
    const name = this.labels ? this.labels.hit(sx, sy) : null;
    if (name) {
      this.selectCluster(name);
      return;
    }
    const minimum = pointerType === 'mouse' ? MIN_CELL_PX : MIN_TAP_CELL_PX;
    if (this.cellPx() < minimum) {
      this.viewport.zoomAt(CLICK_ZOOM, sx, sy);
      return;
    }
    const open = () => this.openItem(this.cellAt(sx, sy), { focus: false });
    if (pointerType === 'mouse') this.clickTimer = setTimeout(open, DOUBLE_CLICK_MS);
    else open();
  }

  // Opens the panel on the item in `cell`, or closes it (cell -1 or empty). `focus` moves
  // keyboard focus into the panel; `history` is 'push' (a new entry when the panel was
  // closed), or 'none' (applying a link).
  async openItem(cell, { focus = true, history = 'push' } = {}) {
    const mine = ++this.opening;
    this.canvas.classList.add('waiting');
    this.panel?.wait(true);
    const record = cell >= 0 && this.site ? await this.site.record(cell).catch(() => null) : null;
    this.canvas.classList.remove('waiting');
    this.panel?.wait(false);
    if (mine !== this.opening) return;
    const wasOpen = this.selected >= 0;
    this.selected = record ? cell : -1;
    this.dirty = true;
    if (!record) {
      this.closePanel(history);
      return;
    }
    this.panel.show(record, focus);
    byId('status').textContent = record.title;
    if (history === 'push' && !wasOpen) this.hash.push();
    else this.hash.schedule();
  }

  // Closes the panel: going Back where opening it made a history entry.
  closePanel(history = 'push') {
    const wasOpen = this.panel?.open;
    this.selected = -1;
    this.panel?.close();
    this.dirty = true;
    if (wasOpen && document.activeElement && this.panel.element.contains(document.activeElement)) this.canvas.focus();
    if (history === 'push' && HashLink.pushed()) {
      // Back to the entry before the item opened, then that entry rewritten to what is shown
      // now (the search or filters may have changed since).
      this.expectBack = true;
      window.history.back();
    } else {
      this.hash.schedule();
    }
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
      await this.openItem(cell, { focus: false });
      this.reveal(cell);
      return;
    }
  }

  // Whether search and filters leave `cell` shown by the filters.
  passes(cell) {
    return !this.passing || this.passing[cell] === 1;
  }

  // What search, filters and the selected cluster leave shown: cells in all of them, or
  // nothing shaded when none is active.
  updateShown() {
    const { site, hits, passing, inCluster } = this;
    let shown = null;
    this.shownCount = null;
    if (hits || passing || inCluster) {
      shown = new Uint8Array(site.cells);
      if (hits) hits.forEach((cell) => { shown[cell] = 1; });
      else shown.fill(1);
      for (const mask of [passing, inCluster]) {
        if (mask) for (let cell = 0; cell < site.cells; cell++) shown[cell] &= mask[cell];
      }
      if (site.occupied) {
        this.shownCount = 0;
        for (let cell = 0; cell < site.cells; cell++) if (shown[cell] && site.isOccupied(cell)) this.shownCount++;
      }
    }
    this.shownLayer.set(shown, site.cols, site.rows);
    const count = this.shownCount;
    byId('shown').textContent = count === null ? '' : `${count.toLocaleString()} of ${site.index.count.toLocaleString()} shown`;
    this.dirty = true;
    this.refitBar();
    this.hash.schedule();
  }

  listen() {
    const { viewport } = this;
    trackPointers(this.canvas, viewport, {
      hover: (sx, sy) => this.hover(sx, sy),
      tap: (sx, sy, pointerType) => this.tap(sx, sy, pointerType),
      leave: () => this.leave(),
      drag: () => { this.tooltip.hidden = true; },
      rest: () => this.hash.schedule(),
    });
    trackWheel(this.canvas, viewport);
    this.canvas.addEventListener('dblclick', () => clearTimeout(this.clickTimer));
    window.addEventListener('keydown', (e) => this.key(e));
    const centre = (factor) => () => viewport.zoomAt(factor, viewport.width / 2, viewport.height / 2);
    const buttons = {
      'zoom-in': centre(BUTTON_ZOOM),
      'zoom-out': centre(1 / BUTTON_ZOOM),
      home: () => viewport.home(),
      'copy-link': () => this.copyLink(),
      fullscreen: () => this.toggleFullscreen(),
      help: () => byId('keys').showModal(),
      'keys-close': () => byId('keys').close(),
      'panel-close': () => this.closePanel(),
      'minimap-toggle': () => this.toggleMinimap(),
      'clusters-toggle': () => this.dirtyAfterLayout(),
      'clusters-close': () => this.dirtyAfterLayout(),
    };
    for (const [id, action] of Object.entries(buttons)) byId(id).addEventListener('click', action);
    window.addEventListener('resize', () => this.resize());
    window.addEventListener('popstate', () => {
      if (!this.expectBack) this.applyLink(HashLink.read());
      else this.hash.write();
      this.expectBack = false;
    });
    window.addEventListener('hashchange', () => this.applyLink(HashLink.read()));
  }

  key(e) {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.ctrlKey || e.metaKey || e.altKey) return;
    if (byId('lightbox').open || byId('keys').open) return;
    const { viewport } = this;
    const pan = Math.min(viewport.width, viewport.height) / 4;
    const zoom = (factor) => () => viewport.zoomAt(factor, viewport.width / 2, viewport.height / 2);
    const arrow = (dx, dy) => () => (this.selected >= 0 ? this.step(dx, dy) : viewport.panBy(-dx * pan, -dy * pan, true));
    const onMap = e.target === this.canvas || e.target === document.body;
    const actions = {
      '+': zoom(KEY_ZOOM),
      '=': zoom(KEY_ZOOM),
      '-': zoom(1 / KEY_ZOOM),
      '_': zoom(1 / KEY_ZOOM),
      '0': () => viewport.home(),
      '/': () => byId('search').focus(),
      '?': () => byId('keys').showModal(),
      f: () => this.toggleFullscreen(),
      c: () => this.copyLink(),
      g: () => this.groups?.toggle.click(),
      ArrowLeft: arrow(-1, 0),
      ArrowRight: arrow(1, 0),
      ArrowUp: arrow(0, -1),
      ArrowDown: arrow(0, 1),
      Escape: () => this.escape(),
    };
    if (onMap) {
      actions.Enter = () => this.openCentre();
      actions[' '] = actions.Enter;
    }
    if (actions[e.key]) {
      e.preventDefault();
      actions[e.key]();
    }
  }

  // Esc closes the filters when open, else the panel, else the Clusters drawer, else shows
  // the whole map again where a cluster was selected.
  escape() {
    if (this.filters?.open) this.filters.close();
    else if (this.selected >= 0) this.closePanel();
    else if (this.groups?.open) {
      this.groups.setOpen(false);
      this.groups.toggle.focus();
    } else if (this.cluster) this.selectCluster(null);
  }

  // Redraws once the drawer has opened or closed (the free area changed).
  dirtyAfterLayout() {
    requestAnimationFrame(() => { this.dirty = true; });
  }

  // Selects `record` (a cluster, or null for none): everything else dimmed, the view flown
  // to its bounds (unless `fly` is false), its details in the Clusters drawer.
  async selectCluster(record, { fly = true } = {}) {
    this.cluster = record;
    this.inCluster = record ? await this.clusters.mask(record) : null;
    if (this.cluster !== record) return;
    this.updateShown();
    this.search?.refresh();
    if (record) {
      // On a phone the drawer would cover the map: it opens from its button there.
      if (window.innerWidth > PHONE_WIDTH) this.groups.setOpen(true);
      byId('status').textContent = `${record.name}: ${record.size.toLocaleString()} images`;
    }
    await this.groups.show(record);
    if (record && fly) {
      const c = this.site.index.cell;
      const [c0, r0, c1, r1] = record.bounds;
      this.viewport.fitRect([c0 * c, r0 * c, (c1 + 1) * c, (r1 + 1) * c], this.freeArea());
    }
    this.dirty = true;
  }

  // Enter on the map: the item at the centre of the free area, moving focus into the panel.
  openCentre() {
    const [l, t, r, b] = this.freeArea();
    const cell = this.cellAt((l + r) / 2, (t + b) / 2);
    if (cell >= 0) this.openItem(cell, { focus: true });
  }

  async copyLink() {
    this.hash.write();
    const status = byId('status');
    try {
      await navigator.clipboard.writeText(location.href);
      status.textContent = 'Link to this view copied';
    } catch {
      status.textContent = `Copy this link: ${location.href}`;
    }
  }

  toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }

  toggleMinimap() {
    const box = byId('minimap-box');
    const collapsed = box.classList.toggle('collapsed');
    byId('minimap').hidden = collapsed;
    const toggle = byId('minimap-toggle');
    toggle.setAttribute('aria-expanded', String(!collapsed));
    toggle.setAttribute('aria-label', collapsed ? 'Show the minimap' : 'Hide the minimap');
  }

  // Applies what a link names (at start, on Back and Forward, and when the hash is edited);
  // `moveView` is false at start, where the view is already the link's.
  async applyLink(link, moveView = true) {
    const { viewport } = this;
    if (link.view && moveView) viewport.setGoal({ ...link.view, z: viewport.clampZoom(link.view.z) });
    if (!this.site) return;
    if (this.filters && (link.facets !== this.filters.state().facets || link.years !== this.filters.state().years)) {
      await this.filters.setState(link);
    }
    if (this.search && link.query !== this.search.query()) await this.search.run(link.query);
    if (this.clusters && link.cluster !== (this.cluster ? this.cluster.id : '')) {
      const record = link.cluster ? await this.clusters.byId(link.cluster) : null;
      await this.selectCluster(record, { fly: !link.view });
    }
    if (link.item >= 0 && link.item < this.site.cells && link.item !== this.selected) {
      await this.openItem(link.item, { focus: false, history: 'none' });
      if (link.view) this.reveal(link.item);
      else this.flyTo(link.item, REVEAL_PX / this.site.index.cell);
    } else if (link.item < 0 && this.selected >= 0) {
      this.closePanel('none');
    }
  }

  // Starts at the linked view (else the whole map), loads the site data, then applies the
  // rest of the link.
  async start() {
    const link = HashLink.read();
    const { viewport } = this;
    viewport.home();
    if (link.view) viewport.goal = viewport.clampCentre({ ...link.view, z: viewport.clampZoom(link.view.z) });
    viewport.atHome = !link.view;
    viewport.jump();
    const site = await SiteData.load(this.config.data, this.config.version);
    this.site = site;
    this.panel = new Panel(byId('panel'), site.index.columns, (record) => this.lightbox.show(record));
    this.search = setupSearch(site, {
      show: (found) => { this.hits = found; this.updateShown(); },
      pick: async (cell) => {
        await this.openItem(cell, { focus: true });
        this.flyTo(cell, PICK_PX / site.index.cell);
      },
      visible: (cell) => this.passes(cell) && (!this.inCluster || this.inCluster[cell] === 1),
      hiding: () => [this.passing && 'filters', this.inCluster && 'the cluster'].filter(Boolean).join(' and '),
    });
    this.filters = setupFilters(site, { show: (pass) => { this.passing = pass; this.updateShown(); this.search.refresh(); } });
    if (site.index.clusters?.length) {
      this.clusters = new Clusters(site);
      this.labels = new LabelLayer(this.clusters, this.viewport, () => { this.dirty = true; });
      this.groups = new Groups(this.clusters, site, { select: (record) => this.selectCluster(record) });
      this.clusters.level(0).then(() => { this.dirty = true; this.settled(); }, (error) => console.error(error.message));
    }
    this.refitBar();
    this.dirty = true;
    site.loadOccupied().then(() => { if (this.shownLayer.shown) this.updateShown(); }, (error) => console.error(error.message));
    await this.applyLink(link, false);
  }

  // A small handle for scripted use (tests, embedding pages): where things are on screen.
  handle(ready) {
    const cell = (col, row) => this.site.cellOf(col, row);
    return {
      ready,
      view: () => ({ ...this.viewport.view }),
      maxZoom: () => this.viewport.clampZoom(Infinity),
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
      // The cluster names drawn now: the cluster (id, level, name, size, bounds in cells), the
      // text shown and its box on screen.
      labels: () => (this.labels ? this.labels.placed.map(({ record, text, box }) => {
        const { id, level, name, size, bounds } = record;
        return { id, level, name, size, bounds, text, box };
      }) : []),
      cluster: () => (this.cluster ? this.cluster.id : null),
      hoveredCluster: () => (this.hoveredCluster ? this.hoveredCluster.id : null),
      tilesLoaded: () => this.tiles.loaded(),
    };
  }
}

const viewer = new Viewer(JSON.parse(byId('zoomap-config').textContent));
viewer.resize();
viewer.listen();
const ready = viewer.start();
// A map whose data cannot load says why where it said "Loading the map…". (Opened from
// file://, this script does not run at all; the page's own delayed hint speaks then.)
ready.catch((error) => { byId('loading').textContent = `The map could not load: ${error.message}`; });
requestAnimationFrame(() => viewer.frame());
window.zoomap = viewer.handle(ready);
