// Drives a served zoomap site in headless Chromium and checks what a visitor sees.
// Usage: node check.mjs URL SCREENSHOT_DIR collection|scale|hostile [INPUTS]   (exits non-zero on failure)
//   INPUTS (collection): the folder holding the build's groups.csv (`--groups`) and its
//     `--export` folder export/ (items.tsv).
//   collection: a small built site with metadata: tiles, hover, click, panel keys, search,
//     facet and year filters, minimap, touch tap and pinch, deep link.
//   scale: a large synthetic site: little is fetched before the first paint, search and
//     panel keys work across region files without loading the rest.
//   hostile: a small site whose metadata holds markup, scripts and script URLs: all shown as
//     text, no script runs, no `javascript:` link exists.
//   file: the site opened as file:///…/index.html: the page says to serve it, not "Loading".
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

import { encodeLassos, quantiseLasso } from '../../static/selection.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const [url, shots, mode, inputs] = process.argv.slice(2);
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: flags });
const failures = [];
const errors = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
// Every URL the pages asked for, to check that the site's files are asked for by version.
const requested = [];

async function open(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, ...options });
  const page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  // A preview still loading when the test moves on is aborted, which is no error.
  page.on('requestfailed', (r) => { if (r.failure().errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.url()}`); });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  return page;
}

async function ready(page, hash = '') {
  await page.goto(url + hash);
  await page.waitForFunction(() => window.zoomap && window.zoomap.tilesLoaded() > 0, null, { timeout: 10000 });
  await page.evaluate(() => window.zoomap.ready);
  await page.waitForTimeout(500);
}

// axe-core's serious and critical violations on the page as it is now (run through the
// DevTools protocol, so the page's CSP does not stop it).
async function accessibilityProblems(page) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations.filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

// Whether `selector` matches an element that is shown and lies within the viewport.
const onScreen = (page, selector) => page.$eval(selector, (el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
});

const panelTitle = (page) => page.evaluate(() => (document.getElementById('panel').hidden ? null : document.getElementById('panel-title').textContent));

async function waitForPanel(page, title, what) {
  try {
    await page.waitForFunction((t) => !document.getElementById('panel').hidden && document.getElementById('panel-title').textContent === t, title, { timeout: 5000 });
  } catch {
    check(false, `${what}: panel shows "${await panelTitle(page)}", expected "${title}"`);
  }
}

// The minimap's pixels in the view outline's colour (#ffcc33).
function minimapOutline(page) {
  return page.evaluate(() => {
    const c = document.getElementById('minimap');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 230 && d[i + 1] > 180 && d[i + 1] < 230 && d[i + 2] < 90) n++;
    return n;
  });
}

// Brightness of the map canvas at a screen point.
const brightness = (page, p) => page.evaluate(({ x, y }) => {
  const c = document.getElementById('map');
  const d = c.getContext('2d').getImageData(x * devicePixelRatio, y * devicePixelRatio, 1, 1).data;
  return d[0] + d[1] + d[2];
}, p);

// Every record of a small site, with its cell, read through the viewer's own data access.
const allRecords = (page) => page.evaluate(async () => {
  const { grid } = window.zoomap.index();
  const out = [];
  for (let row = 0; row < grid[1]; row++) {
    for (let col = 0; col < grid[0]; col++) {
      const record = await window.zoomap.record(col, row);
      if (record) out.push({ col, row, file: record.file, title: record.title, url: record.url, url_text: record.url_text, fields: record.fields });
    }
  }
  return out;
});

async function collection() {
  const page = await open();
  await ready(page);
  check(await page.evaluate(() => document.getElementById('loading').hidden), 'the loading notice goes once tiles are drawn');
  await page.screenshot({ path: `${shots}/1-map.png` });
  const centre = await brightness(page, { x: 600, y: 420 });
  check(centre !== 17 * 3, 'centre of the map is background: tiles not drawn');

  const index = await page.evaluate(() => window.zoomap.index());
  const column = (name) => index.columns.indexOf(name);
  const records = await allRecords(page);
  const at = (col, row) => records.find((r) => r.col === col && r.row === row);
  const point = (r) => page.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), [r.col, r.row]);
  // The first item with neighbours to its right whose centre no cluster name covers (a click
  // on a name flies to its cluster).
  const boxes = (await page.evaluate(() => window.zoomap.labels())).map((l) => l.box);
  const covered = ({ x, y }) => boxes.some(([l, t, r, b]) => x >= l && x <= r && y >= t && y <= b);
  let start = null;
  for (const r of records.filter((q) => at(q.col + 1, q.row) && at(q.col + 1, q.row + 1))) {
    if (!covered(await point(r))) { start = r; break; }
  }

  // Hover and click.
  const p = await point(start);
  await page.mouse.move(p.x, p.y);
  await page.waitForTimeout(300);
  const tip = await page.evaluate(() => ({ hidden: document.getElementById('tooltip').hidden, text: document.getElementById('tooltip').textContent }));
  check(!tip.hidden && tip.text === start.title, `hover shows "${tip.text}", expected "${start.title}"`);
  await page.screenshot({ path: `${shots}/2-hover.png` });
  await page.mouse.click(p.x, p.y);
  await waitForPanel(page, start.title, 'click');
  const link = await page.evaluate(() => ({ href: document.getElementById('panel-link').href, target: document.getElementById('panel-link').target }));
  check(link.href === start.url && link.target === '_blank', `panel links to ${link.href} (${link.target}), expected ${start.url}`);
  // The item's IIIF Manifest, as a drag-and-drop link carrying it as `manifest`.
  const iiif = await page.evaluate(() => document.getElementById('panel-iiif').href);
  const manifestUrl = `${index.iiif.items}${start.row * index.grid[0] + start.col}.json`;
  check(new URL(iiif).searchParams.get('manifest') === manifestUrl && iiif.startsWith(manifestUrl), `the panel links the item's IIIF Manifest: ${iiif}`);
  await page.waitForTimeout(400);
  const hash = await page.evaluate(() => location.hash);
  check(hash.includes(`item=${start.row * index.grid[0] + start.col}`), `URL hash keeps the open item: ${hash}`);

  // Arrow keys step to the neighbouring cells while the panel is open.
  await page.keyboard.press('ArrowRight');
  await waitForPanel(page, at(start.col + 1, start.row).title, 'ArrowRight');
  await page.keyboard.press('ArrowDown');
  await waitForPanel(page, at(start.col + 1, start.row + 1).title, 'ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowLeft');
  await waitForPanel(page, start.title, 'ArrowUp then ArrowLeft');
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${shots}/3-panel.png` });
  await page.keyboard.press('Escape');
  check(await page.evaluate(() => document.getElementById('panel').hidden), 'Escape closes the panel');

  // Search: a substring of a category, typed; hits listed and highlighted; Enter flies there.
  const category = column('Category');
  const stripes = records.filter((r) => r.fields[category] === 'stripes');
  const other = records.find((r) => r.fields[category] !== 'stripes');
  const lit = await brightness(page, await point(other));
  await page.click('#search');
  await page.keyboard.type('ripes');
  await page.waitForFunction((n) => window.zoomap.shownCount() === n, stripes.length, { timeout: 5000 })
    .catch(() => check(false, 'search "ripes" highlights every stripes item'));
  const listed = await page.$$eval('#results-list li span', (spans) => spans.map((s) => s.textContent));
  check(listed.length === stripes.length && listed.every((t) => /stripes/i.test(t)), `search lists ${listed.length} (${listed.join('; ')}), expected the ${stripes.length} stripes items`);
  check(await brightness(page, await point(other)) < 0.5 * lit, 'cells that do not match are dimmed');
  await page.screenshot({ path: `${shots}/4-search.png` });
  await page.keyboard.press('Enter');
  await waitForPanel(page, listed[0], 'Enter in search');
  await page.waitForTimeout(1200);
  const picked = await page.evaluate(() => window.zoomap.selected());
  const spot = await page.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), picked);
  check(spot.x > 0 && spot.x < 1200 - 380 && spot.y > 40 && spot.y < 800, `Enter flies to the hit: its centre is at ${JSON.stringify(spot)}`);
  await page.screenshot({ path: `${shots}/5-search-picked.png` });
  // The scripting handle's search resolves to the cells it found, as [col, row].
  const found = await page.evaluate(() => window.zoomap.search('ripes'));
  const stripeCells = stripes.map((r) => `${r.col},${r.row}`).sort();
  check(JSON.stringify(found.map((c) => c.join(',')).sort()) === JSON.stringify(stripeCells), `window.zoomap.search('ripes') resolves to the stripes cells: ${JSON.stringify(found)}`);
  check((await page.evaluate(() => window.zoomap.search(''))).length === 0, 'an empty search resolves to no cells');
  await page.keyboard.press('Escape');
  await page.click('#home');
  await page.waitForTimeout(800);

  // Facet and year filters dim what they leave out.
  const colour = column('Colour'), year = column('Year');
  await page.click('#filters-toggle');
  const redBox = await page.$('#filters label:has-text("red") input');
  check(redBox !== null, 'a Colour facet offers "red"');
  const red = records.filter((r) => r.fields[colour] === 'red');
  const notRed = records.find((r) => r.fields[colour] !== 'red');
  const redOne = red[0];
  const before = await brightness(page, await point(notRed));
  const redBefore = await brightness(page, await point(redOne));
  await redBox.check();
  await page.waitForFunction((n) => window.zoomap.shownCount() === n, red.length, { timeout: 5000 })
    .catch(() => check(false, `the red facet shows ${red.length} items`));
  await page.waitForTimeout(200);
  check(await brightness(page, await point(notRed)) < 0.5 * before, 'a non-red cell is dimmed');
  check(await brightness(page, await point(redOne)) > 0.9 * redBefore, 'a red cell stays lit');
  const years = red.map((r) => Number(r.fields[year])).sort((a, b) => a - b);
  const from = years[Math.floor(years.length / 2)];
  await page.$eval('#filters input[name="year-from"]', (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, from);
  const expected = red.filter((r) => Number(r.fields[year]) >= from).length;
  await page.waitForFunction((n) => window.zoomap.shownCount() === n, expected, { timeout: 5000 })
    .catch(() => check(false, `red from ${from} shows ${expected} items`));
  await page.screenshot({ path: `${shots}/6-filters.png` });
  await page.click('#filters button[type=reset]');
  await page.waitForFunction(() => window.zoomap.shownCount() === null, null, { timeout: 5000 })
    .catch(() => check(false, 'Clear filters shows everything again'));
  // Copy link says so where the visitor can see it.
  await page.click('#copy-link');
  await page.waitForFunction(() => !document.getElementById('toast').hidden, null, { timeout: 3000 })
    .catch(() => check(false, 'Copy link shows a confirmation'));
  const toast = await page.evaluate(() => { const t = document.getElementById('toast'); const r = t.getBoundingClientRect(); return { text: t.textContent, w: r.width, bottom: r.bottom }; });
  check(/link/i.test(toast.text) && toast.w > 50 && toast.bottom <= 800, `Copy link's confirmation is on screen: ${JSON.stringify(toast)}`);
  // Esc from a checkbox closes the filters and returns focus to their button.
  await redBox.focus();
  await page.keyboard.press('Escape');
  check(await page.evaluate(() => document.getElementById('filters').hidden && document.activeElement.id === 'filters-toggle'),
    'Esc on a checkbox closes the filters');
  // The search results and the filters take turns; the filters keep the minimap and their
  // year slider in view.
  await page.click('#filters-toggle');
  const turns = await page.evaluate(() => {
    const rect = (id) => document.getElementById(id).getBoundingClientRect();
    const slider = document.querySelector('#filters input[name="year-from"]').getBoundingClientRect();
    return { filters: rect('filters'), minimap: rect('minimap'), slider: slider.bottom };
  });
  check(turns.filters.bottom <= turns.minimap.top && turns.slider <= turns.filters.bottom,
    `the filters end above the minimap with the year slider in view: ${JSON.stringify(turns)}`);
  await page.click('#search');
  await page.keyboard.type('ripes');
  await page.waitForFunction(() => !document.getElementById('results').hidden, null, { timeout: 5000 })
    .catch(() => check(false, 'the results list opens'));
  check(await page.evaluate(() => document.getElementById('filters').hidden), 'the search results close the filters rather than cover them');
  await page.evaluate(() => window.zoomap.search(''));
  await page.keyboard.press('Escape');
  // A facet's values list by count, or A–Z at a press.
  await page.click('#filters-toggle');
  const colourLegend = `#filters fieldset:has(input[name="facet-${colour}"]) legend .sort`;
  await page.click(colourLegend);
  const sorted = await page.$$eval(`#filters input[name="facet-${colour}"]`, (boxes) => boxes.map((b) => b.parentElement.textContent.trim().split(' ')[0]));
  check(sorted.join() === [...sorted].sort((a, b) => a.localeCompare(b)).join(), `A–Z lists the colours alphabetically: ${sorted.join(', ')}`);
  await page.click(colourLegend);
  await page.keyboard.press('Escape');
  // The filters count what the search leaves: with "ripes", red counts the red stripes.
  await page.click('#search');
  await page.keyboard.type('ripes');
  await page.waitForFunction((n) => window.zoomap.shownCount() === n, stripes.length, { timeout: 5000 })
    .catch(() => check(false, 'search "ripes" again'));
  await page.click('#filters-toggle');
  const redStripes = stripes.filter((r) => r.fields[colour] === 'red').length;
  await page.waitForFunction((n) => [...document.querySelectorAll('#filters label')].some((l) => l.querySelector('input').value !== undefined
    && / red /.test(l.textContent) && l.querySelector('small').textContent === String(n)), redStripes, { timeout: 5000 })
    .catch(() => check(false, `with a search, the red count is the ${redStripes} red stripes`));
  await page.evaluate(() => window.zoomap.search(''));
  await page.keyboard.press('Escape');

  // The minimap outlines the view and moves it on a press.
  const box = await (await page.$('#minimap')).boundingBox();
  check(box && box.width > 50, 'the minimap is on screen');
  await page.mouse.click(box.x + box.width * 0.85, box.y + box.height * 0.85);
  await page.waitForTimeout(1200);
  const moved = await page.evaluate(() => window.zoomap.view());
  const size = [index.grid[0] * index.cell, index.grid[1] * index.cell];
  check(moved.x > size[0] * 0.7 && moved.y > size[1] * 0.7, `a press on the minimap's corner centres the view there: ${JSON.stringify(moved)} of ${size}`);
  const outline = await minimapOutline(page);
  check(outline > 20, `the minimap outlines the view in #ffcc33 (${outline} pixels)`);
  await page.screenshot({ path: `${shots}/7-minimap.png` });

  // Wheel ticks over the dark margin beside the map, out then in, leave part of the map on
  // screen and its outline on the minimap.
  await page.click('#home');
  await page.waitForTimeout(800);
  await page.mouse.move(8, 400);
  for (const dy of [400, 400, 400, 400, -400, -400, -400, -400, -400, -400]) {
    await page.mouse.wheel(0, dy);
    await page.waitForTimeout(120);
  }
  await page.waitForTimeout(1500);
  const [settled, again] = [await page.evaluate(() => window.zoomap.view()), await page.waitForTimeout(300).then(() => page.evaluate(() => window.zoomap.view()))];
  check(settled.x === again.x && settled.z === again.z, `the view settles after wheeling over the margin: ${JSON.stringify(settled)} then ${JSON.stringify(again)}`);
  check(settled.x >= 0 && settled.x <= size[0] && settled.y >= 0 && settled.y <= size[1], `the view's centre stays on the map: ${JSON.stringify(settled)} of ${size}`);
  const outlineAfter = await minimapOutline(page);
  check(outlineAfter > 20, `the minimap still outlines the view after wheeling over the margin (${outlineAfter} pixels)`);
  await page.screenshot({ path: `${shots}/7-margin-wheel.png` });

  // Touch: a tap opens an item, two fingers pinch-zoom.
  const phone = await open({ viewport: { width: 800, height: 600 }, hasTouch: true, isMobile: true });
  await ready(phone);
  const q = await phone.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), [start.col, start.row]);
  await phone.touchscreen.tap(q.x, q.y);
  await waitForPanel(phone, start.title, 'tap');
  await phone.click('#panel-close');
  const z0 = await phone.evaluate(() => window.zoomap.view().z);
  const cdp = await phone.context().newCDPSession(phone);
  const touch = (type, spread) => cdp.send('Input.dispatchTouchEvent', {
    type,
    touchPoints: type === 'touchEnd' ? [] : [{ x: 400 - spread, y: 300, id: 1 }, { x: 400 + spread, y: 300, id: 2 }],
  });
  await touch('touchStart', 30);
  for (let s = 40; s <= 150; s += 10) await touch('touchMove', s);
  await touch('touchEnd', 0);
  await phone.waitForTimeout(300);
  const z1 = await phone.evaluate(() => window.zoomap.view().z);
  check(z1 > z0 * 3, `pinch zooms in: ${z0} -> ${z1}`);
  await phone.screenshot({ path: `${shots}/8-touch.png` });

  // A deep link opens the same item, clear of the header.
  const deep = await open();
  await ready(deep, `#x=100&y=100&z=1&item=${start.row * index.grid[0] + start.col}`);
  await waitForPanel(deep, start.title, 'deep link');
  await deep.waitForTimeout(1200);
  const linked = await deep.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), [start.col, start.row]);
  check(linked.y > 60 && linked.x < 1200 - 380, `a deep-linked item is clear of the header and panel: ${JSON.stringify(linked)}`);

  await detail(start);
  await keyboardAndHistory(start, at, index);
  await filteredSearch(records, column);
  await phoneLayout();
  await selecting(records, at, index);
  await savedGroups();
  await layouts(records);
  await machineTags(records);
}

// Machine tags (`--tags INPUTS/tags.csv`): search finds the tagged items through their tags'
// WordNet groups and marks those hits, the panel shows the tags apart from the metadata,
// and the "Depicts (machine)" filter shows the items with a tag or group.
async function machineTags(records) {
  const rows = readFileSync(`${inputs}/tags.csv`, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const labelled = (label) => records.filter((r) => rows.some(([file, l]) => file === r.file && l === label));
  const [dogs, boats] = [labelled('whippet'), labelled('canoe')];
  const key = ([col, row]) => `${col},${row}`;
  const same = (cells, list) => cells.length === list.length && list.every((r) => cells.some((c) => key(c) === key([r.col, r.row])));
  const page = await open();
  await ready(page);
  const found = await page.evaluate(() => window.zoomap.search('dog'));
  check(dogs.length === 2 && same(found, dogs), `search "dog" resolves to the whippets' cells: ${JSON.stringify(found)}`);
  const marks = await page.evaluate(() => window.zoomap.tagHits());
  check(same(marks, dogs) && marks.every((m) => m[2] === 'dog'), `each is marked as found through the tag "dog": ${JSON.stringify(marks)}`);
  // Typed, as a visitor does (the handle's search above filled the box: clear it first).
  await page.fill('#search', '');
  await page.click('#search');
  await page.keyboard.type('dog');
  await page.waitForFunction(() => document.querySelectorAll('#results-list li').length === 2
    && document.querySelectorAll('#results-list li small.via-tag').length === 2, null, { timeout: 5000 })
    .catch(() => check(false, 'the results list marks both hits "machine tag: dog"'));
  const via = await page.$$eval('#results-list li small.via-tag', (els) => els.map((el) => el.textContent));
  check(via.every((t) => t === 'machine tag: dog'), `result marks: ${via.join('; ')}`);
  await page.screenshot({ path: `${shots}/20-tag-search.png` });
  const first = await page.$$eval('#results-list li span', (els) => els[0]?.textContent ?? '');
  await page.keyboard.press('Enter');
  await waitForPanel(page, first, 'Enter opens a tag hit');
  const line = await page.evaluate(() => ({ hidden: document.getElementById('panel-tags').hidden, text: document.getElementById('panel-tags').textContent, fields: document.getElementById('panel-fields').textContent }));
  check(!line.hidden && line.text.includes('Machine tags') && /whippet [89]0%/.test(line.text), `the panel's machine tags: ${JSON.stringify(line)}`);
  check(!line.fields.includes('whippet'), 'the tags are not among the metadata');
  await page.$eval('#panel-tags', (el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: `${shots}/21-machine-tags-panel.png` });
  const problems = await accessibilityProblems(page);
  check(problems.length === 0, `axe (machine tags): ${problems.join('; ')}`);
  // The filter: "boat" (the canoes' everyday group) checked leaves the canoes shown.
  const filters = await open();
  await ready(filters);
  await filters.click('#filters-toggle');
  const depicts = 'fieldset:has(legend:has-text("Depicts (machine)"))';
  await (await filters.$(`#filters ${depicts} label:has-text("boat") input`)).check();
  await filters.waitForFunction((n) => window.zoomap.shownCount() === n, boats.length, { timeout: 5000 })
    .catch(() => check(false, `the Depicts filter "boat" shows ${boats.length}`));
  await filters.screenshot({ path: `${shots}/22-depicts-filter.png` });
}

// Zoom stops at the cells' native resolution; the lightbox shows the original at its own
// size, with a download link; a double-click zooms without opening the panel.
async function detail(start) {
  const page = await open();
  await ready(page);
  const config = await page.evaluate(() => JSON.parse(document.getElementById('zoomap-config').textContent));
  check(config.max_zoom > 0 && config.max_zoom <= 1.5, `max zoom ${config.max_zoom} is at most 1.5 screen pixels per mosaic pixel`);
  const p = await page.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), [start.col, start.row]);
  for (let k = 0; k < 30; k++) await page.mouse.wheel(0, -400);
  await page.waitForTimeout(1500);
  const deepest = await page.evaluate(() => window.zoomap.view().z);
  check(Math.abs(deepest - config.max_zoom) < 1e-6, `zooming in stops at the native resolution: ${deepest} vs ${config.max_zoom}`);
  await page.keyboard.press('0');
  await page.waitForTimeout(1200);
  const z0 = await page.evaluate(() => window.zoomap.view().z);
  await page.mouse.dblclick(p.x, p.y);
  await page.waitForTimeout(800);
  check(await page.evaluate(() => document.getElementById('panel').hidden), 'a double-click does not open the panel');
  check(await page.evaluate(() => window.zoomap.view().z) > z0 * 1.5, 'a double-click zooms in');
  await page.keyboard.press('0');
  await page.waitForTimeout(1200);
  await page.mouse.click(p.x, p.y);
  await waitForPanel(page, start.title, 'click before the lightbox');
  check(await page.evaluate(() => document.getElementById('tooltip').hidden), 'the tooltip goes once the item opens');
  const original = await page.evaluate(() => document.getElementById('panel-download').getAttribute('href'));
  check(/^originals\/\d+\.\w+\?v=[0-9a-f]{16}$/.test(original || ''), `the panel offers the original for download: ${original}`);
  const saveAs = await page.evaluate(() => document.getElementById('panel-download').getAttribute('download'));
  check(saveAs === start.file.split('/').pop(), `the original is saved under its own name (${saveAs}), not the site's number`);
  await page.click('#panel-full');
  await page.waitForFunction(() => document.getElementById('lightbox').open && document.getElementById('lightbox-image').complete
    && document.getElementById('lightbox-image').naturalWidth > 0, null, { timeout: 5000 })
    .catch(() => check(false, 'View full image opens the lightbox'));
  const shown = await page.evaluate(async () => {
    const img = document.getElementById('lightbox-image');
    const file = await createImageBitmap(await (await fetch(img.getAttribute('src'))).blob());
    return { src: img.getAttribute('src'), natural: [img.naturalWidth, img.naturalHeight], drawn: [img.width, img.height], file: [file.width, file.height] };
  });
  check(shown.src === original && shown.natural.join() === shown.file.join() && shown.drawn.join() === shown.file.join(),
    `the lightbox shows the original at its own size: ${JSON.stringify(shown)}`);
  await page.screenshot({ path: `${shots}/9-lightbox.png` });
  const placed = await page.evaluate(() => {
    const frame = document.querySelector('.lightbox-frame').getBoundingClientRect();
    const img = document.getElementById('lightbox-image').getBoundingClientRect();
    return { frame: [frame.left + frame.width / 2, frame.top + frame.height / 2, frame.width, frame.height], img: [img.left + img.width / 2, img.top + img.height / 2, img.width, img.height] };
  });
  const smaller = placed.img[2] < placed.frame[2] && placed.img[3] < placed.frame[3];
  check(!smaller || (Math.abs(placed.img[0] - placed.frame[0]) < 2 && Math.abs(placed.img[1] - placed.frame[1]) < 2),
    `an image smaller than the screen sits in its middle: ${JSON.stringify(placed)}`);
  const problems = await accessibilityProblems(page);
  check(problems.length === 0, `accessibility (lightbox): ${problems.join(' | ')}`);
  // The arrow keys step to the neighbouring item inside the full-image view too.
  const neighbour = await page.evaluate(async ([c, r]) => (await window.zoomap.record(c + 1, r)) || null, [start.col, start.row]);
  if (neighbour) {
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((t) => document.getElementById('lightbox-title').textContent === t, neighbour.title, { timeout: 5000 })
      .catch(() => check(false, `ArrowRight in the full-image view shows ${neighbour.title}`));
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((t) => document.getElementById('lightbox-title').textContent === t, start.title, { timeout: 5000 })
      .catch(() => check(false, 'ArrowLeft in the full-image view comes back'));
  }
  await page.keyboard.press('Escape');
  check(await page.evaluate(() => !document.getElementById('lightbox').open && document.activeElement.id === 'panel-full'),
    'Esc closes the lightbox and gives focus back to its button');
  const link = await page.evaluate(() => {
    const a = document.getElementById('panel-link');
    return a.hidden === (getComputedStyle(a).display === 'none');
  });
  check(link, 'the item link is shown exactly when it is not hidden');
}

// A keyboard-only walk opens, steps through and closes items; Back closes an open panel; a
// reduced-motion visitor gets no easing.
async function keyboardAndHistory(start, at, index) {
  const page = await open({ reducedMotion: 'reduce' });
  await ready(page, `#x=${(start.col + 0.5) * index.cell}&y=${(start.row + 0.5) * index.cell}&z=0.5`);
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id) === 'map', 'Tab first reaches the map');
  const problems = await accessibilityProblems(page);
  check(problems.length === 0, `accessibility (map): ${problems.join(' | ')}`);
  await page.keyboard.press('Enter');
  await waitForPanel(page, start.title, 'Enter on the map opens the item at the centre');
  check(await page.evaluate(() => document.activeElement.id) === 'panel-title', 'the panel takes focus');
  check(await page.evaluate(() => document.getElementById('status').textContent) === start.title, 'the title alone is announced');
  const withPanel = await accessibilityProblems(page);
  check(withPanel.length === 0, `accessibility (panel): ${withPanel.join(' | ')}`);
  await page.keyboard.press('ArrowRight');
  await waitForPanel(page, at(start.col + 1, start.row).title, 'ArrowRight from the panel');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  check(await page.evaluate(() => document.getElementById('panel').hidden && document.activeElement.id === 'map'), 'Esc closes the panel and focus returns to the map');
  await page.keyboard.press('?');
  check(await page.evaluate(() => document.getElementById('keys').open), '? lists the keys');
  await page.keyboard.press('Escape');
  // Reduced motion: a zoom lands in one frame.
  const z0 = await page.evaluate(() => window.zoomap.view().z);
  await page.keyboard.press('+');
  await page.waitForTimeout(60);
  const z1 = await page.evaluate(() => window.zoomap.view().z);
  check(Math.abs(z1 / z0 - 1.6) < 1e-3, `with reduced motion a zoom is immediate: ${z0} -> ${z1}`);
  // Back closes a panel just opened, stays on the map and returns to the view the visitor
  // had, even when the item opened before the hash recorded the last zoom.
  await page.keyboard.press('+');
  await page.waitForFunction((z) => window.zoomap.view().z !== z, z1, { timeout: 2000 }).catch(() => check(false, 'a second + zooms in'));
  const zoomed = await page.evaluate(() => window.zoomap.view());
  // Enter opens at once (a click waits for a second click), before the hash has caught up.
  await page.keyboard.press('Enter');
  await waitForPanel(page, start.title, 'Enter before Back');
  await page.goBack();
  await page.waitForTimeout(400);
  check(await page.evaluate(() => document.getElementById('panel').hidden && !!window.zoomap), `Back closes the panel and stays on the map (${page.url()})`);
  const back = await page.evaluate(() => window.zoomap.view());
  check(Math.abs(back.z / zoomed.z - 1) < 0.01 && Math.abs(back.x - zoomed.x) < 1 && Math.abs(back.y - zoomed.y) < 1,
    `Back returns to the view the visitor had: ${JSON.stringify(zoomed)} -> ${JSON.stringify(back)}`);
  // Editing the hash in the same tab applies it.
  const next = at(start.col + 1, start.row);
  await page.evaluate((item) => { location.hash = `#item=${item}`; }, next.row * index.grid[0] + next.col);
  await waitForPanel(page, next.title, 'an edited hash');
  // A resize refits the whole-map view the visitor has not moved.
  const home = await open();
  await ready(home);
  const wide = await home.evaluate(() => window.zoomap.view().z);
  await home.setViewportSize({ width: 600, height: 800 });
  await home.waitForTimeout(400);
  const narrow = await home.evaluate(() => window.zoomap.view().z);
  await home.keyboard.press('0');
  await home.waitForTimeout(1200);
  const fitted = await home.evaluate(() => window.zoomap.view().z);
  check(narrow < wide && Math.abs(narrow / fitted - 1) < 1e-3, `a resize refits the whole map: zoom ${wide} -> ${narrow}, whole map ${fitted}`);
}

// Search lists only what the filters leave shown, and a link with both reproduces the view.
async function filteredSearch(records, column) {
  const page = await open();
  await ready(page);
  const colour = column('Colour'), category = column('Category');
  await page.click('#filters-toggle');
  await (await page.$('#filters label:has-text("red") input')).check();
  await page.click('#search');
  await page.keyboard.type('checks');
  const expected = records.filter((r) => r.fields[colour] === 'red' && r.fields[category] === 'checks');
  await page.waitForFunction((n) => window.zoomap.shownCount() === n, expected.length, { timeout: 5000 })
    .catch(() => check(false, `red checks: ${expected.length} shown`));
  await page.waitForTimeout(300);
  const listed = await page.$$eval('#results-list li span', (spans) => spans.map((s) => s.textContent));
  check(listed.length === expected.length && expected.every((r) => listed.includes(r.title)), `search lists only the red checks: ${listed.join('; ')}`);
  await page.screenshot({ path: `${shots}/10-filtered-search.png` });
  await page.keyboard.press('Enter');
  await waitForPanel(page, listed[0], 'Enter picks a shown hit');
  await page.waitForTimeout(600);
  const hash = await page.evaluate(() => location.hash);
  const shared = await open();
  await ready(shared, hash);
  await shared.waitForFunction((n) => window.zoomap.shownCount() === n, expected.length, { timeout: 5000 })
    .catch(() => check(false, `a shared link (${hash}) shows the ${expected.length} red checks again`));
  check(await shared.$eval('#search', (el) => el.value) === 'checks', 'a shared link keeps the search text');
  check(await shared.$eval('#results', (el) => el.hidden), 'a shared link shows its search on the map, not a results list over it');
  await waitForPanel(shared, listed[0], 'a shared link opens the same item');
  // A query that looks like a file name matches file names by prefix: "dots-b" is the blue
  // dots, not every item with "dots" in a word (which is what its words alone would find).
  const fresh = await open();
  await ready(fresh);
  await fresh.click('#search');
  await fresh.keyboard.type('dots-b');
  await fresh.waitForTimeout(800);
  const files = await fresh.$$eval('#results-list li small', (smalls) => smalls.map((s) => s.textContent));
  const dots = records.filter((r) => r.file.startsWith('dots-'));
  const expectedFiles = records.filter((r) => r.file.startsWith('dots-b')).map((r) => r.file).sort();
  check(dots.length > expectedFiles.length && expectedFiles.length > 0 && files.sort().join() === expectedFiles.join(),
    `"dots-b" lists the files starting with it (${expectedFiles.join(', ')}): ${files.join(', ')}`);
  // A query with no hit suggests the nearest words.
  await shared.click('#search');
  await shared.fill('#search', 'chekcs');
  await shared.waitForFunction(() => [...document.querySelectorAll('#results-list li.suggestion')].some((li) => li.textContent.includes('checks')), null, { timeout: 5000 })
    .catch(() => check(false, 'a misspelt query suggests "checks"'));
}

// The exported items.tsv of the collection (INPUTS/export): its rows as { file, col, row }.
function exportedItems() {
  const [header, ...lines] = readFileSync(`${inputs}/export/items.tsv`, 'utf8').trim().split('\n').map((line) => line.split('\t'));
  const column = (name) => header.indexOf(name);
  return lines.map((f) => ({ file: f[column('filename')], col: Number(f[column('col')]), row: Number(f[column('row')]) }));
}

// Draws a lasso through the screen points `points` (Shift held; with `remove`, Ctrl too).
async function lasso(page, points, remove = false) {
  await page.keyboard.down('Shift');
  if (remove) await page.keyboard.down('Control');
  await page.mouse.move(points[0].x, points[0].y);
  await page.mouse.down();
  for (const p of [...points.slice(1), points[0]]) await page.mouse.move(p.x, p.y, { steps: 6 });
  await page.mouse.up();
  if (remove) await page.keyboard.up('Control');
  await page.keyboard.up('Shift');
  await page.waitForTimeout(300);
}

// The text of a download `click` starts.
async function downloaded(page, click) {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync(await file.path(), 'utf8');
}

// Selecting: a lasso over a block of cells selects exactly its items, Shift + click adds one,
// Ctrl + Shift + lasso takes the block away; the CSV, the file list and the link carry the
// selection; search results and a cluster add theirs; Esc clears; on a phone the Select
// button makes a drag draw the lasso.
async function selecting(records, at, index) {
  const page = await open();
  await ready(page);
  const start = records.find((r) => at(r.col + 1, r.row) && at(r.col, r.row + 1) && at(r.col + 1, r.row + 1));
  const block = [[0, 0], [1, 0], [1, 1], [0, 1]].map(([dc, dr]) => at(start.col + dc, start.row + dr));
  const corner = (col, row) => page.evaluate(([c, w]) => {
    const cell = window.zoomap.index().cell, z = window.zoomap.view().z;
    const p = window.zoomap.cellCentre(c, w);
    return { x: p.x, y: p.y, half: cell * z / 2 };
  }, [col, row]);
  const a = await corner(start.col, start.row), b = await corner(start.col + 1, start.row + 1);
  const m = a.half * 0.8;
  const square = [{ x: a.x - m, y: a.y - m }, { x: b.x + m, y: a.y - m }, { x: b.x + m, y: b.y + m }, { x: a.x - m, y: b.y + m }];
  await lasso(page, square);
  const key = (c) => `${c[0]},${c[1]}`;
  let sel = await page.evaluate(() => window.zoomap.selection());
  check(JSON.stringify(sel.cells.map(key).sort()) === JSON.stringify(block.map((r) => key([r.col, r.row])).sort()),
    `the lasso selects its 2 × 2 block: ${JSON.stringify(sel.cells)}`);
  // The same block by the build's own export: the files items.tsv places in those cells.
  const exported = exportedItems();
  const inBlock = exported.filter((r) => r.col >= start.col && r.col <= start.col + 1 && r.row >= start.row && r.row <= start.row + 1);
  const selectedFiles = sel.cells.map(([c, w]) => exported.find((r) => r.col === c && r.row === w)?.file).sort();
  check(inBlock.length === 4 && JSON.stringify(selectedFiles) === JSON.stringify(inBlock.map((r) => r.file).sort()),
    `the lasso selects the items items.tsv places in its block: ${selectedFiles.join(' ')}`);
  check(await page.$eval('#selection-toggle', (el) => el.textContent) === '4 selected', 'the header counts the selection');
  await page.screenshot({ path: `${shots}/14-lasso.png` });
  const other = records.find((r) => !block.includes(r));
  const q = await corner(other.col, other.row);
  await page.keyboard.down('Shift');
  await page.mouse.click(q.x, q.y);
  await page.keyboard.up('Shift');
  await page.waitForTimeout(300);
  check((await page.evaluate(() => window.zoomap.selection())).count === 5, 'Shift + click adds one item');

  await page.click('#selection-toggle');
  await page.waitForSelector('#selection:not([hidden])');
  const csv = (await downloaded(page, () => page.click('#selection-csv'))).replace(/^\ufeff/, '').trim().split('\r\n');
  check(csv.length === 6 && csv[0].startsWith('file,title,url,') && index.columns.every((c) => csv[0].includes(c)), `the CSV has a header and 5 rows: ${csv.join(' | ')}`);
  check(block.every((r) => csv.some((line) => line.startsWith(`${r.file},`) && r.fields.filter(Boolean).every((f) => line.includes(f)))), 'each selected item is a CSV row with its metadata');
  const files = (await downloaded(page, () => page.click('#selection-files'))).trim().split('\n');
  check(JSON.stringify(files.sort()) === JSON.stringify([...block, other].map((r) => r.file).sort()), `the file list: ${files.join(' ')}`);
  await page.fill('#selection-group-name', 'Blue ware');
  const group = (await downloaded(page, () => page.click('#selection-group button[type=submit]'))).trim().split('\r\n');
  check(group[0] === 'filename,group' && group.length === 6 && group.slice(1).every((line) => line.endsWith(',Blue ware')),
    `Save as a group writes the --groups CSV: ${group.join(' | ')}`);
  const collection = JSON.parse(await downloaded(page, () => page.click('#selection-iiif')));
  const ids = collection.items.map((m) => m.id).sort();
  const expected = [...block, other].map((r) => `${index.iiif.items}${r.row * index.grid[0] + r.col}.json`).sort();
  check(collection.type === 'Collection' && JSON.stringify(ids) === JSON.stringify(expected), `Download as IIIF: a Collection of the 5 items' Manifests: ${ids.join(' ')}`);
  const problems = await accessibilityProblems(page);
  check(problems.length === 0, `accessibility (selection panel): ${problems.join(' | ')}`);
  await page.screenshot({ path: `${shots}/15-selection-panel.png` });

  await page.waitForTimeout(400);
  const linked = await open();
  await ready(linked, new URL(await page.evaluate(() => location.href)).hash);
  await linked.waitForTimeout(300);
  check((await linked.evaluate(() => window.zoomap.selection())).count === 5, 'a link restores the selection');
  // A link may carry the lasso itself (selection.js encodeLassos): it selects the same block.
  const cellPx = index.cell;
  const polygon = quantiseLasso([[start.col, start.row], [start.col + 2, start.row], [start.col + 2, start.row + 2], [start.col, start.row + 2]]
    .map(([x, y]) => [(x + 0.1) * cellPx, (y + 0.1) * cellPx]), cellPx);
  const byLasso = await open();
  await ready(byLasso, `#sel=${encodeLassos([{ removing: false, points: polygon }])}`);
  const lassoed = await byLasso.evaluate(() => window.zoomap.selection());
  check(JSON.stringify(lassoed.cells.map(key).sort()) === JSON.stringify(block.map((r) => key([r.col, r.row])).sort()),
    `a link's lasso selects its block: ${JSON.stringify(lassoed.cells)}`);

  await page.click('#selection-close');
  await lasso(page, square, true);
  sel = await page.evaluate(() => window.zoomap.selection());
  check(sel.count === 1 && key(sel.cells[0]) === key([other.col, other.row]), `Ctrl + Shift + lasso takes the block away: ${JSON.stringify(sel.cells)}`);

  await page.click('#search');
  await page.keyboard.type('dots');
  await page.waitForFunction(() => document.querySelectorAll('#results-list li').length > 0, null, { timeout: 5000 });
  const hits = (await page.evaluate(() => window.zoomap.search('dots'))).length;
  await page.click('#results-select');
  await page.waitForTimeout(200);
  const fromSearch = (await page.evaluate(() => window.zoomap.selection())).count;
  check(fromSearch >= hits && fromSearch <= hits + 1, `Select these adds the ${hits} search results: ${fromSearch}`);
  await page.evaluate(() => window.zoomap.search(''));
  await page.keyboard.press('Escape');
  if (index.clusters?.length) {
    await page.evaluate(() => { location.hash = `${location.hash}&cluster=0`; });
    await page.waitForFunction(() => window.zoomap.cluster() === '0', null, { timeout: 5000 });
    const size = (await page.evaluate(() => window.zoomap.labels())).find((l) => l.id === '0')?.size ?? 1;
    await page.click('#cluster-select');
    await page.waitForTimeout(200);
    const union = (await page.evaluate(() => window.zoomap.selection())).count;
    check(union >= size && union >= fromSearch, `a cluster's Select these adds its ${size} items to the ${fromSearch}: ${union}`);
  }
  for (let i = 0; i < 4; i++) await page.keyboard.press('Escape');
  check((await page.evaluate(() => window.zoomap.selection())).count === 0, 'Esc clears the selection once the panels are closed');

  // More like this: the open item's nearest items, one click away, and selectable.
  const s = await corner(start.col, start.row);
  await page.mouse.click(s.x, s.y);
  await waitForPanel(page, start.title, 'click for more like this');
  await page.waitForFunction(() => document.querySelectorAll('#panel-similar button').length > 0, null, { timeout: 5000 })
    .catch(() => check(false, 'the panel shows more like this'));
  const neighbours = await page.$$eval('#panel-similar button', (buttons) => buttons.map((b) => b.title));
  check(neighbours.length >= 1 && neighbours.length <= 12 && neighbours[0].startsWith('1. '), `more like this, ranked: ${neighbours.join(' | ')}`);
  await page.screenshot({ path: `${shots}/17-more-like-this.png` });
  await page.click('#panel-similar-select');
  check((await page.evaluate(() => window.zoomap.selection())).count === neighbours.length, 'Select these selects the neighbours');
  await page.click('#panel-similar button');
  await waitForPanel(page, neighbours[0].slice(3), 'a neighbour opens');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  const phone = await open({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await ready(phone);
  await phone.click('#select-mode');
  const cdp = await phone.context().newCDPSession(phone);
  const finger = (type, x, y) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y, id: 1 }] });
  await finger('touchStart', 60, 300);
  for (const [x, y] of [[330, 300], [330, 600], [60, 600], [60, 310]]) await finger('touchMove', x, y);
  await finger('touchEnd', 0, 0);
  await phone.waitForTimeout(300);
  const touched = (await phone.evaluate(() => window.zoomap.selection())).count;
  check(touched > 0, `the phone's Select button makes a drag draw the lasso: ${touched} selected`);
  await phone.screenshot({ path: `${shots}/16-phone-select.png` });
}

// The groups of INPUTS/groups.csv (`--groups`): listed in the Clusters drawer with their
// counts (an item in two groups counted in each); a group's name shows only its items, its
// Select button selects them.
async function savedGroups() {
  const rows = readFileSync(`${inputs}/groups.csv`, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const expected = new Map();
  for (const [, group] of rows) expected.set(group, (expected.get(group) || 0) + 1);
  const page = await open();
  await ready(page);
  await page.click('#clusters-toggle');
  await page.waitForSelector('#saved-groups:not([hidden]) li', { timeout: 5000 }).catch(() => check(false, 'the Clusters drawer lists the saved groups'));
  const listed = await page.$$eval('#saved-groups-list li', (items) => items.map((li) => [li.querySelector('.cluster-name').textContent, li.querySelector('small').textContent]));
  check(listed.length === expected.size && listed.every(([name, n]) => expected.get(name) === Number(n)),
    `the drawer lists each saved group with its count: ${JSON.stringify(listed)}, expected ${JSON.stringify([...expected])}`);
  const [smaller] = [...expected].sort((a, b) => a[1] - b[1]);
  await page.click(`#saved-groups-list li:has-text("${smaller[0]}") button:has-text("Select")`);
  await page.waitForTimeout(200);
  const selected = (await page.evaluate(() => window.zoomap.selection())).count;
  check(selected === smaller[1], `a group's Select selects its ${smaller[1]} items: ${selected}`);
  await page.click(`#saved-groups-list li:has-text("${smaller[0]}") .cluster-name`);
  await page.waitForFunction((n) => window.zoomap.shownCount() === n, smaller[1], { timeout: 5000 })
    .catch(async () => check(false, `a group's name shows its ${smaller[1]} items: ${await page.evaluate(() => window.zoomap.shownCount())}`));
  const problems = await accessibilityProblems(page);
  check(problems.length === 0, `accessibility (saved groups): ${problems.join(' | ')}`);
  await page.screenshot({ path: `${shots}/18-saved-groups.png` });
}

// Whether no two of `boxes` ([x0, y0, x1, y1]) overlap.
const apart = (boxes) => boxes.every((a, i) => boxes.slice(i + 1).every((b) => a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1]));

// The Layout menu: it lists the layouts built; switching keeps the open item's panel and
// puts the item on screen; a search still dims the same items; the layouts' labels are
// drawn apart; `#layout=time` opens the timeline.
async function layouts(records) {
  const page = await open();
  await ready(page);
  const names = await page.evaluate(() => window.zoomap.layouts());
  const options = await page.$$eval('#layout-menu option', (list) => list.map((o) => o.value));
  check(names.length >= 3 && JSON.stringify(options) === JSON.stringify(names) && await page.isVisible('#layout-menu'), `the Layout menu lists the layouts built: ${options.join(', ')}`);
  const item = records[Math.floor(records.length / 2)];
  const p = await page.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), [item.col, item.row]);
  await page.mouse.click(p.x, p.y);
  await waitForPanel(page, item.title, 'click before switching layouts');
  await page.click('#search');
  await page.keyboard.type('dots');
  await page.waitForTimeout(600);
  const shownBefore = await page.evaluate(() => window.zoomap.shownCount());
  const hits = await page.evaluate(() => window.zoomap.search('dots'));
  const key = (p) => p.join(',');
  for (const name of names.filter((n) => n !== names[0])) {
    await page.selectOption('#layout-menu', name);
    await page.waitForFunction((n) => window.zoomap.layout() === n, name, { timeout: 5000 });
    await page.waitForTimeout(900);
    check(await panelTitle(page) === item.title, `the open item's panel stays open in the ${name} layout`);
    const at = await page.evaluate(([c, w]) => window.zoomap.placeOf(c, w), [item.col, item.row]);
    const q = at && await page.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), at);
    check(q && q.x > 0 && q.y > 0 && q.x < 1200 && q.y < 800, `the open item is on screen in the ${name} layout: ${JSON.stringify(q)}`);
    check(await page.evaluate(() => window.zoomap.shownCount()) === shownBefore, `the search leaves the same count in the ${name} layout`);
    // The cells left clear are the hits' cells in this layout.
    const clear = (await page.evaluate(() => window.zoomap.shownPlaces())) ?? [];
    const hitPlaces = await page.evaluate((list) => list.map(([c, w]) => window.zoomap.placeOf(c, w)), hits);
    check(hits.length > 0 && JSON.stringify(clear.map(key).sort()) === JSON.stringify(hitPlaces.map(key).sort()),
      `the ${name} layout leaves clear the hits' own cells: ${JSON.stringify(clear)} vs ${JSON.stringify(hitPlaces)}`);
    const drawn = await page.evaluate(() => window.zoomap.layoutLabels());
    check(apart(drawn.map((l) => l.box)), `the ${name} layout's labels do not overlap: ${JSON.stringify(drawn)}`);
    if (name === 'time') check(drawn.some((l) => l.axis && /^\d{4}/.test(l.text)), `the timeline labels its years: ${drawn.map((l) => l.text).join(' ')}`);
    if (name.startsWith('group')) check(drawn.some((l) => !l.axis), `the blocks are labelled: ${drawn.map((l) => l.text).join(' ')}`);
    await page.screenshot({ path: `${shots}/19-layout-${name}.png` });
  }
  const problems = await accessibilityProblems(page);
  check(problems.length === 0, `accessibility (layouts): ${problems.join(' | ')}`);
  const linked = await open();
  await ready(linked, '#layout=time');
  check(await linked.evaluate(() => window.zoomap.layout()) === 'time', '#layout=time opens the timeline');
  await linked.evaluate(() => window.zoomap.search(''));
  await linked.waitForTimeout(300);
  await linked.screenshot({ path: `${shots}/20-layout-link-time.png` });
}

// On a 390 × 844 phone with a search running, the header holds: the search box keeps room,
// every control is on screen and finger-sized, the minimap stays small.
async function phoneLayout() {
  const phone = await open({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await ready(phone);
  // A tap on the whole-map view beside the map (or on an empty cell) zooms in there: a touch
  // always answers.
  const whole = await phone.evaluate(() => window.zoomap.view().z);
  await phone.touchscreen.tap(195, 230);
  await phone.waitForTimeout(800);
  const tapped = await phone.evaluate(() => window.zoomap.view().z);
  check(tapped > whole * 1.5, `a tap beside the whole map zooms in: ${whole} -> ${tapped}`);
  await phone.screenshot({ path: `${shots}/11-phone-tap.png` });
  await phone.click('#home');
  await phone.click('#search');
  await phone.keyboard.type('spiral');
  await phone.waitForFunction(() => window.zoomap.shownCount() > 0, null, { timeout: 5000 }).catch(() => check(false, 'search on the phone'));
  await phone.waitForTimeout(300);
  const searchWidth = await phone.$eval('#search', (el) => el.getBoundingClientRect().width);
  check(searchWidth >= 120, `the search box keeps ${searchWidth} px`);
  for (const id of ['zoom-in', 'zoom-out', 'home', 'copy-link', 'fullscreen', 'help', 'filters-toggle', 'search']) {
    check(await onScreen(phone, `#${id}`), `#${id} is on screen at 390 × 844`);
  }
  const small = await phone.$$eval('.controls button, #filters-toggle', (els) => els.filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width < 44 || r.height < 44;
  }).map((el) => el.id));
  check(small.length === 0, `buttons under 44 px on touch: ${small.join(', ')}`);
  const minimap = await phone.$eval('#minimap', (el) => el.getBoundingClientRect().width);
  check(minimap <= 0.3 * 390, `the minimap is ${minimap} px wide on the phone`);
  await phone.screenshot({ path: `${shots}/11-phone-search.png` });
  await phone.keyboard.press('Escape');
  const problems = await accessibilityProblems(phone);
  check(problems.length === 0, `accessibility (phone): ${problems.join(' | ')}`);
  const viewportMeta = await phone.$eval('meta[name=viewport]', (m) => m.content);
  check(!/user-scalable=no|maximum-scale=1/.test(viewportMeta), `the page can be zoomed: ${viewportMeta}`);
}

async function scale() {
  const page = await open();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const regions = new Set();
  page.on('request', (r) => { if (r.url().includes('/data/regions/')) regions.add(r.url()); });
  await ready(page);
  const paint = await page.evaluate(() => {
    const at = window.zoomap.firstPaint();
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    const before = entries.filter((e) => e.responseEnd <= at);
    return { bytes: before.reduce((sum, e) => sum + e.transferSize, 0), names: before.map((e) => e.name) };
  });
  check(paint.bytes < 2 * 2 ** 20, `${paint.bytes} bytes transferred before the first paint`);
  check(paint.names.every((n) => !/regions|search|facets|years|clusters\/\d+\.bin/.test(n)), `only the index, the top clusters and tiles come before the first paint: ${paint.names.join(' ')}`);
  const { grid, count } = await page.evaluate(() => window.zoomap.index());

  await page.click('#search');
  await page.keyboard.type('teapot');
  await page.waitForFunction(() => document.querySelectorAll('#results-list li').length > 0, null, { timeout: 10000 })
    .catch(() => check(false, 'search "teapot" lists results'));
  const listed = await page.$$eval('#results-list li span', (spans) => spans.map((s) => s.textContent));
  const shown = await page.evaluate(() => window.zoomap.shownCount());
  check(listed.length === 30 && listed.every((t) => t.includes('teapot')), `search lists 30 teapots: ${listed.join('; ')}`);
  check(shown > count / 40 && shown < count / 8, `about 1 in 16 items is a teapot: ${shown} of ${count}`);
  await page.screenshot({ path: `${shots}/scale-search.png` });
  await page.evaluate(() => window.zoomap.search(''));
  await page.keyboard.press('Escape');

  // Panel keys cross from one region file to the next.
  const cell = (col, row) => row * grid[0] + col;
  const nav = await open();
  await ready(nav, `#x=300&y=100&z=4&item=${cell(15, 3)}`);
  const title = (col, row) => new RegExp(` no\\. ${cell(col, row)}$`);
  const expectTitle = async (col, row, what) => {
    await nav.waitForFunction((re) => new RegExp(re).test(document.getElementById('panel-title').textContent), title(col, row).source, { timeout: 5000 })
      .catch(async () => check(false, `${what}: panel shows "${await panelTitle(nav)}", expected item ${cell(col, row)}`));
  };
  await expectTitle(15, 3, 'deep link');
  await nav.keyboard.press('ArrowRight');
  await expectTitle(16, 3, 'ArrowRight into the next region');
  await nav.keyboard.press('ArrowDown');
  await expectTitle(16, 4, 'ArrowDown');
  await nav.screenshot({ path: `${shots}/scale-panel.png` });
  check(regions.size < 40, `${regions.size} region files fetched by the search page`);
  await clusterNames();
  await clusterSelection();
}

// Boxes `a` and `b` ([left, top, right, bottom]) overlap.
const overlap = (a, b) => a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1];

// Cluster names at three zooms: drawn, inside the screen below the bar, never overlapping,
// deeper levels appearing as the map is zoomed in; a name's hover outlines its cluster.
async function clusterNames() {
  const page = await open();
  await ready(page);
  await page.waitForFunction(() => window.zoomap.labels().length > 0, null, { timeout: 5000 }).catch(() => check(false, 'cluster names are drawn'));
  const bar = await page.$eval('.bar', (el) => el.offsetHeight);
  const deepest = [];
  for (const [step, presses] of [0, 2, 2].entries()) {
    for (let i = 0; i < presses; i++) await page.keyboard.press('+');
    await page.waitForTimeout(900);
    const labels = await page.evaluate(() => window.zoomap.labels());
    const crossing = labels.flatMap((a, i) => labels.slice(i + 1).filter((b) => overlap(a.box, b.box)).map((b) => `${a.text} / ${b.text}`));
    check(labels.length > 0, `zoom ${step}: names drawn`);
    check(crossing.length === 0, `zoom ${step}: overlapping names ${crossing.join(', ')}`);
    const outside = labels.filter((l) => l.box[1] < bar || l.box[0] < 0 || l.box[2] > 1200 || l.box[3] > 800);
    check(outside.length === 0, `zoom ${step}: names off screen or under the bar: ${outside.map((l) => l.text).join(', ')}`);
    deepest.push(Math.max(...labels.map((l) => l.level)));
    await page.screenshot({ path: `${shots}/clusters-zoom-${step}.png` });
  }
  check(deepest[0] === 0 && deepest[2] > deepest[0], `deeper names appear as the map zooms in: deepest level ${deepest.join(', ')}`);
  await page.keyboard.press('0');
  await page.waitForTimeout(900);
  const [first] = await page.evaluate(() => window.zoomap.labels());
  await page.mouse.move((first.box[0] + first.box[2]) / 2, (first.box[1] + first.box[3]) / 2);
  await page.waitForTimeout(300);
  const hovered = await page.evaluate(() => [window.zoomap.hoveredCluster(), document.getElementById('tooltip').textContent]);
  check(hovered[0] === first.id && hovered[1].startsWith(first.name), `hovering "${first.text}" outlines it: ${hovered}`);
  await page.screenshot({ path: `${shots}/clusters-hover.png` });
}

// The items of cluster `record` whose title holds `word`, from the region files and the
// level's cell codes (not through the viewer).
async function itemsInCluster(page, record, word) {
  return page.evaluate(async ({ record, word }) => {
    const version = () => JSON.parse(document.getElementById('zoomap-config').textContent).version;
    const index = window.zoomap.index();
    const level = index.clusters[record.level];
    const bytes = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array }[level.bytes];
    const codes = new bytes(await (await fetch(`data/${level.codes}?v=${version()}`)).arrayBuffer());
    const [c0, r0, c1, r1] = record.bounds;
    const keys = new Set();
    for (let row = r0; row <= r1; row += 1) for (let col = c0; col <= c1; col += 1) keys.add(`${Math.floor(col / index.region)}_${Math.floor(row / index.region)}`);
    let n = 0;
    for (const key of keys) {
      for (const item of await (await fetch(`data/regions/${key}.json?v=${version()}`)).json()) {
        const cell = item.cell[1] * index.grid[0] + item.cell[0];
        if (codes[cell] === record.index && item.title.includes(word)) n += 1;
      }
    }
    return n;
  }, { record, word });
}

// Selecting clusters: a click on a name flies to the cluster, dims the rest and opens its
// details; the tree opens its children; search counts only the selected cluster; a deep
// link selects it again; the names download as the CSV --cluster-names reads; Esc clears.
async function clusterSelection() {
  const page = await open({ acceptDownloads: true });
  await ready(page);
  const [first] = await page.evaluate(() => window.zoomap.labels());
  await page.mouse.click((first.box[0] + first.box[2]) / 2, (first.box[1] + first.box[3]) / 2);
  await page.waitForFunction((id) => window.zoomap.cluster() === id, first.id, { timeout: 5000 }).catch(() => check(false, `a click on "${first.text}" selects it`));
  await page.waitForTimeout(1200);
  const state = await page.evaluate(({ bounds }) => {
    const z = window.zoomap;
    const a = z.cellCentre(bounds[0], bounds[1]), b = z.cellCentre(bounds[2], bounds[3]);
    return {
      title: document.getElementById('cluster-title').textContent, open: !document.getElementById('clusters').hidden,
      shown: z.shownCount(), hash: location.hash, rect: [a.x, a.y, b.x, b.y],
      drawer: document.getElementById('clusters').offsetWidth, children: document.querySelectorAll('#cluster-children li').length,
      breakdown: [...document.querySelectorAll('#cluster-breakdown li small')].reduce((n, s) => n + Number(s.textContent.replace(/,/g, '')), 0),
    };
  }, first);
  check(state.open && state.title === first.name, `the cluster panel shows ${JSON.stringify(state.title)}`);
  check(state.shown === first.size, `${state.shown} items shown, the cluster holds ${first.size}`);
  check(state.breakdown === first.size, `the breakdown counts ${state.breakdown} of ${first.size}`);
  check(state.children > 1, `the panel lists ${state.children} children`);
  check(state.hash.includes(`cluster=${first.id}`), `the link names the cluster: ${state.hash}`);
  const [x0, y0, x1, y1] = state.rect;
  check(x0 >= state.drawer - 20 && x1 <= 1220 && y0 >= 0 && y1 <= 820 && (x1 - x0 > 500 || y1 - y0 > 500), `the view fits the cluster beside the drawer: ${state.rect.map(Math.round)}`);
  await page.screenshot({ path: `${shots}/clusters-selected.png` });
  // Renaming in the drawer: the name shows at once in the drawer and on the map, lasts a
  // reload (this browser's storage) and goes into the names CSV below.
  await page.click('#cluster-rename');
  await page.fill('#cluster-rename-input', 'My shelf <b>');
  await page.press('#cluster-rename-input', 'Enter');
  await page.waitForTimeout(400);
  const renamed = await page.evaluate((id) => ({
    title: document.getElementById('cluster-title').textContent,
    tree: document.querySelector(`#cluster-tree li[data-id="${id}"] .cluster-name`)?.textContent,
  }), first.id);
  check(renamed.title === 'My shelf <b>' && renamed.tree === 'My shelf <b>',
    `a cluster renamed in the drawer is renamed there and in the tree, as text: ${JSON.stringify(renamed)}`);
  // Another page of the same browser (same storage) draws the new name on the map.
  const again = await page.context().newPage();
  await ready(again);
  await again.waitForTimeout(800);
  const kept = await again.evaluate((id) => window.zoomap.labels().find((l) => l.id === id)?.name, first.id);
  check(kept === 'My shelf <b>', `the name lasts a reload: ${kept}`);
  await again.close();

  // The tree: the selected cluster's row is open; its first child selects from there.
  const child = await page.evaluate(() => {
    const row = document.querySelector('#cluster-tree .cluster-row.current');
    const item = row.closest('li').querySelector(':scope > ul > li');
    item.querySelector('.cluster-name').click();
    return item.dataset.id;
  });
  await page.waitForFunction((id) => window.zoomap.cluster() === id, child, { timeout: 5000 }).catch(() => check(false, `the tree selects ${child}`));
  await page.waitForTimeout(1200);
  const record = await page.evaluate(async (id) => {
    const version = () => JSON.parse(document.getElementById('zoomap-config').textContent).version;
    const level = id.split('-').length - 1;
    const list = await (await fetch(`data/clusters/${level}.json?v=${version()}`)).json();
    const index = list.findIndex((c) => c.id === id);
    return { ...list[index], index, level };
  }, child);
  const crumbs = await page.$$eval('#breadcrumb button', (buttons) => buttons.map((b) => b.textContent));
  check(crumbs[0] === 'My shelf <b>', `the breadcrumb starts at the renamed ${JSON.stringify(first.name)}: ${crumbs.join(' › ')}`);
  await page.click('#search');
  await page.keyboard.type('teapot');
  await page.waitForTimeout(800);
  const expected = await itemsInCluster(page, record, 'teapot');
  const shown = await page.evaluate(() => window.zoomap.shownCount());
  check(expected > 0 && shown === expected, `search inside ${child}: ${shown} shown, ${expected} teapots in it`);
  const said = await page.$eval('#results-count', (el) => el.textContent);
  check(said.startsWith(`${expected} matches`) && said.includes('more hidden by the cluster'), `the result count says what hides the rest: ${said}`);
  await page.screenshot({ path: `${shots}/clusters-search.png` });
  await page.keyboard.press('Escape');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#cluster-names')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  const total = await page.evaluate(() => window.zoomap.index().clusters.reduce((n, l) => n + l.count, 0));
  check(csv[0] === 'id,name' && csv.length === total + 1 && csv.includes(`${record.id},${record.name}`), `names CSV: ${csv.length} lines for ${total} clusters`);
  check(csv.includes(`${first.id},My shelf <b>`), `the names CSV carries the name given in the drawer (${first.id})`);
  const problems = await accessibilityProblems(page);
  check(problems.length === 0, `accessibility (clusters drawer): ${problems.join(' | ')}`);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  check(await page.evaluate(() => window.zoomap.cluster() === null && window.zoomap.shownCount() === null), 'Esc closes the drawer, then shows the whole map');

  const linked = await open();
  await ready(linked, `#cluster=${child}`);
  await linked.waitForFunction((id) => window.zoomap.cluster() === id, child, { timeout: 5000 }).catch(() => check(false, `#cluster=${child} selects it`));
  check(await linked.evaluate(() => window.zoomap.shownCount()) === record.size, `the deep link shows the ${record.size} items of ${child}`);

  const phone = await open({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await ready(phone, `#cluster=${first.id}`);
  await phone.waitForTimeout(1200);
  check(await onScreen(phone, '#clusters-toggle'), 'the Clusters button is on screen at 390 × 844');
  check(await phone.evaluate(() => document.getElementById('clusters').hidden && window.zoomap.shownCount() > 0), 'a linked cluster leaves the map in view on the phone');
  await phone.tap('#clusters-toggle');
  await phone.waitForTimeout(300);
  check(await phone.$eval('#clusters', (el) => !el.hidden && el.getBoundingClientRect().right <= 390), 'the drawer opens and fits the phone');
  await phone.screenshot({ path: `${shots}/clusters-phone.png` });
  // Choosing a cluster in the drawer closes it, so the cluster is seen on the map.
  const other = await phone.evaluate(() => [...document.querySelectorAll('#cluster-tree .cluster-name')].map((b) => b.textContent));
  await phone.tap('#cluster-tree li:nth-child(2) .cluster-name');
  await phone.waitForTimeout(1200);
  check(await phone.evaluate(() => document.getElementById('clusters').hidden && window.zoomap.cluster() !== null),
    `choosing a cluster (${other[1]}) on the phone closes the drawer over the map`);
  await phone.screenshot({ path: `${shots}/clusters-phone-chosen.png` });
  // On the phone the drawer and the filters take turns, each fully on screen.
  await phone.tap('#clusters-toggle');
  await phone.waitForTimeout(300);
  await phone.tap('#filters-toggle');
  await phone.waitForTimeout(300);
  const turn = await phone.evaluate(() => ({ drawer: document.getElementById('clusters').hidden, filters: document.getElementById('filters').getBoundingClientRect().toJSON(), shown: !document.getElementById('filters').hidden }));
  check(turn.drawer && turn.shown && turn.filters.left >= 0 && turn.filters.right <= 390, `the filters replace the drawer on the phone, on screen: ${JSON.stringify(turn)}`);
  await phone.screenshot({ path: `${shots}/filters-phone.png` });
}

// A site whose metadata is hostile: every title, field and URL is shown as text, no script
// runs, and only http(s)/mailto/relative URLs become links (clicked, they run nothing either).
async function hostile() {
  const page = await open();
  page.context().on('page', (popup) => popup.close());
  const dialogs = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  await ready(page);
  const index = await page.evaluate(() => window.zoomap.index());
  const records = await allRecords(page);
  check(records.length === index.count, `${records.length} records of ${index.count}`);
  for (const r of records) {
    const p = await page.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), [r.col, r.row]);
    await page.mouse.move(p.x, p.y);
    await page.waitForTimeout(150);
    const tip = await page.evaluate(() => document.getElementById('tooltip').textContent);
    check(tip === r.title, `hover shows ${JSON.stringify(tip)}, expected ${JSON.stringify(r.title)}`);
    await page.mouse.click(p.x, p.y);
    await waitForPanel(page, r.title, `panel of ${JSON.stringify(r.title)}`);
    const panel = await page.evaluate(() => {
      const link = document.getElementById('panel-link');
      const text = document.getElementById('panel-url-text');
      return {
        linkShown: !link.hidden && link.offsetParent !== null, href: link.getAttribute('href'),
        text: text.hidden ? null : text.querySelector('code').textContent,
        fields: [...document.querySelectorAll('#panel-fields dd')].map((d) => d.textContent),
      };
    });
    if (r.url) {
      check(panel.linkShown && panel.href === r.url, `${r.title}: link ${panel.href}, expected ${r.url}`);
      check(/^(https?:|mailto:|[^:]*$)/i.test(r.url), `unsafe URL kept as a link: ${r.url}`);
      await page.click('#panel-link');
      await page.waitForTimeout(200);
    } else {
      check(!panel.linkShown && panel.href === null, `${r.title}: a link is shown for ${JSON.stringify(r.url_text)}`);
      check(panel.text === (r.url_text ?? null), `${r.title}: URL text ${JSON.stringify(panel.text)}, expected ${JSON.stringify(r.url_text)}`);
    }
    // Every filled field but the file name, which the panel shows once, at its foot.
    const fields = r.fields.filter((v) => v && v !== r.file);
    check(JSON.stringify(panel.fields) === JSON.stringify(fields), `${r.title}: fields ${JSON.stringify(panel.fields)}`);
    await page.keyboard.press('Escape');
  }
  await page.screenshot({ path: `${shots}/hostile-map.png` });
  // A formula-like title and note are neutralised in the selection's CSV (OWASP).
  const formula = records.find((r) => r.title.startsWith('=HYPERLINK'));
  check(Boolean(formula), 'the fixture has a formula-like title');
  if (formula) {
    await page.keyboard.press('Escape');
    const f = await page.evaluate(([c, w]) => window.zoomap.cellCentre(c, w), [formula.col, formula.row]);
    await page.keyboard.down('Shift');
    await page.mouse.click(f.x, f.y);
    await page.keyboard.up('Shift');
    await page.click('#selection-toggle');
    const csv = await downloaded(page, () => page.click('#selection-csv'));
    check(csv.includes(`"'=HYPERLINK(""http://evil.example/"")"`) && csv.includes(",'+1+2,"), `formulas neutralised in the CSV: ${csv}`);
    await page.click('#selection-clear');
  }
  // Search lists hostile titles as text.
  await page.click('#search');
  await page.keyboard.type('onerror');
  await page.waitForTimeout(600);
  const listed = await page.evaluate(() => [...document.querySelectorAll('#results-list li span')].map((s) => s.textContent));
  check(listed.some((t) => t.includes('onerror')), `search for "onerror" lists ${JSON.stringify(listed)}`);
  await page.screenshot({ path: `${shots}/hostile-search.png` });
  const dom = await page.evaluate(() => ({
    pwned: window.pwned,
    jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => !/^(https?|mailto):$/.test(new URL(a.href, location.href).protocol)).length,
    handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    // Images are the viewer's own only when they show the site's previews (or are its
    // empty preview and full-image elements).
    injected: [...document.querySelectorAll('iframe, svg, object, embed, body img, script:not([src]):not([type="application/json"])')]
      .filter((el) => el.tagName !== 'IMG' || !(['panel-preview', 'lightbox-image'].includes(el.id) || new URL(el.src, location.href).pathname.includes('/previews/')))
      .map((el) => `${el.tagName} ${el.outerHTML.slice(0, 80)}`),
    violations: window.cspViolations,
  }));
  check(dom.pwned === undefined, `a hostile payload ran: ${dom.pwned}`);
  check(dialogs.length === 0, `dialogs opened: ${dialogs.join(' | ')}`);
  check(dom.jsLinks === 0, `${dom.jsLinks} links with a scheme other than http(s)/mailto`);
  check(dom.handlers === 0, `${dom.handlers} elements with an on* attribute`);
  check(dom.injected.length === 0, `injected elements: ${dom.injected.join(', ')}`);
  check(dom.violations.length === 0, `CSP violations: ${dom.violations.join(' | ')}`);
}

// Opened from disk, the data requests fail: the loading line turns into how to serve it.
async function fromFile() {
  const page = await open();
  await page.goto(url);
  const hint = () => {
    const el = document.querySelector('#loading .stuck');
    return el && getComputedStyle(el).visibility === 'visible' && el.textContent.includes('zoomap serve');
  };
  const shown = await page.waitForFunction(hint, null, { timeout: 10000 }).then(() => true, () => false);
  const text = await page.$eval('#loading', (el) => el.textContent);
  check(shown, `file:// page shows no hint; it says ${JSON.stringify(text)}`);
  await page.screenshot({ path: `${shots}/file-url.png` });
  errors.length = 0; // the refused requests of file:// are what the page explains
}

// The site's data, tiles, previews and originals are each asked for with the one content
// version of the page (`?v=`), so no cache mixes two builds.
function checkVersionedRequests() {
  const files = requested.map((r) => new URL(r)).filter((u) => u.origin === new URL(url).origin
    && /^\/(data|map_files|previews|originals)\//.test(u.pathname));
  const versions = new Set(files.map((u) => u.searchParams.get('v')));
  const unversioned = files.filter((u) => !u.searchParams.get('v')).map((u) => u.pathname);
  check(files.length > 0 && versions.size === 1 && /^[0-9a-f]{16}$/.test([...versions][0]),
    `site files asked for by one content version: ${[...versions].join(', ')} (${files.length} requests; without: ${unversioned.slice(0, 5).join(' ')})`);
}

try {
  if (mode === 'scale') await scale();
  else if (mode === 'file') await fromFile();
  else if (mode === 'hostile') await hostile();
  else await collection();
  check(errors.length === 0, `console errors: ${errors.join(' | ')}`);
  if (mode !== 'file') checkVersionedRequests();
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(`viewer checks passed (${mode})`);
