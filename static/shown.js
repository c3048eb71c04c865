// What the map shows when search, filters, a cluster and a selection narrow it: the cells in
// all of them (search hits ∧ cells the filters pass ∧ cells of the selected cluster ∧
// selected cells), and how many of those hold an item. Pure, tested by shown.test.js.

// The shown cells as a Uint8Array (1 shown, 0 dimmed) over `cells` cells, or null when
// nothing narrows the map; and their count of items, or null while `isOccupied` cannot yet
// tell (it returns undefined before the occupied-cell bitmap has loaded).
// `hits`: the search's cells, or null; `passing`, `inCluster` and `inSelection`: per-cell
// masks, or null.
export function shownCells({ cells, hits, passing, inCluster, inSelection = null, isOccupied }) {
  if (!hits && !passing && !inCluster && !inSelection) return { shown: null, count: null };
  const shown = new Uint8Array(cells);
  if (hits) hits.forEach((cell) => { shown[cell] = 1; });
  else shown.fill(1);
  for (const mask of [passing, inCluster, inSelection]) {
    if (mask) for (let cell = 0; cell < cells; cell++) shown[cell] &= mask[cell];
  }
  if (isOccupied(0) === undefined) return { shown, count: null };
  let count = 0;
  for (let cell = 0; cell < cells; cell++) if (shown[cell] && isOccupied(cell)) count++;
  return { shown, count };
}

// The header's words for `count` of `total` shown; '' when nothing narrows the map.
export function shownText(count, total) {
  return count === null ? '' : `${count.toLocaleString()} of ${total.toLocaleString()} shown`;
}
