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
