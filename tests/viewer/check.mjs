// Drives a served zoomap site in headless Chromium and checks what a visitor sees: the page
// loads without console errors, tiles appear, hovering a cell shows its title, clicking opens
// the panel of the right item, the wheel zooms, and the URL hash re-opens the same view.
// Usage: node check.mjs URL SCREENSHOT_DIR   (exits non-zero with a message on failure)
import { chromium } from 'playwright-core';

const [url, shots] = process.argv.slice(2);
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: flags });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });

  await page.goto(url);
  await page.waitForFunction(() => window.zoomap && window.zoomap.tilesLoaded() > 0, null, { timeout: 10000 });
  await page.evaluate(() => window.zoomap.ready);
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${shots}/1-map.png` });
  const painted = await page.evaluate(() => {
    const c = document.getElementById('map');
    const px = c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data;
    return [px[0], px[1], px[2]];
  });
  check(painted.join() !== '17,17,17', `centre of the map is background: tiles not drawn (${painted})`);

  const target = await page.evaluate(() => {
    const item = window.zoomap.item(0);
    const p = window.zoomap.cellCentre(item.cell[0], item.cell[1]);
    return { title: item.title, url: item.url || null, x: p.x, y: p.y };
  });
  await page.mouse.move(target.x, target.y);
  await page.waitForTimeout(200);
  const tip = await page.evaluate(() => {
    const t = document.getElementById('tooltip');
    return { hidden: t.hidden, text: t.textContent };
  });
  check(!tip.hidden && tip.text === target.title, `hover shows "${tip.text}" (hidden ${tip.hidden}), expected "${target.title}"`);
  await page.screenshot({ path: `${shots}/2-hover.png` });

  await page.mouse.click(target.x, target.y);
  await page.waitForFunction(() => {
    const img = document.getElementById('panel-preview');
    return !document.getElementById('panel').hidden && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 5000 });
  const shown = await page.evaluate(() => ({
    title: document.getElementById('panel-title').textContent,
    link: document.getElementById('panel-link').hidden ? null : document.getElementById('panel-link').href,
    target: document.getElementById('panel-link').target,
  }));
  check(shown.title === target.title, `panel shows "${shown.title}", expected "${target.title}"`);
  check(shown.link === target.url, `panel links to ${shown.link}, expected ${target.url}`);
  check(!target.url || shown.target === '_blank', 'item link opens in a new tab');
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${shots}/3-panel.png` });
  const hash = await page.evaluate(() => location.hash);
  check(hash.includes('item=0'), `URL hash keeps the open item: ${hash}`);

  const before = await page.evaluate(() => window.zoomap.view().z);
  await page.mouse.move(400, 400);
  for (let i = 0; i < 4; i++) {
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(60);
  }
  await page.waitForTimeout(1500);
  const after = await page.evaluate(() => window.zoomap.view().z);
  check(after > before * 2, `wheel zooms in: ${before} -> ${after}`);
  await page.screenshot({ path: `${shots}/4-zoomed.png` });

  await page.keyboard.press('Escape');
  check(await page.evaluate(() => document.getElementById('panel').hidden), 'Escape closes the panel');

  const deep = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  deep.on('pageerror', (e) => errors.push(e.message));
  await deep.goto(`${url}#x=100&y=100&z=1&item=1`);
  await deep.waitForFunction(() => !document.getElementById('panel').hidden, null, { timeout: 5000 });
  const linked = await deep.evaluate(() => [document.getElementById('panel-title').textContent, window.zoomap.item(1).title]);
  check(linked[0] === linked[1], `deep link opens item 1: ${linked}`);

  check(errors.length === 0, `console errors: ${errors.join(' | ')}`);
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log('viewer checks passed');
