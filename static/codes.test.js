import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_VALUE, codeArray, countCode, hasChosen, setMask } from './codes.js';

test('a column facet counts its one value per cell, a multi-valued facet each bit of its mask', () => {
  const column = { values: ['a', 'b', 'c'] };
  const counts = [0, 0, 0];
  for (const code of [0, 2, 2, NO_VALUE]) countCode(column, code, counts);
  assert.deepEqual(counts, [1, 0, 2]);
  const depicts = { values: ['dog', 'retriever', 'boat'], multi: true };
  const tagged = [0, 0, 0];
  for (const mask of [0b011, 0b001, 0b100, 0]) countCode(depicts, mask, tagged);
  assert.deepEqual(tagged, [2, 1, 1]);
  assert.equal(codeArray(column), Uint8Array);
  assert.equal(codeArray(depicts), Uint32Array);
  // "dog" or "boat" checked: a cell passes when its mask shares a bit with theirs.
  const chosen = new Set([0, 2]);
  const mask = setMask(chosen);
  assert.equal(mask, 0b101);
  assert.deepEqual([0b011, 0b010, 0b100, 0].map((m) => hasChosen(depicts, chosen, mask, m)), [true, false, true, false]);
  assert.deepEqual([0, 1, 2, NO_VALUE].map((c) => hasChosen(column, chosen, mask, c)), [true, false, true, false]);
});
