// The shape of `index.json` as the viewer reads it: every key the site writer writes
// (src/site/data/mod.rs `Index` and its steps' entries), with the keys of its nested
// entries. tests/suite/viewer.rs checks it against a built site's index.json, so the two
// sides cannot drift; the viewer refuses an index missing one of them with a clear error.

export const INDEX_SCHEMA = {
  version: [],
  title: [],
  grid: [],
  cell: [],
  count: [],
  columns: [],
  region: [],
  facets: ['column', 'name', 'values', 'counts', 'file'],
  years: ['column', 'name', 'min', 'max', 'file'],
  search: ['keys', 'split'],
  clusters: ['count', 'records', 'codes', 'bytes'],
  similar: ['k', 'bytes'],
  layouts: ['name', 'label', 'grid', 'labels', 'pyramid', 'size', 'levels', 'cells'],
  iiif: ['manifest', 'collection', 'items'],
};

// The keys `index` lacks, as `key` or `key.entry` (for an entry of a list or object), none
// when it has them all; a `years` or `similar` of null (no year column, no neighbours) lacks
// nothing.
export function missingKeys(index) {
  const missing = [];
  for (const [key, inner] of Object.entries(INDEX_SCHEMA)) {
    if (!(key in index)) {
      missing.push(key);
      continue;
    }
    const value = index[key];
    const entries = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
    for (const name of inner) {
      if (entries.some((entry) => !(name in entry))) missing.push(`${key}.${name}`);
    }
  }
  return missing;
}
