// Orders to ship (发货监督, SPEC §10): the orders still unshipped, earliest
// ship_by first (GET /orders?shipment=unshipped&sort=ship_by), paged by
// cursor; each with its lines (units to ship, units shipped), when it was
// paid, its ship_by as a live countdown and a red badge once late. Filters:
// only late ones (breached=true) and ship_by before a time. Each row ships
// from a form below it (carrier, tracking number, units per line, so that
// part of an order may ship first): POST /orders/{id}/shipments with an
// Idempotency-Key; an order shipped in full leaves the list, a partial one
// shows its new counts.
import {h, fill} from '../dom.js';
import {t} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, dataTable, errorBox, alertBox, badge, button, caseLink, field, setFieldError} from '../components.js';
import {carrierField} from '../actions.js';
import {textField, pickerField} from '../fields.js';
import {dateTimeInput} from '../datepicker.js';
import {countdown, urgency} from '../countdown.js';
import {dateTime, rfc3339} from '../format.js';

const PAGE_SIZE = 50;

// The order's open or breached order_ship deadline, else one read from
// ship_by (an order paged before the sweep reached it).
function shipDeadline(o) {
  const d = (o.deadlines || []).find((x) => x.kind === 'order_ship');
  if (d) return d;
  return o.ship_by ? {kind: 'order_ship', due_at: o.ship_by, breached: false} : null;
}

function isLate(o, now = Date.now()) {
  const d = shipDeadline(o);
  return Boolean(d && (d.breached || Date.parse(d.due_at) <= now));
}

function lineCell(l) {
  const shipped = l.shipped_qty || 0;
  return h(
    'li',
    {dataset: {lineId: l.line_id}},
    h('strong', {}, l.title || l.line_id),
    h('span', {class: 'muted small mono'}, ' ', l.sku || ''),
    h(
      'div',
      {class: 'small'},
      t('orders.to_ship_n', {n: l.to_ship_qty}),
      shipped ? [' · ', badge(t('orders.shipped_of', {shipped, qty: l.qty}), shipped < l.qty ? 'warning' : 'success')] : null,
    ),
  );
}

function shipByCell(o) {
  const d = shipDeadline(o);
  if (!d) return h('span', {class: 'muted'}, t('orders.no_ship_by'));
  return h(
    'div',
    {class: 'deadline-cell'},
    h('span', {class: 'small'}, dateTime(d.due_at)),
    ' ',
    countdown(d),
    isLate(o) ? [' ', badge(t('orders.late'), 'danger')] : null,
  );
}

// The form that ships (part of) order `o`; `onShipped(order)` gets the
// order the server answers.
function shipForm(o, onShipped, onCancel) {
  const carrier = carrierField();
  const tracking = textField('tracking_no', {required: true, maxLength: 64, hint: t('orders.tracking_hint')});
  const open = o.lines.filter((l) => l.to_ship_qty > 0);
  const qtys = open.map((l) => {
    const input = h('input', {type: 'number', min: 0, max: l.to_ship_qty, step: 1, value: String(l.to_ship_qty), inputmode: 'numeric', name: `qty-${l.line_id}`});
    return {line: l, input, el: field(t('orders.qty_of_line', {title: l.title || l.line_id, n: l.to_ship_qty}), input)};
  });
  const status = h('div', {'aria-live': 'polite'});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary'}, t('orders.ship'));
  let key = api.idempotencyKey();

  function read() {
    let bad = null;
    const c = carrier.read();
    setFieldError(carrier.input, c.error);
    bad = bad || (c.error && carrier.input);
    const tn = tracking.read();
    let tnError = tn.error;
    if (!tnError && !/^[A-Za-z0-9._-]{1,64}$/.test(tn.value)) tnError = t('fielderr.id');
    setFieldError(tracking.input, tnError);
    bad = bad || (tnError && tracking.input);
    const lines = [];
    for (const q of qtys) {
      const n = Number(q.input.value);
      const ok = q.input.value.trim() !== '' && Number.isInteger(n) && n >= 0 && n <= q.line.to_ship_qty;
      setFieldError(q.input, ok ? '' : t('orders.bad_qty', {n: q.line.to_ship_qty}));
      if (!ok) bad = bad || q.input;
      else if (n > 0) lines.push({line_id: q.line.line_id, qty: n});
    }
    if (!bad && !lines.length && qtys.length) {
      setFieldError(qtys[0].input, t('orders.nothing_chosen'));
      bad = qtys[0].input;
    }
    return bad ? {bad} : {body: {carrier: c.value, tracking_no: tn.value, lines}};
  }

  async function onSubmit(e) {
    e.preventDefault();
    status.replaceChildren();
    const r = read();
    if (r.bad) {
      status.append(alertBox('error', t('form.fix_errors')));
      r.bad.focus();
      return;
    }
    submit.disabled = true;
    try {
      const order = await api.post(`/orders/${api.enc(o.id)}/shipments`, r.body, {key});
      onShipped(order, r.body);
    } catch (err) {
      key = api.idempotencyKey();
      if (err.status === 401) return;
      status.append(errorBox(err, null, {currency: o.currency}));
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    'form',
    {class: 'ship-form', novalidate: true, onsubmit: onSubmit, 'aria-label': t('orders.ship_order', {id: o.id}), dataset: {orderId: o.id}},
    h('h3', {}, t('orders.ship_order', {id: o.id})),
    h('div', {class: 'ship-fields'}, carrier.el, tracking.el, qtys.map((q) => q.el)),
    h('p', {class: 'hint'}, t('orders.partial_hint')),
    status,
    h('div', {class: 'form-buttons'}, submit, button(t('common.cancel'), onCancel)),
  );
}

export async function ordersPage(view, {query}) {
  const lateBox = h('input', {type: 'checkbox', name: 'breached', checked: query.get('breached') === 'true'});
  const before = dateTimeInput({value: query.get('before') ? new Date(query.get('before')) : undefined});
  const results = h('div', {'aria-live': 'polite'});
  const notice = h('div', {'aria-live': 'polite'});
  let items = [];
  let cursor = null;
  let params = null;

  function readFilters() {
    const d = before.read();
    setFieldError(before.input, d === undefined ? t('form.bad_time') : '');
    if (d === undefined) return null;
    const q = new URLSearchParams();
    if (lateBox.checked) q.set('breached', 'true');
    if (d) q.set('before', d.toISOString());
    history.replaceState(null, '', `#/orders${q.toString() ? `?${q}` : ''}`);
    return {shipment: 'unshipped', sort: 'ship_by', breached: lateBox.checked ? 'true' : '', ship_before: d ? rfc3339(d) : '', limit: PAGE_SIZE};
  }

  const columns = [
    {label: t('orders.order'), key: 'order', cell: (o) => h('div', {}, h('span', {class: 'mono'}, o.id), h('div', {class: 'muted small'}, t('orders.buyer', {id: o.buyer_id})),
      (o.case_ids || []).length ? h('div', {class: 'small'}, t('orders.cases'), ' ', (o.case_ids || []).map((id, i) => [i ? ', ' : '', caseLink(id)])) : null)},
    {label: t('orders.lines'), key: 'lines', cell: (o) => h('ul', {class: 'plain order-lines'}, o.lines.map(lineCell))},
    {label: t('orders.paid_at'), key: 'paid_at', cell: (o) => dateTime(o.paid_at)},
    {label: t('orders.ship_by'), key: 'ship_by', cell: shipByCell},
    {label: t('common.action'), key: 'action', cell: (o) => h('button', {type: 'button', class: 'btn btn-primary btn-small', 'aria-expanded': 'false', dataset: {ship: o.id}, onclick: (e) => toggleForm(o, e.currentTarget)}, t('orders.ship'))},
  ];

  function rowClass(o) {
    const d = shipDeadline(o);
    return `urgency-${d ? (isLate(o) ? 'breached' : urgency(d)) : 'ok'}`;
  }

  // The ship form opens in a row of its own under the order's.
  function toggleForm(o, opener) {
    const tr = opener.closest('tr');
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('ship-row')) {
      next.remove();
      opener.setAttribute('aria-expanded', 'false');
      opener.focus();
      return;
    }
    const form = shipForm(o, (order, body) => shipped(order, body), () => toggleForm(o, opener));
    tr.after(h('tr', {class: 'ship-row'}, h('td', {colspan: String(columns.length)}, form)));
    opener.setAttribute('aria-expanded', 'true');
    const first = form.querySelector('select, input');
    if (first) first.focus();
  }

  function shipped(order, body) {
    const units = body.lines.reduce((n, l) => n + l.qty, 0);
    if (order.shipment_status === 'unshipped') items = items.map((o) => (o.id === order.id ? order : o));
    else items = items.filter((o) => o.id !== order.id);
    render();
    fill(notice, alertBox('success', order.shipment_status === 'unshipped'
      ? t('orders.shipped_part', {id: order.id, n: units, tracking: body.tracking_no})
      : t('orders.shipped_all', {id: order.id, tracking: body.tracking_no})));
  }

  function render() {
    const late = items.filter((o) => isLate(o)).length;
    fill(
      results,
      h('p', {class: 'muted small'}, t('orders.showing', {n: items.length}), late ? [' · ', t('orders.late_n', {n: late})] : null),
      dataTable({columns, rows: items, empty: t('orders.none'), caption: t('nav.orders'), rowClass, rowData: (o) => ({orderId: o.id})}),
      cursor ? h('div', {class: 'more'}, button(t('queue.load_more'), loadMore)) : null,
    );
  }

  async function load() {
    const p = readFilters();
    if (!p) return;
    params = p;
    notice.replaceChildren();
    try {
      const page = await api.get(`/orders${api.query(params)}`);
      items = page.items;
      cursor = page.next_cursor;
      render();
    } catch (e) {
      fill(results, errorBox(e));
    }
  }

  async function loadMore(e) {
    e.target.disabled = true;
    try {
      const page = await api.get(`/orders${api.query({...params, cursor})}`);
      const seen = new Set(items.map((o) => o.id));
      items = items.concat(page.items.filter((o) => !seen.has(o.id)));
      cursor = page.next_cursor;
      render();
    } catch (err) {
      results.append(errorBox(err));
    }
  }

  lateBox.addEventListener('change', load);
  fill(
    view,
    pageHeader(t('nav.orders'), button(t('common.refresh'), load)),
    h('p', {class: 'muted'}, t('orders.intro')),
    h(
      'form',
      {class: 'filters', role: 'search', 'aria-label': t('queue.filters'), onsubmit: (e) => {
        e.preventDefault();
        load();
      }},
      pickerField(t('orders.ship_before'), before),
      h('div', {class: 'field field-checks'}, h('label', {}, lateBox, ' ', t('orders.only_late'))),
      h('div', {class: 'field'}, h('button', {type: 'submit', class: 'btn btn-secondary'}, t('orders.apply'))),
    ),
    notice,
    results,
  );
  await load();
}
