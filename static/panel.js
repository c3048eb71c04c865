// The item panel: an item's title, preview, link (only to a web or mail address) and
// metadata, all set as text so that nothing in the data can run in the page.

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
  constructor(element, columns) {
    this.element = element;
    this.columns = columns;
    this.part = (id) => document.getElementById(`panel-${id}`);
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
  }

  show(record) {
    this.part('title').textContent = record.title;
    const preview = this.part('preview');
    preview.src = record.preview;
    preview.alt = record.title;
    this.showLink(record);
    this.showFields(record.fields || []);
    this.part('file').textContent = record.file;
    this.element.hidden = false;
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

  showFields(values) {
    const fields = this.part('fields');
    fields.replaceChildren();
    values.forEach((value, i) => {
      if (!value) return;
      const dt = document.createElement('dt');
      dt.textContent = this.columns[i];
      const dd = document.createElement('dd');
      dd.textContent = value;
      fields.append(dt, dd);
    });
  }
}
