// Unit tests of savedgroups.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { groupCells, groupsOf } from './savedgroups.js';

test('an item in two groups counts in each, and each group knows its values', () => {
  const facet = { values: ['Blue ware', 'Blue ware; Kept', 'Kept', 'Other'], counts: [4, 1, 2, 7] };
  assert.deepEqual(groupsOf(facet), [
    { name: 'Other', codes: [3], count: 7 },
    { name: 'Blue ware', codes: [0, 1], count: 5 },
    { name: 'Kept', codes: [1, 2], count: 3 },
  ]);
});

test("a group's cells and their bounds on the grid", () => {
  // A 4-column grid; 255 marks a cell in no group.
  const codes = Uint8Array.from([255, 0, 255, 255, 255, 255, 1, 255, 2, 255, 255, 255]);
  assert.deepEqual(groupCells(codes, { codes: [0, 1] }, 4), { cells: [1, 6], bounds: [1, 0, 2, 1] });
  assert.deepEqual(groupCells(codes, { codes: [2] }, 4), { cells: [8], bounds: [0, 2, 0, 2] });
});
