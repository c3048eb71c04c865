// Unit tests of keys.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { KEYS, keyAction, plainLabel } from './keys.js';

test('each key runs its action, with its direction', () => {
  assert.deepEqual(keyAction({ key: 'ArrowLeft' }, false), ['arrow', -1, 0]);
  assert.deepEqual(keyAction({ key: 'ArrowDown' }, true), ['arrow', 0, 1]);
  assert.deepEqual(keyAction({ key: '=' }, true), ['zoom', 1]);
  assert.deepEqual(keyAction({ key: '_' }, true), ['zoom', -1]);
  assert.deepEqual(keyAction({ key: 'Escape' }, false), ['escape']);
  assert.deepEqual(keyAction({ key: '?' }, false), ['keys']);
});

test('Enter and Space open only on the map; modified and unknown keys do nothing', () => {
  assert.deepEqual(keyAction({ key: 'Enter' }, true), ['openCentre']);
  assert.equal(keyAction({ key: ' ' }, false), null);
  assert.equal(keyAction({ key: 'c', ctrlKey: true }, true), null);
  assert.equal(keyAction({ key: 'x' }, true), null);
});

test('no key is bound twice and every row is described', () => {
  const all = KEYS.flatMap((row) => row.keys);
  assert.equal(new Set(all).size, all.length);
  for (const row of KEYS) assert.ok(row.label && row.does, JSON.stringify(row));
  assert.equal(plainLabel('`+` / `-`'), '+ / -');
});
