// The panels that would cover one another take turns: the search results and the filters
// never show together, and on a phone, where each takes most of the width, neither shows
// with the Clusters drawer. (On a desktop the filters sit beside an open drawer, and the
// stylesheet keeps them above the minimap.)

const byId = (id) => document.getElementById(id);

// Wires the turns between `filters` (finder.js, or null), `groups` (the Clusters drawer, or
// null) and the search box; `phone()` says whether the page has the phone layout.
export function takeTurns({ filters, groups, phone }) {
  byId('search').addEventListener('focus', () => {
    filters?.hide();
    if (phone()) groups?.setOpen(false);
  });
  byId('filters-toggle').addEventListener('click', () => {
    if (filters?.open && phone()) groups?.setOpen(false);
  });
  byId('clusters-toggle').addEventListener('click', () => {
    if (groups?.open && phone()) filters?.hide();
  });
}
