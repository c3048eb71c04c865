import test from 'node:test';
import assert from 'node:assert/strict';
import { dragHref, manifestUrl, selectionCollection } from './iiif.js';

const iiif = {
  manifest: 'https://example.org/map/iiif/manifest.json',
  collection: 'https://example.org/map/iiif/collection.json',
  items: 'https://example.org/map/iiif/items/',
};

test('an item manifest is named by its map cell, and its drag link carries it as a parameter', () => {
  const url = manifestUrl(iiif, 42);
  assert.equal(url, 'https://example.org/map/iiif/items/42.json');
  const href = new URL(dragHref(url));
  assert.equal(href.searchParams.get('manifest'), url);
  assert.equal(href.origin + href.pathname, url);
});

test('a selection becomes a IIIF Collection of its items in order, titles as text', () => {
  const collection = selectionCollection(iiif, 'Map: 2 selected', [{ cell: 7, title: '<b>Vase</b>' }, { cell: 3, title: 'Cup' }]);
  assert.equal(collection.type, 'Collection');
  assert.equal(collection.id, 'https://example.org/map/iiif/selection.json');
  assert.deepEqual(collection.items.map((m) => m.id), [manifestUrl(iiif, 7), manifestUrl(iiif, 3)]);
  assert.deepEqual(collection.items[0].label, { none: ['<b>Vase</b>'] });
  assert.equal(collection['@context'], 'http://iiif.io/api/presentation/3/context.json');
});
