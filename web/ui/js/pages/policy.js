// The current policy (GET /policy): windows, limits, reasons, the return
// address and the deadlines, in words.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, card, details, dataTable} from '../components.js';
import {money, SHOP_CURRENCY} from '../format.js';

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
          {label: t('policy.hours'), class: 'num', cell: ([, d]) => String(d.hours) + (d.after_delivery_hours ? ` (${t('policy.after_delivery', {h: d.after_delivery_hours})})` : '')},
          {label: t('policy.on_expiry'), cell: ([kind]) => word('deadline_effect', kind)},
        ],
        rows: Object.entries(p.deadlines),
      }),
    ),
  );
}
