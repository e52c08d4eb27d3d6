// The current policy (GET /policy): windows, limits, reasons, the return
// address and the deadlines, in words.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, card, details, dataTable} from '../components.js';
import {money, SHOP_CURRENCY} from '../format.js';

// A deadline's entry is a number of hours or {hours, business_hours?,
// after_delivery_hours?}; order_ship is due at the order's ship-by.
function deadlineLength(kind, d, p) {
  const entry = typeof d === 'number' ? {hours: d} : d;
  let text =
    kind === 'order_ship'
      ? t('policy.at_ship_by', {h: (p.fulfilment && p.fulfilment.ship_within_hours) ?? '—'})
      : String(entry.hours);
  if (entry.after_delivery_hours) text += ` (${t('policy.after_delivery', {h: entry.after_delivery_hours})})`;
  if (entry.business_hours) text += ` · ${t('policy.business_hours')}`;
  return text;
}

export async function policyPage(view) {
  const {version, policy: p} = await api.get('/policy');
  const addr = p.return_address || {};
  fill(
    view,
    pageHeader(t('nav.policy'), h('span', {class: 'badge badge-info'}, t('policy.version', {v: version}))),
    h('p', {class: 'muted'}, t('policy.intro')),
    h(
      'div',
      {class: 'grid-2'},
      card(
        t('policy.windows'),
        details([
          [t('policy.window_no_reason'), t('policy.days', {n: p.return_window_days.no_reason})],
          [t('policy.window_default'), t('policy.days', {n: p.return_window_days.default})],
          [t('policy.limit_agent'), money(p.approval_limits.agent, SHOP_CURRENCY)],
          [t('policy.limit_supervisor'), money(p.approval_limits.supervisor, SHOP_CURRENCY)],
        ]),
      ),
      card(t('shipment.return_address'), h('address', {class: 'prewrap'}, [addr.name, addr.address, addr.phone].filter(Boolean).join('\n'))),
      card(t('policy.reasons'), h('ul', {}, p.reasons.map((r) => h('li', {}, word('reason', r), ' ', h('span', {class: 'muted mono small'}, r))))),
      card(t('policy.reject_reasons'), h('ul', {}, p.reject_reasons.map((r) => h('li', {}, word('reject_reason', r), ' ', h('span', {class: 'muted mono small'}, r))))),
    ),
    card(
      t('policy.deadlines'),
      dataTable({
        caption: t('policy.deadlines'),
        columns: [
          {label: t('policy.deadline'), cell: ([kind]) => word('deadline', kind)},
          {label: t('policy.hours'), class: 'num', cell: ([kind, d]) => deadlineLength(kind, d, p)},
          {label: t('policy.on_expiry'), cell: ([kind]) => word('deadline_effect', kind)},
        ],
        rows: Object.entries(p.deadlines),
      }),
    ),
  );
}
