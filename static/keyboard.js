// The keyboard on the map, as maplibre's handler/keyboard.ts: a key press, unless typed
// into a field or pressed under an open dialog, runs its action from keys.js's table on the
// viewer.

import { copyLink, toggleFullscreen } from './controls.js';
import { keyAction } from './keys.js';

// Zoom factor of the + and − keys.
const KEY_ZOOM = 1.6;
// Steps an arrow key looks ahead for a filled cell before giving up.
const NEIGHBOUR_REACH = 64;

const byId = (id) => document.getElementById(id);

// Listens for keys on the window and runs each one's action on `viewer`.
export function trackKeys(viewer) {
  window.addEventListener('keydown', (e) => {
    // Typing in a field takes every key; a checkbox or slider takes all but Escape, which
    // closes the filters around it.
    const field = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    const control = e.target instanceof HTMLInputElement && ['checkbox', 'radio', 'range'].includes(e.target.type);
    if (field && !(control && e.key === 'Escape')) return;
    if (byId('keys').open) return;
    if (byId('lightbox').open) {
      const action = keyAction(e, false);
      if (action?.[0] !== 'arrow') return;
      e.preventDefault();
      stepInLightbox(viewer, action[1], action[2]);
      return;
    }
    const onMap = e.target === viewer.canvas || e.target === document.body;
    const action = keyAction(e, onMap);
    if (!action) return;
    e.preventDefault();
    run(viewer, action);
  });
}

// Runs `[name, ...arguments]` on `viewer`.
function run(viewer, [name, ...args]) {
  const { viewport } = viewer;
  const centre = (factor) => viewport.zoomAt(factor, viewport.width / 2, viewport.height / 2);
  const actions = {
    arrow: (dx, dy) => {
      const pan = Math.min(viewport.width, viewport.height) / 4;
      return viewer.selected >= 0 ? step(viewer, dx, dy) : viewport.panBy(-dx * pan, -dy * pan, true);
    },
    zoom: (sign) => centre(sign > 0 ? KEY_ZOOM : 1 / KEY_ZOOM),
    home: () => viewport.home(),
    openCentre: () => viewer.openCentre(),
    escape: () => viewer.escape(),
    search: () => byId('search').focus(),
    copyLink: () => copyLink(viewer.hash),
    clusters: () => viewer.groups?.toggle.click(),
    fullscreen: () => toggleFullscreen(),
    keys: () => byId('keys').showModal(),
  };
  actions[name](...args);
}

// Opens the nearest filled cell from the open one in direction (dx, dy).
async function step(viewer, dx, dy) {
  if (viewer.selected < 0) return;
  const { site } = viewer;
  viewer.pointer.tooltip.hidden = true;
  const { layout } = viewer;
  let [col, row] = layout.colRow(viewer.selected) ?? [-1, -1];
  for (let k = 0; k < NEIGHBOUR_REACH; k++) {
    col += dx;
    row += dy;
    if (col < 0 || row < 0 || col >= layout.cols || row >= layout.rows) return;
    const cell = layout.itemAt(col, row);
    if (cell < 0 || site.isOccupied(cell) === false || !(await site.record(cell))) continue;
    await viewer.openItem(cell, { focus: false });
    viewer.reveal(cell);
    return;
  }
}

// In the full-image view: the neighbouring item that way, shown there.
async function stepInLightbox(viewer, dx, dy) {
  const before = viewer.selected;
  await step(viewer, dx, dy);
  if (viewer.selected === before || viewer.selected < 0) return;
  const record = await viewer.site.record(viewer.selected);
  if (record) viewer.lightbox.show(record);
}
