// Unit tests of maplayout.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { displayMask, inverse, MapLayout, NO_ITEM } from './maplayout.js';

// A 2 × 3 map's items (cells 0–5, cell 4 empty) laid out on a 3 × 2 layout.
const site = { index: { cell: 10 }, cols: 2, rows: 3, cells: 6 };
const toItem = Uint32Array.from([5, NO_ITEM, 0, 1, 2, 3]);

test('a layout turns items into its cells and back', () => {
  assert.deepEqual([...inverse(toItem, 6)], [2, 3, 4, 5, -1, 0]);
  const layout = new MapLayout({ name: 'time', grid: { cols: 3, rows: 2 }, labels: [] }, site, toItem);
  assert.equal(layout.itemAt(0, 0), 5);
  assert.equal(layout.itemAt(1, 0), -1, 'an empty cell');
  assert.equal(layout.itemAt(3, 0), -1, 'outside the grid');
  assert.deepEqual(layout.colRow(1), [0, 1]);
  assert.equal(layout.colRow(4), null, 'an item the layout lacks');
  assert.deepEqual(layout.items([0, 1, 5]), [5, 3]);
  assert.deepEqual(layout.boundsOf(Uint8Array.from([1, 0, 0, 0, 0, 1])), [0, 0, 2, 0]);
});

test('a per-item mask is drawn on the layout’s cells', () => {
  const mask = Uint8Array.from([1, 0, 1, 0, 0, 1]);
  assert.deepEqual([...displayMask(mask, toItem)], [1, 0, 1, 0, 1, 0]);
  const own = new MapLayout(null, site);
  assert.equal(own.display(mask), mask, "the map's own layout is the identity");
  assert.equal(own.itemAt(1, 2), 5);
  assert.deepEqual(own.colRow(3), [1, 1]);
});
