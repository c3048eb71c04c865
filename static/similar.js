// "More like this" in the item panel: the item's nearest items in feature space (the
// neighbours t-SNE was fitted on, data.js `similar`), up to 12 thumbnails numbered by rank,
// wherever they sit on the map (t-SNE tears some neighbourhoods apart); a click opens one
// and flies there, "Select these" adds them to the selection.

import { element } from './dom.js';

const byId = (id) => document.getElementById(id);

export class SimilarStrip {
  // `viewer`: the map (its site, selection, and how it opens and flies to items).
  constructor(viewer) {
    this.viewer = viewer;
    this.cells = [];
    this.shown = 0;
    byId('panel-similar-select').addEventListener('click', () => {
      if (this.cells.length) viewer.selector?.add(this.cells);
    });
  }

  // Shows the items nearest the one in `cell` (hidden where the site has none).
  async show(cell) {
    const { site } = this.viewer;
    const mine = ++this.shown;
    const box = byId('panel-similar-box');
    const cells = await site.similar(cell).catch(() => []);
    const records = await Promise.all(cells.map((c) => site.record(c).catch(() => null)));
    if (mine !== this.shown) return;
    this.cells = cells.filter((_, i) => records[i]);
    box.hidden = this.cells.length === 0;
    byId('panel-similar').replaceChildren(...cells.flatMap((c, i) => {
      const record = records[i];
      if (!record) return [];
      const button = element('button', { type: 'button', title: `${i + 1}. ${record.title}` },
        element('img', { src: record.preview, alt: record.title, loading: 'lazy' }), element('span', { textContent: String(i + 1) }));
      button.addEventListener('click', async () => {
        await this.viewer.openItem(c, { focus: false });
        this.viewer.flyIn(c);
      });
      return [button];
    }));
  }
}
