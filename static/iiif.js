// The site's IIIF links, from index.json's `iiif` (absolute URLs the build wrote for the
// site's public address): an item's Manifest, the IIIF drag-and-drop link to it, and a
// selection as a IIIF Presentation 3 Collection of its items' Manifests.

const CONTEXT = 'http://iiif.io/api/presentation/3/context.json';

// The Manifest URL of the item in map cell `cell`.
export function manifestUrl(iiif, cell) {
  return `${iiif.items}${cell}.json`;
}

// The IIIF drag-and-drop link to `manifest`: the Manifest itself, with the `manifest`
// query parameter that Mirador, Universal Viewer and other IIIF viewers read from a link
// dropped on them (a static host ignores the query).
export function dragHref(manifest) {
  return `${manifest}?manifest=${encodeURIComponent(manifest)}`;
}

// A IIIF Collection named `label` of the Manifests of `items` ([{ cell, title }]); its id
// is `selection.json` beside the site's Collection, where a user would publish it.
export function selectionCollection(iiif, label, items) {
  return {
    '@context': CONTEXT,
    id: new URL('selection.json', iiif.collection).href,
    type: 'Collection',
    label: { none: [label] },
    items: items.map(({ cell, title }) => ({ id: manifestUrl(iiif, cell), type: 'Manifest', label: { none: [title] } })),
  };
}
