// The "Clusters" drawer: the hierarchy as a collapsible tree (each cluster with a thumbnail,
// its size and a bar of its share of the map) and the selected cluster's details (its path,
// size, most central images, children, and for a chosen metadata column the counts of its
// values inside it), renaming it (renames.js); a download of every cluster's name as the
// CSV `--cluster-names` reads;
// and the breadcrumb of the clusters under the centre of the view. Everything from the data
// is set as text.

import { download, element } from './dom.js';

// Values of a breakdown listed at most.
const BREAKDOWN_LIMIT = 12;

const byId = (id) => document.getElementById(id);
const count = (n) => `${n.toLocaleString()} ${n === 1 ? 'image' : 'images'}`;

// A bar `share` (0–1) wide.
function shareBar(share, label) {
  const bar = element('span', { className: 'share', title: label });
  bar.append(element('span'));
  bar.firstChild.style.width = `${Math.max(1, Math.round(share * 100))}%`;
  return bar;
}

export class Groups {
  // `select(record | null)`: the user chose a cluster (or none); `renamed()`: a name changed.
  constructor(clusters, site, { select, renamed }) {
    this.clusters = clusters;
    this.site = site;
    this.select = select;
    this.renamed = renamed;
    this.element = byId('clusters');
    this.toggle = byId('clusters-toggle');
    this.selected = null;
    this.crumbs = byId('breadcrumb');
    this.toggle.hidden = false;
    this.toggle.addEventListener('click', () => this.setOpen(this.element.hidden));
    byId('clusters-close').addEventListener('click', () => this.setOpen(false));
    byId('cluster-clear').addEventListener('click', () => this.select(null));
    byId('cluster-names').addEventListener('click', () => this.downloadNames());
    this.setupRename();
    const column = byId('cluster-column');
    const { facets } = site.index;
    column.replaceChildren(...facets.map((facet, k) => element('option', { value: k, textContent: facet.name })));
    byId('cluster-breakdown-box').hidden = facets.length === 0;
    column.addEventListener('change', () => this.showBreakdown());
    this.tree = byId('cluster-tree');
    this.rendered = this.renderTree();
  }

  get open() {
    return !this.element.hidden;
  }

  setOpen(open) {
    this.element.hidden = !open;
    document.body.classList.toggle('drawer-open', open);
    this.toggle.setAttribute('aria-expanded', String(open));
  }

  // The screen width the drawer covers, 0 when closed.
  width() {
    return this.open ? this.element.offsetWidth : 0;
  }

  async renderTree() {
    const top = await this.clusters.level(0);
    this.tree.replaceChildren(...top.map((record) => this.treeRow(record)));
  }

  // One cluster's row in the tree, its children added when first expanded.
  treeRow(record) {
    const total = this.site.index.count;
    const name = element('button', { type: 'button', className: 'cluster-name', textContent: record.name });
    name.addEventListener('click', () => this.select(record));
    const thumb = element('img', { src: record.examples[0] || '', alt: '', loading: 'lazy', width: 32, height: 32 });
    const row = element('div', { className: 'cluster-row' }, thumb, name,
      element('small', { textContent: record.size.toLocaleString() }), shareBar(record.size / total, `${(100 * record.size / total).toFixed(1)}% of the map`));
    const item = element('li', { role: 'treeitem' }, row);
    item.dataset.id = record.id;
    if (record.children) {
      const expander = element('button', { type: 'button', className: 'expander', textContent: '▸', ariaLabel: `Show the clusters inside ${record.name}` });
      expander.setAttribute('aria-expanded', 'false');
      expander.addEventListener('click', () => this.expand(item, expander.getAttribute('aria-expanded') !== 'true'));
      row.prepend(expander);
      item.setAttribute('aria-expanded', 'false');
    } else {
      row.prepend(element('span', { className: 'expander' }));
    }
    return item;
  }

  // Shows (or hides) the children of the tree row `item`.
  async expand(item, open) {
    if (!item.hasAttribute('aria-expanded')) return;
    const expander = item.querySelector('.expander');
    expander.setAttribute('aria-expanded', String(open));
    item.setAttribute('aria-expanded', String(open));
    expander.textContent = open ? '▾' : '▸';
    let list = item.querySelector(':scope > ul');
    if (open && !list) {
      const record = await this.clusters.byId(item.dataset.id);
      list = element('ul', { role: 'group' }, ...(await this.clusters.children(record)).map((child) => this.treeRow(child)));
      item.append(list);
    }
    if (list) list.hidden = !open;
  }

  // Shows `record`'s details (or none), opening the tree down to it.
  async show(record) {
    this.selected = record;
    byId('cluster-rename-form').hidden = true;
    const detail = byId('cluster-detail');
    this.tree.querySelectorAll('.current').forEach((row) => row.classList.remove('current'));
    if (!record) {
      detail.hidden = true;
      return;
    }
    const path = await this.clusters.path(record);
    if (this.selected !== record) return;
    byId('cluster-title').textContent = record.name;
    byId('cluster-path').replaceChildren(...path.slice(0, -1).flatMap((ancestor) => {
      const link = element('button', { type: 'button', textContent: ancestor.name });
      link.addEventListener('click', () => this.select(ancestor));
      return [link, ' › '];
    }));
    const share = (100 * record.size) / this.site.index.count;
    byId('cluster-size').textContent = `${count(record.size)}, ${share < 1 ? share.toFixed(2) : share.toFixed(1)}% of the map`;
    byId('cluster-examples').replaceChildren(...record.examples.map((src) => element('img', { src, alt: '', width: 72, height: 72 })));
    const children = await this.clusters.children(record);
    if (this.selected !== record) return;
    byId('cluster-children-box').hidden = children.length === 0;
    byId('cluster-children').replaceChildren(...children.map((child) => {
      const link = element('button', { type: 'button', className: 'cluster-name', textContent: child.name });
      link.addEventListener('click', () => this.select(child));
      return element('li', {}, link, element('small', { textContent: child.size.toLocaleString() }), shareBar(child.size / record.size, ''));
    }));
    detail.hidden = false;
    this.showBreakdown();
    await this.reveal(path);
    this.element.scrollTop = 0;
  }

  // Opens the tree down to the last cluster of `path`, marks it and shows its children.
  async reveal(path) {
    await this.rendered;
    let scope = this.tree;
    for (const [depth, record] of path.entries()) {
      const item = [...scope.children].find((li) => li.dataset.id === record.id);
      if (!item) return;
      await this.expand(item, true);
      if (depth === path.length - 1) {
        item.querySelector('.cluster-row').classList.add('current');
        return;
      }
      scope = item.querySelector(':scope > ul');
    }
  }

  // The Rename button and its form: the name goes into this browser's storage, onto the map
  // at once, and into the names CSV; an empty name gives back the built one.
  setupRename() {
    const form = byId('cluster-rename-form'), input = byId('cluster-rename-input');
    byId('cluster-rename').addEventListener('click', () => {
      input.value = this.selected?.name || '';
      form.hidden = false;
      input.focus();
      input.select();
    });
    byId('cluster-rename-cancel').addEventListener('click', () => { form.hidden = true; });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      form.hidden = true;
      const record = this.selected;
      if (!record) return;
      this.clusters.rename(record, input.value);
      byId('cluster-title').textContent = record.name;
      this.tree.querySelectorAll(`li[data-id="${CSS.escape(record.id)}"] > .cluster-row .cluster-name`)
        .forEach((button) => { button.textContent = record.name; });
      this.renamed();
    });
  }

  // The counts of the chosen column's values inside the selected cluster.
  async showBreakdown() {
    const record = this.selected;
    const { facets } = this.site.index;
    if (!record || facets.length === 0) return;
    const facet = facets[Number(byId('cluster-column').value) || 0];
    const values = await this.clusters.breakdown(record, facet);
    if (this.selected !== record) return;
    const list = byId('cluster-breakdown');
    const shown = values.slice(0, BREAKDOWN_LIMIT);
    list.replaceChildren(...shown.map(({ value, count: n }) => element('li', {},
      element('span', { textContent: value }), element('small', { textContent: n.toLocaleString() }), shareBar(n / record.size, `${(100 * n / record.size).toFixed(1)}%`))));
    if (values.length > shown.length) list.append(element('li', { className: 'more', textContent: `and ${values.length - shown.length} more values` }));
  }

  async downloadNames() {
    download(new Blob([await this.clusters.namesCsv()], { type: 'text/csv' }), 'cluster-names.csv');
  }

  // The breadcrumb of the clusters holding `cell`, down to level `depth`.
  async showBreadcrumb(cell, depth) {
    const path = [];
    for (let level = 0; cell >= 0 && level <= depth; level++) {
      const record = await this.clusters.at(cell, level);
      if (!record) break;
      path.push(record);
    }
    this.crumbs.hidden = path.length === 0;
    this.crumbs.replaceChildren(...path.flatMap((record, i) => {
      const link = element('button', { type: 'button', textContent: record.name, title: `${record.name}: ${count(record.size)}` });
      link.addEventListener('click', () => this.select(record));
      return i === 0 ? [link] : [element('span', { textContent: '›', ariaHidden: 'true' }), link];
    }));
  }
}
