// The item panel: an item's title, preview, full-image view and download (when the site
// carries the original), link (only to a web or mail address), IIIF Manifest and metadata, all set as text
// so that nothing in the data can run in the page. Opening it moves focus to its title.

import { dragHref, manifestUrl } from './iiif.js';

// The schemes an item link may have; the build already refuses others (site/links.rs), and
// this check keeps a hand-edited region file from turning a `javascript:` URL into a link.
const LINK_PROTOCOLS = ['http:', 'https:', 'mailto:'];

function linkable(url) {
  if (!url) return null;
  try {
    return LINK_PROTOCOLS.includes(new URL(url, document.baseURI).protocol) ? url : null;
  } catch {
    return null;
  }
}

export class Panel {
  // `onFull(record)`: the "View full image" button was pressed; `iiif`: index.json's IIIF
  // URLs (null without them).
  constructor(element, { columns, iiif }, onFull) {
    this.element = element;
    this.columns = columns;
    this.iiif = iiif;
    this.part = (id) => document.getElementById(`panel-${id}`);
    this.record = null;
    this.part('full').addEventListener('click', () => { if (this.record) onFull(this.record); });
  }

  get open() {
    return !this.element.hidden;
  }

  // The screen width the panel covers, 0 when closed.
  width() {
    return this.open ? this.element.offsetWidth : 0;
  }

  close() {
    this.element.hidden = true;
    this.record = null;
  }

  // Shows `record`, the item in map cell `cell`; moves focus to its title when `focus` is set.
  show(record, cell, focus) {
    this.record = record;
    this.part('title').textContent = record.title;
    const preview = this.part('preview');
    preview.src = record.preview;
    preview.alt = record.title;
    const download = this.part('download');
    download.hidden = !record.original;
    if (record.original) download.href = record.original;
    else download.removeAttribute('href');
    // Saved under the collection's own file name, not the site's numbered copy.
    download.download = record.file.split('/').pop();
    this.showLink(record);
    this.showIiif(cell);
    this.showFields(record.fields || [], record.file);
    this.showTags(record.tags || []);
    this.part('file').textContent = record.file;
    this.element.hidden = false;
    if (focus) this.part('title').focus({ preventScroll: true });
  }

  // Marks the panel as waiting for an item's data.
  wait(waiting) {
    this.element.classList.toggle('waiting', waiting);
  }

  // The item page as a link when it may be one, else as text.
  showLink(record) {
    const link = this.part('link');
    const href = linkable(record.url);
    link.hidden = !href;
    if (href) link.href = href;
    else link.removeAttribute('href');
    const urlText = this.part('url-text');
    const asText = href ? null : record.url_text || record.url;
    urlText.hidden = !asText;
    urlText.querySelector('code').textContent = asText || '';
  }

  // The item's IIIF Manifest as a drag-and-drop link.
  showIiif(cell) {
    const link = this.part('iiif');
    link.hidden = !this.iiif;
    if (this.iiif) link.href = dragHref(manifestUrl(this.iiif, cell));
  }

  // The machine tags with their scores ("golden retriever 82%"), apart from the metadata.
  showTags(tags) {
    const line = this.part('tags');
    line.hidden = tags.length === 0;
    line.querySelector('span').textContent = tags.map(([label, score]) => `${label} ${Math.round(100 * score)}%`).join(', ');
  }

  // The metadata, less the column naming the file (shown once, at the foot).
  showFields(values, file) {
    const fields = this.part('fields');
    fields.replaceChildren();
    const base = file.split('/').pop();
    values.forEach((value, i) => {
      if (!value || value === file || value === base) return;
      const dt = document.createElement('dt');
      dt.textContent = this.columns[i];
      const dd = document.createElement('dd');
      dd.textContent = value;
      fields.append(dt, dd);
    });
  }
}
