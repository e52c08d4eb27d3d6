// Warehouse: returns on their way and expected, found by tracking number,
// received with the inspection form; replacements to ship.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, card, dataTable, stateBadge, errorBox, field, button, caseLink} from '../components.js';
import {deadlineCell, rowUrgency} from './queue.js';
import {dateTime} from '../format.js';

function normalise(s) {
  return String(s || '').replace(/\s+/g, '').toLowerCase();
}

function matches(c, needle) {
  if (!needle) return true;
  const s = c.return_shipment || {};
  return [s.tracking_no, c.id, c.order_id].some((v) => normalise(v).includes(needle));
}

function actionLink(c, action) {
  if (!c.allowed_actions.includes(action)) return null;
  return h('a', {class: 'btn btn-primary btn-small', href: `#/cases/${encodeURIComponent(c.id)}?action=${action}&back=warehouse`}, word('action', action));
}

function returnColumns() {
  return [
    {label: t('case.case'), cell: (c) => h('div', {}, caseLink(c.id), h('div', {class: 'muted small'}, word('type', c.type)))},
    {label: t('shipment.tracking_no'), cell: (c) => (c.return_shipment ? h('div', {}, h('span', {class: 'mono'}, c.return_shipment.tracking_no), h('div', {class: 'muted small'}, c.return_shipment.carrier)) : h('span', {class: 'muted'}, t('warehouse.not_shipped')))},
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

  function render() {
    const needle = normalise(search.value);
    const pick = (state) => cases.filter((c) => c.state === state && matches(c, needle));
    const inTransit = pick('return_in_transit');
    const expected = pick('awaiting_return');
    const toShip = pick('replacement_pending');
    const rowClass = (c) => `urgency-${rowUrgency(c)}`;
    fill(
      results,
      needle ? h('p', {class: 'muted'}, t('warehouse.found', {n: inTransit.length + expected.length + toShip.length})) : null,
      card(t('warehouse.in_transit', {n: inTransit.length}), dataTable({columns: returnColumns(), rows: inTransit, empty: t('warehouse.none_in_transit'), rowClass})),
      card(t('warehouse.expected', {n: expected.length}), dataTable({columns: returnColumns(), rows: expected, empty: t('warehouse.none_expected'), rowClass})),
      card(
        t('warehouse.to_ship', {n: toShip.length}),
        dataTable({
          columns: [
            {label: t('case.case'), cell: (c) => caseLink(c.id)},
            {label: t('case.state'), cell: (c) => stateBadge(c.state)},
            {label: t('order.replacement_sku'), cell: (c) => c.lines.map((l) => `${l.replacement_sku || '—'} × ${l.qty}`).join(', ')},
            {label: t('shipment.received_at'), cell: (c) => (c.return_shipment && c.return_shipment.received_at ? dateTime(c.return_shipment.received_at) : '—')},
            {label: t('case.next_deadline'), cell: deadlineCell},
            {label: t('common.action'), cell: (c) => actionLink(c, 'ship_replacement')},
          ],
          rows: toShip,
          empty: t('warehouse.none_to_ship'),
          rowClass,
        }),
      ),
    );
  }

  async function load() {
    try {
      cases = await api.getAll('/cases', {state: 'return_in_transit,awaiting_return,replacement_pending', sort: 'due_at'});
      render();
    } catch (e) {
      fill(results, errorBox(e));
    }
  }

  search.addEventListener('input', () => {
    history.replaceState(null, '', `#/warehouse${search.value ? `?q=${encodeURIComponent(search.value)}` : ''}`);
    render();
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
