// The search box and the filter panel. Both report what should stand out on the map as a
// per-cell array (1 = shown), and leave drawing and flying to the viewer. Search lists only
// what the filters leave shown; the filters count what the other filters leave.

import { NO_YEAR, codeArray, countCode, hasChosen, setMask } from './codes.js';
import { element } from './dom.js';

const LIST_LIMIT = 30;
// Milliseconds of typing pause before a search runs.
const TYPING_PAUSE_MS = 120;

// A column name as a heading: `object_type` reads "Object type".
function heading(name) {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}


// Search by title and metadata: results listed under the box, hits highlighted through
// `show(cells | null)`, and `pick(cell)` on Enter or a click on a result; `visible(cell)`
// says whether the filters (and the selected cluster) leave a cell shown, `hiding()` names
// what hides the others ("filters", "the cluster").
export function setupSearch(site, { show, pick, visible, hiding }) {
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

  // Runs `query`: the hits the filters and cluster leave visible, best first, or null (no
  // query, or a later query ran first).
  async function run(query) {
    const mine = ++generation;
    ran = query;
    const found = await site.search(query);
    if (mine !== generation) return null;
    show(found);
    if (!found) {
      hits = null;
      box.hidden = true;
      return null;
    }
    hits = found.filter((cell) => visible(cell));
    hits.viaTags = found.viaTags;
    const hidden = found.length - hits.length;
    const n = hits.length;
    count.textContent = `${n === 0 ? 'No matches' : `${n.toLocaleString()} ${n === 1 ? 'match' : 'matches'}`}`
      + `${hidden > 0 ? ` (${hidden.toLocaleString()} more hidden by ${hiding()})` : ''}${n > LIST_LIMIT ? `, first ${LIST_LIMIT} listed` : ''}`;
    const cells = Array.from(hits.subarray(0, LIST_LIMIT));
    const records = await Promise.all(cells.map((cell) => site.record(cell)));
    const suggestions = found.length === 0 ? await site.suggest(query) : [];
    if (mine !== generation) return null;
    const tagWord = (i) => found.viaTags?.get(cells[i]);
    list.replaceChildren(...records.map((record, i) => resultRow(record.title, record.file, () => pick(cells[i]), '', tagWord(i))),
      ...suggestions.map((word) => resultRow(`Did you mean “${word}”?`, '', () => api.run(word), 'suggestion')));
    // Listed while the box has focus: a search a link applies leaves the map in view.
    box.hidden = document.activeElement !== input;
    highlight(0);
    return hits;
  }

  // A result row; `tag`: the machine tag's word the hit was found through, marked as such.
  function resultRow(title, file, action, className = '', tag = null) {
    const row = element('li', { className }, element('span', { textContent: title }), element('small', { textContent: file }));
    if (tag) row.append(element('small', { className: 'via-tag', textContent: `machine tag: ${tag}` }));
    row.action = action;
    row.addEventListener('mousedown', (e) => {
      e.preventDefault();
      act(row);
    });
    return row;
  }

  function act(row) {
    if (!row.classList.contains('suggestion')) input.blur();
    row.action();
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => { pending = run(input.value); }, TYPING_PAUSE_MS);
  }

  // Enter: the highlighted row (a shown result, or a suggestion).
  async function choose() {
    clearTimeout(timer);
    if (ran !== input.value) pending = run(input.value);
    await pending;
    const row = list.children[active];
    if (row) act(row);
  }

  function clear() {
    input.value = '';
    pending = run('');
    input.blur();
  }

  input.addEventListener('input', schedule);
  input.addEventListener('focus', () => { if (hits) box.hidden = false; });
  // The results stay while focus moves into them (their "Select these" button) and go once
  // it leaves both.
  const leaving = (e) => { if (e.relatedTarget !== input && !box.contains(e.relatedTarget)) box.hidden = true; };
  input.addEventListener('blur', leaving);
  box.addEventListener('focusout', leaving);
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
  const api = {
    run(query) {
      input.value = query;
      clearTimeout(timer);
      pending = run(query);
      return pending;
    },
    // The query that ran, for the URL.
    query: () => ran,
    // The hits the results list shows (those the filters and cluster leave), or null.
    shownHits: () => hits,
    // Lists again with the filters as they are now.
    refresh() {
      if (ran) pending = run(ran);
      return pending;
    },
  };
  return api;
}

// A facet's button that lists its values A–Z, and back by count (most common first, as built).
function sortButton(facet, options) {
  const button = element('button', { type: 'button', className: 'sort', textContent: 'A–Z', title: `List the ${facet.name} values alphabetically` });
  button.setAttribute('aria-pressed', 'false');
  const byName = options.map((label, code) => [facet.values[code], label])
    .sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true, sensitivity: 'base' }))
    .map(([, label]) => label);
  button.addEventListener('click', () => {
    const alphabetical = button.getAttribute('aria-pressed') !== 'true';
    button.setAttribute('aria-pressed', String(alphabetical));
    button.closest('fieldset').append(...(alphabetical ? byName : options));
  });
  return button;
}

// Facet checkboxes and a year range, when the data has them; `show(cells | null)` gets the
// cells that pass every active filter. Each value's count is of the items the other filters
// leave, within what `narrowing()` (search and cluster, as a per-cell mask) leaves. Returns
// { state(), setState(state), close(), recount() } for the URL, the keyboard and the
// viewer, or null.
export function setupFilters(site, { show, narrowing = () => null }) {
  const { facets, years } = site.index;
  const form = document.getElementById('filters');
  const toggle = document.getElementById('filters-toggle');
  if (facets.length === 0 && !years) return null;
  toggle.hidden = false;
  const setOpen = (open) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  };
  toggle.addEventListener('click', () => setOpen(form.hidden));
  const countsOf = facets.map((facet) => {
    const counts = facet.values.map((value, code) => element('small', { textContent: facet.counts[code].toLocaleString() }));
    const options = facet.values.map((value, code) => element('label', {},
      element('input', { type: 'checkbox', name: `facet-${facet.column}`, value: code }), ` ${value} `, counts[code]));
    const fieldset = element('fieldset', {}, element('legend', {}, heading(facet.name), sortButton(facet, options)), ...options);
    form.append(fieldset);
    return counts;
  });
  let range = null;
  if (years) {
    const slider = (name, value, label) => element('input', { type: 'range', name, min: years.min, max: years.max, defaultValue: value, value, ariaLabel: label });
    range = { from: slider('year-from', years.min, `${heading(years.name)} from`), to: slider('year-to', years.max, `${heading(years.name)} to`), text: element('output') };
    // First, so that the slider is in view however many facets follow.
    form.prepend(element('fieldset', { className: 'years' }, element('legend', { textContent: heading(years.name) }), range.text, range.from, range.to));
  }
  form.append(element('button', { type: 'reset', textContent: 'Clear filters' }), ' ',
    element('button', { type: 'button', id: 'filters-select', textContent: 'Select these' }));

  const chosen = () => facets.map((facet) => new Set(
    [...form.querySelectorAll(`input[name="facet-${facet.column}"]:checked`)].map((box) => Number(box.value))));
  function span() {
    if (!range) return null;
    let lo = Number(range.from.value), hi = Number(range.to.value);
    if (lo > hi) [lo, hi] = [hi, lo];
    range.text.textContent = `${lo} – ${hi}`;
    return lo > years.min || hi < years.max ? [lo, hi] : null;
  }

  // The filters' cells and each value's count among the cells the other filters pass,
  // within what search and the cluster leave (`narrowing()`: a per-cell mask, or null).
  async function compute() {
    const sets = chosen(), yearSpan = span();
    const active = sets.some((set) => set.size > 0) || Boolean(yearSpan);
    const narrow = narrowing();
    if (!active && !narrow) return { active, pass: null, counts: facets.map((facet) => facet.counts) };
    const codes = await Promise.all(facets.map((facet) => site.filterCodes(facet.file, codeArray(facet))));
    const yearCodes = yearSpan ? await site.filterCodes(years.file, Int16Array) : null;
    return { active, ...passing(sets, codes, yearSpan, yearCodes, narrow) };
  }

  // Counts and the cells shown follow only the latest change: a slow computation that a
  // newer one overtook writes nothing.
  let shownGeneration = 0, countGeneration = 0;
  const writeCounts = (counts) => counts.forEach((list, k) => list.forEach((n, code) => { countsOf[k][code].textContent = n.toLocaleString(); }));
  async function apply() {
    const shown = ++shownGeneration, counted = ++countGeneration;
    const result = await compute();
    if (counted === countGeneration) writeCounts(result.counts);
    if (shown === shownGeneration) show(result.active ? result.pass : null);
  }
  async function recount() {
    const counted = ++countGeneration;
    const result = await compute();
    if (counted === countGeneration) writeCounts(result.counts);
  }

  // The cells passing every filter, and each facet value's count among the cells the other
  // filters pass (and `narrow` leaves, when set).
  function passing(sets, codes, yearSpan, yearCodes, narrow) {
    const pass = new Uint8Array(site.cells);
    const counts = facets.map((facet) => new Array(facet.values.length).fill(0));
    const fails = new Array(facets.length);
    const masks = sets.map((set) => setMask(set));
    for (let cell = 0; cell < site.cells; cell++) {
      if (site.isOccupied(cell) === false) continue;
      const year = yearCodes ? yearCodes[cell] : NO_YEAR;
      const yearFails = yearCodes ? !(year !== NO_YEAR && year >= yearSpan[0] && year <= yearSpan[1]) : false;
      let failed = yearFails ? 1 : 0;
      for (let k = 0; k < facets.length; k++) {
        fails[k] = sets[k].size > 0 && !hasChosen(facets[k], sets[k], masks[k], codes[k][cell]);
        if (fails[k]) failed++;
      }
      if (failed === 0) pass[cell] = 1;
      if (narrow && !narrow[cell]) continue;
      for (let k = 0; k < facets.length; k++) {
        if (failed - (fails[k] ? 1 : 0) === 0) countCode(facets[k], codes[k][cell], counts[k]);
      }
    }
    return { pass, counts };
  }

  form.addEventListener('input', apply);
  form.addEventListener('reset', () => setTimeout(apply));
  form.addEventListener('submit', (e) => e.preventDefault());
  if (range) range.text.textContent = `${years.min} – ${years.max}`;
  return {
    get open() { return !form.hidden; },
    close() { setOpen(false); toggle.focus(); },
    // Closes the filters where focus is elsewhere (another panel taking its turn).
    hide() { setOpen(false); },
    // Counts again after search or the cluster changed what is left.
    recount,
    // The active filters as URL text: `column:code.code;…` and `from-to`, or '' when none.
    state() {
      const sets = chosen();
      const facetText = facets.map((facet, k) => (sets[k].size ? `${facet.column}:${[...sets[k]].join('.')}` : '')).filter(Boolean).join(';');
      const s = span();
      return { facets: facetText, years: s ? `${s[0]}-${s[1]}` : '' };
    },
    // Shows only the values `codes` of the facet of column `column`, other filters kept.
    only(column, codes) {
      const wanted = new Set(codes.map(String));
      for (const box of form.querySelectorAll(`input[name="facet-${column}"]`)) box.checked = wanted.has(box.value);
      return apply();
    },
    // Applies URL text made by `state`.
    setState({ facets: facetText = '', years: yearText = '' }) {
      const wanted = new Map(facetText.split(';').filter(Boolean).map((part) => {
        const [column, codes] = part.split(':');
        return [column, new Set((codes || '').split('.'))];
      }));
      for (const facet of facets) {
        for (const box of form.querySelectorAll(`input[name="facet-${facet.column}"]`)) box.checked = wanted.get(String(facet.column))?.has(box.value) ?? false;
      }
      if (range) {
        const [lo, hi] = yearText.split('-').map(Number);
        const ok = Number.isFinite(lo) && Number.isFinite(hi) && yearText;
        range.from.value = ok ? lo : years.min;
        range.to.value = ok ? hi : years.max;
      }
      return apply();
    },
  };
}
