// The page's buttons (zoom, whole map, copy link, full screen, keys, the panel's and the
// drawers' close buttons, the minimap's toggle), wired to the viewer, and the page-level
// actions they share with the keys.

import { fillKeyList } from './keys.js';

// Zoom factor of the zoom buttons.
const BUTTON_ZOOM = 2;
// How long a confirmation stays on screen, in milliseconds.
const TOAST_MS = 2500;

const byId = (id) => document.getElementById(id);

// Wires every button to `viewer` and fills the key list from the keys table.
export function setupControls(viewer) {
  const { viewport } = viewer;
  const centre = (factor) => () => viewport.zoomAt(factor, viewport.width / 2, viewport.height / 2);
  const buttons = {
    'zoom-in': centre(BUTTON_ZOOM),
    'zoom-out': centre(1 / BUTTON_ZOOM),
    home: () => viewport.home(),
    'copy-link': () => copyLink(viewer.hash),
    fullscreen: () => toggleFullscreen(),
    help: () => byId('keys').showModal(),
    'keys-close': () => byId('keys').close(),
    'panel-close': () => viewer.closePanel(),
    'minimap-toggle': () => toggleMinimap(),
    'clusters-toggle': () => viewer.dirtyAfterLayout(),
    'clusters-close': () => viewer.dirtyAfterLayout(),
  };
  for (const [id, action] of Object.entries(buttons)) byId(id).addEventListener('click', action);
  fillKeyList(byId('key-list'));
}

// Writes the link to what is shown now (`hash`, a HashLink) and copies it, saying so in
// the status line and on screen, or shows it to copy by hand where the clipboard refuses;
// `note` adds what the link leaves out.
export async function copyLink(hash, note = '') {
  hash.write();
  let said;
  try {
    await navigator.clipboard.writeText(location.href);
    said = 'Link to this view copied';
  } catch {
    said = `Copy this link: ${location.href}`;
  }
  if (note) said += ` (${note})`;
  byId('status').textContent = said;
  toast(said);
}

let toastTimer = 0;

// Shows `text` for a moment where the visitor can see it.
function toast(text) {
  const element = byId('toast');
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { element.hidden = true; }, TOAST_MS);
}

export function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen?.().catch(() => {});
}

function toggleMinimap() {
  const box = byId('minimap-box');
  const collapsed = box.classList.toggle('collapsed');
  byId('minimap').hidden = collapsed;
  const toggle = byId('minimap-toggle');
  toggle.setAttribute('aria-expanded', String(!collapsed));
  toggle.setAttribute('aria-label', collapsed ? 'Show the minimap' : 'Hide the minimap');
}
