// Unit tests of exports.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { cellsByRegion, csvHeader, csvRow, selectionGroupCsv } from './exports.js';

test('a CSV row holds the item, its cell and clusters, with formulas neutralised', () => {
  assert.equal(csvHeader(['Name', 'Year'], 2), 'file,title,url,Name,Year,col,row,cluster_1,name_1,cluster_2,name_2');
  const record = { file: 'a/b, c.jpg', title: '=HYPERLINK("x")', url: 'https://x.org/1', fields: ['Iris', '1901'] };
  const row = csvRow(record, [3, 4], [{ id: '2', name: 'Iris' }], ['Name', 'Year'], 2);
  assert.equal(row, '"a/b, c.jpg","\'=HYPERLINK(""x"")",https://x.org/1,Iris,1901,3,4,2,Iris,,');
  assert.equal(csvRow({ file: 'f.jpg', title: 't' }, [0, 0], [], ['Name'], 0), 'f.jpg,t,,,0,0');
});

test('selected cells group by region, in cell order', () => {
  const mask = Uint8Array.from([1, 0, 1, 1, 0, 1]);
  const regions = cellsByRegion(mask, (cell) => (cell % 2 ? 'odd' : 'even'));
  assert.deepEqual([...regions], [['even', [0, 2]], ['odd', [3, 5]]]);
});

test('a saved group is the filename,group CSV that --groups reads', async () => {
  const records = new Map([[0, { file: 'a/=1.jpg' }], [2, { file: 'b, c.jpg' }]]);
  const site = { regionKey: () => 'r', region: async () => records };
  const blob = await selectionGroupCsv(site, Uint8Array.from([1, 1, 1]), 'Blue ware', () => {});
  assert.equal(await blob.text(), 'filename,group\r\na/=1.jpg,Blue ware\r\n"b, c.jpg",Blue ware\r\n');
});
