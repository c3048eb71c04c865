// zoomap viewer: draws a DeepZoom pyramid on a canvas with smooth pan and zoom (wheel, drag,
// pinch, double-click, keyboard), shows each item's title on hover and opens a side panel on
// click. The URL hash keeps the view and the open item, so any view can be linked to.

const config = JSON.parse(document.getElementById('zoomap-config').textContent);
const canvas = document.getElementById('map');
const ctx = canvas.getContext('2d');
const tooltip = document.getElementById('tooltip');
const panel = document.getElementById('panel');

const maxLevel = Math.ceil(Math.log2(Math.max(config.width, config.height, 1)));
const tileCache = new Map();
const TILE_CACHE_LIMIT = 800;
const EASE = 0.28;

let data = null;
let cellIndex = null;
let width = 0, height = 0, dpr = 1;
let view = { x: config.width / 2, y: config.height / 2, z: 1 };
let goal = { ...view };
let anchor = null;
let hovered = -1;
let selected = -1;
let dirty = true;

function levelSize(level) {
  const scale = 2 ** (maxLevel - level);
  return [Math.ceil(config.width / scale), Math.ceil(config.height / scale)];
}

// Height of the title bar over the top of the map, kept clear by the whole-map view.
const BAR = 40;

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

function drawLevel(level, request) {
  const scale = 2 ** (maxLevel - level);
  const [lw, lh] = levelSize(level);
  const ts = config.tile_size, ov = config.overlap;
  const topLeft = toImage(0, 0), bottomRight = toImage(width, height);
  const c0 = Math.max(0, Math.floor(topLeft.x / scale / ts));
  const r0 = Math.max(0, Math.floor(topLeft.y / scale / ts));
  const c1 = Math.min(Math.ceil(lw / ts) - 1, Math.floor(bottomRight.x / scale / ts));
  const r1 = Math.min(Math.ceil(lh / ts) - 1, Math.floor(bottomRight.y / scale / ts));
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const entry = tile(level, c, r, request);
      if (!entry || !entry.ready) continue;
      const x0 = Math.max(c * ts - (c > 0 ? ov : 0), 0), y0 = Math.max(r * ts - (r > 0 ? ov : 0), 0);
      const p = toScreen(x0 * scale, y0 * scale);
      ctx.drawImage(entry.img, p.x, p.y, entry.img.naturalWidth * scale * view.z, entry.img.naturalHeight * scale * view.z);
    }
  }
}

function outlineCell(index, colour, lineWidth) {
  if (index < 0 || !data) return;
  const [col, row] = data.items[index].cell;
  const p = toScreen(col * data.cell, row * data.cell);
  const size = data.cell * view.z;
  ctx.strokeStyle = colour;
  ctx.lineWidth = lineWidth;
  ctx.strokeRect(p.x, p.y, size, size);
}

function draw() {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = config.background;
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingQuality = 'high';
  const ideal = maxLevel + Math.ceil(Math.log2(view.z * dpr));
  const level = Math.min(Math.max(ideal, 0), maxLevel);
  // Coarser levels first, as a placeholder under finer tiles that are still loading.
  for (let l = Math.max(0, level - 6); l <= level; l++) drawLevel(l, l === level || l === Math.max(0, level - 3));
  outlineCell(hovered, 'rgba(255,255,255,0.9)', 2);
  outlineCell(selected, '#ffcc33', 3);
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

function wholeMap() {
  const z = fitZoom();
  return { x: config.width / 2, y: config.height / 2 - BAR / 2 / z, z };
}

function home() {
  goal = wholeMap();
  anchor = null;
}

function itemAt(sx, sy) {
  if (!data) return -1;
  const p = toImage(sx, sy);
  const col = Math.floor(p.x / data.cell), row = Math.floor(p.y / data.cell);
  if (col < 0 || row < 0 || col >= data.grid[0] || row >= data.grid[1]) return -1;
  return cellIndex[row * data.grid[0] + col];
}

function showTooltip(index, sx, sy) {
  if (index < 0) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = data.items[index].title;
  tooltip.hidden = false;
  tooltip.style.left = `${Math.min(sx + 14, width - tooltip.offsetWidth - 4)}px`;
  tooltip.style.top = `${sy + 18}px`;
}

function openItem(index) {
  selected = index;
  dirty = true;
  if (index < 0) {
    panel.hidden = true;
    scheduleHash();
    return;
  }
  const item = data.items[index];
  document.getElementById('panel-title').textContent = item.title;
  const preview = document.getElementById('panel-preview');
  preview.src = item.preview;
  preview.alt = item.title;
  const link = document.getElementById('panel-link');
  link.hidden = !item.url;
  if (item.url) link.href = item.url;
  const fields = document.getElementById('panel-fields');
  fields.replaceChildren();
  (item.fields || []).forEach((value, i) => {
    if (!value) return;
    const dt = document.createElement('dt');
    dt.textContent = data.columns[i];
    const dd = document.createElement('dd');
    dd.textContent = value;
    fields.append(dt, dd);
  });
  document.getElementById('panel-file').textContent = item.file;
  panel.hidden = false;
  scheduleHash();
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

// Pointer input: one pointer drags (or clicks, when it barely moved), two pinch.
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
    const index = itemAt(e.offsetX, e.offsetY);
    if (index !== hovered) {
      hovered = index;
      dirty = true;
    }
    showTooltip(index, e.offsetX, e.offsetY);
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
  if (press && press.moved <= 4 && e.type === 'pointerup' && pointers.size === 0) openItem(itemAt(e.offsetX, e.offsetY));
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

window.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement) return;
  const step = Math.min(width, height) / 4;
  const actions = {
    '+': () => zoomAt(1.6, width / 2, height / 2),
    '=': () => zoomAt(1.6, width / 2, height / 2),
    '-': () => zoomAt(1 / 1.6, width / 2, height / 2),
    '_': () => zoomAt(1 / 1.6, width / 2, height / 2),
    '0': home,
    ArrowLeft: () => panBy(step, 0, true),
    ArrowRight: () => panBy(-step, 0, true),
    ArrowUp: () => panBy(0, step, true),
    ArrowDown: () => panBy(0, -step, true),
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

async function loadData() {
  const response = await fetch(config.data);
  if (!response.ok) throw new Error(`${config.data}: HTTP ${response.status}`);
  data = await response.json();
  cellIndex = new Int32Array(data.grid[0] * data.grid[1]).fill(-1);
  data.items.forEach((item, i) => { cellIndex[item.cell[1] * data.grid[0] + item.cell[0]] = i; });
}

resize();
view = wholeMap();
goal = { ...view };
const linkedItem = readHash();
requestAnimationFrame(animate);
const ready = loadData().then(() => {
  if (linkedItem >= 0 && linkedItem < data.items.length) openItem(linkedItem);
  dirty = true;
});

// A small handle for scripted use (tests, embedding pages): where things are on screen.
window.zoomap = {
  ready,
  view: () => ({ ...view }),
  cellCentre(col, row) {
    return toScreen((col + 0.5) * data.cell, (row + 0.5) * data.cell);
  },
  tilesLoaded: () => [...tileCache.values()].filter((t) => t.ready).length,
  item: (index) => data.items[index],
};
