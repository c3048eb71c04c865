// The minimap: the whole map in a corner, from the smallest level that fills it, shaded as
// the map is, with the view's outline; press or drag on it to move the view there.

import { HIGHLIGHT } from './renderer.js';

// The minimap's longer side, in CSS pixels.
const MINIMAP_SIDE = 180;
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
    const [mw, mh] = aspect >= 1 ? [MINIMAP_SIDE, MINIMAP_SIDE / aspect] : [MINIMAP_SIDE * aspect, MINIMAP_SIDE];
    this.canvas.style.width = `${mw}px`;
    this.canvas.style.height = `${mh}px`;
    this.canvas.width = Math.round(mw * dpr);
    this.canvas.height = Math.round(mh * dpr);
  }

  // `site`: the loaded site data, or null before it is.
  draw(site) {
    const { context: ctx, canvas, config } = this;
    const mw = canvas.width, mh = canvas.height;
    const k = mw / config.width;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = config.background;
    ctx.fillRect(0, 0, mw, mh);
    const level = this.tiles.levelWider(mw);
    this.tiles.draw(ctx, level, [0, 0, config.width, config.height], (x, y, w, h) => [x * k, y * k, w * k, h * k], true);
    if (this.shownLayer.shown) {
      const c = site.index.cell;
      ctx.drawImage(this.shownLayer.canvas, 0, 0, site.cols * c * k, site.rows * c * k);
    }
    const [x0, y0, x1, y1] = this.viewport.visibleRect();
    ctx.strokeStyle = HIGHLIGHT;
    ctx.lineWidth = Math.max(1, this.dpr);
    ctx.strokeRect(x0 * k, y0 * k, Math.max((x1 - x0) * k, MIN_OUTLINE_PX), Math.max((y1 - y0) * k, MIN_OUTLINE_PX));
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
  }
}
