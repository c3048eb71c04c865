// zoomap viewer: draws a DeepZoom pyramid on a canvas with smooth pan and zoom (wheel, drag,
// pinch, double-click, keyboard) up to the cells' native resolution, shows each item's title
// on hover, opens a side panel on click, tap or Enter (arrow keys then step to the
// neighbouring cells) with the full image and a download, dims what search and filters leave
// out, and keeps a minimap of the view. Cluster names sit on the map like place names; a
// name or a row of the Clusters tree selects its cluster (flown to, the rest dimmed, its
// details shown). Item data comes in pieces as needed (data.js), so a map of a million
// items opens as fast as one of ten. A lasso, a click or a list selects items to export
// (selector.js). The URL hash keeps the view, the open item, the search, the filters, the
// cluster and the selection; opening an item is a history entry that Back closes.
//
// This file is the composition root: it builds the parts and holds the state they share
// (the site, the open item, the hits, filters and cluster). One concern per file: viewport
// (view, easing), tiles + renderer (drawing), input + pointer + keyboard + keys + controls
// (what the visitor does), hash + link (the URL), shown (what narrows the map), data +
// ranking + finder (item data, search, filters), clusters + labels + groups, selector +
// selection + selectionpanel + exports, panel + similar, lightbox, minimap, handle (`window.zoomap`)
// and lru (the one bounded cache).

import { Clusters } from './clusters.js';
import { setupControls } from './controls.js';
import { SiteData } from './data.js';
import { setupFilters, setupSearch } from './finder.js';
import { Groups } from './groups.js';
import { scriptingHandle } from './handle.js';
import { HashLink } from './hash.js';
import { trackPointers, trackWheel } from './input.js';
import { trackKeys } from './keyboard.js';
import { LabelLayer } from './labels.js';
import { applyLink, linkState } from './link.js';
import { LayoutMenu } from './layoutmenu.js';
import { Lightbox } from './lightbox.js';
import { MapLayout } from './maplayout.js';
import { Minimap } from './minimap.js';
import { Panel } from './panel.js';
import { takeTurns } from './panels.js';
import { PointerHandler } from './pointer.js';
import { Renames } from './renames.js';
import { Renderer, ShownLayer } from './renderer.js';
import { listSavedGroups } from './savedgroups.js';
import { Selector } from './selector.js';
import { SimilarStrip } from './similar.js';
import { shownCells, shownText } from './shown.js';
import { TileLayer } from './tiles.js';
import { Viewport } from './viewport.js';

// An item stepped to or linked to is zoomed in to when its cell is smaller than this on
// screen…
const REVEAL_MIN_PX = 24;
// …to this size (as is an item linked to without a view); a search result is flown to at
// this size.
const REVEAL_PX = 96;
const PICK_PX = 128;
// Below this window width (the stylesheet's phone layout), selecting a cluster leaves the
// Clusters drawer closed.
const PHONE_WIDTH = 700;

const byId = (id) => document.getElementById(id);

class Viewer {
  constructor(config) {
    this.config = config;
    this.canvas = byId('map');
    this.pointer = new PointerHandler(this, byId('tooltip'));
    const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.viewport = new Viewport({ width: config.width, height: config.height }, config.max_zoom, reducedMotion ? 1 : undefined);
    this.tiles = new TileLayer(config, () => { this.dirty = true; });
    this.shownLayer = new ShownLayer();
    this.renderer = new Renderer(this.canvas, config, this.viewport, this.tiles, this.shownLayer);
    this.minimap = new Minimap(byId('minimap'), config, this.viewport, this.tiles, this.shownLayer, () => this.hash.schedule());
    this.lightbox = new Lightbox(byId('lightbox'));
    this.panel = null;
    this.hash = new HashLink(() => linkState(this));
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
    // The selection (selector.js) and the panel's "more like this" (similar.js), once the
    // site has loaded.
    this.selector = null;
    this.similar = null;
    // The layout shown (maplayout.js), its own labels, the Layout menu (layoutmenu.js) and
    // the selection as a mask of the layout's cells.
    this.layout = null;
    this.layoutLabels = null;
    this.layoutMenu = null;
    this.selectionCells = null;
    this.opening = 0;
    this.expectBack = false;
    this.dirty = true;
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
      const { site, hits, hovered, selected, hoveredCluster, cluster, layout: grid, layoutLabels } = this;
      const [left] = this.freeArea();
      const labels = grid?.isOwn ? this.labels : null;
      const { lasso = null } = this.selector ?? {};
      const selection = this.selectionCells;
      this.renderer.draw({ site, grid, hits, hovered, selected, labels, layoutLabels, hoveredCluster, cluster, left, selection, lasso });
      this.minimap.draw(grid);
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
    const right = Math.max(this.panel ? this.panel.width() : 0, this.selector ? this.selector.panel.width() : 0);
    return [this.groups ? this.groups.width() : 0, top, width - right, height];
  }

  // Moves the view so `cell` sits in the middle of the free area, zoomed in to at least `z`.
  flyTo(cell, z) {
    const at = this.layout.colRow(cell);
    if (!at) return;
    const [col, row] = at;
    const c = this.site.index.cell;
    this.viewport.flyTo((col + 0.5) * c, (row + 0.5) * c, this.freeArea(), z);
  }

  // Flies to `cell` at the size of a revealed item.
  flyIn(cell) {
    this.flyTo(cell, REVEAL_PX / this.site.index.cell);
  }

  // Keeps `cell` in the free area, moving only when it is (partly) outside or too small.
  reveal(cell) {
    const at = this.layout.colRow(cell);
    if (!at) return;
    const [col, row] = at;
    const c = this.site.index.cell;
    const a = this.viewport.toScreen(col * c, row * c), b = this.viewport.toScreen((col + 1) * c, (row + 1) * c);
    const [l, t, r, bottom] = this.freeArea();
    if (c * this.viewport.view.z < REVEAL_MIN_PX) this.flyTo(cell, REVEAL_PX / c);
    else if (a.x < l || a.y < t || b.x > r || b.y > bottom) this.flyTo(cell);
  }

  // The cluster whose name is drawn at screen point (sx, sy): names are drawn on the map's
  // own layout only, where clusters are contiguous.
  clusterNameAt(sx, sy) {
    return this.labels && this.layout?.isOwn ? this.labels.hit(sx, sy) : null;
  }

  cellAt(sx, sy) {
    if (!this.site) return -1;
    const p = this.viewport.toImage(sx, sy);
    const c = this.site.index.cell;
    return this.layout.itemAt(Math.floor(p.x / c), Math.floor(p.y / c));
  }

  // Screen pixels a cell spans now.
  cellPx() {
    return this.site ? this.site.index.cell * this.viewport.view.z : 0;
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
    if (this.selector?.panel.open) this.selector.panel.setOpen(false);
    this.panel.show(record, cell, focus);
    this.similar.show(cell);
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

  // Whether search and filters leave `cell` shown by the filters.
  passes(cell) {
    return !this.passing || this.passing[cell] === 1;
  }

  // What search, filters and the selected cluster leave shown: cells in all of them, or
  // nothing shaded when none is active.
  updateShown() {
    const { site, hits, passing, inCluster } = this;
    const isOccupied = (cell) => site.isOccupied(cell);
    const inSelection = this.selector?.mask ?? null;
    const { shown, count } = shownCells({ cells: site.cells, hits, passing, inCluster, inSelection, isOccupied });
    this.shownCount = count;
    this.shownLayer.set(this.layout.display(shown), this.layout.cols, this.layout.rows);
    this.selectionCells = this.layout.display(inSelection);
    byId('shown').textContent = shownText(count, site.index.count);
    this.dirty = true;
    this.refitBar();
    this.hash.schedule();
  }

  listen() {
    const { viewport } = this;
    trackPointers(this.canvas, viewport, {
      hover: (sx, sy) => this.pointer.hover(sx, sy),
      tap: (sx, sy, pointerType, event) => this.pointer.tap(sx, sy, pointerType, event),
      lasso: (event) => (this.selector?.lassoPress(event) ? this.selector : null),
      leave: () => this.pointer.leave(),
      drag: () => { this.pointer.tooltip.hidden = true; },
      rest: () => this.hash.schedule(),
    });
    trackWheel(this.canvas, viewport);
    this.canvas.addEventListener('dblclick', () => this.pointer.doubleClick());
    trackKeys(this);
    setupControls(this);
    window.addEventListener('resize', () => this.resize());
    window.addEventListener('popstate', () => {
      if (!this.expectBack) applyLink(this, HashLink.read());
      else this.hash.write();
      this.expectBack = false;
    });
    window.addEventListener('hashchange', () => applyLink(this, HashLink.read()));
  }

  // Esc closes the filters when open, else the panel, the selection's panel, the Clusters
  // drawer, else shows the whole map again where a cluster was selected, else clears the
  // selection.
  escape() {
    if (this.filters?.open) this.filters.close();
    else if (this.selected >= 0) this.closePanel();
    else if (this.selector?.panel.open) this.selector.panel.setOpen(false);
    else if (this.groups?.open) {
      this.groups.setOpen(false);
      this.groups.toggle.focus();
    } else if (this.cluster) this.selectCluster(null);
    else if (this.selector?.mask) this.selector.clear();
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
    this.filters?.recount();
    if (record) {
      // On a phone the drawer would cover the map: it opens from its button there, and
      // closes once a cluster is chosen in it, so the map shows the cluster.
      this.groups.setOpen(window.innerWidth > PHONE_WIDTH);
      byId('status').textContent = `${record.name}: ${record.size.toLocaleString()} images`;
    }
    await this.groups.show(record);
    if (record && fly) this.fitCells(this.layout.isOwn ? record.bounds : this.layout.boundsOf(this.inCluster));
    this.dirty = true;
  }

  // Fits the view to the cells from [c0, r0] to [c1, r1] (columns and rows of the layout
  // shown; null: no move).
  fitCells(bounds) {
    if (!bounds) return;
    const [c0, r0, c1, r1] = bounds;
    const c = this.site.index.cell;
    this.viewport.fitRect([c0 * c, r0 * c, (c1 + 1) * c, (r1 + 1) * c], this.freeArea());
  }

  // Enter on the map: the item at the centre of the free area, moving focus into the panel.
  openCentre() {
    const [l, t, r, b] = this.freeArea();
    const cell = this.cellAt((l + r) / 2, (t + b) / 2);
    if (cell >= 0) this.openItem(cell, { focus: true });
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
    this.layout = new MapLayout(site.index.layouts?.find((entry) => !entry.cells) ?? null, site);
    this.panel = new Panel(byId('panel'), site.index, (record) => this.lightbox.show(record));
    this.similar = new SimilarStrip(this);
    this.search = setupSearch(site, {
      show: (found) => { this.hits = found; this.updateShown(); this.filters?.recount(); },
      pick: async (cell) => {
        await this.openItem(cell, { focus: true });
        this.flyTo(cell, PICK_PX / site.index.cell);
      },
      visible: (cell) => this.passes(cell) && (!this.inCluster || this.inCluster[cell] === 1),
      hiding: () => [this.passing && 'filters', this.inCluster && 'the cluster'].filter(Boolean).join(' and '),
    });
    const narrowing = () => shownCells({ cells: site.cells, hits: this.hits, passing: null, inCluster: this.inCluster, isOccupied: () => undefined }).shown;
    this.filters = setupFilters(site, { show: (pass) => { this.passing = pass; this.updateShown(); this.search.refresh(); }, narrowing });
    if (site.index.clusters?.length) {
      this.clusters = new Clusters(site, Renames.forPage());
      this.labels = new LabelLayer(this.clusters, this.viewport, () => { this.dirty = true; });
      this.groups = new Groups(this.clusters, site, { select: (record) => this.selectCluster(record), renamed: () => { this.dirty = true; } });
      this.clusters.level(0).then(() => { this.dirty = true; this.settled(); }, (error) => console.error(error.message));
    }
    this.selector = new Selector(this);
    this.layoutMenu = new LayoutMenu(this);
    listSavedGroups(this);
    takeTurns({ filters: this.filters, groups: this.groups, phone: () => window.innerWidth <= PHONE_WIDTH });
    this.refitBar();
    this.dirty = true;
    site.loadOccupied().then(() => { if (this.shownLayer.shown) this.updateShown(); }, (error) => console.error(error.message));
    await applyLink(this, link, false);
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
window.zoomap = scriptingHandle(viewer, ready);
