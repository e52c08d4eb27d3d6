// Warehouse: returns on their way and expected, found by the start of the
// tracking or order number (GET /cases?search=), received with the
// inspection form; replacements to ship; repairs in the workshop (SPEC §12).
import {h, fill} from '../dom.js';
import {t, word, list} from '../i18n.js';
import {carrierName} from '../carriers.js';
import * as worklist from '../worklist.js';
import * as api from '../api.js';
import {pageHeader, card, dataTable, stateBadge, errorBox, field, button, caseLink} from '../components.js';
import {deadlineCell, rowUrgency} from './queue.js';
import {dateTime} from '../format.js';
import {latestProgress} from '../repair.js';

// repairing and repair_ready are states of repair cases only.
const STATES = 'return_in_transit,awaiting_return,replacement_pending,repairing,repair_ready';

// What was typed, without spaces (scanners and people add them).
function normalise(s) {
  return String(s || '').replace(/\s+/g, '');
}

function actionLink(c, action) {
  if (!c.allowed_actions.includes(action)) return null;
  return h('a', {class: 'btn btn-primary btn-small', href: `#/cases/${encodeURIComponent(c.id)}?action=${action}&back=warehouse`}, word('action', action));
}

function returnColumns() {
  return [
    {label: t('case.case'), cell: (c) => h('div', {}, caseLink(c.id), h('div', {class: 'muted small'}, word('type', c.type)))},
    {label: t('shipment.tracking_no'), cell: (c) => (c.return_shipment ? h('div', {}, h('span', {class: 'mono'}, c.return_shipment.tracking_no), h('div', {class: 'muted small'}, carrierName(c.return_shipment.carrier))) : h('span', {class: 'muted'}, t('warehouse.not_shipped')))},
    {label: t('shipment.shipped_at'), cell: (c) => (c.return_shipment ? dateTime(c.return_shipment.shipped_at) : '—')},
    {label: t('shipment.delivered_at'), cell: (c) => (c.return_shipment && c.return_shipment.delivered_at ? dateTime(c.return_shipment.delivered_at) : '—')},
    {label: t('warehouse.units'), class: 'num', cell: (c) => String(c.lines.reduce((n, l) => n + l.qty, 0))},
    {label: t('case.next_deadline'), cell: deadlineCell},
    {label: t('common.action'), cell: (c) => actionLink(c, 'receive')},
  ];
}

export async function warehousePage(view, {query}) {
  const search = h('input', {type: 'search', autocomplete: 'off', value: query.get('q') || '', placeholder: 'SF1402…'});
  const results = h('div', {'aria-live': 'polite'});
  let cases = [];

  let needle = normalise(search.value);
  function render() {
    const pick = (state) => cases.filter((c) => c.state === state);
    const inTransit = pick('return_in_transit');
    const expected = pick('awaiting_return');
    const toShip = pick('replacement_pending');
    const inRepair = cases.filter((c) => c.state === 'repairing' || c.state === 'repair_ready');
    const rowClass = (c) => `urgency-${rowUrgency(c)}`;
    fill(
      results,
      needle ? h('p', {class: 'muted'}, t('warehouse.found', {n: inTransit.length + expected.length + toShip.length + inRepair.length})) : null,
      card(t('warehouse.in_transit', {n: inTransit.length}), dataTable({columns: returnColumns(), rows: inTransit, empty: t('warehouse.none_in_transit'), rowClass})),
      card(t('warehouse.expected', {n: expected.length}), dataTable({columns: returnColumns(), rows: expected, empty: t('warehouse.none_expected'), rowClass})),
      card(
        t('warehouse.to_ship', {n: toShip.length}),
        dataTable({
          columns: [
            {label: t('case.case'), cell: (c) => caseLink(c.id)},
            {label: t('case.state'), cell: (c) => stateBadge(c.state)},
            {label: t('order.replacement_sku'), cell: (c) => list(c.lines.map((l) => `${l.replacement_sku || '—'} × ${l.qty}`))},
            {label: t('shipment.received_at'), cell: (c) => (c.return_shipment && c.return_shipment.received_at ? dateTime(c.return_shipment.received_at) : '—')},
            {label: t('case.next_deadline'), cell: deadlineCell},
            {label: t('common.action'), cell: (c) => actionLink(c, 'ship_replacement')},
          ],
          rows: toShip,
          empty: t('warehouse.none_to_ship'),
          rowClass,
        }),
      ),
      card(
        t('repair.workshop', {n: inRepair.length}),
        dataTable({
          columns: [
            {label: t('case.case'), cell: (c) => h('div', {}, caseLink(c.id), h('div', {class: 'muted small'}, c.order_id))},
            {label: t('case.state'), cell: (c) => stateBadge(c.state)},
            {label: t('repair.latest'), key: 'latest', cell: latestProgress},
            {label: t('repair.attempt_label'), key: 'attempt', cell: (c) => (c.repair && c.repair.attempt ? t('repair.attempt_short', {n: c.repair.attempt}) : '—')},
            {label: t('case.next_deadline'), cell: deadlineCell},
            {label: t('common.action'), cell: (c) => h('div', {class: 'btn-row'}, actionLink(c, 'repair_update'), actionLink(c, 'ship_repaired'))},
          ],
          rows: inRepair,
          empty: t('repair.none_in_workshop'),
          rowClass,
          rowData: (c) => ({case: c.id}),
        }),
      ),
    );
  }

  // With a search: the cases whose tracking or order number starts with
  // it, as typed and in capitals (tracking numbers are written in capitals).
  // Only the latest load shows: the list without a search, slow on a busy
  // day, must not replace the search's answer that came back before it.
  let loads = 0;
  async function load() {
    const seq = ++loads;
    try {
      const wanted = needle ? [...new Set([needle, needle.toUpperCase()])] : [''];
      const found = await Promise.all(wanted.map((q) => api.getAll('/cases', {state: STATES, sort: 'due_at', search: q})));
      if (seq !== loads || !view.isConnected) return;
      const seen = new Set();
      cases = found.flat().filter((c) => !seen.has(c.id) && seen.add(c.id));
      worklist.remember(cases.map((c) => c.id));
      render();
    } catch (e) {
      if (seq === loads) fill(results, errorBox(e));
    }
  }

  let typing = null;
  search.addEventListener('input', () => {
    history.replaceState(null, '', `#/warehouse${search.value ? `?q=${encodeURIComponent(search.value)}` : ''}`);
    clearTimeout(typing);
    typing = setTimeout(() => {
      needle = normalise(search.value);
      load();
    }, 250);
  });
  fill(
    view,
    pageHeader(t('nav.warehouse'), button(t('common.refresh'), load)),
    h('form', {class: 'filters', role: 'search', onsubmit: (e) => {
      e.preventDefault();
      const first = results.querySelector('a.btn');
      if (first) first.click();
    }}, field(t('warehouse.search'), search, {hint: t('warehouse.search_hint')})),
    results,
  );
  await load();
}
