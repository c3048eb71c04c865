// The search box and the filter panel. Both report what should stand out on the map as a
// per-cell array (1 = shown), and leave drawing and flying to the viewer.

const LIST_LIMIT = 30;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, attributes);
  node.append(...children);
  return node;
}

// Search by title and metadata: results listed under the box, hits highlighted through
// `show(cells | null)`, and `pick(cell)` on Enter or a click on a result.
export function setupSearch(site, { show, pick }) {
  const input = document.getElementById('search');
  const box = document.getElementById('results');
  const list = document.getElementById('results-list');
  const count = document.getElementById('results-count');
  let hits = null;
  let active = 0;
  let ran = '';
  let pending = Promise.resolve();
  let generation = 0;
  let timer = 0;

  function highlight(index) {
    const rows = list.children;
    if (rows.length === 0) return;
    active = (index + rows.length) % rows.length;
    [...rows].forEach((row, i) => row.classList.toggle('active', i === active));
    rows[active].scrollIntoView({ block: 'nearest' });
  }

  async function run(query) {
    const mine = ++generation;
    ran = query;
    const found = await site.search(query);
    if (mine !== generation) return;
    hits = found;
    show(found);
    if (!found) {
      box.hidden = true;
      return;
    }
    const n = found.length;
    count.textContent = n === 0 ? 'No matches' : `${n.toLocaleString()} ${n === 1 ? 'match' : 'matches'}${n > LIST_LIMIT ? `, first ${LIST_LIMIT} listed` : ''}`;
    const cells = Array.from(found.subarray(0, LIST_LIMIT));
    const records = await Promise.all(cells.map((cell) => site.record(cell)));
    if (mine !== generation) return;
    list.replaceChildren(...records.map((record, i) => {
      const row = element('li', {}, element('span', { textContent: record.title }), element('small', { textContent: record.file }));
      row.dataset.cell = cells[i];
      row.addEventListener('mousedown', (e) => {
        e.preventDefault();
        input.blur();
        pick(cells[i]);
      });
      return row;
    }));
    box.hidden = false;
    highlight(0);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => { pending = run(input.value); }, 120);
  }

  async function choose() {
    clearTimeout(timer);
    if (ran !== input.value) pending = run(input.value);
    await pending;
    if (!hits || hits.length === 0) return;
    input.blur();
    pick(hits[Math.min(active, hits.length - 1)]);
  }

  function clear() {
    input.value = '';
    pending = run('');
    input.blur();
  }

  input.addEventListener('input', schedule);
  input.addEventListener('focus', () => { if (hits) box.hidden = false; });
  input.addEventListener('blur', () => { box.hidden = true; });
  input.addEventListener('keydown', (e) => {
    const keys = {
      Enter: choose,
      ArrowDown: () => highlight(active + 1),
      ArrowUp: () => highlight(active - 1),
      Escape: clear,
    };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
    }
  });
  return {
    run(query) {
      input.value = query;
      clearTimeout(timer);
      pending = run(query);
      return pending;
    },
  };
}

// Facet checkboxes and a year range, when the data has them; `show(cells | null)` gets the
// cells that pass every active filter.
export function setupFilters(site, { show }) {
  const { facets, years } = site.index;
  const form = document.getElementById('filters');
  const toggle = document.getElementById('filters-toggle');
  if (facets.length === 0 && !years) return;
  toggle.hidden = false;
  toggle.addEventListener('click', () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
  });
  for (const facet of facets) {
    const options = facet.values.map((value, code) => element('label', {},
      element('input', { type: 'checkbox', name: `facet-${facet.column}`, value: code }),
      ` ${value} `, element('small', { textContent: facet.counts[code].toLocaleString() })));
    form.append(element('fieldset', {}, element('legend', { textContent: facet.name }), ...options));
  }
  let range = null;
  if (years) {
    const slider = (name, value) => element('input', { type: 'range', name, min: years.min, max: years.max, defaultValue: value, value });
    range = { from: slider('year-from', years.min), to: slider('year-to', years.max), text: element('output') };
    form.append(element('fieldset', { className: 'years' }, element('legend', { textContent: years.name }), range.text, range.from, range.to));
  }
  const reset = element('button', { type: 'reset', textContent: 'Clear filters' });
  form.append(reset);

  let generation = 0;
  async function apply() {
    const mine = ++generation;
    const chosen = facets.map((facet) => new Set(
      [...form.querySelectorAll(`input[name="facet-${facet.column}"]:checked`)].map((box) => Number(box.value))));
    let span = null;
    if (range) {
      let lo = Number(range.from.value), hi = Number(range.to.value);
      if (lo > hi) [lo, hi] = [hi, lo];
      range.text.textContent = `${lo} – ${hi}`;
      if (lo > years.min || hi < years.max) span = [lo, hi];
    }
    const used = facets.map((facet, k) => [facet, chosen[k]]).filter(([, set]) => set.size > 0);
    if (used.length === 0 && !span) {
      show(null);
      return;
    }
    const codes = await Promise.all(used.map(([facet]) => site.filterCodes(facet.file, Uint8Array)));
    const yearCodes = span ? await site.filterCodes(years.file, Int16Array) : null;
    if (mine !== generation) return;
    const pass = new Uint8Array(site.cells);
    for (let cell = 0; cell < site.cells; cell++) {
      let ok = yearCodes ? yearCodes[cell] >= span[0] && yearCodes[cell] <= span[1] : true;
      for (let k = 0; ok && k < used.length; k++) ok = used[k][1].has(codes[k][cell]);
      pass[cell] = ok ? 1 : 0;
    }
    show(pass);
  }
  form.addEventListener('input', apply);
  form.addEventListener('reset', () => setTimeout(apply));
  form.addEventListener('submit', (e) => e.preventDefault());
  if (range) range.text.textContent = `${years.min} – ${years.max}`;
}
