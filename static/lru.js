// The viewer's one bounded cache: at most `limit` entries, the least recently used dropped
// first. Tile images, region files, search shards and cluster outlines all live in one, and
// `cached` keeps the promise of a file's contents in one so that it is fetched once.

export class LruCache {
  constructor(limit = Infinity) {
    this.limit = limit;
    this.entries = new Map();
  }

  get size() {
    return this.entries.size;
  }

  // The value of `key`, now the most recently used; undefined when absent.
  get(key) {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  // The value of `key`, leaving the order as it is.
  peek(key) {
    return this.entries.get(key);
  }

  // Keeps `value` as the most recently used, dropping the least recently used beyond the
  // limit.
  set(key, value) {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value);
  }

  delete(key) {
    this.entries.delete(key);
  }

  values() {
    return this.entries.values();
  }
}

// The promise of `key`'s value in `cache`, started by `load` when absent. A loaded value is
// also kept as `entry.value` for synchronous use (`cache.peek(key)?.value`); a failed load
// is forgotten, so the next call retries.
export function cached(cache, key, load) {
  let entry = cache.get(key);
  if (!entry) {
    entry = { promise: load() };
    entry.promise.then((value) => { entry.value = value; }, () => cache.delete(key));
    cache.set(key, entry);
  }
  return entry.promise;
}
