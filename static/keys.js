// The viewer's keys, in one table: what each key does (the words the page's key list and
// the README show; a test checks the README against it) and which viewer action it runs.
// `keyAction` maps a key press to its action; `fillKeyList` writes the page's key list.

// Each row: the keys (KeyboardEvent.key values), how the list names them, what they do,
// and the action: a name of `actions` in `keyAction`, or [name, ...arguments].
export const KEYS = [
  { keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'], label: 'arrows', does: 'move the map; with the panel open, step to the nearest item that way', action: 'arrow' },
  { keys: ['+', '=', '-', '_'], label: '`+` / `-`', does: 'zoom in / out at the centre', action: 'zoom' },
  { keys: ['0'], label: '`0`', does: 'the whole map', action: 'home' },
  { keys: ['Enter', ' '], label: 'Enter or Space (map focused)', does: 'open the item at the centre; focus moves into the panel', action: 'openCentre', onMapOnly: true },
  { keys: ['Escape'], label: 'Esc', does: 'close the full image, the key list, the filters, or the panel (focus returns to the map); then clear the selection', action: 'escape' },
  { keys: ['/'], label: '`/`', does: 'search (↑/↓ choose a result, Enter opens it, Esc clears)', action: 'search' },
  { keys: ['c'], label: '`c`', does: 'copy a link to this view', action: 'copyLink' },
  { keys: ['g'], label: '`g`', does: 'the Clusters drawer (Esc closes it, then shows the whole map again)', action: 'clusters' },
  { keys: ['f'], label: '`f`', does: 'full screen', action: 'fullscreen' },
  { keys: ['?'], label: '`?`', does: 'list the keys', action: 'keys' },
];

// The direction of each arrow key and the zoom direction of each zoom key.
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
const ZOOM_IN = new Set(['+', '=']);

// The action a key press runs, as [name, ...arguments], or null: none for a key the table
// lacks, a key with Ctrl, Meta or Alt, or an `onMapOnly` key pressed elsewhere.
export function keyAction({ key, ctrlKey, metaKey, altKey }, onMap) {
  if (ctrlKey || metaKey || altKey) return null;
  const row = KEYS.find((r) => r.keys.includes(key));
  if (!row || (row.onMapOnly && !onMap)) return null;
  if (row.action === 'arrow') return ['arrow', ...ARROWS[key]];
  if (row.action === 'zoom') return ['zoom', ZOOM_IN.has(key) ? 1 : -1];
  return [row.action];
}

// The table's labels as the page shows them: without the README's code quotes.
export function plainLabel(label) {
  return label.replaceAll('`', '');
}

// Writes the table into the page's key list `dl` (a <dl>), one term and description per row.
export function fillKeyList(dl) {
  dl.replaceChildren(...KEYS.flatMap(({ label, does }) => {
    const dt = document.createElement('dt');
    dt.textContent = plainLabel(label);
    const dd = document.createElement('dd');
    dd.textContent = does;
    return [dt, dd];
  }));
}
