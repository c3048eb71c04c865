// Unit tests of ranking.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { addNear, byIdentifier, byValue, editDistance, fileMatches, isFileQuery, nearest, pairKeys, rankedCells, tagRank, termRank } from './ranking.js';
import { shardKey } from './words.js';

test('a word ranks whole over prefix over substring', () => {
  assert.equal(termRank('vase', 'vase'), 3);
  assert.equal(termRank('vases', 'vase'), 2);
  assert.equal(termRank('avase', 'vase'), 1);
  assert.equal(termRank('bowl', 'vase'), 0);
});

test('a machine tag word matches whole or in the plural, never as a prefix or inside a word', () => {
  assert.equal(tagRank('dog', 'dog'), 3);
  assert.equal(tagRank('dog', 'dogs'), 3);
  assert.equal(tagRank('box', 'boxes'), 3);
  assert.equal(tagRank('butterfly', 'butterflies'), 3);
  assert.equal(tagRank('carnivore', 'car'), 0);
  assert.equal(tagRank('instrumentality', 'instrument'), 0);
  assert.equal(tagRank('dogsled', 'dog'), 0);
});

test('cells must match every word; the best ranks come first, then reading order', () => {
  const vase = new Map([[5, 3], [2, 1], [9, 2], [4, 3]]);
  const blue = new Map([[5, 1], [9, 3], [4, 3], [7, 3]]);
  assert.deepEqual(Array.from(rankedCells([vase, blue], 16)), [4, 9, 5]);
  assert.deepEqual(Array.from(rankedCells([new Map([[3, 1], [1, 1]])], 16)), [1, 3]);
  assert.deepEqual(Array.from(rankedCells([vase, new Map()], 16)), []);
});

test('a file-name query is one token with a dot, underscore or dash', () => {
  assert.ok(isFileQuery(' IMG_0001 '));
  assert.ok(isFileQuery('a.jpg'));
  assert.ok(!isFileQuery('blue vase'));
  assert.ok(!isFileQuery('img 0001.jpg'));
  assert.ok(fileMatches('2019/IMG_0001.jpg', 'img_0001'));
  assert.ok(fileMatches('img_0001.jpg', '2019') === false);
  assert.ok(fileMatches('2019/img.jpg', '2019/'));
  assert.ok(!fileMatches(undefined, 'a'));
});

test('the edit distance gives up past its limit', () => {
  assert.equal(editDistance('kitten', 'sitting', 5), 3);
  assert.equal(editDistance('kitten', 'sitting', 2), 3);
  assert.equal(editDistance('a', 'abcdef', 2), 3);
  assert.equal(editDistance('naïve', 'naive', 2), 1, 'characters, not UTF-16 units');
  assert.equal(editDistance('🌸x', '🌸y', 2), 1);
});

test('suggestions come from every pair of a word and keep the nearest', () => {
  assert.deepEqual([...pairKeys('vse')], [shardKey('vs', 2), shardKey('se', 2)]);
  const found = new Map();
  addNear(found, 'vse', ['vase', 'vases', 'vse', 'horse', 'verse']);
  addNear(found, 'vse', ['vase']);
  assert.deepEqual(Object.fromEntries(found), { vase: 1, vases: 2, verse: 2 });
  assert.deepEqual(nearest(found, 2), ['vase', 'vases']);
});

test('an identifier query keeps exact values, then file-name prefixes, else every word match', () => {
  const records = [
    { file: 'sheets/0001.jpg', title: 'Iris', fields: ['HERB.01950', 'Öberg'] },
    { file: 'herb.01950-b.jpg', title: 'Iris', fields: ['HERB.02000'] },
    { file: 'x.jpg', title: 'Herb 01950 notes', fields: [] },
    { file: 'y.jpg', title: 'great_white_shark', fields: [] },
  ];
  const cells = [10, 11, 12, 13];
  assert.deepEqual(byValue(cells, records, 'herb.01950'), [10, 11]);
  assert.deepEqual(byValue(cells, records, 'great_white_shark'), [13]);
  assert.deepEqual(byValue(cells, records, 'herb.0'), [11], 'a prefix of a file name');
  assert.equal(byValue(cells, records, 'zz.9'), null, 'neither: the caller keeps every word match');
  assert.deepEqual(byValue([10], [records[0]], 'oberg'), [10], 'values compare folded');
});

test('an identifier filed whole keeps its holders, the exact identifier first', () => {
  const hits = Int32Array.from([4, 9, 2, 7]);
  const whole = new Map([[9, 2], [2, 3], [7, 1]]);
  assert.deepEqual(byIdentifier(hits, whole), [2, 9, 7]);
  assert.deepEqual(byIdentifier(hits, new Map()), [], 'nothing filed whole: the caller falls back');
});
