// Drawing the map canvas: the tiles of the level the zoom needs over coarser ones still on
// screen, the cells search and filters leave out darkened, search hits, the hovered and the
// open cell outlined, the selection's edge and the lasso being drawn, then the cluster names
// (labels.js) with the hovered and the selected cluster outlined.

// Levels below the drawn one that are drawn first, as placeholders under finer tiles still
// loading; of those, the one this many levels below is also requested.
const PLACEHOLDER_LEVELS = 6;
const REQUESTED_PLACEHOLDER = 3;
// Alpha of the shade over cells search and filters leave out.
const DIM_ALPHA = 200;
// Search hits are outlined once their cells are this many screen pixels wide.
const HIT_OUTLINE_MIN_PX = 10;
// Outlines: the open cell and search hits, and the hovered cell.
export const HIGHLIGHT = '#ffcc33';
const HOVER = 'rgba(255,255,255,0.9)';
// The smallest outline drawn, in screen pixels, so the open cell shows at any zoom.
const MIN_OUTLINE_PX = 3;
// The selection's edge is drawn once cells are this many screen pixels wide (below, the
// shade alone shows it).
const SELECTION_EDGE_MIN_PX = 4;
const SELECTION = '#5ad1ff';

// What search and filters leave shown, as an image of one pixel per cell: clear where
// shown, shaded elsewhere; drawn scaled over the map and the minimap.
export class ShownLayer {
  constructor() {
    this.canvas = document.createElement('canvas');
    this.shown = null;
  }

  // `shown`: one byte per cell (1 = shown), or null when nothing is filtered.
  set(shown, cols, rows) {
    this.shown = shown;
    if (!shown) return;
    this.canvas.width = cols;
    this.canvas.height = rows;
    const context = this.canvas.getContext('2d');
    const image = context.createImageData(cols, rows);
    for (let cell = 0; cell < shown.length; cell++) image.data[cell * 4 + 3] = shown[cell] ? 0 : DIM_ALPHA;
    context.putImageData(image, 0, 0);
  }
}

export class Renderer {
  constructor(canvas, config, viewport, tiles, shownLayer) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d');
    this.config = config;
    this.viewport = viewport;
    this.tiles = tiles;
    this.shownLayer = shownLayer;
    this.dpr = 1;
    this.firstPaintAt = null;
  }

  resize(width, height, dpr) {
    this.dpr = dpr;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
  }

  // Draws one frame. `marks`: { site, grid, hits, hovered, selected, labels, layoutLabels,
  // hoveredCluster, cluster, left, selection, lasso } (site null until loaded, grid the
  // layout shown (maplayout.js), labels the cluster names, null without clusters or in
  // another layout, layoutLabels the layout's own (layoutlabels.js), left the screen x
  // where the free area starts, selection a mask per cell of the layout or null, lasso the
  // one being drawn or null).
  draw(marks) {
    const { context: ctx, viewport, tiles } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = this.config.background;
    ctx.fillRect(0, 0, viewport.width, viewport.height);
    ctx.imageSmoothingQuality = 'high';
    const level = tiles.levelFor(viewport.view.z * this.dpr);
    const rect = viewport.visibleRect();
    // Tile edges snap to device pixels, so tiles without overlap (the default, shared with
    // IIIF) meet edge to edge with no hairline seam between them.
    const snap = (v) => Math.round(v * this.dpr) / this.dpr;
    const place = (x, y, w, h) => {
      const p = viewport.toScreen(x, y), q = viewport.toScreen(x + w, y + h);
      const [x0, y0] = [snap(p.x), snap(p.y)];
      return [x0, y0, snap(q.x) - x0, snap(q.y) - y0];
    };
    let drawn = 0;
    const requested = Math.max(0, level - REQUESTED_PLACEHOLDER);
    for (let l = Math.max(0, level - PLACEHOLDER_LEVELS); l <= level; l++) {
      drawn += tiles.draw(ctx, l, rect, place, l === level || l === requested);
    }
    if (drawn > 0 && this.firstPaintAt === null) this.firstPaintAt = performance.now();
    if (!marks.site) return;
    const { grid } = marks;
    this.drawShown(grid, marks.hits);
    if (marks.selection) this.drawSelectionEdge(grid, marks.selection);
    if (marks.lasso) this.drawLasso(marks.lasso);
    this.outline(grid, marks.hovered, HOVER, 2);
    this.outline(grid, marks.selected, HIGHLIGHT, 3);
    marks.layoutLabels?.draw(this.context, grid, marks.left);
    const { labels, hoveredCluster, cluster, left } = marks;
    if (!labels) return;
    if (cluster) labels.outline(this.context, marks.site, cluster, HIGHLIGHT, 2);
    if (hoveredCluster && hoveredCluster !== cluster) labels.outline(this.context, marks.site, hoveredCluster, HOVER, 2);
    labels.draw(this.context, marks.site, { hovered: hoveredCluster, selected: cluster, highlight: HIGHLIGHT, left });
  }

  // The range of grid cells on screen, clipped to the grid.
  visibleCells(grid) {
    const [x0, y0, x1, y1] = this.viewport.visibleRect();
    const c = grid.cell;
    return {
      c0: Math.max(0, Math.floor(x0 / c)), r0: Math.max(0, Math.floor(y0 / c)),
      c1: Math.min(grid.cols - 1, Math.floor(x1 / c)), r1: Math.min(grid.rows - 1, Math.floor(y1 / c)),
    };
  }

  // Darkens the cells search and filters leave out, and outlines search hits when their
  // cells are large enough to see it.
  drawShown(grid, hits) {
    const { shown, canvas: overlay } = this.shownLayer;
    if (!shown) return;
    const { context: ctx, viewport } = this;
    const { c0, r0, c1, r1 } = this.visibleCells(grid);
    if (c1 < c0 || r1 < r0) return;
    const c = grid.cell, z = viewport.view.z;
    const p = viewport.toScreen(c0 * c, r0 * c);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(overlay, c0, r0, c1 - c0 + 1, r1 - r0 + 1, p.x, p.y, (c1 - c0 + 1) * c * z, (r1 - r0 + 1) * c * z);
    ctx.imageSmoothingEnabled = true;
    if (!hits || c * z < HIT_OUTLINE_MIN_PX) return;
    ctx.strokeStyle = HIGHLIGHT;
    ctx.lineWidth = 1.5;
    for (let row = r0; row <= r1; row++) {
      for (let col = c0; col <= c1; col++) {
        if (!shown[grid.cellOf(col, row)]) continue;
        const q = viewport.toScreen(col * c, row * c);
        ctx.strokeRect(q.x + 1, q.y + 1, c * z - 2, c * z - 2);
      }
    }
  }

  // The edge between selected and unselected cells on screen, as one path.
  drawSelectionEdge(grid, mask) {
    const c = grid.cell, z = this.viewport.view.z;
    if (c * z < SELECTION_EDGE_MIN_PX) return;
    const { c0, r0, c1, r1 } = this.visibleCells(grid);
    const at = (col, row) => col >= 0 && row >= 0 && col < grid.cols && row < grid.rows && mask[grid.cellOf(col, row)] === 1;
    const path = new Path2D();
    const line = (x0, y0, x1, y1) => {
      const a = this.viewport.toScreen(x0 * c, y0 * c), b = this.viewport.toScreen(x1 * c, y1 * c);
      path.moveTo(a.x, a.y);
      path.lineTo(b.x, b.y);
    };
    for (let row = r0; row <= r1; row++) {
      for (let col = c0; col <= c1; col++) {
        if (!at(col, row)) continue;
        if (!at(col - 1, row)) line(col, row, col, row + 1);
        if (!at(col + 1, row)) line(col + 1, row, col + 1, row + 1);
        if (!at(col, row - 1)) line(col, row, col + 1, row);
        if (!at(col, row + 1)) line(col, row + 1, col + 1, row + 1);
      }
    }
    this.context.strokeStyle = SELECTION;
    this.context.lineWidth = 2;
    this.context.stroke(path);
  }

  // The lasso being drawn ({ points } in mosaic pixels, `removing` dashed).
  drawLasso({ points, removing }) {
    const ctx = this.context;
    ctx.beginPath();
    points.forEach(([x, y], i) => {
      const p = this.viewport.toScreen(x, y);
      if (i === 0) ctx.moveTo(p.x, p.y);
      else ctx.lineTo(p.x, p.y);
    });
    ctx.closePath();
    ctx.fillStyle = removing ? 'rgba(255,80,80,0.12)' : 'rgba(90,209,255,0.12)';
    ctx.fill();
    ctx.setLineDash(removing ? [6, 4] : []);
    ctx.strokeStyle = removing ? '#ff6b6b' : SELECTION;
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.setLineDash([]);
  }

  // Outlines the item `item` (-1: none) where the layout `grid` has it.
  outline(grid, item, colour, lineWidth) {
    const at = item >= 0 ? grid.colRow(item) : null;
    if (!at) return;
    const [col, row] = at;
    const c = grid.cell;
    const p = this.viewport.toScreen(col * c, row * c);
    const size = Math.max(c * this.viewport.view.z, MIN_OUTLINE_PX);
    this.context.strokeStyle = colour;
    this.context.lineWidth = lineWidth;
    this.context.strokeRect(p.x, p.y, size, size);
  }
}
