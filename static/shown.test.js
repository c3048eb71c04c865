// Unit tests of shown.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { shownCells, shownText } from './shown.js';

const occupied = (cells) => (cell) => cells.includes(cell);

test('nothing narrows the map: nothing is dimmed and nothing counted', () => {
  assert.deepEqual(shownCells({ cells: 4, hits: null, passing: null, inCluster: null, isOccupied: occupied([0]) }), { shown: null, count: null });
  assert.equal(shownText(null, 10), '');
});

test('shown cells are the hits that pass the filters and lie in the cluster', () => {
  const { shown, count } = shownCells({
    cells: 6,
    hits: Int32Array.from([5, 1, 2]),
    passing: Uint8Array.from([1, 1, 0, 1, 1, 1]),
    inCluster: Uint8Array.from([0, 1, 1, 1, 1, 0]),
    isOccupied: occupied([1, 2, 3, 5]),
  });
  assert.deepEqual(Array.from(shown), [0, 1, 0, 0, 0, 0]);
  assert.equal(count, 1);
});

test('without a search, every cell the masks pass is shown; empty cells are not counted', () => {
  const { shown, count } = shownCells({ cells: 4, hits: null, passing: Uint8Array.from([1, 0, 1, 1]), inCluster: null, isOccupied: occupied([0, 1, 2]) });
  assert.deepEqual(Array.from(shown), [1, 0, 1, 1]);
  assert.equal(count, 2);
  assert.equal(shownText(1234, 5000), `${(1234).toLocaleString()} of ${(5000).toLocaleString()} shown`);
});

test('before the occupied bitmap loads, the cells are shown but not counted', () => {
  const { shown, count } = shownCells({ cells: 2, hits: Int32Array.from([1]), passing: null, inCluster: null, isOccupied: () => undefined });
  assert.deepEqual(Array.from(shown), [0, 1]);
  assert.equal(count, null);
});

test('a selection narrows what is shown as the other masks do', () => {
  const inSelection = Uint8Array.from([1, 0, 1, 1]);
  const alone = shownCells({ cells: 4, hits: null, passing: null, inCluster: null, inSelection, isOccupied: occupied([0, 1, 3]) });
  assert.deepEqual(Array.from(alone.shown), [1, 0, 1, 1]);
  assert.equal(alone.count, 2);
  const withSearch = shownCells({ cells: 4, hits: Int32Array.from([1, 3]), passing: null, inCluster: null, inSelection, isOccupied: occupied([0, 1, 3]) });
  assert.deepEqual(Array.from(withSearch.shown), [0, 0, 0, 1]);
});
