// A layout's own labels (`labels` of its index.json entry): a timeline's years along the
// bottom of their bands, a block's value over the block like a place name. Thinned to fit
// the zoom: a label overlapping one already drawn is left out (the timeline's from the
// left, the blocks' from the largest), so labels never overlap. Set as canvas text: data
// never becomes markup.

// Label text size in CSS pixels: the axis's, and the blocks' between these bounds.
const AXIS_PX = 13;
const AREA_MIN_PX = 12;
const AREA_MAX_PX = 28;
// Space kept around a label's text, in pixels.
const PAD = 4;
const TEXT = '#f4f4f4';
const BACK = 'rgba(0,0,0,0.72)';

export class LayoutLabels {
  // `layout`: the layout (maplayout.js); `viewport`: the map's view.
  constructor(layout, viewport) {
    this.labels = layout.labels;
    this.viewport = viewport;
    // The labels drawn last: { text, axis, box: [x0, y0, x1, y1] } in screen pixels.
    this.placed = [];
  }

  // Draws the labels that fit on `ctx` for the layout `grid`, right of screen x `left`.
  draw(ctx, grid, left = 0) {
    const { viewport } = this;
    const c = grid.cell;
    const placed = [];
    ctx.save();
    const overlaps = (box) => placed.some((p) => box[0] < p.box[2] && p.box[0] < box[2] && box[1] < p.box[3] && p.box[1] < box[3]);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const label of this.labels) {
      const [c0, r0, c1, r1] = label.bounds;
      const a = viewport.toScreen(c0 * c, r0 * c), b = viewport.toScreen((c1 + 1) * c, (r1 + 1) * c);
      const px = label.axis ? AXIS_PX : Math.min(AREA_MAX_PX, Math.max(AREA_MIN_PX, (b.x - a.x) / 8));
      ctx.font = `${label.axis ? 500 : 600} ${px}px system-ui, sans-serif`;
      const w = ctx.measureText(label.text).width + 2 * PAD, h = px + 2 * PAD;
      const x = (a.x + b.x) / 2;
      // The axis sits under the bands, kept on screen while they reach below it.
      const y = label.axis ? Math.min(b.y + h / 2 + 2, viewport.height - h / 2 - 2) : (a.y + b.y) / 2;
      const box = [x - w / 2, y - h / 2, x + w / 2, y + h / 2];
      const off = box[2] < left || box[0] > viewport.width || box[3] < viewport.top || box[1] > viewport.height;
      if (off || (!label.axis && w > (b.x - a.x) * 1.5) || overlaps(box)) continue;
      placed.push({ text: label.text, axis: Boolean(label.axis), box });
      ctx.fillStyle = BACK;
      ctx.fillRect(box[0], box[1], w, h);
      ctx.fillStyle = TEXT;
      ctx.fillText(label.text, x, y);
    }
    ctx.restore();
    this.placed = placed;
  }
}
