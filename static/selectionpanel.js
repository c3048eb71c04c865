// The selection's panel: how many items and what share of the map, the counts of a chosen
// metadata column's values inside it, up to 48 of its images (a click flies to one), and its
// actions: the CSV of its items, the list of their files, a link, clearing it, and saving
// it as a named group for the next build (`--groups`). Everything from the data is set as
// text.

import { copyLink } from './controls.js';
import { download, element } from './dom.js';
import { selectionCsv, selectionFiles, selectionGroupCsv, selectionIiif } from './exports.js';
import { selectedCells } from './selection.js';

// Images shown in the panel at most, and breakdown values listed at most.
const GRID_LIMIT = 48;
const BREAKDOWN_LIMIT = 12;
// The image size a grid image is flown to, in screen pixels per cell.
const FLY_PX = 128;

const byId = (id) => document.getElementById(id);

export class SelectionPanel {
  // `viewer`: the map; `selector`: the selection (selector.js).
  constructor(viewer, selector) {
    this.viewer = viewer;
    this.selector = selector;
    this.element = byId('selection');
    this.shown = 0;
    const { facets } = viewer.site.index;
    const column = byId('selection-column');
    column.replaceChildren(...facets.map((facet, k) => element('option', { value: k, textContent: facet.name })));
    byId('selection-breakdown-box').hidden = facets.length === 0;
    byId('selection-iiif').hidden = !viewer.site.index.iiif;
    column.addEventListener('change', () => this.showBreakdown());
    const actions = {
      'selection-close': () => this.setOpen(false),
      'selection-csv': () => this.save('csv'),
      'selection-files': () => this.save('files'),
      'selection-iiif': () => this.save('iiif'),
      'selection-link': () => copyLink(viewer.hash, selector.tooLongForLink() ? 'the selection is too scattered to fit in a link, so it is left out' : ''),
      'selection-clear': () => selector.clear(),
    };
    byId('selection-group').addEventListener('submit', (e) => {
      e.preventDefault();
      this.save('group');
    });
    for (const [id, action] of Object.entries(actions)) byId(id).addEventListener('click', action);
  }

  get open() {
    return !this.element.hidden;
  }

  // The screen width the panel covers, 0 when closed.
  width() {
    return this.open ? this.element.offsetWidth : 0;
  }

  setOpen(open) {
    const opening = open && this.selector.mask !== null;
    if (opening) this.viewer.closePanel();
    this.element.hidden = !opening;
    byId('selection-toggle').setAttribute('aria-expanded', String(opening));
    this.viewer.dirtyAfterLayout();
    if (opening) this.refresh();
  }

  // Shows the selection as it is now (closing the panel when nothing is selected).
  refresh() {
    const { mask, count } = this.selector;
    if (!mask) {
      if (this.open) this.setOpen(false);
      return;
    }
    if (!this.open) return;
    const total = this.viewer.site.index.count;
    byId('selection-size').textContent = `${count.toLocaleString()} ${count === 1 ? 'image' : 'images'}, ${(100 * count / total).toFixed(1)}% of the map`;
    this.showBreakdown();
    this.showImages();
  }

  // The counts of the chosen column's values inside the selection, largest first.
  async showBreakdown() {
    const { site } = this.viewer;
    const { mask, count } = this.selector;
    const { facets } = site.index;
    if (!mask || facets.length === 0) return;
    const facet = facets[Number(byId('selection-column').value) || 0];
    const codes = await site.filterCodes(facet.file, Uint8Array);
    const counts = new Array(facet.values.length).fill(0);
    for (let cell = 0; cell < mask.length; cell++) if (mask[cell] && codes[cell] < counts.length) counts[codes[cell]]++;
    const values = counts.map((n, code) => ({ value: facet.values[code], n })).filter((v) => v.n > 0).sort((a, b) => b.n - a.n);
    const list = byId('selection-breakdown');
    list.replaceChildren(...values.slice(0, BREAKDOWN_LIMIT).map(({ value, n }) => element('li', {},
      element('span', { textContent: value }), element('small', { textContent: `${n.toLocaleString()} (${(100 * n / count).toFixed(0)}%)` }))));
    if (values.length > BREAKDOWN_LIMIT) list.append(element('li', { className: 'more', textContent: `and ${values.length - BREAKDOWN_LIMIT} more values` }));
  }

  // Up to GRID_LIMIT of the selected images, in reading order; a click flies to one.
  async showImages() {
    const { site } = this.viewer;
    const mine = ++this.shown;
    const cells = selectedCells(this.selector.mask, GRID_LIMIT, (cell) => site.isOccupied(cell) !== false);
    const records = await Promise.all(cells.map((cell) => site.record(cell).catch(() => null)));
    if (mine !== this.shown) return;
    byId('selection-images').replaceChildren(...cells.flatMap((cell, i) => {
      const record = records[i];
      if (!record) return [];
      const button = element('button', { type: 'button', title: record.title }, element('img', { src: record.preview, alt: record.title, loading: 'lazy' }));
      button.addEventListener('click', () => this.viewer.flyTo(cell, FLY_PX / site.index.cell));
      return [button];
    }));
  }

  // Downloads the CSV (`what` 'csv'), the file list ('files') or the saved group ('group',
  // named by the panel's group name), with progress.
  async save(what) {
    const { site, clusters } = this.viewer;
    const { mask } = this.selector;
    if (!mask) return;
    const progress = byId('selection-progress');
    progress.hidden = false;
    const report = (done, total) => { progress.max = total; progress.value = done; };
    const name = byId('selection-group-name').value.trim() || 'Selection';
    const made = {
      csv: () => selectionCsv(site, clusters, mask, report),
      files: () => selectionFiles(site, mask, report),
      group: () => selectionGroupCsv(site, mask, name, report),
      iiif: () => selectionIiif(site, mask, report),
    };
    const files = { csv: 'selection.csv', files: 'selection-files.txt', group: 'groups.csv', iiif: 'selection.json' };
    const said = {
      csv: 'Selection saved as CSV',
      files: 'File list saved',
      group: `Group "${name}" saved: build with --groups groups.csv to keep it`,
      iiif: 'Selection saved as a IIIF Collection',
    };
    try {
      download(await made[what](), files[what]);
      byId('status').textContent = said[what];
    } finally {
      progress.hidden = true;
    }
  }
}
