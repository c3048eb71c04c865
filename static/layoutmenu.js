// The header's Layout menu (`--layouts`): switching the map between its layouts without
// losing one's place. The open item stays open and the view flies to where it now is (else
// the whole new map shows); the selection, search hits, filters and cluster follow the
// items onto their new cells; the tiles, minimap and labels are the layout's own; the link
// says `layout=NAME`. Lassos drawn on another layout leave the link (selection.js).

import { element } from './dom.js';
import { LayoutLabels } from './layoutlabels.js';
import { MapLayout } from './maplayout.js';
import { TileLayer } from './tiles.js';

export class LayoutMenu {
  // `viewer`: the map, its site loaded and its own layout shown.
  constructor(viewer) {
    this.viewer = viewer;
    this.entries = viewer.site.index.layouts ?? [];
    this.loaded = new Map([[viewer.layout.name, viewer.layout]]);
    this.menu = document.getElementById('layout-menu');
    this.menu.replaceChildren(...this.entries.map((entry) => element('option', { value: entry.name, textContent: entry.label })));
    this.menu.value = viewer.layout.name;
    document.getElementById('layout-box').hidden = this.entries.length < 2;
    this.menu.addEventListener('change', () => this.switchTo(this.menu.value).catch((error) => console.error(error.message)));
  }

  // The name of the layout shown ('' for a site without layouts).
  get current() {
    return this.viewer.layout.name;
  }

  // Shows the layout `name` (the map's own for '' or a name the site lacks); `fly`: move
  // the view to the open item or the whole map (a link sets its own view instead).
  async switchTo(name, { fly = true } = {}) {
    const entry = this.entries.find((e) => e.name === name) ?? this.entries.find((e) => !e.cells);
    if (!entry || entry.name === this.current) return;
    const layout = this.loaded.get(entry.name) ?? await MapLayout.load(entry, this.viewer.site);
    this.loaded.set(entry.name, layout);
    this.show(layout);
    if (!fly) return;
    const v = this.viewer;
    if (v.selected >= 0 && layout.colRow(v.selected)) {
      v.flyIn(v.selected);
    } else {
      v.viewport.home();
      v.viewport.jump();
    }
  }

  // Draws `layout` from now on: its tiles, size, labels and shading.
  show(layout) {
    const v = this.viewer;
    const config = layout.tileConfig(v.config);
    v.layout = layout;
    v.tiles = new TileLayer(config, () => { v.dirty = true; });
    v.renderer.tiles = v.tiles;
    v.minimap.tiles = v.tiles;
    v.minimap.config = config;
    v.viewport.world = { width: config.width, height: config.height };
    v.layoutLabels = layout.labels.length ? new LayoutLabels(layout, v.viewport) : null;
    this.menu.value = layout.name;
    v.selector?.forgetLassos();
    v.resize();
    v.updateShown();
    v.hash.schedule();
    document.getElementById('status').textContent = `Layout: ${layout.entry?.label ?? layout.name}`;
  }
}
