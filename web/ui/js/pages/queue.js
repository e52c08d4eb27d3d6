// The work queue. Staff open on "My work": the cases their role can act on
// (GET /cases?actionable=me), their own first, then the unclaimed ones with
// a Claim button; "All cases" has every filter and the prefix search on
// order and tracking numbers. Sorted by the earliest deadline, a live
// countdown each, paged by cursor; checked for new cases every 30 s and on
// returning to the tab, announced without moving the person's place.
// J/K move, Enter opens, C claims. Buyers see their own cases here.
import {h, fill} from '../dom.js';
import {t, word, list} from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import {pageHeader, dataTable, stateBadge, errorBox, loading, field, select, button, who, caseLink, alertBox} from '../components.js';
import {userNames} from '../lookups.js';
import {setPageKeys} from '../shortcuts.js';
import * as worklist from '../worklist.js';
import {countdown, nextDeadline, urgency} from '../countdown.js';
import {money, dateTime} from '../format.js';
import {STATES, OPEN_STATES, TYPES} from '../states.js';
import {riskBadge} from '../risk.js';

const PAGE_SIZE = 50;
const CHECK_EVERY_MS = 30000;

// What each role can act on, first (the issue's "My work"); `split`: own
// cases, then the unclaimed ones to claim.
const MY_WORK = {
  agent: {states: ['requested', 'negotiating', 'inspection_failed'], split: true},
  supervisor: {states: ['pending_approval'], split: false},
  manager: {states: ['escalated'], split: false},
  warehouse: {states: ['awaiting_return', 'return_in_transit', 'replacement_pending'], split: false},
  finance: {states: ['refunding'], split: false},
};
// Roles that may take a case by assigning it to themselves (SPEC §4: assign
// is supervisor+; the case's allowed_actions decide, row by row).
const CLAIMERS = ['supervisor', 'manager'];

// The filters as the page's hash keeps them.
function readFilters(query) {
  return {
    state: query.get('state') || 'open',
    type: query.get('type') || '',
    assignee: query.get('assignee') || '',
    breached: query.get('breached') === 'true',
    flagged: query.get('risk') === 'flagged',
    order_id: query.get('order_id') || '',
    search: query.get('search') || '',
    sort: query.get('sort') === 'created_at' ? 'created_at' : 'due_at',
  };
}

function apiParams(f) {
  return {
    state: f.state === 'open' ? OPEN_STATES.join(',') : f.state === 'all' ? '' : f.state,
    type: f.type,
    assignee: f.assignee,
    breached: f.breached ? 'true' : '',
    risk: f.flagged ? 'flagged' : '',
    order_id: f.order_id.trim(),
    search: f.search.trim(),
    sort: f.sort,
    limit: PAGE_SIZE,
  };
}

export function rowUrgency(c) {
  const next = nextDeadline(c.deadlines);
  if (c.deadlines && c.deadlines.some((d) => d.breached)) return 'breached';
  return next ? urgency(next) : 'ok';
}

// The columns of a case list; `extra` columns go before the deadline.
export function caseColumns(extra = []) {
  return [
    {label: t('case.case'), cell: caseCell, key: 'case'},
    {label: t('case.type'), cell: (c) => word('type', c.type)},
    {label: t('case.state'), cell: (c) => stateBadge(c.state)},
    {label: t('case.reason'), cell: (c) => word('reason', c.reason)},
    {label: t('case.amount'), class: 'num', cell: amountCell},
    ...extra,
    {label: t('case.next_deadline'), cell: deadlineCell},
  ];
}

// The case number, its risk badge when flagged, and its order.
function caseCell(c) {
  const risk = riskBadge(c);
  return h('div', {}, caseLink(c.id), risk ? [' ', risk] : null, h('div', {class: 'muted small'}, t('case.order_short', {id: c.order_id})));
}

// The money at stake; an exchange without refund shows its type instead.
function amountCell(c) {
  const amount = c.agreed_amount ?? c.requested_amount;
  if (c.type === 'exchange' && !amount) return h('span', {class: 'muted'}, t('case.replacement'));
  return money(amount, c.currency);
}

export function deadlineCell(c) {
  const next = nextDeadline(c.deadlines);
  if (!next) return h('span', {class: 'muted'}, '—');
  return h(
    'div',
    {class: 'deadline-cell'},
    h('span', {class: 'small'}, word('deadline', next.kind)),
    ' ',
    countdown(next),
    c.deadlines.some((d) => d.breached) ? h('span', {class: 'badge badge-danger'}, t('deadline.breached')) : null,
  );
}

export async function queuePage(view, {query, navigate}) {
  const me = session.user();
  const buyer = session.hasRole('buyer');
  const work = MY_WORK[me.role];
  const names = await userNames();
  const filters = readFilters(query);
  const mode = work && query.get('view') !== 'all' && !filters.search ? 'mine' : 'all';
  const results = h('div', {'aria-live': 'polite'});
  const notice = h('div', {class: 'new-cases', 'aria-live': 'polite'});
  // Sections shown: [{title, items, cursor, params}]
  let sections = [];
  let current = -1;  // the row J/K have reached

  const assigneeName = (c) => (c.assignee ? who(c.assignee, names) : h('span', {class: 'muted'}, t('common.nobody')));

  function claimCell(c) {
    if (c.assignee || !session.hasRole(...CLAIMERS) || !c.allowed_actions.includes('assign')) return c.assignee ? assigneeName(c) : null;
    return h('button', {type: 'button', class: 'btn btn-small btn-primary claim', dataset: {caseId: c.id}, onclick: () => claim(c)}, t('queue.claim'));
  }

  async function claim(c) {
    try {
      await api.post(`/cases/${encodeURIComponent(c.id)}/actions/assign`, {expected_version: c.version, assignee: me.id}, {key: api.idempotencyKey()});
      await load();
      fill(notice, alertBox('success', t('queue.claimed', {id: c.id})));
    } catch (e) {
      results.prepend(errorBox(e));
    }
  }

  function rows() {
    return [...results.querySelectorAll('tbody tr')];
  }

  function mark(i) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((tr, k) => tr.classList.toggle('current', k === current));
    all[current].setAttribute('tabindex', '-1');
    all[current].focus({preventScroll: false});
  }

  setPageKeys({
    j: () => mark(current + 1),
    k: () => mark(current - 1),
    enter: () => {
      const tr = rows()[current];
      const a = tr && tr.querySelector('a[href^="#/cases/"]');
      if (a) a.click();
    },
    c: () => {
      const tr = rows()[current];
      const b = tr && tr.querySelector('button.claim');
      if (b) b.click();
    },
    '/': () => searchInput.focus(),
  }, view);

  // --- All cases: the filters ----------------------------------------------
  const stateSel = select(
    [['open', t('queue.open_cases')], ['all', t('queue.all_states')], ...STATES.map((s) => [s, word('state', s)])],
    {value: filters.state},
  );
  const typeSel = select([['', t('queue.any_type')], ...TYPES.map((x) => [x, word('type', x)])], {value: filters.type});
  const assigneeSel = select(
    [['', t('queue.anyone')], ['me', t('queue.assigned_to_me')], ['none', t('queue.unassigned')]],
    {value: filters.assignee},
  );
  const breachedBox = h('input', {type: 'checkbox', checked: filters.breached});
  const flaggedBox = h('input', {type: 'checkbox', checked: filters.flagged, name: 'risk'});
  const searchInput = h('input', {type: 'search', value: filters.search || filters.order_id, autocomplete: 'off', spellcheck: 'false', placeholder: 'SO… / SF…', 'aria-keyshortcuts': '/'});
  const sortSel = select([['due_at', t('queue.sort_due')], ['created_at', t('queue.sort_created')]], {value: filters.sort});

  function current_filters() {
    return {
      state: stateSel.value,
      type: typeSel.value,
      assignee: buyer ? '' : assigneeSel.value,
      breached: breachedBox.checked,
      flagged: buyer ? false : flaggedBox.checked,
      order_id: '',
      search: searchInput.value,
      sort: sortSel.value,
    };
  }

  function rememberFilters(f) {
    const q = new URLSearchParams();
    if (work) q.set('view', 'all');
    if (f.state !== 'open') q.set('state', f.state);
    for (const k of ['type', 'assignee', 'search']) if (f[k]) q.set(k, f[k].trim());
    if (f.breached) q.set('breached', 'true');
    if (f.flagged) q.set('risk', 'flagged');
    if (f.sort !== 'due_at') q.set('sort', f.sort);
    const s = q.toString();
    history.replaceState(null, '', `#/queue${s ? `?${s}` : ''}`);
  }

  function sectionParams() {
    if (mode === 'all') return [{title: null, params: apiParams(current_filters())}];
    const base = {actionable: 'me', state: work.states.join(','), sort: 'due_at', limit: PAGE_SIZE};
    if (!work.split) return [{title: null, params: base}];
    // Only supervisors and managers assign (SPEC §4): for agents the second
    // list is the unassigned cases they may take up, without a Claim button.
    const claims = session.hasRole(...CLAIMERS);
    return [
      {title: t('queue.mine'), params: {...base, assignee: 'me'}, empty: t('queue.mine_empty')},
      {title: t(claims ? 'queue.to_claim' : 'queue.unassigned_list'), params: {...base, assignee: 'none'}, empty: t('queue.to_claim_empty')},
    ];
  }

  function renderResults() {
    const assigneeCol = buyer ? [] : [{label: t('case.assignee'), cell: (c) => (c.assignee ? assigneeName(c) : claimCell(c)), key: 'assignee'}];
    const total = sections.reduce((n, s) => n + s.items.length, 0);
    fill(
      results,
      h('p', {class: 'muted small'}, t('queue.showing', {n: total})),
      sections.map((s, i) => [
        s.title ? h('h2', {class: 'section-title'}, s.title, ' ', h('span', {class: 'count'}, String(s.items.length) + (s.cursor ? '+' : ''))) : null,
        dataTable({
          columns: caseColumns(assigneeCol),
          rows: s.items,
          empty: s.empty || t(mode === 'mine' ? 'queue.nothing_to_do' : 'queue.empty'),
          caption: s.title || t('nav.queue'),
          rowClass: (c) => `urgency-${rowUrgency(c)}`,
          rowData: (c) => ({caseId: c.id}),
        }),
        s.cursor ? h('div', {class: 'more'}, button(t('queue.load_more'), (e) => loadMore(e, i))) : null,
      ]),
    );
    if (view.isConnected) worklist.remember(sections.flatMap((s) => s.items.map((c) => c.id)));
    current = -1;
  }

  async function fetchSections() {
    return Promise.all(
      sectionParams().map(async (s) => {
        const page = await api.get(`/cases${api.query(s.params)}`);
        return {...s, items: page.items, cursor: page.next_cursor};
      }),
    );
  }

  // Only the latest load shows, and only while the page is shown: a slower
  // earlier load (other filters) must not replace the list, nor, once the
  // person has opened a case, the worklist its "next" is taken from.
  let loads = 0;
  async function load() {
    if (!view.isConnected) return;  // a late timer of a page already left
    const seq = ++loads;
    if (mode === 'all') rememberFilters(current_filters());
    fill(results, loading());
    notice.replaceChildren();
    try {
      const fresh = await fetchSections();
      if (seq !== loads || !view.isConnected) return;
      sections = fresh;
      renderResults();
    } catch (e) {
      if (seq === loads) fill(results, errorBox(e));
    }
  }

  async function loadMore(e, i) {
    e.target.disabled = true;
    const s = sections[i];
    try {
      const page = await api.get(`/cases${api.query({...s.params, cursor: s.cursor})}`);
      s.items = s.items.concat(page.items);
      s.cursor = page.next_cursor;
      renderResults();
    } catch (err) {
      results.append(errorBox(err));
    }
  }

  // New cases: fetched quietly and announced; shown when the person asks,
  // so that the row they are on does not move under them.
  async function checkForNew() {
    if (!view.isConnected || !sections.length) return;
    try {
      const fresh = await fetchSections();
      const shown = new Set(sections.flatMap((s) => s.items.map((c) => c.id)));
      const added = fresh.flatMap((s) => s.items).filter((c) => !shown.has(c.id)).length;
      if (!added) return;
      fill(
        notice,
        alertBox('info', t('queue.new_cases', {n: added}), ' ', button(t('queue.show_new'), () => {
          const at = rows()[current];
          const id = at ? at.dataset.caseId : null;
          sections = fresh;
          notice.replaceChildren();
          renderResults();
          if (id) mark(rows().findIndex((tr) => tr.dataset.caseId === id));
        }, {kind: 'primary'})),
      );
    } catch (e) {
      // checked again later
    }
  }
  const timer = setInterval(() => (view.isConnected ? checkForNew() : clearInterval(timer)), CHECK_EVERY_MS);
  const onFocus = () => (view.isConnected ? checkForNew() : window.removeEventListener('focus', onFocus));
  window.addEventListener('focus', onFocus);

  let typing = null;
  for (const el of [stateSel, typeSel, assigneeSel, breachedBox, flaggedBox, sortSel]) el.addEventListener('change', load);
  searchInput.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      if (mode === 'mine') navigate(`#/queue?view=all&search=${encodeURIComponent(searchInput.value.trim())}`);
      else load();
    }, 300);
  });

  const searchField = field(t('queue.search'), searchInput, {hint: buyer ? null : t('queue.search_hint')});
  const tabs = work
    ? h(
        'nav',
        {class: 'view-tabs', 'aria-label': t('queue.views')},
        h('a', {href: '#/queue', 'aria-current': mode === 'mine' ? 'page' : null}, t('queue.my_work')),
        h('a', {href: '#/queue?view=all', 'aria-current': mode === 'all' ? 'page' : null}, t('queue.all_cases')),
      )
    : null;
  const filterForm = mode === 'all'
    ? h(
        'form',
        {class: 'filters', role: 'search', 'aria-label': t('queue.filters'), onsubmit: (e) => { e.preventDefault(); load(); }},
        searchField,
        field(t('case.state'), stateSel),
        field(t('case.type'), typeSel),
        buyer ? null : field(t('case.assignee'), assigneeSel),
        field(t('queue.sort'), sortSel),
        h(
          'div',
          {class: 'field field-checks'},
          h('label', {}, breachedBox, ' ', t('queue.only_breached')),
          buyer ? null : h('label', {}, flaggedBox, ' ', t('queue.only_flagged')),
        ),
      )
    : h('form', {class: 'filters', role: 'search', 'aria-label': t('queue.search'), onsubmit: (e) => e.preventDefault()}, searchField,
        h('p', {class: 'muted small my-work-intro'}, t(`queue.my_work_intro.${me.role}`, {states: list(work.states.map((s) => word('state', s)))})));
  fill(
    view,
    pageHeader(buyer ? t('nav.my_cases') : t('nav.queue'), button(t('common.refresh'), load)),
    tabs,
    filterForm,
    h(
      'p',
      {class: 'legend small'},
      h('span', {class: 'legend-item'}, h('span', {class: 'swatch urgency-soon'}), t('queue.legend_soon')),
      h('span', {class: 'legend-item'}, h('span', {class: 'swatch urgency-breached'}), t('queue.legend_breached')),
      h('span', {class: 'legend-item muted'}, h('kbd', {}, '?'), ' ', t('keys.title')),
    ),
    notice,
    results,
  );
  await load();
}
