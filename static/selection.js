// The selection as data: one byte per grid cell (1 selected), the cells a lasso encloses, and
// the compact text a link carries it in. Pure, tested by selection.test.js.

// A link's selection text is at most this long; a selection too scattered to fit is not put
// in the link (the caller says so). Browsers accept URLs of 2 MB (Chromium) and more; this
// keeps a link pasteable into mail and chat.
export const MAX_LINK_CHARS = 32000;

// The cells whose centre lies inside `polygon` (mosaic pixels, [[x, y], …], closed
// implicitly), by the even–odd rule, on a grid of `cols` × `rows` cells of `cell` pixels:
// one scan line per row through its cells' centres, so the cost is the rows the polygon
// spans times its edges, plus the cells it holds.
export function lassoCells(polygon, cell, cols, rows) {
  const found = [];
  if (polygon.length < 3) return found;
  const ys = polygon.map((p) => p[1]);
  const r0 = Math.max(0, Math.ceil(Math.min(...ys) / cell - 0.5));
  const r1 = Math.min(rows - 1, Math.floor(Math.max(...ys) / cell - 0.5));
  for (let row = r0; row <= r1; row++) {
    const y = (row + 0.5) * cell;
    const crossings = [];
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      const [xa, ya] = polygon[j], [xb, yb] = polygon[i];
      if ((ya <= y) !== (yb <= y)) crossings.push(xa + ((y - ya) / (yb - ya)) * (xb - xa));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const c0 = Math.max(0, Math.ceil(crossings[k] / cell - 0.5));
      const c1 = Math.min(cols - 1, Math.floor(crossings[k + 1] / cell - 0.5));
      for (let col = c0; col <= c1; col++) found.push(row * cols + col);
    }
  }
  return found;
}

// Appends `n` (a non-negative integer) to `bytes` as an LEB128 varint.
function pushVarint(bytes, n) {
  do {
    bytes.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
}

// Reads varints from the byte string `binary`, tracking the position in `at.i`; null past
// the end.
function readVarint(binary, at) {
  if (at.i >= binary.length) return null;
  let n = 0, shift = 0, byte;
  do {
    byte = binary.charCodeAt(at.i++);
    n += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80 && at.i < binary.length);
  return n;
}

function toBase64url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.slice(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// The byte string of base64url `text`, or null when it is not base64url.
function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    return atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return null;
  }
}

// `mask` (one byte per cell) as link text: the lengths of its alternating runs (unselected
// first) as LEB128 varints, in base64url. A lasso's block of cells is two runs per row, so
// a third of a million-cell map fits in a few kilobytes.
export function encodeSelection(mask) {
  const bytes = [];
  let state = 0, run = 0;
  for (let cell = 0; cell < mask.length; cell++) {
    if ((mask[cell] ? 1 : 0) === state) {
      run++;
    } else {
      pushVarint(bytes, run);
      state ^= 1;
      run = 1;
    }
  }
  if (state === 1) pushVarint(bytes, run);
  return toBase64url(bytes);
}

// The mask of `cells` cells that `text` (from `encodeSelection`) names, or null when it is
// not such a text or names cells past the grid.
export function decodeSelection(text, cells) {
  const binary = fromBase64url(text);
  if (binary === null) return null;
  const mask = new Uint8Array(cells);
  const at = { i: 0 };
  for (let cell = 0, state = 0, n; (n = readVarint(binary, at)) !== null; state ^= 1) {
    if (cell + n > cells) return null;
    if (state === 1) mask.fill(1, cell, cell + n);
    cell += n;
  }
  return mask;
}

// Lasso points are kept in links to a quarter of a cell.
const LASSO_STEPS = 4;

// A lasso drawn in mosaic pixels (cells of `cell` pixels) as the points a link keeps: whole
// quarter cells, repeats dropped. Select with `lassoPoints` of these, so that a link's
// lasso selects exactly what the drawn one did.
export function quantiseLasso(points, cell) {
  const kept = [];
  for (const [x, y] of points) {
    const q = [Math.round((x / cell) * LASSO_STEPS), Math.round((y / cell) * LASSO_STEPS)];
    const last = kept[kept.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) kept.push(q);
  }
  return kept;
}

// Quantised points (`quantiseLasso`) back in mosaic pixels.
export function lassoPoints(quantised, cell) {
  return quantised.map(([x, y]) => [(x * cell) / LASSO_STEPS, (y * cell) / LASSO_STEPS]);
}

// The link text of a selection made by lassos alone, `~` then base64url of, per lasso, 1
// (adds) or 2 (takes away), its point count and its quantised points as zigzag varint steps
// from the previous point: a free-hand lasso that encloses a ragged set of cells takes a few
// bytes per point however many cells it holds.
export function encodeLassos(lassos) {
  const bytes = [];
  const zigzag = (n) => (n < 0 ? -2 * n - 1 : 2 * n);
  for (const { removing, points } of lassos) {
    bytes.push(removing ? 2 : 1);
    pushVarint(bytes, points.length);
    let px = 0, py = 0;
    for (const [x, y] of points) {
      pushVarint(bytes, zigzag(x - px));
      pushVarint(bytes, zigzag(y - py));
      [px, py] = [x, y];
    }
  }
  return `~${toBase64url(bytes)}`;
}

// The lassos of `text` (from `encodeLassos`), or null when it is not such a text.
export function decodeLassos(text) {
  const binary = text.startsWith('~') ? fromBase64url(text.slice(1)) : null;
  if (!binary) return null;
  const unzigzag = (n) => (n % 2 ? -(n + 1) / 2 : n / 2);
  const lassos = [], at = { i: 0 };
  while (at.i < binary.length) {
    const kind = binary.charCodeAt(at.i++);
    const count = readVarint(binary, at);
    if ((kind !== 1 && kind !== 2) || count === null || count > binary.length) return null;
    const points = [];
    let x = 0, y = 0;
    for (let k = 0; k < count; k++) {
      const dx = readVarint(binary, at), dy = readVarint(binary, at);
      if (dx === null || dy === null) return null;
      x += unzigzag(dx);
      y += unzigzag(dy);
      points.push([x, y]);
    }
    lassos.push({ removing: kind === 2, points });
  }
  return lassos;
}

// How many cells `mask` selects that `isOccupied` says hold an item.
export function selectedCount(mask, isOccupied) {
  let count = 0;
  for (let cell = 0; cell < mask.length; cell++) if (mask[cell] && isOccupied(cell)) count++;
  return count;
}

// The selected cells of `mask` that `keep` accepts, in cell order (row by row), at most
// `limit` of them.
export function selectedCells(mask, limit = Infinity, keep = () => true) {
  const cells = [];
  for (let cell = 0; cell < mask.length && cells.length < limit; cell++) if (mask[cell] && keep(cell)) cells.push(cell);
  return cells;
}
