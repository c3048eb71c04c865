// Whether two served sites look the same to a visitor: for the same views (whole map, zoomed
// in, a deep-linked open item, deepest zoom) and a hovered cell, prints a hash of the map and
// minimap canvases and of the screenshot, the tooltip and the panel title, one line per view
// per site. Used to check that a viewer refactor changed nothing a visitor sees.
// Usage: node viewer_same.mjs URL_BEFORE URL_AFTER   (serve each with `zoomap serve --port`)
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/viewer/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
const hashes = {};
for (const url of process.argv.slice(2)) {
  const out = [];
  for (const hash of ['', '#x=600&y=600&z=2', '#x=100&y=1500&z=0.3&item=9', '#x=1700&y=200&z=6']) {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await page.goto(url + hash);
    await page.waitForFunction(() => window.zoomap && window.zoomap.tilesLoaded() > 0);
    await page.evaluate(() => window.zoomap.ready);
    await page.waitForTimeout(1500);
    await page.mouse.move(500, 400);
    await page.waitForTimeout(300);
    const h = await page.evaluate(() => ['map', 'minimap'].map((id) => {
      const c = document.getElementById(id);
      return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 97 === 0)).join(',');
    }));
    const shot = await page.screenshot();
    out.push(createHash('sha256').update(h.join('|')).digest('hex').slice(0, 12) + ' screen ' + createHash('sha256').update(shot).digest('hex').slice(0, 12) + ' tooltip=' + await page.evaluate(() => document.getElementById('tooltip').textContent) + ' panel=' + await page.evaluate(() => document.getElementById('panel').hidden ? '-' : document.getElementById('panel-title').textContent));
    await page.close();
  }
  console.log(url, '\n  ' + out.join('\n  '));
}
await browser.close();
