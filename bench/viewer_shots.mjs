// Before/after screenshots of a served site for a closing note: at 1280 × 800 and on a
// 390 × 844 touch phone, with "spiral" searched and then an item clicked or tapped.
// Usage: node viewer_shots.mjs URL OUT_DIR TAG   (writes TAG-desktop-search.png and so on)
import { createRequire } from 'node:module';
const require = createRequire(new URL('../tests/viewer/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [url, out, tag] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
for (const [name, opts] of [['desktop', { viewport: { width: 1280, height: 800 } }], ['phone', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true }]]) {
  const page = await (await browser.newContext(opts)).newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.zoomap && window.zoomap.tilesLoaded() > 0);
  await page.evaluate(() => window.zoomap.ready);
  await page.waitForTimeout(800);
  await page.click('#search');
  await page.keyboard.type('spiral');
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/${tag}-${name}-search.png` });
  await page.keyboard.press('Escape');
  const c = await page.evaluate(() => window.zoomap.cellCentre(2, 2));
  if (name === 'phone') await page.touchscreen.tap(c.x, c.y); else await page.mouse.click(c.x, c.y);
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `${out}/${tag}-${name}-panel.png` });
}
await browser.close();
