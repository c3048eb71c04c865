// Opens a served zoomap site's IIIF with real IIIF clients in headless Chromium, from pages
// of another origin (`localhost` for a site at `127.0.0.1`), so the site's CORS headers are
// exercised too:
//   OpenSeadragon's IIIF tile source on the map's info.json, zoomed to the deepest level at
//     the map's four corners and its centre: tiles of that level load, none fails;
//   Mirador 4 on the map's Manifest and on an item's Manifest: each window opens with the
//     Manifest's label and draws its image (the image requests answered, none failed).
//   The item is the first Manifest of the site's Collection.
// Usage: node iiif.mjs SITE_URL SCREENSHOT_DIR   (exits non-zero on failure)
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const [site, shots] = process.argv.slice(2);
const require = createRequire(import.meta.url);
// Chromium's local-network checks would refuse a page it did not fetch from the network
// itself (this test answers it) any request to a loopback server: off, so CORS is what is
// tested.
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: flags });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log(`${ok ? 'ok' : 'FAILED'}: ${what}`); };

// The page of another origin the clients run in: an empty one, answered by the test.
const client = new URL('/iiif-client.html', site.replace('127.0.0.1', 'localhost')).href;

// A blank page of `size` (at `client`) with the script at `path` loaded, every failed
// request and every HTTP error answer of the site recorded in `failed`.
async function blankPage(path, size) {
  const page = await browser.newPage({ viewport: size });
  const failed = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.url()} (HTTP ${r.status()})`); });
  page.on('pageerror', (e) => failed.push(`page error: ${e.message}`));
  await page.route(client, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>IIIF client</title><body></body>' }));
  await page.goto(client);
  await page.addScriptTag({ path });
  return { page, failed };
}

// OpenSeadragon on info.json: the deepest level's tiles at each corner and the centre.
async function openSeadragon() {
  const script = require.resolve('openseadragon/build/openseadragon/openseadragon.min.js');
  const { page, failed } = await blankPage(script, { width: 800, height: 600 });
  const loaded = await page.evaluate(async (info) => {
    document.body.innerHTML = '<div id="osd" style="width:800px;height:600px"></div>';
    const deepest = new Set();
    let maxLevel = -1;
    const viewer = OpenSeadragon({ id: 'osd', tileSources: info, showNavigationControl: false, immediateRender: true });
    viewer.addHandler('tile-loaded', (e) => { if (e.tile.level === maxLevel) deepest.add(e.tile.url); });
    await new Promise((done) => viewer.addOnceHandler('open', done));
    const image = viewer.world.getItemAt(0);
    maxLevel = image.source.maxLevel;
    const size = image.getContentSize();
    // Fully loaded once the move has been drawn (a frame later) and its tiles arrived.
    const whenLoaded = () => new Promise((done) => {
      const poll = () => (image.getFullyLoaded() ? done() : setTimeout(poll, 50));
      setTimeout(poll, 300);
    });
    for (const [fx, fy] of [[0.02, 0.02], [0.98, 0.02], [0.02, 0.98], [0.98, 0.98], [0.5, 0.5]]) {
      const point = image.imageToViewportCoordinates(fx * size.x, fy * size.y);
      viewer.viewport.zoomTo(viewer.viewport.getMaxZoom(), null, true);
      viewer.viewport.panTo(point, true);
      await whenLoaded();
    }
    return { deepest: [...deepest], maxLevel, width: size.x, height: size.y };
  }, `${site}iiif/map/info.json`);
  console.log(`OpenSeadragon: ${loaded.width} × ${loaded.height}, level ${loaded.maxLevel}: ${loaded.deepest.length} deepest tiles, e.g. ${loaded.deepest.slice(-1)}`);
  check(loaded.deepest.length >= 4, `OpenSeadragon loaded the deepest level's tiles (${loaded.deepest.length})`);
  check(failed.length === 0, `OpenSeadragon: no failed request (${failed.slice(0, 5).join(', ')})`);
  await page.screenshot({ path: `${shots}/iiif-openseadragon.png` });
  await page.close();
}

// Mirador on `manifest`: its window shows `label` and the image requests under `imagePath`
// are answered.
async function mirador(manifest, label, imagePath, shot) {
  // Its package exports no path to its browser bundle: read from the folder.
  const script = new URL('./node_modules/mirador/dist/mirador.min.js', import.meta.url).pathname;
  const { page, failed } = await blankPage(script, { width: 1200, height: 800 });
  const images = [];
  page.on('response', (r) => { if (r.url().includes(imagePath) && r.ok()) images.push(r.url()); });
  await page.evaluate((id) => {
    document.body.innerHTML = '<div id="mirador" style="position:absolute;inset:0"></div>';
    Mirador.viewer({ id: 'mirador', windows: [{ manifestId: id }], window: { allowClose: false } });
  }, manifest);
  const title = await page.waitForFunction((text) => document.body.innerText.includes(text), label, { timeout: 30000 })
    .then(() => true, () => false);
  await page.waitForFunction(() => document.querySelector('.openseadragon-canvas'), null, { timeout: 30000 }).catch(() => {});
  const start = Date.now();
  while (images.length === 0 && Date.now() - start < 30000) await page.waitForTimeout(200);
  await page.waitForTimeout(1500);
  check(title, `Mirador shows the Manifest's label "${label}" (${manifest})`);
  check(images.length > 0, `Mirador drew the image: ${images.length} requests under ${imagePath}, e.g. ${images[0]}`);
  check(failed.length === 0, `Mirador: no failed request (${failed.slice(0, 5).join(', ')})`);
  await page.screenshot({ path: `${shots}/${shot}` });
  await page.close();
}

const manifest = await (await fetch(`${site}iiif/manifest.json`)).json();
const json = async (url) => (await fetch(url)).json();
let first = (await json(`${site}iiif/collection.json`)).items[0];
if (first.type === 'Collection') first = (await json(first.id)).items[0];
const item = await json(first.id);
try {
  await openSeadragon();
  await mirador(manifest.id, manifest.label.none[0], '/iiif/map/', 'iiif-mirador-map.png');
  const body = item.items[0].items[0].items[0].body.id;
  await mirador(item.id, item.label.none[0], new URL(body).pathname, 'iiif-mirador-item.png');
} finally {
  await browser.close();
}
if (failures.length > 0) {
  console.error(`${failures.length} IIIF client checks failed:\n${failures.join('\n')}`);
  process.exit(1);
}
