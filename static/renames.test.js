// Unit tests of renames.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { Renames } from './renames.js';

function memory() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v) };
}

test('a name given is kept for the next visit, drawn, and given back when emptied', () => {
  const storage = memory();
  const renames = new Renames('zoomap-names:/site/', storage);
  const record = { id: '3-1', name: 'Group 3.1', numbered: true };
  renames.set('3-1', '  Sea shells ');
  assert.deepEqual(new Renames('zoomap-names:/site/', storage).apply({ ...record }), {
    ...record, name: 'Sea shells', numbered: false, built: { name: 'Group 3.1', numbered: true },
  });
  renames.set('3-1', '');
  renames.apply(record);
  assert.equal(renames.apply(record).name, 'Group 3.1');
  assert.equal(record.numbered, true);
  assert.equal(new Renames('zoomap-names:/other/', storage).get('3-1'), undefined, 'one site each');
});

test('refused or broken storage costs nothing but persistence', () => {
  const refused = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
  const renames = new Renames('k', refused);
  renames.set('0', 'Ceramics');
  assert.equal(renames.get('0'), 'Ceramics');
  assert.equal(new Renames('k', { getItem: () => '{not json' }).get('0'), undefined);
  assert.equal(new Renames('k', undefined).get('toString'), undefined, 'no inherited keys');
});
