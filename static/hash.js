// The URL hash keeps the view and the open item (`#x=…&y=…&z=…&item=…`), so that any view
// can be linked to; it is rewritten a moment after things stop changing, not every frame.

// How long the view must rest before the hash is rewritten, in milliseconds.
const HASH_DELAY_MS = 250;

export class HashLink {
  // `current()`: what to write, as { view, item } (item -1 when none is open).
  constructor(current) {
    this.current = current;
    this.timer = 0;
  }

  // Rewrites the hash once things rest.
  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const { view, item } = this.current();
      const params = new URLSearchParams({ x: view.x.toFixed(1), y: view.y.toFixed(1), z: view.z.toPrecision(4) });
      if (item >= 0) params.set('item', item);
      history.replaceState(null, '', `#${params}`);
    }, HASH_DELAY_MS);
  }

  // The view and item the hash names: view null unless all of x, y and z are numbers, item
  // -1 when absent.
  static read() {
    const params = new URLSearchParams(location.hash.slice(1));
    const x = parseFloat(params.get('x')), y = parseFloat(params.get('y')), z = parseFloat(params.get('z'));
    const view = [x, y, z].every(Number.isFinite) ? { x, y, z } : null;
    return { view, item: params.has('item') ? parseInt(params.get('item'), 10) : -1 };
  }
}
