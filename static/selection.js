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

// `mask` (one byte per cell) as link text: the lengths of its alternating runs (unselected
// first) as LEB128 varints, in base64url. A lasso's block of cells is two runs per row, so
// a third of a million-cell map fits in a few kilobytes.
export function encodeSelection(mask) {
  const bytes = [];
  let state = 0, run = 0;
  const flush = () => {
    let n = run;
    do {
      bytes.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      n >>>= 7;
    } while (n > 0);
  };
  for (let cell = 0; cell < mask.length; cell++) {
    if ((mask[cell] ? 1 : 0) === state) {
      run++;
    } else {
      flush();
      state ^= 1;
      run = 1;
    }
  }
  if (state === 1) flush();
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.slice(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// The mask of `cells` cells that `text` (from `encodeSelection`) names, or null when it is
// not such a text or names cells past the grid.
export function decodeSelection(text, cells) {
  let binary;
  try {
    binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return null;
  }
  const mask = new Uint8Array(cells);
  let at = 0, state = 0, i = 0;
  while (i < binary.length) {
    let n = 0, shift = 0, byte;
    do {
      byte = binary.charCodeAt(i++);
      n += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && i < binary.length);
    if (at + n > cells) return null;
    if (state === 1) mask.fill(1, at, at + n);
    at += n;
    state ^= 1;
  }
  return mask;
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
