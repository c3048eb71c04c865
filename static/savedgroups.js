// The curator's saved groups (`build --groups`, the facet index.json marks `saved_groups`)
// listed in the Clusters drawer, as PixPlot lists its hotspots: each group with its count;
// its name shows only its items (the group filter, other filters kept) and fits the view to
// them, its Select button adds them to the selection. Everything from the data is set as text.

import { element } from './dom.js';

// A cell of an item in several groups holds them all, joined by this (groups.rs
// GROUP_JOIN; tests/suite/viewer.rs checks they are the same).
export const JOIN = '; ';

// The groups of the saved-groups `facet`, largest first: each name with the codes of the
// facet values that hold it (an item in several groups has a value joining them) and its
// count of items.
export function groupsOf(facet) {
  const groups = new Map();
  facet.values.forEach((value, code) => {
    for (const name of value.split(JOIN)) {
      const group = groups.get(name) ?? { name, codes: [], count: 0 };
      group.codes.push(code);
      group.count += facet.counts[code];
      groups.set(name, group);
    }
  });
  return [...groups.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

// The cells whose code (`codes`, one per cell) is one of `group`'s, and their bounds on a
// grid `cols` wide: { cells, bounds: [c0, r0, c1, r1] }.
export function groupCells(codes, group, cols) {
  const wanted = new Set(group.codes);
  const cells = [];
  const bounds = [Infinity, Infinity, -Infinity, -Infinity];
  for (let cell = 0; cell < codes.length; cell++) {
    if (!wanted.has(codes[cell])) continue;
    cells.push(cell);
    const col = cell % cols, row = Math.floor(cell / cols);
    bounds[0] = Math.min(bounds[0], col);
    bounds[1] = Math.min(bounds[1], row);
    bounds[2] = Math.max(bounds[2], col);
    bounds[3] = Math.max(bounds[3], row);
  }
  return { cells, bounds };
}

// Fills the drawer's "Saved groups" list for `viewer` (its site, filters, selection and
// view); nothing where the site has no saved groups.
export function listSavedGroups(viewer) {
  const { site } = viewer;
  const k = site.index.facets.findIndex((facet) => facet.saved_groups);
  if (k < 0 || !viewer.filters) return;
  const facet = site.index.facets[k];
  const cellsOf = async (group) => groupCells(await site.filterCodes(facet.file, Uint8Array), group, site.cols);
  const rows = groupsOf(facet).map((group) => {
    const name = element('button', { type: 'button', className: 'cluster-name', textContent: group.name, title: `Show only ${group.name}` });
    name.addEventListener('click', async () => {
      const { cells, bounds } = await cellsOf(group);
      await viewer.filters.only(facet.column, group.codes);
      viewer.fitCells(viewer.layout.isOwn ? bounds : viewer.layout.boundsOfItems(cells));
    });
    const select = element('button', { type: 'button', textContent: 'Select', ariaLabel: `Select the ${group.count.toLocaleString()} images of ${group.name}` });
    select.addEventListener('click', async () => viewer.selector.add((await cellsOf(group)).cells));
    return element('li', {}, name, element('small', { textContent: group.count.toLocaleString() }), select);
  });
  document.getElementById('saved-groups-list').replaceChildren(...rows);
  document.getElementById('saved-groups').hidden = false;
}
