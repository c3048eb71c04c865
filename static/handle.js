// `window.zoomap`, the page's scripting handle for tests and embedding pages: where things
// are on screen and what is shown, read from the viewer. Keep it stable; the README lists it.

import { selectedCells } from './selection.js';

// The handle of `viewer`; `ready` settles once the site data has loaded and the link applied.
export function scriptingHandle(viewer, ready) {
  const cell = (col, row) => viewer.site.cellOf(col, row);
  return {
    ready,
    view: () => ({ ...viewer.viewport.view }),
    maxZoom: () => viewer.viewport.clampZoom(Infinity),
    cellCentre: (col, row) => {
      const c = viewer.site.index.cell;
      return viewer.viewport.toScreen((col + 0.5) * c, (row + 0.5) * c);
    },
    index: () => viewer.site.index,
    record: (col, row) => viewer.site.record(cell(col, row)),
    selected: () => (viewer.selected < 0 ? null : viewer.site.colRow(viewer.selected)),
    // Runs a search as the search box does; resolves to the [col, row] of each hit it shows.
    search: async (query) => {
      const hits = await viewer.search.run(query);
      return hits ? Array.from(hits, (c) => viewer.site.colRow(c)) : [];
    },
    // The hits of the search shown that only a machine tag matched: [col, row, the tag's
    // word] each, in the order listed.
    tagHits: () => {
      const hits = viewer.search.shownHits();
      const via = hits?.viaTags;
      if (!via) return [];
      return Array.from(hits).filter((c) => via.has(c)).map((c) => [...viewer.site.colRow(c), via.get(c)]);
    },
    shownCount: () => viewer.shownCount,
    // The selection: how many items it holds and the [col, row] of each selected cell that
    // holds one, in reading order.
    selection: () => {
      const { mask, count } = viewer.selector ?? {};
      if (!mask) return { count: 0, cells: [] };
      const cells = selectedCells(mask, Infinity, (c) => viewer.site.isOccupied(c) !== false);
      return { count, cells: cells.map((c) => viewer.site.colRow(c)) };
    },
    firstPaint: () => viewer.renderer.firstPaintAt,
    // The cluster names drawn now: the cluster (id, level, name, size, bounds in cells), the
    // text shown and its box on screen.
    labels: () => (viewer.labels ? viewer.labels.placed.map(({ record, text, box }) => {
      const { id, level, name, size, bounds } = record;
      return { id, level, name, size, bounds, text, box };
    }) : []),
    cluster: () => (viewer.cluster ? viewer.cluster.id : null),
    hoveredCluster: () => (viewer.hoveredCluster ? viewer.hoveredCluster.id : null),
    tilesLoaded: () => viewer.tiles.loaded(),
    // The layout shown (its name, '' for a site without layouts) and every layout's name.
    layout: () => viewer.layout?.name ?? '',
    layouts: () => (viewer.site.index.layouts ?? []).map((entry) => entry.name),
    // Shows the layout `name` as the Layout menu does; resolves once it is shown.
    setLayout: (name) => viewer.layoutMenu.switchTo(name),
    // The [col, row] in the layout shown of the item at map cell (col, row), or null.
    placeOf: (col, row) => viewer.layout.colRow(cell(col, row)),
    // The [col, row] of each cell of the layout shown that the shading leaves clear, in
    // reading order; null when nothing is shaded.
    shownPlaces: () => {
      const { shown } = viewer.shownLayer;
      if (!shown) return null;
      const places = [];
      for (let c = 0; c < shown.length; c++) if (shown[c]) places.push([c % viewer.layout.cols, Math.floor(c / viewer.layout.cols)]);
      return places;
    },
    // The layout's own labels drawn now: text, whether on the axis, and the box on screen.
    layoutLabels: () => viewer.layoutLabels?.placed ?? [],
  };
}
