// Managers: escalated cases awaiting a decision, most urgent first. The
// decision is taken on the case page, beside the full history.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, card, dataTable, errorBox, button} from '../components.js';
import {caseColumns, rowUrgency} from './queue.js';

export function arbitrationTable(cases) {
  return dataTable({
    caption: t('nav.arbitration'),
    columns: caseColumns([
      {label: t('case.reject_reason'), cell: (c) => (c.reject_reason ? word('reject_reason', c.reject_reason) : '—')},
      {
        label: t('common.action'),
        cell: (c) => h('a', {class: 'btn btn-primary btn-small', href: `#/cases/${encodeURIComponent(c.id)}?action=arbitrate&back=arbitration`}, t('arbitration.decide')),
      },
    ]),
    rows: cases,
    empty: t('arbitration.none'),
    rowClass: (c) => `urgency-${rowUrgency(c)}`,
  });
}

export async function arbitrationPage(view) {
  const body = h('div', {'aria-live': 'polite'});
  async function load() {
    try {
      const cases = await api.getAll('/cases', {state: 'escalated', sort: 'due_at'});
      fill(body, h('p', {class: 'muted'}, t('arbitration.intro')), card(null, arbitrationTable(cases)));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  fill(view, pageHeader(t('nav.arbitration'), button(t('common.refresh'), load)), body);
  await load();
}
