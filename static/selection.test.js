// Unit tests of selection.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { decodeLassos, decodeSelection, encodeLassos, encodeSelection, lassoCells, lassoPoints, quantiseLasso, selectedCells, selectedCount } from './selection.js';

test('a lasso selects the cells whose centre it encloses', () => {
  // A 10 × 10 grid of 10-px cells (centres at 5, 15, 25, …); a rectangle from (16, 26) to
  // (45.5, 54) holds the centres of columns 2–4 and rows 3–4.
  const square = [[16, 26], [45.5, 26], [45.5, 54], [16, 54]];
  assert.deepEqual(lassoCells(square, 10, 10, 10), [32, 33, 34, 42, 43, 44]);
  // A triangle: row by row, the centres inside (col + row ≤ 9), none on an edge.
  const triangle = [[0, 0], [101, 0], [0, 101]];
  const cells = lassoCells(triangle, 10, 10, 10);
  assert.ok(cells.every((c) => (c % 10) + Math.floor(c / 10) <= 9), 'only above the diagonal');
  assert.equal(cells.length, 55);
  assert.deepEqual(lassoCells([[-50, -50], [-10, -50], [-10, -10]], 10, 10, 10), [], 'off the map');
  assert.equal(lassoCells([[0, 0], [1000, 0], [1000, 1000], [0, 1000]], 10, 10, 10).length, 100, 'clipped to the grid');
});

test('a selection goes into link text and back', () => {
  const mask = new Uint8Array(1000);
  [0, 1, 2, 500, 998, 999].forEach((c) => { mask[c] = 1; });
  for (let c = 200; c < 400; c++) mask[c] = 1;
  const text = encodeSelection(mask);
  assert.match(text, /^[A-Za-z0-9_-]+$/, 'base64url');
  assert.deepEqual(decodeSelection(text, 1000), mask);
  assert.equal(decodeSelection(text, 900), null, 'cells past the grid');
  assert.equal(decodeSelection('%%%', 10), null);
  assert.deepEqual(decodeSelection(encodeSelection(new Uint8Array(5)), 5), new Uint8Array(5));
});

test('a lasso over a third of a million-cell map fits in a link', () => {
  const cols = 1000, rows = 1000;
  const disc = [];
  for (let a = 0; a < 64; a++) disc.push([500 + 326 * Math.cos(a / 10.19), 500 + 326 * Math.sin(a / 10.19)]);
  const mask = new Uint8Array(cols * rows);
  lassoCells(disc, 1, cols, rows).forEach((c) => { mask[c] = 1; });
  const count = selectedCount(mask, () => true);
  assert.ok(count > 320000 && count < 340000, `${count} cells`);
  const text = encodeSelection(mask);
  assert.ok(text.length < 4000, `${text.length} characters`);
  assert.deepEqual(decodeSelection(text, cols * rows), mask);
  assert.deepEqual(selectedCells(mask, 2), [selectedCells(mask)[0], selectedCells(mask)[1]]);
});

test('a free-hand lasso travels as its points where they are shorter than its cells', (t) => {
  // A wobbly 200-point loop over a 1000 × 1000 grid of 8-px cells: its edge cuts each row at
  // a different column, so the runs cost bytes per row and the points a few bytes each.
  const cell = 8, cols = 1000, rows = 1000;
  const drawn = [];
  for (let a = 0; a < 200; a++) {
    const t = (2 * Math.PI * a) / 200, r = 2400 + 180 * Math.sin(7 * t) + 0.37 * a;
    drawn.push([4000 + r * Math.cos(t), 4000 + r * Math.sin(t)]);
  }
  const points = quantiseLasso(drawn, cell);
  assert.ok(points.every(([x, y]) => Number.isInteger(x) && Number.isInteger(y)), 'whole quarter cells');
  const lassos = [{ removing: false, points }, { removing: true, points: quantiseLasso([[3000, 3000], [5000, 3000], [4000, 5000]], cell) }];
  const text = encodeLassos(lassos);
  assert.match(text, /^~[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeLassos(text), lassos);
  const mask = new Uint8Array(cols * rows);
  for (const { removing, points: p } of lassos) lassoCells(lassoPoints(p, cell), cell, cols, rows).forEach((c) => { mask[c] = removing ? 0 : 1; });
  const runs = encodeSelection(mask);
  t.diagnostic(`lassos ${text.length} characters, runs ${runs.length}`);
  assert.ok(text.length * 2 < runs.length, `lassos ${text.length} characters, runs ${runs.length}`);
  assert.equal(decodeLassos(runs), null, 'runs are not lassos');
  assert.equal(decodeLassos('~%%'), null);
  assert.equal(decodeLassos('~BwE'), null, 'an unknown kind of lasso');
  assert.equal(decodeLassos('~AQU'), null, 'fewer points than it says');
});
