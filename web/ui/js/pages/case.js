// One case: everything about it, its history, and exactly the actions the
// caller may take now. ?action=<name> opens that action's form at once;
// &back=<page> returns there once the action is done.
import {h, fill} from '../dom.js';
import {t, word, list} from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import {pageHeader, card, details, dataTable, stateBadge, badge, errorBox, alertBox, button, who, externalLink} from '../components.js';
import {actionForm, hasForm} from '../actions.js';
import {countdown} from '../countdown.js';
import {money, dateTime, addressLines} from '../format.js';
import {timeline} from '../timeline.js';
import {getPolicy, userNames, assignable} from '../lookups.js';
import {setPageKeys} from '../shortcuts.js';
import * as worklist from '../worklist.js';
import * as drafts from '../drafts.js';
import {flash} from '../flash.js';
import {riskBadge, riskCard} from '../risk.js';
import {carrierName} from '../carriers.js';
import {repairCard} from '../repair.js';

async function loadAll(id) {
  const path = `/cases/${encodeURIComponent(id)}`;
  const [c, tl, policy, names] = await Promise.all([api.get(path), api.get(`${path}/timeline`), getPolicy(), userNames()]);
  const people = c.allowed_actions.includes('assign') ? await assignable() : [];
  let order = null;
  try {
    order = await api.get(`/orders/${encodeURIComponent(c.order_id)}`);
  } catch (e) {
    order = null;  // the case is still worth showing
  }
  return {c, timeline: tl.items, policy, order, names, people};
}

// What differs between two versions of a case, as words.
function changes(before, after, names) {
  const out = [];
  if (before.state !== after.state) out.push(t('conflict.state', {from: word('state', before.state), to: word('state', after.state)}));
  if (before.version !== after.version) out.push(t('conflict.version', {from: before.version, to: after.version}));
  if (before.assignee !== after.assignee) out.push(t('conflict.assignee', {from: who(before.assignee, names), to: who(after.assignee, names)}));
  if (before.agreed_amount !== after.agreed_amount) out.push(t('conflict.agreed', {amount: money(after.agreed_amount, after.currency)}));
  if ((before.offers || []).length !== (after.offers || []).length) out.push(t('conflict.offer'));
  if ((before.refunds || []).length !== (after.refunds || []).length) out.push(t('conflict.refunds'));
  const lost = before.allowed_actions.filter((a) => !after.allowed_actions.includes(a));
  if (lost.length) out.push(t('conflict.actions_gone', {actions: list(lost.map((a) => word('action', a)))}));
  return out;
}

function summaryCard(c, names) {
  const wide = {wide: true};
  return card(
    t('case.summary'),
    details(
      [
        [t('case.type'), word('type', c.type)],
        [t('case.reason'), word('reason', c.reason)],
        [t('case.requested_amount'), money(c.requested_amount, c.currency)],
        [t('case.agreed_amount'), c.agreed_amount === null ? null : money(c.agreed_amount, c.currency)],
        [t('case.refunded_amount'), c.refunded_amount ? money(c.refunded_amount, c.currency) : null],
        [t('case.assignee'), who(c.assignee, names)],
        [t('case.reject_reason'), c.reject_reason ? word('reject_reason', c.reject_reason) : null],
        [t('case.close_reason'), c.close_reason ? word('close_reason', c.close_reason) : null],
        [t('case.created_at'), dateTime(c.created_at)],
        [t('case.updated_at'), dateTime(c.updated_at)],
        [t('case.modifications'), c.modifications ? String(c.modifications) : null],
        [t('case.version'), String(c.version)],
        [t('case.description'), c.description ? h('p', {class: 'prewrap description'}, c.description) : null, wide],
        [t('case.evidence'), c.evidence && c.evidence.length ? evidenceList(c.evidence) : null, wide],
      ],
      {columns: 2},
    ),
  );
}

// The buyer's evidence: https images as thumbnails linking to the full
// picture (the Content-Security-Policy admits https images, web/ui/README.md),
// anything else as a link. A picture that cannot load becomes its link.
function evidenceList(urls) {
  return h(
    'ul',
    {class: 'evidence'},
    urls.map((u) => {
      let https = false;
      try {
        https = new URL(u).protocol === 'https:';
      } catch (e) {
        https = false;
      }
      if (!https) return h('li', {}, externalLink(u));
      const img = h('img', {src: u, alt: t('case.evidence_photo'), loading: 'lazy', referrerpolicy: 'no-referrer', width: 96, height: 96, class: 'thumb'});
      const item = h('li', {}, h('a', {href: u, target: '_blank', rel: 'noopener noreferrer', class: 'thumb-link'}, img), h('div', {class: 'thumb-url small'}, externalLink(u)));
      img.addEventListener('error', () => img.parentElement && img.parentElement.replaceWith(h('span', {class: 'muted small'}, t('case.evidence_unavailable'))));
      return item;
    }),
  );
}

// What the decision is about, at the top: each disputed line's product,
// SKU, units and amount, and the money asked for.
function disputedCard(c, order) {
  const orderLines = new Map(((order && order.lines) || []).map((l) => [l.line_id, l]));
  return h(
    'section',
    {class: 'card disputed', 'aria-labelledby': 'disputed-title'},
    h('h2', {id: 'disputed-title'}, t('case.disputed')),
    h(
      'ul',
      {class: 'disputed-lines'},
      c.lines.map((l) => {
        const o = orderLines.get(l.line_id) || {};
        return h(
          'li',
          {},
          h('div', {class: 'disputed-title'}, h('strong', {}, o.title || t('action_form.line', {id: l.line_id, qty: l.qty}))),
          h('div', {class: 'muted small'}, o.sku ? h('span', {class: 'mono'}, o.sku) : null, o.sku ? ' · ' : '', t('case.units', {qty: l.qty, of: o.qty ?? '?'})),
          h('div', {class: 'num'}, money(l.amount, c.currency)),
        );
      }),
    ),
    h(
      'p',
      {class: 'disputed-sum'},
      word('type', c.type), ' · ', word('reason', c.reason), ' · ',
      h('strong', {}, t('case.asks', {amount: money(c.requested_amount, c.currency)})),
      c.refundable_amount !== undefined ? h('span', {class: 'muted'}, ' · ', t('case.refundable_now', {amount: money(c.refundable_amount, c.currency)})) : null,
    ),
  );
}

function orderCard(c, order) {
  const caseLines = new Map(c.lines.map((l) => [l.line_id, l]));
  const cur = c.currency;
  const lineRows = order ? order.lines : c.lines.map((l) => ({line_id: l.line_id}));
  return card(
    t('case.order_title', {id: c.order_id}),
    order
      ? details([
          [t('order.buyer'), order.buyer_id],
          [t('order.placed_at'), dateTime(order.placed_at)],
          [t('order.delivered_at'), order.delivered_at ? dateTime(order.delivered_at) : t('order.not_delivered')],
          [t('order.paid_total'), money(order.paid_total, cur)],
          [t('order.shipping_paid'), money(order.shipping_paid, cur)],
          [t('order.refundable'), money(order.refundable_amount, cur)],
        ])
      : h('p', {class: 'muted'}, t('order.unavailable')),
    dataTable({
      caption: t('order.lines'),
      columns: [
        {label: t('order.line'), cell: (l) => l.line_id},
        {label: t('order.item'), cell: (l) => h('div', {}, l.title || '—', l.sku ? h('div', {class: 'muted small mono'}, l.sku) : null)},
        {label: t('order.qty'), class: 'num', cell: (l) => (l.qty === undefined ? '—' : String(l.qty))},
        {label: t('order.paid'), class: 'num', cell: (l) => (l.paid === undefined ? '—' : money(l.paid, cur))},
        {label: t('order.in_case'), class: 'num', cell: (l) => (caseLines.has(l.line_id) ? String(caseLines.get(l.line_id).qty) : '—')},
        {label: t('order.case_amount'), class: 'num', cell: (l) => (caseLines.has(l.line_id) ? money(caseLines.get(l.line_id).amount, cur) : '—')},
        {label: t('order.replacement_sku'), cell: (l) => (caseLines.get(l.line_id) || {}).replacement_sku || '—'},
      ],
      rows: lineRows,
    }),
  );
}

function negotiationCard(c, names) {
  if (!c.offers || !c.offers.length) return null;
  return card(
    t('case.negotiation'),
    dataTable({
      caption: t('case.negotiation'),
      columns: [
        {label: t('common.time'), cell: (o) => dateTime(o.at)},
        {label: t('common.by'), cell: (o) => who(o.by, names)},
        {label: t('field.amount'), class: 'num', cell: (o) => money(o.amount, c.currency)},
        {label: t('field.return_required'), cell: (o) => (o.return_required ? t('common.yes') : t('common.no'))},
        {label: t('field.note'), cell: (o) => (o.note ? h('span', {class: 'prewrap'}, o.note) : '—')},
      ],
      rows: c.offers,
    }),
    c.offer ? h('p', {}, badge(t('case.offer_open'), 'info'), ' ', money(c.offer.amount, c.currency)) : null,
  );
}

function shipmentDetails(s) {
  return details([
    [t('shipment.carrier'), carrierName(s.carrier)],
    [t('shipment.tracking_no'), h('span', {class: 'mono'}, s.tracking_no)],
    [t('shipment.shipped_at'), s.shipped_at ? dateTime(s.shipped_at) : null],
    [t('shipment.delivered_at'), s.delivered_at ? dateTime(s.delivered_at) : null],
    [t('shipment.received_at'), s.received_at ? dateTime(s.received_at) : null],
  ]);
}

function shipmentsCard(c) {
  if (!c.return_shipment && !c.replacement_shipment && !c.repaired_shipment && !c.return_address) return null;
  const a = c.return_address;
  return card(
    t('case.shipments'),
    c.return_shipment ? [h('h3', {}, t('shipment.return')), shipmentDetails(c.return_shipment)] : null,
    c.replacement_shipment ? [h('h3', {}, t('shipment.replacement')), shipmentDetails(c.replacement_shipment)] : null,
    c.repaired_shipment ? [h('h3', {}, t('repair.shipment')), shipmentDetails(c.repaired_shipment)] : null,
    a ? [h('h3', {}, t('shipment.return_address')), h('address', {class: 'prewrap'}, addressLines(a).join('\n'))] : null,
  );
}

function inspectionCard(c, names) {
  const i = c.inspection;
  if (!i) return null;
  return card(
    t('case.inspection'),
    details([
      [t('field.result'), badge(word('result', i.result), i.result === 'pass' ? 'success' : 'danger')],
      [t('field.grade'), i.grade],
      [t('field.note'), i.note ? h('span', {class: 'prewrap'}, i.note) : null],
      [t('common.by'), i.by ? who(i.by, names) : null],
      [t('common.time'), i.at ? dateTime(i.at) : null],
      [t('field.lines'), (i.lines || []).map((l) => t('timeline.line_inspected', {id: l.line_id, received: l.received, damaged: l.damaged, restocked: l.restocked ?? 0})).join('; ')],
    ]),
  );
}

function refundsCard(c) {
  if (!c.refunds || !c.refunds.length) return null;
  return card(
    t('case.refunds'),
    dataTable({
      caption: t('case.refunds'),
      columns: [
        {label: t('refund.id'), cell: (r) => h('span', {class: 'mono'}, r.id)},
        {label: t('field.amount'), class: 'num', cell: (r) => money(r.amount, c.currency)},
        {label: t('refund.status'), cell: (r) => badge(word('refund_status', r.status), r.status === 'issued' ? 'success' : r.status === 'failed' ? 'danger' : 'warning')},
        {label: t('field.external_ref'), cell: (r) => r.external_ref || (r.error ? h('span', {class: 'text-danger'}, r.error) : '—')},
        {label: t('common.updated'), cell: (r) => dateTime(r.updated_at || r.created_at)},
      ],
      rows: c.refunds,
    }),
  );
}

// A compensation's form and amount, then what was issued: the voucher
// code the buyer redeems and until when, or the payment reference.
function compensationCard(c, names) {
  const k = c.compensation;
  if (!k) return null;
  return card(
    t('compensations.title'),
    details([
      [t('compensations.form'), word('compensation_form', k.form)],
      [t('field.amount'), money(k.amount, c.currency)],
      [t('compensations.status'), k.issued_at ? badge(t('compensations.issued'), 'success') : badge(t('compensations.not_issued'), 'warning')],
      [t('field.voucher_code'), k.voucher_code ? h('span', {class: 'mono voucher-code'}, k.voucher_code) : null],
      [t('field.expires_at'), k.expires_at ? dateTime(k.expires_at) : null],
      [t('field.external_ref'), k.external_ref ? h('span', {class: 'mono'}, k.external_ref) : null],
      [t('compensations.issued_at'), k.issued_at ? dateTime(k.issued_at) : null],
      [t('common.by'), k.issued_by ? who(k.issued_by, names) : null],
      [t('compensations.compensated_amount'), c.compensated_amount ? money(c.compensated_amount, c.currency) : null],
    ]),
  );
}

function deadlinesCard(c) {
  return card(
    t('case.deadlines'),
    c.deadlines && c.deadlines.length
      ? h(
          'ul',
          {class: 'deadlines plain'},
          c.deadlines.map((d) =>
            h(
              'li',
              {class: d.breached ? 'breached' : null},
              h('div', {}, h('strong', {}, word('deadline', d.kind)), d.breached ? [' ', badge(t('deadline.breached'), 'danger')] : null),
              h('div', {class: 'small'}, dateTime(d.due_at), ' · ', countdown(d)),
            ),
          ),
        )
      : h('p', {class: 'muted'}, t('case.no_deadlines')),
  );
}

export async function casePage(view, {params, query, navigate, reload}) {
  const back = query.get('back');
  let data = await loadAll(params.id);
  let open = query.get('action');
  let conflictNotice = null;
  let showAction = () => {};
  // A form left with a draft (a session that expired during its submit) opens again.
  if (!open) open = drafts.pendingAction(data.c.id, data.c.allowed_actions.filter((a) => a !== 'comment')) || null;

  function onDone(updated, action, {next} = {}) {
    // A comment changes no state: say what happened, not the state it stays in.
    const text = action === 'comment'
      ? t('case.comment_added')
      : updated.state !== data.c.state
        ? t('case.done', {action: word('action', action), state: word('state', updated.state)})
        : t('case.done_same_state', {action: word('action', action)});
    flash(text, 'success');
    const following = next ? worklist.after(updated.id) : null;
    if (following) navigate(`#/cases/${encodeURIComponent(following)}${back ? `?back=${back}` : ''}`);
    else if (back && action !== 'comment') navigate(`#/${back}`);
    else if (location.hash !== `#/cases/${encodeURIComponent(updated.id)}`) navigate(`#/cases/${encodeURIComponent(updated.id)}`);
    else reload();
  }

  async function onConflict(err) {
    const before = data.c;
    data = await loadAll(params.id);
    const list = changes(before, data.c, data.names);
    conflictNotice = alertBox(
      'warning',
      h('strong', {}, err.code === 'version_conflict' ? t('conflict.title') : t('conflict.invalid_title')),
      list.length ? h('ul', {}, list.map((x) => h('li', {}, x))) : null,
      h('p', {}, t('conflict.reloaded')),
    );
    if (!data.c.allowed_actions.includes(open)) open = null;
    render();
    conflictNotice.scrollIntoView({block: 'nearest'});
  }

  function actionsCard() {
    const c = data.c;
    const acts = c.allowed_actions.filter((a) => a !== 'comment' && hasForm(a));
    const holder = h('div', {class: 'action-holder'});
    const ctx = {policy: data.policy, order: data.order, people: data.people, names: data.names, hasNext: Boolean(worklist.after(c.id)), onDone, onConflict, onCancel: () => show(null)};
    function show(action) {
      open = action;
      for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.action === action));
      fill(holder, action ? actionForm(c, action, ctx) : null);
      const first = holder.querySelector('input:not([type=hidden]), select, textarea');
      if (first && action) first.focus();
    }
    const buttons = acts.map((a) =>
      h('button', {type: 'button', class: `btn ${a === 'reject' || a === 'cancel' ? 'btn-outline-danger' : 'btn-outline'}`, dataset: {action: a}, 'aria-pressed': 'false', onclick: () => show(a)}, word('action', a)),
    );
    const el = card(
      t('case.actions'),
      conflictNotice,
      acts.length ? h('div', {class: 'action-buttons'}, buttons) : h('p', {class: 'muted'}, t('case.no_actions', {state: word('state', c.state)})),
      holder,
    );
    if (open && acts.includes(open)) {
      queueMicrotask(() => show(open));
    }
    showAction = (a) => {
      if (a === null || acts.includes(a)) show(a);
    };
    return el;
  }

  function commentCard() {
    const c = data.c;
    if (!c.allowed_actions.includes('comment')) return null;
    return card(null, actionForm(c, 'comment', {policy: data.policy, order: data.order, names: data.names, onDone, onConflict}));
  }

  // Opens an action's form (as its button does) and gives it back.
  function openForm(action) {
    showAction(action);
    return view.querySelector(`.action-holder form.action-${action}`);
  }

  function render() {
    const c = data.c;
    fill(
      view,
      pageHeader(
        t('case.heading', {id: c.id}),
        stateBadge(c.state),
        riskBadge(c),
        back ? h('a', {class: 'btn btn-link', href: `#/${back}`}, t('common.back')) : null,
        button(t('common.refresh'), reload),
      ),
      h(
        'div',
        {class: 'case-layout'},
        h(
          'div',
          {class: 'case-main'},
          disputedCard(c, data.order),
          compensationCard(c, data.names),
          repairCard(c, {policy: data.policy, names: data.names, openForm}),
          summaryCard(c, data.names),
          riskCard(c, data.policy),
          card(t('case.timeline'), timeline(data.timeline, c.currency, data.names)),
          orderCard(c, data.order),
          negotiationCard(c, data.names),
          shipmentsCard(c),
          inspectionCard(c, data.names),
          refundsCard(c),
        ),
        h('aside', {class: 'case-side', 'aria-label': t('case.actions')}, actionsCard(), deadlinesCard(c), commentCard()),
      ),
    );
  }

  render();
  const go = (id) => id && navigate(`#/cases/${encodeURIComponent(id)}${back ? `?back=${back}` : ''}`);
  setPageKeys({
    a: () => showAction('approve'),
    r: () => showAction('reject'),
    o: () => showAction('offer'),
    j: () => go(worklist.after(data.c.id)),
    k: () => go(worklist.before(data.c.id)),
    escape: () => {
      const form = view.querySelector('.action-holder form');
      if (form) {
        showAction(null);
        const b = view.querySelector('.action-buttons button');
        if (b) b.focus();
      }
    },
  }, view);
  if (session.user() && !open) {
    const h1 = view.querySelector('h1');
    if (h1) h1.focus({preventScroll: true});
  }
}
