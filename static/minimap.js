// The minimap: the whole map in a corner, from the smallest level that fills it, shaded as
// the map is, with the view's outline (yellow on black, visible over any image); press or
// drag on it, or focus it and use the arrow keys, to move the view; its button hides it.

import { HIGHLIGHT } from './renderer.js';

// The minimap's longer side, in CSS pixels: at most this, and at most this share of the
// window's shorter side (so it stays small on a phone).
const MINIMAP_SIDE = 180;
const MINIMAP_SHARE = 0.25;
// An arrow key moves the view by this share of the map's longer side.
const KEY_STEP = 0.05;
// The view's outline is at least this many minimap pixels wide and tall.
const MIN_OUTLINE_PX = 3;

export class Minimap {
  // `onMoved`: called when a drag on the minimap ends.
  constructor(canvas, config, viewport, tiles, shownLayer, onMoved) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d');
    this.config = config;
    this.viewport = viewport;
    this.tiles = tiles;
    this.shownLayer = shownLayer;
    this.dpr = 1;
    this.listen(onMoved);
  }

  resize(dpr) {
    this.dpr = dpr;
    const aspect = this.config.width / Math.max(this.config.height, 1);
    const side = Math.round(Math.min(MINIMAP_SIDE, MINIMAP_SHARE * Math.min(window.innerWidth, window.innerHeight)));
    const [mw, mh] = aspect >= 1 ? [side, side / aspect] : [side * aspect, side];
    this.canvas.style.width = `${mw}px`;
    this.canvas.style.height = `${mh}px`;
    this.canvas.width = Math.round(mw * dpr);
    this.canvas.height = Math.round(mh * dpr);
  }

  // `grid`: the layout shown (maplayout.js), or null before the site has loaded.
  draw(grid) {
    const { context: ctx, canvas, config } = this;
    const mw = canvas.width, mh = canvas.height;
    const k = mw / config.width;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = config.background;
    ctx.fillRect(0, 0, mw, mh);
    const level = this.tiles.levelWider(mw);
    this.tiles.draw(ctx, level, [0, 0, config.width, config.height], (x, y, w, h) => [x * k, y * k, w * k, h * k], true);
    if (this.shownLayer.shown) {
      const c = grid.cell;
      ctx.drawImage(this.shownLayer.canvas, 0, 0, grid.cols * c * k, grid.rows * c * k);
    }
    const [x0, y0, x1, y1] = this.viewport.visibleRect();
    const box = [x0 * k, y0 * k, Math.max((x1 - x0) * k, MIN_OUTLINE_PX), Math.max((y1 - y0) * k, MIN_OUTLINE_PX)];
    ctx.strokeStyle = 'rgba(0,0,0,0.85)';
    ctx.lineWidth = 4 * this.dpr;
    ctx.strokeRect(...box);
    ctx.strokeStyle = HIGHLIGHT;
    ctx.lineWidth = 2 * this.dpr;
    ctx.strokeRect(...box);
  }

  listen(onMoved) {
    let dragging = false;
    const moveTo = (e, animated) => {
      const k = this.canvas.clientWidth / this.config.width;
      this.viewport.centreOn(e.offsetX / k, e.offsetY / k, animated);
    };
    this.canvas.addEventListener('pointerdown', (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      dragging = true;
      moveTo(e, true);
    });
    this.canvas.addEventListener('pointermove', (e) => { if (dragging) moveTo(e, false); });
    this.canvas.addEventListener('pointerup', () => { dragging = false; onMoved(); });
    const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    this.canvas.addEventListener('keydown', (e) => {
      if (!steps[e.key]) return;
      e.preventDefault();
      e.stopPropagation();
      const [dx, dy] = steps[e.key];
      const step = KEY_STEP * Math.max(this.config.width, this.config.height);
      const { goal } = this.viewport;
      this.viewport.centreOn(goal.x + dx * step, goal.y + dy * step, true);
      onMoved();
    });
  }
}
