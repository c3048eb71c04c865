// A curator's own cluster names, given in the Clusters drawer: kept in the browser's storage
// for this site (by its address), put over the built names as levels load, and part of the
// names CSV, which `zoomap build --cluster-names` reads so that a rebuild keeps them.

export class Renames {
  // The renames of the site this page is: stored under its path, in localStorage where the
  // browser allows it.
  static forPage() {
    let storage;
    try {
      storage = window.localStorage;
    } catch {
      storage = undefined;
    }
    return new Renames(`zoomap-names:${location.pathname}`, storage);
  }

  // `key`: where the names are stored (one key per site); `storage`: localStorage, or any
  // object with getItem/setItem (none where storage is refused: names then last the visit).
  constructor(key, storage) {
    this.key = key;
    this.storage = storage;
    this.names = {};
    try {
      this.names = JSON.parse(storage?.getItem(key) || '{}') || {};
    } catch {
      this.names = {};
    }
  }

  // The curator's name of cluster `id`, or undefined.
  get(id) {
    return Object.hasOwn(this.names, id) ? this.names[id] : undefined;
  }

  // Names cluster `id` `name`; an empty name gives it back its built one.
  set(id, name) {
    const text = name.trim();
    if (text) this.names[id] = text;
    else delete this.names[id];
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.names));
    } catch {
      // Storage full or refused: the name holds for this visit.
    }
  }

  // `record` (a cluster as the level file gives it) with the curator's name, if any: drawn
  // on the map like any name the data earned. Its built name is kept as `built`.
  apply(record) {
    record.built ??= { name: record.name, numbered: Boolean(record.numbered) };
    const name = this.get(record.id);
    record.name = name ?? record.built.name;
    record.numbered = name ? false : record.built.numbered;
    return record;
  }
}
