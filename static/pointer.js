// The pointer on the map, as maplibre's handlers: hovering shows an item's title (or a
// cluster name's size) in the tooltip, a click opens the item under it once no second click
// follows, a tap opens it at once where cells are large enough to aim at; elsewhere both
// zoom in, as a tap on nothing does. A click on a cluster name selects the cluster;
// Shift + click adds the item to the selection or takes it away.

// Cells smaller than this on screen are too small to point at: no hover, a click zooms in.
const MIN_CELL_PX = 4;
// A tap opens an item only where cells are at least this wide (a fingertip); below, it zooms.
const MIN_TAP_CELL_PX = 32;
// A click waits this long for a second click (a double-click zooms, and opens nothing).
const DOUBLE_CLICK_MS = 250;
// A click where cells are too small to point at zooms in by this factor.
const CLICK_ZOOM = 2;
// The tooltip's offset from the pointer, and its least distance from the screen's edge.
const TOOLTIP_OFFSET = { x: 14, y: 18 };
const TOOLTIP_MARGIN = 4;

export class PointerHandler {
  // `viewer`: the map it acts on; `tooltip`: the tooltip element.
  constructor(viewer, tooltip) {
    this.viewer = viewer;
    this.tooltip = tooltip;
    this.clickTimer = 0;
  }

  // A second click is coming: the first opens nothing.
  doubleClick() {
    clearTimeout(this.clickTimer);
  }

  // The cluster whose name is under the pointer: outlined, and its size in the tooltip.
  hoverName(sx, sy) {
    const v = this.viewer;
    const record = v.clusterNameAt(sx, sy);
    if (record !== v.hoveredCluster) {
      v.hoveredCluster = record;
      v.dirty = true;
    }
    v.canvas.classList.toggle('on-name', Boolean(record));
    return record;
  }

  // Shows `text` in the tooltip beside the pointer at (sx, sy).
  showTooltip(text, sx, sy) {
    const v = this.viewer;
    const { tooltip } = this;
    tooltip.textContent = text;
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(sx + TOOLTIP_OFFSET.x, v.viewport.width - tooltip.offsetWidth - TOOLTIP_MARGIN)}px`;
    tooltip.style.top = `${sy + TOOLTIP_OFFSET.y}px`;
  }

  // The item (or cluster name) under the pointer at (sx, sy): highlighted, its title in the
  // tooltip; its region is fetched first where not yet loaded.
  hover(sx, sy) {
    const v = this.viewer;
    const { site } = v;
    const { tooltip } = this;
    const name = this.hoverName(sx, sy);
    if (name) {
      if (v.hovered >= 0) v.dirty = true;
      v.hovered = -1;
      this.showTooltip(`${name.name}: ${name.size.toLocaleString()} images`, sx, sy);
      return;
    }
    const cell = v.cellPx() >= MIN_CELL_PX ? v.cellAt(sx, sy) : -1;
    const record = cell >= 0 && site.isOccupied(cell) !== false ? site.recordNow(cell) : null;
    if (record === undefined) {
      site.region(site.regionKey(cell)).then(() => { if (v.cellAt(sx, sy) === cell) this.hover(sx, sy); }, () => {});
    }
    const index = record ? cell : -1;
    if (index !== v.hovered) {
      v.hovered = index;
      v.dirty = true;
    }
    if (!record) {
      tooltip.hidden = true;
      return;
    }
    this.showTooltip(record.title, sx, sy);
  }

  // The pointer left the map: nothing hovered.
  leave() {
    const v = this.viewer;
    v.hovered = -1;
    v.hoveredCluster = null;
    this.tooltip.hidden = true;
    v.dirty = true;
  }

  // A click opens the item under it once no second click follows; a tap opens it at once
  // where cells are large enough to aim at; elsewhere both zoom in, and so does a tap on an
  // empty cell or beside the map (a touch always answers).
  tap(sx, sy, pointerType, event = {}) {
    const v = this.viewer;
    this.tooltip.hidden = true;
    clearTimeout(this.clickTimer);
    if (v.selector && (event.shiftKey || (v.selector.touchMode && pointerType !== 'mouse'))) {
      v.selector.toggleCell(v.cellAt(sx, sy));
      return;
    }
    const name = v.clusterNameAt(sx, sy);
    if (name) {
      v.selectCluster(name);
      return;
    }
    const minimum = pointerType === 'mouse' ? MIN_CELL_PX : MIN_TAP_CELL_PX;
    const cell = v.cellAt(sx, sy);
    const empty = cell < 0 || v.site.isOccupied(cell) === false;
    if (v.cellPx() < minimum || (empty && pointerType !== 'mouse')) {
      v.viewport.zoomAt(CLICK_ZOOM, sx, sy);
      return;
    }
    const open = () => v.openItem(cell, { focus: false });
    if (pointerType === 'mouse') this.clickTimer = setTimeout(open, DOUBLE_CLICK_MS);
    else open();
  }
}
