// Unit tests of lru.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { cached, LruCache } from './lru.js';

test('the least recently used entry goes first; peeking does not count as use', () => {
  const cache = new LruCache(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.get('a');
  cache.set('c', 3);
  assert.deepEqual([cache.peek('a'), cache.peek('b'), cache.peek('c')], [1, undefined, 3]);
  cache.peek('a');
  cache.set('d', 4);
  assert.equal(cache.peek('a'), undefined, 'a was not used since c');
  assert.equal(cache.size, 2);
});

test('a value is loaded once, kept for synchronous use, and a failure is retried', async () => {
  const cache = new LruCache();
  let loads = 0;
  const load = () => { loads++; return Promise.resolve(loads); };
  assert.equal(await cached(cache, 'k', load), 1);
  assert.equal(await cached(cache, 'k', load), 1);
  assert.equal(cache.peek('k').value, 1);
  const failing = () => Promise.reject(new Error('offline'));
  await assert.rejects(cached(cache, 'f', failing));
  await Promise.resolve();
  assert.equal(await cached(cache, 'f', load), 2, 'the failed load was forgotten');
});
