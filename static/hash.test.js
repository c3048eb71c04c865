// Unit tests of hash.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { formatHash, parseHash } from './hash.js';

const state = { layout: 'time', view: { x: 12.34, y: 56.78, z: 0.123456 }, item: 7, query: 'blue vase', facets: 'Kind:0.2', years: '1800-1900', cluster: '3-1', selection: 'AAEC_-' };

test('a link names what it was written from', () => {
  const hash = formatHash(state);
  assert.equal(hash, '#layout=time&x=12.3&y=56.8&z=0.1235&item=7&q=blue+vase&f=Kind%3A0.2&years=1800-1900&cluster=3-1&sel=AAEC_-');
  assert.deepEqual(parseHash(hash), { ...state, view: { x: 12.3, y: 56.8, z: 0.1235 } });
});

test('unused parts are left out of the link', () => {
  const hash = formatHash({ view: { x: 1, y: 2, z: 3 }, item: -1, query: '', facets: '', years: '', cluster: '', selection: '' });
  assert.equal(hash, '#x=1.0&y=2.0&z=3.000');
});

test('a link without a whole view or a valid item names neither', () => {
  assert.deepEqual(parseHash('#x=1&y=2&item=-4'), { layout: '', view: null, item: -1, query: '', facets: '', years: '', cluster: '', selection: '' });
  assert.equal(parseHash('#x=1&y=2&z=abc').view, null);
  assert.equal(parseHash('#item=3.5').item, 3);
  assert.equal(parseHash('').item, -1);
  assert.equal(parseHash('q=%3Cscript%3E').query, '<script>', 'text comes back as text, decoded once');
});
