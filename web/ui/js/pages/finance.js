// Finance: refunds waiting to be confirmed as issued (with the payment
// reference) or failed (with the error).
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, card, dataTable, errorBox, button, caseLink} from '../components.js';
import {deadlineCell, rowUrgency} from './queue.js';
import {money, dateTime} from '../format.js';

function pending(c) {
  return (c.refunds || []).find((r) => r.status === 'pending');
}

function confirmLinks(c) {
  const link = (action, kind) =>
    c.allowed_actions.includes(action)
      ? h('a', {class: `btn btn-small ${kind}`, href: `#/cases/${encodeURIComponent(c.id)}?action=${action}&back=refunds`}, word('action', action))
      : null;
  return h('div', {class: 'btn-row'}, link('refund_issued', 'btn-primary'), link('refund_failed', 'btn-outline-danger'));
}

export async function financePage(view) {
  const body = h('div', {'aria-live': 'polite'});

  async function load() {
    try {
      const cases = await api.getAll('/cases', {state: 'refunding', sort: 'due_at'});
      const totals = new Map();
      for (const c of cases) {
        const r = pending(c);
        if (r) totals.set(c.currency, (totals.get(c.currency) || 0) + r.amount);
      }
      fill(
        body,
        h('p', {class: 'lead'}, t('finance.summary', {n: cases.length, total: [...totals].map(([cur, sum]) => money(sum, cur)).join(' + ') || money(0, 'CNY')})),
        card(
          t('finance.to_confirm'),
          dataTable({
            caption: t('finance.to_confirm'),
            columns: [
              {label: t('case.case'), cell: (c) => h('div', {}, caseLink(c.id), h('div', {class: 'muted small'}, word('type', c.type)))},
              {label: t('refund.id'), cell: (c) => h('span', {class: 'mono small'}, (pending(c) || {}).id || '—')},
              {label: t('field.amount'), class: 'num', cell: (c) => (pending(c) ? money(pending(c).amount, c.currency) : '—')},
              {label: t('finance.requested_at'), cell: (c) => (pending(c) ? dateTime(pending(c).created_at) : '—')},
              {label: t('finance.failed_before'), class: 'num', cell: (c) => String(c.refunds.filter((r) => r.status === 'failed').length)},
              {label: t('case.next_deadline'), cell: deadlineCell},
              {label: t('common.action'), cell: confirmLinks},
            ],
            rows: cases,
            empty: t('finance.none'),
            rowClass: (c) => `urgency-${rowUrgency(c)}`,
          }),
        ),
      );
    } catch (e) {
      fill(body, errorBox(e));
    }
  }

  fill(view, pageHeader(t('nav.refunds'), button(t('common.refresh'), load)), body);
  await load();
}
