// zoomap viewer: draws a DeepZoom pyramid on a canvas with smooth pan and zoom (wheel, drag,
// pinch, double-click, keyboard), shows each item's title on hover, opens a side panel on
// click or tap (arrow keys then step to the neighbouring cells), dims what search and filters
// leave out, and keeps a minimap of the view. Item data comes in pieces as needed (data.js),
// so a map of a million items opens as fast as one of ten. The URL hash keeps the view and
// the open item, so any view can be linked to.

import { SiteData } from './data.js';
import { setupFilters, setupSearch } from './finder.js';

const config = JSON.parse(document.getElementById('zoomap-config').textContent);
const canvas = document.getElementById('map');
const ctx = canvas.getContext('2d');
const tooltip = document.getElementById('tooltip');
const panel = document.getElementById('panel');
const minimap = document.getElementById('minimap');
const miniCtx = minimap.getContext('2d');

const maxLevel = Math.ceil(Math.log2(Math.max(config.width, config.height, 1)));
const tileCache = new Map();
const TILE_CACHE_LIMIT = 800;
const EASE = 0.28;
// Cells smaller than this on screen are too small to point at: no hover, a click zooms in.
const MIN_CELL_PX = 4;
const MINIMAP_SIDE = 180;
const DIM_ALPHA = 200;
// Steps an arrow key looks ahead for a filled cell before giving up.
const NEIGHBOUR_REACH = 64;

let site = null;
let width = 0, height = 0, dpr = 1;
let view = { x: config.width / 2, y: config.height / 2, z: 1 };
let goal = { ...view };
let anchor = null;
let hovered = -1;
let selected = -1;
let dirty = true;
let firstPaintAt = null;
let hits = null;
let passing = null;
let shown = null;
let shownCount = null;
const overlay = document.createElement('canvas');

function levelSize(level) {
  const scale = 2 ** (maxLevel - level);
  return [Math.ceil(config.width / scale), Math.ceil(config.height / scale)];
}

// Height of the title bar over the top of the map, kept clear by the whole-map view.
const BAR = 48;

function fitZoom() {
  return Math.min(width / config.width, (height - BAR) / config.height) * 0.95;
}

function clampZoom(z) {
  return Math.min(Math.max(z, fitZoom() * 0.5), 8);
}

function clampCentre(v) {
  v.x = Math.min(Math.max(v.x, 0), config.width);
  v.y = Math.min(Math.max(v.y, 0), config.height);
  return v;
}

function toImage(sx, sy) {
  return { x: view.x + (sx - width / 2) / view.z, y: view.y + (sy - height / 2) / view.z };
}

function toScreen(ix, iy) {
  return { x: (ix - view.x) * view.z + width / 2, y: (iy - view.y) * view.z + height / 2 };
}

function resize() {
  dpr = window.devicePixelRatio || 1;
  width = canvas.clientWidth;
  height = canvas.clientHeight;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const aspect = config.width / Math.max(config.height, 1);
  const [mw, mh] = aspect >= 1 ? [MINIMAP_SIDE, MINIMAP_SIDE / aspect] : [MINIMAP_SIDE * aspect, MINIMAP_SIDE];
  minimap.style.width = `${mw}px`;
  minimap.style.height = `${mh}px`;
  minimap.width = Math.round(mw * dpr);
  minimap.height = Math.round(mh * dpr);
  dirty = true;
}

function tile(level, col, row, request) {
  const key = `${level}/${col}_${row}`;
  let entry = tileCache.get(key);
  if (entry) {
    tileCache.delete(key);
    tileCache.set(key, entry);
    return entry;
  }
  if (!request) return null;
  const img = new Image();
  entry = { img, ready: false };
  img.onload = () => { entry.ready = true; dirty = true; };
  img.onerror = () => { entry.failed = true; };
  img.src = `${config.tiles}/${key}.${config.format}`;
  tileCache.set(key, entry);
  if (tileCache.size > TILE_CACHE_LIMIT) tileCache.delete(tileCache.keys().next().value);
  return entry;
}

// Draws the tiles of `level` that cover image rectangle [x0, y0, x1, y1], mapped to the
// screen by `place`; returns how many were drawn.
function drawTiles(target, level, [x0, y0, x1, y1], place, request) {
  const scale = 2 ** (maxLevel - level);
  const [lw, lh] = levelSize(level);
  const ts = config.tile_size, ov = config.overlap;
  const c0 = Math.max(0, Math.floor(x0 / scale / ts));
  const r0 = Math.max(0, Math.floor(y0 / scale / ts));
  const c1 = Math.min(Math.ceil(lw / ts) - 1, Math.floor(x1 / scale / ts));
  const r1 = Math.min(Math.ceil(lh / ts) - 1, Math.floor(y1 / scale / ts));
  let drawn = 0;
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const entry = tile(level, c, r, request);
      if (!entry || !entry.ready) continue;
      const tx = Math.max(c * ts - (c > 0 ? ov : 0), 0), ty = Math.max(r * ts - (r > 0 ? ov : 0), 0);
      const [sx, sy, sw, sh] = place(tx * scale, ty * scale, entry.img.naturalWidth * scale, entry.img.naturalHeight * scale);
      target.drawImage(entry.img, sx, sy, sw, sh);
      drawn++;
    }
  }
  return drawn;
}

function visibleImageRect() {
  const a = toImage(0, 0), b = toImage(width, height);
  return [a.x, a.y, b.x, b.y];
}

function placeOnScreen(x, y, w, h) {
  const p = toScreen(x, y);
  return [p.x, p.y, w * view.z, h * view.z];
}

// The range of grid cells on screen, clipped to the grid.
function visibleCells() {
  const [x0, y0, x1, y1] = visibleImageRect();
  const c = site.index.cell;
  return {
    c0: Math.max(0, Math.floor(x0 / c)), r0: Math.max(0, Math.floor(y0 / c)),
    c1: Math.min(site.cols - 1, Math.floor(x1 / c)), r1: Math.min(site.rows - 1, Math.floor(y1 / c)),
  };
}

// Darkens the cells search and filters leave out, from one pixel per cell.
function drawOverlay() {
  if (!shown) return;
  const { c0, r0, c1, r1 } = visibleCells();
  if (c1 < c0 || r1 < r0) return;
  const c = site.index.cell;
  const p = toScreen(c0 * c, r0 * c);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(overlay, c0, r0, c1 - c0 + 1, r1 - r0 + 1, p.x, p.y, (c1 - c0 + 1) * c * view.z, (r1 - r0 + 1) * c * view.z);
  ctx.imageSmoothingEnabled = true;
  if (!hits || c * view.z < 10) return;
  ctx.strokeStyle = '#ffcc33';
  ctx.lineWidth = 1.5;
  for (let row = r0; row <= r1; row++) {
    for (let col = c0; col <= c1; col++) {
      const cell = site.cellOf(col, row);
      if (!shown[cell]) continue;
      const q = toScreen(col * c, row * c);
      ctx.strokeRect(q.x + 1, q.y + 1, c * view.z - 2, c * view.z - 2);
    }
  }
}

function outlineCell(cell, colour, lineWidth) {
  if (cell < 0 || !site) return;
  const [col, row] = site.colRow(cell);
  const c = site.index.cell;
  const p = toScreen(col * c, row * c);
  const size = c * view.z;
  ctx.strokeStyle = colour;
  ctx.lineWidth = lineWidth;
  ctx.strokeRect(p.x, p.y, Math.max(size, 3), Math.max(size, 3));
}

function draw() {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = config.background;
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingQuality = 'high';
  const ideal = maxLevel + Math.ceil(Math.log2(view.z * dpr));
  const level = Math.min(Math.max(ideal, 0), maxLevel);
  const rect = visibleImageRect();
  let drawn = 0;
  // Coarser levels first, as a placeholder under finer tiles that are still loading.
  for (let l = Math.max(0, level - 6); l <= level; l++) {
    drawn += drawTiles(ctx, l, rect, placeOnScreen, l === level || l === Math.max(0, level - 3));
  }
  if (drawn > 0 && firstPaintAt === null) firstPaintAt = performance.now();
  if (site) drawOverlay();
  outlineCell(hovered, 'rgba(255,255,255,0.9)', 2);
  outlineCell(selected, '#ffcc33', 3);
  drawMinimap();
}

// The whole map in a corner, from the smallest level that fills it, with the view's outline.
function drawMinimap() {
  const mw = minimap.width, mh = minimap.height;
  const k = mw / config.width;
  miniCtx.setTransform(1, 0, 0, 1, 0, 0);
  miniCtx.fillStyle = config.background;
  miniCtx.fillRect(0, 0, mw, mh);
  let level = 0;
  while (level < maxLevel && levelSize(level)[0] < mw) level++;
  drawTiles(miniCtx, level, [0, 0, config.width, config.height], (x, y, w, h) => [x * k, y * k, w * k, h * k], true);
  if (shown) {
    miniCtx.drawImage(overlay, 0, 0, site.cols * site.index.cell * k, site.rows * site.index.cell * k);
  }
  const [x0, y0, x1, y1] = visibleImageRect();
  miniCtx.strokeStyle = '#ffcc33';
  miniCtx.lineWidth = Math.max(1, dpr);
  miniCtx.strokeRect(x0 * k, y0 * k, Math.max((x1 - x0) * k, 3), Math.max((y1 - y0) * k, 3));
}

function animate() {
  const lz = Math.log(view.z), gz = Math.log(goal.z);
  const moving = Math.abs(gz - lz) > 1e-4 || Math.abs(goal.x - view.x) * view.z > 0.3 || Math.abs(goal.y - view.y) * view.z > 0.3;
  if (moving) {
    view.z = Math.abs(gz - lz) > 1e-4 ? Math.exp(lz + (gz - lz) * EASE) : goal.z;
    if (anchor) {
      view.x = anchor.ix - (anchor.sx - width / 2) / view.z;
      view.y = anchor.iy - (anchor.sy - height / 2) / view.z;
    } else {
      view.x += (goal.x - view.x) * EASE;
      view.y += (goal.y - view.y) * EASE;
    }
    dirty = true;
  } else if (anchor || view.x !== goal.x || view.y !== goal.y || view.z !== goal.z) {
    view = { ...goal };
    anchor = null;
    dirty = true;
    scheduleHash();
  }
  if (dirty) {
    dirty = false;
    draw();
  }
  requestAnimationFrame(animate);
}

function zoomAt(factor, sx, sy, animated = true) {
  const point = toImage(sx, sy);
  const z = clampZoom(goal.z * factor);
  const target = clampCentre({ x: point.x - (sx - width / 2) / z, y: point.y - (sy - height / 2) / z, z });
  goal = target;
  anchor = { sx, sy, ix: point.x, iy: point.y };
  if (!animated) {
    view = { ...goal };
    anchor = null;
    dirty = true;
  }
}

function panBy(dx, dy, animated) {
  goal = clampCentre({ x: goal.x - dx / view.z, y: goal.y - dy / view.z, z: goal.z });
  anchor = null;
  if (!animated) {
    view = { ...goal };
    dirty = true;
  }
}

function centreOn(ix, iy, animated) {
  goal = clampCentre({ x: ix, y: iy, z: goal.z });
  anchor = null;
  if (!animated) {
    view = { ...goal };
    dirty = true;
  }
}

function wholeMap() {
  const z = fitZoom();
  return { x: config.width / 2, y: config.height / 2 - BAR / 2 / z, z };
}

function home() {
  goal = wholeMap();
  anchor = null;
}

// The screen area the open panel leaves free, as [left, top, right, bottom].
function freeArea() {
  return [0, BAR, panel.hidden ? width : width - panel.offsetWidth, height];
}

// Moves the view so `cell` sits in the middle of the free area, zoomed in to at least `z`.
function flyTo(cell, z = goal.z) {
  const [col, row] = site.colRow(cell);
  const c = site.index.cell;
  const [l, t, r, b] = freeArea();
  const zoom = clampZoom(Math.max(goal.z, z));
  goal = clampCentre({
    x: (col + 0.5) * c - ((l + r) / 2 - width / 2) / zoom,
    y: (row + 0.5) * c - ((t + b) / 2 - height / 2) / zoom,
    z: zoom,
  });
  anchor = null;
}

// Keeps `cell` in the free area, moving only when it is (partly) outside.
function reveal(cell) {
  const [col, row] = site.colRow(cell);
  const c = site.index.cell;
  const a = toScreen(col * c, row * c), b = toScreen((col + 1) * c, (row + 1) * c);
  const [l, t, r, bottom] = freeArea();
  if (c * view.z < 24) flyTo(cell, 96 / c);
  else if (a.x < l || a.y < t || b.x > r || b.y > bottom) flyTo(cell);
}

function cellAt(sx, sy) {
  if (!site) return -1;
  const p = toImage(sx, sy);
  const c = site.index.cell;
  const col = Math.floor(p.x / c), row = Math.floor(p.y / c);
  if (col < 0 || row < 0 || col >= site.cols || row >= site.rows) return -1;
  return site.cellOf(col, row);
}

function pointable() {
  return site && site.index.cell * view.z >= MIN_CELL_PX;
}

function hover(sx, sy) {
  const cell = pointable() ? cellAt(sx, sy) : -1;
  const record = cell >= 0 && site.isOccupied(cell) !== false ? site.recordNow(cell) : null;
  if (record === undefined) {
    site.region(site.regionKey(cell)).then(() => { if (cellAt(sx, sy) === cell) hover(sx, sy); }, () => {});
  }
  const index = record ? cell : -1;
  if (index !== hovered) {
    hovered = index;
    dirty = true;
  }
  if (!record) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = record.title;
  tooltip.hidden = false;
  tooltip.style.left = `${Math.min(sx + 14, width - tooltip.offsetWidth - 4)}px`;
  tooltip.style.top = `${sy + 18}px`;
}

// The schemes an item link may have; the build already refuses others (site/links.rs), and
// this check keeps a hand-edited region file from turning a `javascript:` URL into a link.
const LINK_PROTOCOLS = ['http:', 'https:', 'mailto:'];
function linkable(url) {
  if (!url) return null;
  try {
    return LINK_PROTOCOLS.includes(new URL(url, document.baseURI).protocol) ? url : null;
  } catch {
    return null;
  }
}

let opening = 0;
async function openItem(cell) {
  const mine = ++opening;
  const record = cell >= 0 && site ? await site.record(cell) : null;
  if (mine !== opening) return;
  selected = record ? cell : -1;
  dirty = true;
  if (!record) {
    panel.hidden = true;
    scheduleHash();
    return;
  }
  document.getElementById('panel-title').textContent = record.title;
  const preview = document.getElementById('panel-preview');
  preview.src = record.preview;
  preview.alt = record.title;
  const link = document.getElementById('panel-link');
  const href = linkable(record.url);
  link.hidden = !href;
  if (href) link.href = href;
  else link.removeAttribute('href');
  const urlText = document.getElementById('panel-url-text');
  const shownAsText = href ? null : record.url_text || record.url;
  urlText.hidden = !shownAsText;
  urlText.querySelector('code').textContent = shownAsText || '';
  const fields = document.getElementById('panel-fields');
  fields.replaceChildren();
  (record.fields || []).forEach((value, i) => {
    if (!value) return;
    const dt = document.createElement('dt');
    dt.textContent = site.index.columns[i];
    const dd = document.createElement('dd');
    dd.textContent = value;
    fields.append(dt, dd);
  });
  document.getElementById('panel-file').textContent = record.file;
  panel.hidden = false;
  scheduleHash();
}

// Opens the nearest filled cell from the open one in direction (dx, dy).
async function step(dx, dy) {
  if (selected < 0) return;
  tooltip.hidden = true;
  let [col, row] = site.colRow(selected);
  for (let k = 0; k < NEIGHBOUR_REACH; k++) {
    col += dx;
    row += dy;
    if (col < 0 || row < 0 || col >= site.cols || row >= site.rows) return;
    const cell = site.cellOf(col, row);
    if (site.isOccupied(cell) === false || !(await site.record(cell))) continue;
    await openItem(cell);
    reveal(cell);
    return;
  }
}

// What search and filters leave shown: cells in both, or null when neither is active.
function setShown() {
  shown = null;
  shownCount = null;
  if (hits || passing) {
    shown = new Uint8Array(site.cells);
    if (hits) hits.forEach((cell) => { shown[cell] = 1; });
    else shown.fill(1);
    if (passing) for (let cell = 0; cell < site.cells; cell++) shown[cell] &= passing[cell];
    paintOverlay();
    if (site.occupied) {
      shownCount = 0;
      for (let cell = 0; cell < site.cells; cell++) if (shown[cell] && site.isOccupied(cell)) shownCount++;
    }
  }
  document.getElementById('shown').textContent = shownCount === null ? '' : `${shownCount.toLocaleString()} of ${site.index.count.toLocaleString()} shown`;
  dirty = true;
}

function paintOverlay() {
  overlay.width = site.cols;
  overlay.height = site.rows;
  const octx = overlay.getContext('2d');
  const image = octx.createImageData(site.cols, site.rows);
  for (let cell = 0; cell < site.cells; cell++) image.data[cell * 4 + 3] = shown[cell] ? 0 : DIM_ALPHA;
  octx.putImageData(image, 0, 0);
}

let hashTimer = 0;
function scheduleHash() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => {
    const params = new URLSearchParams({ x: goal.x.toFixed(1), y: goal.y.toFixed(1), z: goal.z.toPrecision(4) });
    if (selected >= 0) params.set('item', selected);
    history.replaceState(null, '', `#${params}`);
  }, 250);
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const x = parseFloat(params.get('x')), y = parseFloat(params.get('y')), z = parseFloat(params.get('z'));
  if ([x, y, z].every(Number.isFinite)) {
    view = clampCentre({ x, y, z: clampZoom(z) });
    goal = { ...view };
  }
  return params.has('item') ? parseInt(params.get('item'), 10) : -1;
}

// Pointer input: one pointer drags (or clicks and taps, when it barely moved), two pinch.
const pointers = new Map();
let press = null;
let pinch = null;

function pinchState() {
  const [a, b] = [...pointers.values()];
  return { d: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

canvas.addEventListener('pointerdown', (e) => {
  canvas.setPointerCapture(e.pointerId);
  pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
  if (pointers.size === 1) press = { x: e.offsetX, y: e.offsetY, moved: 0 };
  if (pointers.size === 2) {
    pinch = pinchState();
    press = null;
  }
});

canvas.addEventListener('pointermove', (e) => {
  const last = pointers.get(e.pointerId);
  if (!last) {
    if (e.pointerType === 'mouse') hover(e.offsetX, e.offsetY);
    return;
  }
  const dx = e.offsetX - last.x, dy = e.offsetY - last.y;
  pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
  if (pointers.size === 2 && pinch) {
    const now = pinchState();
    zoomAt(now.d / pinch.d, now.x, now.y, false);
    panBy(now.x - pinch.x, now.y - pinch.y, false);
    pinch = now;
  } else if (press) {
    press.moved += Math.abs(dx) + Math.abs(dy);
    if (press.moved > 4) {
      canvas.classList.add('dragging');
      tooltip.hidden = true;
      panBy(dx, dy, false);
    }
  }
});

function endPointer(e) {
  pointers.delete(e.pointerId);
  canvas.classList.remove('dragging');
  if (pointers.size < 2) pinch = null;
  if (press && press.moved <= 4 && e.type === 'pointerup' && pointers.size === 0) {
    if (pointable()) openItem(cellAt(e.offsetX, e.offsetY));
    else zoomAt(2, e.offsetX, e.offsetY);
  }
  if (pointers.size === 0) {
    press = null;
    scheduleHash();
  }
}
canvas.addEventListener('pointerup', endPointer);
canvas.addEventListener('pointercancel', endPointer);
canvas.addEventListener('pointerleave', () => {
  hovered = -1;
  tooltip.hidden = true;
  dirty = true;
});

canvas.addEventListener('wheel', (e) => {
  e.preventDefault();
  const lines = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? height : 1;
  zoomAt(Math.exp(-e.deltaY * lines * 0.0025), e.offsetX, e.offsetY);
}, { passive: false });

canvas.addEventListener('dblclick', (e) => zoomAt(e.shiftKey ? 0.5 : 2, e.offsetX, e.offsetY));

// The minimap: press or drag to move the view there.
let minimapDrag = false;
function minimapPoint(e, animated) {
  const k = minimap.clientWidth / config.width;
  centreOn(e.offsetX / k, e.offsetY / k, animated);
}
minimap.addEventListener('pointerdown', (e) => {
  minimap.setPointerCapture(e.pointerId);
  minimapDrag = true;
  minimapPoint(e, true);
});
minimap.addEventListener('pointermove', (e) => { if (minimapDrag) minimapPoint(e, false); });
minimap.addEventListener('pointerup', () => { minimapDrag = false; scheduleHash(); });

window.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement) return;
  const pan = Math.min(width, height) / 4;
  const arrow = (dx, dy) => () => (selected >= 0 ? step(dx, dy) : panBy(-dx * pan, -dy * pan, true));
  const actions = {
    '+': () => zoomAt(1.6, width / 2, height / 2),
    '=': () => zoomAt(1.6, width / 2, height / 2),
    '-': () => zoomAt(1 / 1.6, width / 2, height / 2),
    '_': () => zoomAt(1 / 1.6, width / 2, height / 2),
    '0': home,
    '/': () => document.getElementById('search').focus(),
    ArrowLeft: arrow(-1, 0),
    ArrowRight: arrow(1, 0),
    ArrowUp: arrow(0, -1),
    ArrowDown: arrow(0, 1),
    Escape: () => openItem(-1),
  };
  if (actions[e.key]) {
    e.preventDefault();
    actions[e.key]();
  }
});

document.getElementById('zoom-in').onclick = () => zoomAt(2, width / 2, height / 2);
document.getElementById('zoom-out').onclick = () => zoomAt(0.5, width / 2, height / 2);
document.getElementById('home').onclick = home;
document.getElementById('panel-close').onclick = () => openItem(-1);
window.addEventListener('resize', resize);

let search = null;
async function start(linkedItem) {
  site = await SiteData.load(config.data);
  search = setupSearch(site, {
    show(found) { hits = found; setShown(); },
    async pick(cell) {
      await openItem(cell);
      flyTo(cell, 128 / site.index.cell);
    },
  });
  setupFilters(site, { show(pass) { passing = pass; setShown(); } });
  if (linkedItem >= 0 && linkedItem < site.cells) openItem(linkedItem);
  dirty = true;
  site.loadOccupied().then(() => { if (shown) setShown(); }, (error) => console.error(error.message));
}

resize();
view = wholeMap();
goal = { ...view };
const ready = start(readHash());
requestAnimationFrame(animate);

// A small handle for scripted use (tests, embedding pages): where things are on screen.
window.zoomap = {
  ready,
  view: () => ({ ...view }),
  cellCentre(col, row) {
    const c = site.index.cell;
    return toScreen((col + 0.5) * c, (row + 0.5) * c);
  },
  index: () => site.index,
  record: (col, row) => site.record(site.cellOf(col, row)),
  selected: () => (selected < 0 ? null : site.colRow(selected)),
  search: (query) => search.run(query),
  shownCount: () => shownCount,
  firstPaint: () => firstPaintAt,
  tilesLoaded: () => [...tileCache.values()].filter((t) => t.ready).length,
};
