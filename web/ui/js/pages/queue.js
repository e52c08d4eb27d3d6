// The work queue: cases filtered by state, type, assignee, breach and risk,
// sorted by their earliest deadline, with a live countdown each, paged by
// cursor. Buyers see their own cases here.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import {pageHeader, dataTable, stateBadge, errorBox, loading, field, select, button, who, caseLink} from '../components.js';
import {countdown, nextDeadline, urgency} from '../countdown.js';
import {money, dateTime} from '../format.js';
import {STATES, OPEN_STATES, TYPES} from '../states.js';
import {riskBadge} from '../risk.js';

const PAGE_SIZE = 50;

// The filters as the page's hash keeps them.
function readFilters(query) {
  return {
    state: query.get('state') || 'open',
    type: query.get('type') || '',
    assignee: query.get('assignee') || '',
    breached: query.get('breached') === 'true',
    flagged: query.get('risk') === 'flagged',
    order_id: query.get('order_id') || '',
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
    {label: t('case.case'), cell: caseCell},
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

export async function queuePage(view, {query}) {
  const buyer = session.hasRole('buyer');
  const filters = readFilters(query);
  const results = h('div', {'aria-live': 'polite'});
  let items = [];
  let cursor = null;

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
  const orderInput = h('input', {type: 'search', value: filters.order_id, autocomplete: 'off', placeholder: 'SO…'});
  const sortSel = select([['due_at', t('queue.sort_due')], ['created_at', t('queue.sort_created')]], {value: filters.sort});

  function current() {
    return {
      state: stateSel.value,
      type: typeSel.value,
      assignee: buyer ? '' : assigneeSel.value,
      breached: breachedBox.checked,
      flagged: buyer ? false : flaggedBox.checked,
      order_id: orderInput.value,
      sort: sortSel.value,
    };
  }

  function rememberFilters(f) {
    const q = new URLSearchParams();
    if (f.state !== 'open') q.set('state', f.state);
    for (const k of ['type', 'assignee', 'order_id']) if (f[k]) q.set(k, f[k].trim());
    if (f.breached) q.set('breached', 'true');
    if (f.flagged) q.set('risk', 'flagged');
    if (f.sort !== 'due_at') q.set('sort', f.sort);
    const s = q.toString();
    history.replaceState(null, '', `#/queue${s ? `?${s}` : ''}`);
  }

  function renderResults() {
    const assigneeCol = buyer ? [] : [{label: t('case.assignee'), cell: (c) => (c.assignee ? who(c.assignee) : h('span', {class: 'muted'}, t('common.nobody')))}];
    fill(
      results,
      h('p', {class: 'muted small'}, t('queue.showing', {n: items.length})),
      dataTable({
        columns: caseColumns(assigneeCol),
        rows: items,
        empty: t('queue.empty'),
        caption: t('nav.queue'),
        rowClass: (c) => `urgency-${rowUrgency(c)}`,
      }),
      cursor ? h('div', {class: 'more'}, button(t('queue.load_more'), loadMore)) : null,
    );
  }

  async function load() {
    if (!view.isConnected) return;  // a late timer of a page already left
    const f = current();
    rememberFilters(f);
    fill(results, loading());
    try {
      const page = await api.get(`/cases${api.query(apiParams(f))}`);
      items = page.items;
      cursor = page.next_cursor;
      renderResults();
    } catch (e) {
      fill(results, errorBox(e));
    }
  }

  async function loadMore(e) {
    e.target.disabled = true;
    try {
      const page = await api.get(`/cases${api.query({...apiParams(current()), cursor})}`);
      items = items.concat(page.items);
      cursor = page.next_cursor;
      renderResults();
    } catch (err) {
      results.append(errorBox(err));
    }
  }

  let typing = null;
  for (const el of [stateSel, typeSel, assigneeSel, breachedBox, flaggedBox, sortSel]) el.addEventListener('change', load);
  orderInput.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(load, 300);
  });

  const filterForm = h(
    'form',
    {class: 'filters', role: 'search', 'aria-label': t('queue.filters'), onsubmit: (e) => { e.preventDefault(); load(); }},
    field(t('case.state'), stateSel),
    field(t('case.type'), typeSel),
    buyer ? null : field(t('case.assignee'), assigneeSel),
    field(t('case.order'), orderInput),
    field(t('queue.sort'), sortSel),
    h(
      'div',
      {class: 'field field-checks'},
      h('label', {}, breachedBox, ' ', t('queue.only_breached')),
      buyer ? null : h('label', {}, flaggedBox, ' ', t('queue.only_flagged')),
    ),
  );
  fill(
    view,
    pageHeader(buyer ? t('nav.my_cases') : t('nav.queue'), button(t('common.refresh'), load)),
    filterForm,
    h(
      'p',
      {class: 'legend small'},
      h('span', {class: 'legend-item'}, h('span', {class: 'swatch urgency-soon'}), t('queue.legend_soon')),
      h('span', {class: 'legend-item'}, h('span', {class: 'swatch urgency-breached'}), t('queue.legend_breached')),
    ),
    results,
  );
  await load();
}
