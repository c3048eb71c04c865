// The codes the site's per-cell files use for "nothing here", as the site writer writes
// them (src/site/facets.rs: NO_VALUE, NO_YEAR; src/site/data/clusters.rs: no_cluster);
// tests/suite/viewer.rs checks the two sides agree.

// A cell whose item has no value in a facet's column (facets/{k}.bin, one byte per cell).
export const NO_VALUE = 255;
// A cell whose item has no year (years.bin, a little-endian i16 per cell).
export const NO_YEAR = -32768;

// A cell in no cluster of a level whose codes take `bytes` bytes: the largest code.
export function noCluster(bytes) {
  return 2 ** (8 * bytes) - 1;
}

// The typed array of a facet's per-cell codes: a byte per cell for a column's facet, a
// little-endian u32 mask of its values for the machine tags' facet (`multi`), whose items
// have several (src/site/data/filters.rs).
export function codeArray(facet) {
  return facet.multi ? Uint32Array : Uint8Array;
}

// The mask of the value codes in `set`, for a multi-valued facet.
export function setMask(set) {
  let mask = 0;
  for (const code of set) mask |= 1 << code;
  return mask;
}

// Whether a cell's `code` holds one of the `chosen` value codes of `facet` (`mask`:
// setMask(chosen), which a multi-valued facet's code is tested against).
export function hasChosen(facet, chosen, mask, code) {
  return facet.multi ? (code & mask) !== 0 : chosen.has(code);
}

// Adds a cell's `code` to `counts` (one per value of `facet`): its value, or each value of
// its mask.
export function countCode(facet, code, counts) {
  if (!facet.multi) {
    if (code !== NO_VALUE && code < counts.length) counts[code]++;
    return;
  }
  for (let k = 0; k < counts.length; k++) if (code & (1 << k)) counts[k]++;
}
