// Unit tests of viewport.js (node --test static/).
import assert from 'node:assert/strict';
import test from 'node:test';

import { Viewport } from './viewport.js';

function viewport() {
  const v = new Viewport({ width: 2000, height: 1000 }, 4);
  v.resize(1000, 600, 100);
  return v;
}

test('the whole map fits below the bar, centred', () => {
  const v = viewport();
  const fit = Math.min(1000 / 2000, 500 / 1000) * 0.95;
  assert.equal(v.view.z, fit);
  const top = v.toScreen(1000, 0), bottom = v.toScreen(1000, 1000);
  assert.ok(Math.abs((top.y + bottom.y) / 2 - (100 + 600) / 2) < 1e-9, 'centred in the free height');
  assert.ok(Math.abs(top.x - 500) < 1e-9);
});

test('screen and mosaic coordinates are inverse', () => {
  const v = viewport();
  v.setGoal({ x: 321, y: 654, z: 2.5 }, null, false);
  const p = v.toImage(123, 456);
  const s = v.toScreen(p.x, p.y);
  assert.ok(Math.abs(s.x - 123) < 1e-9 && Math.abs(s.y - 456) < 1e-9);
});

test('zoom stays between half the whole map and the native resolution', () => {
  const v = viewport();
  const fit = v.fitZoom();
  assert.equal(v.clampZoom(1e-9), fit * 0.5);
  assert.equal(v.clampZoom(1e9), 4);
  const tiny = new Viewport({ width: 10, height: 10 }, 0.1);
  tiny.resize(1000, 600, 0);
  assert.equal(tiny.clampZoom(1e9), tiny.fitZoom(), 'a map smaller than the screen may still fill it');
});

test('zooming at a point keeps that point under the pointer once settled', () => {
  const v = viewport();
  const before = v.toImage(700, 300);
  v.zoomAt(3, 700, 300);
  let frames = 0;
  while (v.step() !== null && frames < 1000) frames++;
  const after = v.toImage(700, 300);
  assert.ok(frames > 1, 'the zoom glides over several frames');
  assert.ok(Math.abs(after.x - before.x) < 1e-6 && Math.abs(after.y - before.y) < 1e-6);
});

test('easing settles once, then reports nothing', () => {
  const v = viewport();
  v.panBy(200, 0, true);
  const states = [];
  for (let i = 0; i < 200; i++) states.push(v.step());
  assert.equal(states.filter((s) => s === 'settled').length, 1);
  assert.equal(states.at(-1), null);
  assert.deepEqual(v.view, v.goal);
});

test('a rectangle fitted into an area is centred in it', () => {
  const v = viewport();
  v.fitRect([100, 100, 300, 200], [0, 100, 800, 600]);
  v.jump();
  const a = v.toScreen(100, 100), b = v.toScreen(300, 200);
  assert.ok(Math.abs((a.x + b.x) / 2 - 400) < 1e-9);
  assert.ok(Math.abs((a.y + b.y) / 2 - 350) < 1e-9);
  assert.ok(b.x - a.x <= 800 && b.y - a.y <= 500);
});

test('the centre cannot leave the mosaic', () => {
  const v = viewport();
  v.setGoal({ x: -500, y: 5000, z: 1 }, null, false);
  assert.deepEqual([v.view.x, v.view.y], [0, 1000]);
});

test('zooming out past the whole map centres it, wherever the pointer is', () => {
  const v = viewport();
  v.zoomAt(4, 900, 550, false);
  for (let i = 0; i < 6; i++) v.zoomAt(1 / 1.6, 990, 590, false);
  const top = v.toScreen(1000, 0), bottom = v.toScreen(1000, 1000);
  assert.ok(Math.abs(top.x - 500) < 1e-6, `centred across: ${top.x}`);
  assert.ok(Math.abs((top.y + bottom.y) / 2 - 350) < 1e-6, `centred below the bar: ${(top.y + bottom.y) / 2}`);
  assert.equal(v.view.z, v.fitZoom() * 0.5, 'and no further out than half the whole map');
});

test('zooming in over the margin beside the map settles with the map on screen', () => {
  const v = viewport();
  for (let i = 0; i < 4; i++) v.zoomAt(0.5, 20, 300);
  for (let i = 0; i < 4; i++) v.zoomAt(2, 20, 300);
  let frames = 0;
  while (v.step() !== null && frames < 1000) frames += 1;
  assert.ok(frames < 1000, 'the glide ends');
  const [x0, , x1] = v.visibleRect();
  assert.ok(x1 > 0 && x0 < 2000, `part of the map is on screen: ${x0}..${x1}`);
  assert.ok(v.view.x >= 0 && v.view.x <= 2000);
});
