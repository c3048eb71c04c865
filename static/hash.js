// The URL hash keeps the layout (`layout=`, where not the map's own), the view, the open item, the search, the filters, the selected
// cluster and the selection (`#x=…&y=…&z=…&item=…&q=…&f=…&years=…&cluster=…&sel=…`, the
// selection as selection.js encodes it), so that any view, filtered or not, can be linked
// to. Moving the view rewrites it a moment after things rest; opening an item pushes a
// history entry, so Back closes it.

// How long the view must rest before the hash is rewritten, in milliseconds.
const HASH_DELAY_MS = 250;

// The hash naming `state` ({ layout, view, item, query, facets, years, cluster, selection }).
export function formatHash({ layout, view, item, query, facets, years, cluster, selection }) {
  const params = new URLSearchParams(layout ? { layout } : {});
  Object.entries({ x: view.x.toFixed(1), y: view.y.toFixed(1), z: view.z.toPrecision(4) }).forEach(([k, v]) => params.set(k, v));
  if (item >= 0) params.set('item', item);
  if (query) params.set('q', query);
  if (facets) params.set('f', facets);
  if (years) params.set('years', years);
  if (cluster) params.set('cluster', cluster);
  if (selection) params.set('sel', selection);
  return `#${params}`;
}

// What `hash` names: view null unless all of x, y and z are numbers, item -1 when absent or
// not a whole number, the rest '' when absent.
export function parseHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const x = parseFloat(params.get('x')), y = parseFloat(params.get('y')), z = parseFloat(params.get('z'));
  const view = [x, y, z].every(Number.isFinite) ? { x, y, z } : null;
  const item = parseInt(params.get('item'), 10);
  return {
    layout: params.get('layout') || '',
    view,
    item: Number.isInteger(item) && item >= 0 ? item : -1,
    query: params.get('q') || '',
    facets: params.get('f') || '',
    years: params.get('years') || '',
    cluster: params.get('cluster') || '',
    selection: params.get('sel') || '',
  };
}

export class HashLink {
  // `current()`: what to write, as { view, item, query, facets, years, cluster, selection } (item -1
  // when none is open, the rest '' when unused).
  constructor(current) {
    this.current = current;
    this.timer = 0;
  }

  text() {
    return formatHash(this.current());
  }

  // Rewrites the hash once things rest.
  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.write(), HASH_DELAY_MS);
  }

  // Rewrites the hash now.
  write() {
    clearTimeout(this.timer);
    history.replaceState(history.state, '', this.text());
  }

  // A new history entry for what is shown now (an item just opened). The entry it leaves is
  // first rewritten to the view as it is, without the item, so that Back returns to the
  // view the visitor had, not to the last view the hash happened to record.
  push() {
    clearTimeout(this.timer);
    const now = this.current();
    history.replaceState(history.state, '', formatHash({ ...now, item: -1 }));
    history.pushState({ zoomap: 'item' }, '', formatHash(now));
  }

  // Whether the current history entry is one `push` made.
  static pushed() {
    return history.state?.zoomap === 'item';
  }

  // What the page's hash names now.
  static read() {
    return parseHash(location.hash);
  }
}
