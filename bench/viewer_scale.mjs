// Measures a served zoomap site in headless Chromium, as a visitor meets it: first paint
// (the first tiles on the canvas) and the bytes transferred before it, the page's memory
// (CDP Performance.getMetrics), and how long search and a facet filter take to show.
// Usage: node viewer_scale.mjs URL SCREENSHOT_DIR   (prints one line per figure)
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/viewer/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [url, shots] = process.argv.slice(2);
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: flags });

async function heapMiB(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const value = (name) => metrics.find((m) => m.name === name).value;
  return { used: value('JSHeapUsedSize') / 2 ** 20, total: value('JSHeapTotalSize') / 2 ** 20 };
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.goto(url);
  await page.waitForFunction(() => window.zoomap && window.zoomap.firstPaint() !== null, null, { timeout: 30000 });
  const paint = await page.evaluate(() => {
    const at = window.zoomap.firstPaint();
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    const before = entries.filter((e) => e.responseEnd <= at);
    return { at, bytes: before.reduce((sum, e) => sum + e.transferSize, 0), requests: before.length };
  });
  console.log(`first paint: ${paint.at.toFixed(0)} ms after navigation start`);
  console.log(`transferred before first paint: ${(paint.bytes / 1024).toFixed(0)} KiB in ${paint.requests} requests`);
  await page.evaluate(() => window.zoomap.ready);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${shots}/scale-1-map.png` });
  const opened = await heapMiB(cdp);
  console.log(`JS heap after load: ${opened.used.toFixed(1)} MiB used of ${opened.total.toFixed(1)} MiB`);

  for (const query of ['teapot', 'blue vase', 'gilded mask 1850', 'ase']) {
    const result = await page.evaluate(async (q) => {
      const t0 = performance.now();
      await window.zoomap.search(q);
      const t1 = performance.now();
      await new Promise(requestAnimationFrame);
      return { ms: t1 - t0, painted: performance.now() - t0, shown: window.zoomap.shownCount(),
        listed: document.querySelectorAll('#results-list li').length };
    }, query);
    console.log(`search "${query}": results listed in ${result.ms.toFixed(0)} ms (map highlighted ${result.painted.toFixed(0)} ms), ${result.shown} matches, ${result.listed} listed`);
  }
  await page.click('#search');
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${shots}/scale-2-search.png` });
  await page.keyboard.press('Enter');
  await page.waitForTimeout(2500);
  await page.screenshot({ path: `${shots}/scale-3-flown.png` });
  await page.keyboard.press('Escape');
  await page.evaluate(() => window.zoomap.search(''));

  await page.click('#filters-toggle');
  const filter = await page.evaluate(async () => {
    const box = document.querySelector('#filters input[type=checkbox]');
    const t0 = performance.now();
    box.click();
    while (window.zoomap.shownCount() === null) await new Promise((r) => setTimeout(r, 5));
    return { ms: performance.now() - t0, shown: window.zoomap.shownCount() };
  });
  console.log(`facet filter: ${filter.shown} items shown after ${filter.ms.toFixed(0)} ms (codes fetched on first use)`);
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${shots}/scale-4-filter.png` });
  await page.evaluate(() => document.querySelector('#filters button[type=reset]').click());
  await page.keyboard.press('Escape');

  // The cluster names of the whole map, then a click on the largest: flown to, dimmed around.
  await page.keyboard.press('0');
  await page.waitForTimeout(1500);
  const names = await page.evaluate(() => window.zoomap.labels());
  const levels = await page.evaluate(() => window.zoomap.index().clusters.map((l) => l.count));
  console.log(`clusters: ${levels.join(' + ')} in ${levels.length} levels; ${names.length} names drawn over the whole map`);
  if (names.length > 0) {
    const [first] = names;
    const t0 = Date.now();
    await page.mouse.click((first.box[0] + first.box[2]) / 2, (first.box[1] + first.box[3]) / 2);
    await page.waitForFunction((n) => window.zoomap.shownCount() === n, first.size, { timeout: 30000 });
    console.log(`cluster "${first.name}" (${first.size} items) selected and dimmed around in ${Date.now() - t0} ms`);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${shots}/scale-5-cluster.png` });
    for (let i = 0; i < 6; i++) await page.keyboard.press('+');
    await page.waitForTimeout(1500);
    const deep = await page.evaluate(() => window.zoomap.labels());
    console.log(`zoomed in: ${deep.length} names drawn, levels ${[...new Set(deep.map((l) => l.level))].join(', ')}`);
    await page.screenshot({ path: `${shots}/scale-6-cluster-zoom.png` });
  }
  const after = await heapMiB(cdp);
  console.log(`JS heap after searches, a filter and a cluster: ${after.used.toFixed(1)} MiB used of ${after.total.toFixed(1)} MiB`);

  // Selecting a third of the map with a lasso, its link and its CSV, in a fresh page.
  const lasso = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await lasso.goto(url);
  await lasso.waitForFunction(() => window.zoomap && window.zoomap.firstPaint() !== null, null, { timeout: 30000 });
  await lasso.evaluate(() => window.zoomap.ready);
  await lasso.waitForTimeout(2000);
  const box = await lasso.evaluate(() => {
    const [cols, rows] = window.zoomap.index().grid;
    return { a: window.zoomap.cellCentre(0, 0), b: window.zoomap.cellCentre(cols - 1, rows - 1) };
  });
  const third = (box.b.x - box.a.x) / 3;
  const corners = [[box.a.x + third, box.a.y - 2], [box.a.x + 2 * third, box.a.y - 2], [box.a.x + 2 * third, box.b.y + 2], [box.a.x + third, box.b.y + 2]];
  await lasso.keyboard.down('Shift');
  await lasso.mouse.move(...corners[0]);
  await lasso.mouse.down();
  for (const c of [...corners.slice(1), corners[0]]) await lasso.mouse.move(...c, { steps: 4 });
  const t0 = Date.now();
  await lasso.mouse.up();
  await lasso.waitForFunction(() => window.zoomap.selection().count > 0, null, { timeout: 60000, polling: 50 });
  const selectMs = Date.now() - t0;
  await lasso.keyboard.up('Shift');
  const selected = await lasso.evaluate(() => window.zoomap.selection().count);
  await lasso.waitForTimeout(600);
  const link = await lasso.evaluate(() => location.href);
  const sel = new URL(link).hash.match(/sel=([^&]*)/)?.[1] ?? '';
  console.log(`lasso over a third of the map: ${selected} items selected in ${selectMs} ms; link ${link.length} characters (sel ${sel.length})`);
  await lasso.screenshot({ path: `${shots}/scale-7-lasso.png` });
  await lasso.click('#selection-toggle');
  const t1 = Date.now();
  const [file] = await Promise.all([lasso.waitForEvent('download', { timeout: 600000 }), lasso.click('#selection-csv')]);
  const csvPath = await file.path();
  const csvMs = Date.now() - t1;
  const { size } = await import('node:fs').then((fs) => fs.statSync(csvPath));
  console.log(`its CSV: ${(size / 2 ** 20).toFixed(1)} MiB downloaded in ${(csvMs / 1000).toFixed(1)} s`);
  const restored = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const t2 = Date.now();
  await restored.goto(link);
  await restored.waitForFunction(() => window.zoomap && window.zoomap.selection().count > 0, null, { timeout: 60000 });
  console.log(`the link restores ${await restored.evaluate(() => window.zoomap.selection().count)} selected in ${Date.now() - t2} ms`);

  // What a viewer that loads every record up front pays, in a fresh page of the same site.
  const whole = await browser.newPage();
  const wholeCdp = await whole.context().newCDPSession(whole);
  await wholeCdp.send('Performance.enable');
  await whole.goto(`${url}data/index.json`);
  const all = await whole.evaluate(async () => {
    const t0 = performance.now();
    const response = await fetch('../all-items.json', { cache: 'no-store' });
    const text = await response.text();
    const t1 = performance.now();
    window.records = JSON.parse(text);
    return { fetched: t1 - t0, parsed: performance.now() - t1, bytes: text.length, n: window.records.length };
  });
  const wholeHeap = await heapMiB(wholeCdp);
  console.log(`all records up front: ${(all.bytes / 2 ** 20).toFixed(0)} MiB fetched in ${all.fetched.toFixed(0)} ms, parsed in ${all.parsed.toFixed(0)} ms, JS heap ${wholeHeap.used.toFixed(0)} MiB (${all.n} records)`);
  console.log(`ratio, zoomap first paint vs fetch+parse of all records: ${(paint.at / (all.fetched + all.parsed)).toFixed(3)}; heap ${(after.used / wholeHeap.used).toFixed(3)}`);
} finally {
  await browser.close();
}
