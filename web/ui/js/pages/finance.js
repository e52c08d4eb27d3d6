// Finance: refunds waiting to be confirmed as issued (with the payment
// reference) or failed (with the error). Several at once: tick the rows,
// give the payment batch reference, confirm; each case gets its own
// refund_issued (with `expected_version`), and the page says which went
// through and which did not, and why. Below, the compensations to issue
// (SPEC §11: cases in `compensating`), each linked to the case page's
// issue_compensation form, where the voucher code or payment reference is
// entered.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, card, dataTable, errorBox, alertBox, button, caseLink, field, setFieldError} from '../components.js';
import {deadlineCell, rowUrgency} from './queue.js';
import {money, dateTime} from '../format.js';
import {problemTitle} from '../problems.js';
import * as worklist from '../worklist.js';

function pending(c) {
  return (c.refunds || []).find((r) => r.status === 'pending');
}

function actionLinks(c, actions) {
  const link = ([action, kind]) =>
    c.allowed_actions.includes(action)
      ? h('a', {class: `btn btn-small ${kind}`, href: `#/cases/${encodeURIComponent(c.id)}?action=${action}&back=refunds`}, word('action', action))
      : null;
  return h('div', {class: 'btn-row'}, actions.map(link));
}

const confirmLinks = (c) => actionLinks(c, [['refund_issued', 'btn-primary'], ['refund_failed', 'btn-outline-danger']]);
const issueLinks = (c) => actionLinks(c, [['issue_compensation', 'btn-primary'], ['compensation_failed', 'btn-outline-danger']]);

// The compensations waiting for finance (or the shop's integration) to
// issue them: reason, form and amount as words, the compensation_issue
// deadline's countdown.
function compensationsCard(list) {
  return card(
    t('compensations.to_issue', {n: list.length}),
    dataTable({
      caption: t('compensations.to_issue', {n: list.length}),
      columns: [
        {label: t('case.case'), key: 'case', cell: (c) => h('div', {}, caseLink(c.id), h('div', {class: 'muted small'}, t('case.order_short', {id: c.order_id})))},
        {label: t('case.reason'), key: 'reason', cell: (c) => word('reason', c.reason)},
        {label: t('compensations.form'), key: 'form', cell: (c) => (c.compensation ? word('compensation_form', c.compensation.form) : '—')},
        {label: t('field.amount'), key: 'amount', class: 'num', cell: (c) => money(c.compensation ? c.compensation.amount : c.agreed_amount, c.currency)},
        {label: t('case.next_deadline'), cell: deadlineCell},
        {label: t('common.action'), cell: issueLinks},
      ],
      rows: list,
      empty: t('compensations.none'),
      rowClass: (c) => `urgency-${rowUrgency(c)}`,
      rowData: (c) => ({caseId: c.id}),
    }),
  );
}

function sums(cases) {
  const totals = new Map();
  for (const c of cases) {
    const r = pending(c);
    if (r) totals.set(c.currency, (totals.get(c.currency) || 0) + r.amount);
  }
  return [...totals].map(([cur, sum]) => money(sum, cur)).join(' + ') || money(0, 'CNY');
}

export async function financePage(view) {
  const body = h('div', {'aria-live': 'polite'});
  const outcome = h('div', {'aria-live': 'polite'});
  let cases = [];
  let compensations = [];
  const chosen = new Set();

  function render() {
    const allBox = h('input', {type: 'checkbox', 'aria-label': t('finance.select_all'), checked: cases.length > 0 && chosen.size === cases.length});
    allBox.addEventListener('change', () => {
      chosen.clear();
      if (allBox.checked) for (const c of cases) if (c.allowed_actions.includes('refund_issued')) chosen.add(c.id);
      render();
    });
    const ref = h('input', {type: 'text', name: 'external_ref', maxlength: 128, autocomplete: 'off', spellcheck: 'false'});
    const picked = cases.filter((c) => chosen.has(c.id));
    const confirmButton = h('button', {type: 'submit', class: 'btn btn-primary', disabled: !picked.length}, t('finance.confirm_selected', {n: picked.length}));
    const bar = h(
      'form',
      {class: 'bulk-bar', novalidate: true, 'aria-label': t('finance.bulk'), onsubmit: (e) => {
        e.preventDefault();
        if (!ref.value.trim()) {
          setFieldError(ref, t('form.required'));
          ref.focus();
          return;
        }
        confirmAll(picked, ref.value.trim(), confirmButton);
      }},
      field(t('finance.batch_ref'), ref, {hint: t('finance.batch_ref_hint'), required: true}),
      h('p', {class: 'muted small'}, t('finance.selected_sum', {n: picked.length, total: sums(picked)})),
      confirmButton,
    );
    ref.addEventListener('input', () => setFieldError(ref, ''));
    const pick = (c) => {
      if (!c.allowed_actions.includes('refund_issued')) return null;
      const box = h('input', {type: 'checkbox', checked: chosen.has(c.id), 'aria-label': t('finance.select_case', {id: c.id}), dataset: {caseId: c.id}});
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(c.id);
        else chosen.delete(c.id);
        render();
      });
      return box;
    };
    fill(
      body,
      h('p', {class: 'lead'}, t('finance.summary', {n: cases.length, total: sums(cases)})),
      outcome,
      card(
        t('finance.to_confirm'),
        cases.length ? bar : null,
        dataTable({
          caption: t('finance.to_confirm'),
          columns: [
            {label: allBox, labelText: t('finance.select'), cell: pick, class: 'pick'},
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
          rowData: (c) => ({caseId: c.id}),
        }),
      ),
      compensationsCard(compensations),
    );
  }

  // One refund_issued per case, one after another (each its own
  // transaction and idempotency key); a failure stops none of the others.
  async function confirmAll(picked, ref, confirmButton) {
    confirmButton.disabled = true;
    const done = [];
    const failed = [];
    for (const c of picked) {
      try {
        await api.post(`/cases/${encodeURIComponent(c.id)}/actions/refund_issued`, {expected_version: c.version, external_ref: ref}, {key: api.idempotencyKey()});
        done.push(c);
      } catch (e) {
        if (e.status === 401) return;
        failed.push([c, e]);
      }
    }
    chosen.clear();
    await load();
    fill(
      outcome,
      done.length ? alertBox('success', t('finance.bulk_done', {n: done.length, total: sums(done), ref})) : null,
      failed.length
        ? alertBox('error', h('strong', {}, t('finance.bulk_failed', {n: failed.length})), h('ul', {}, failed.map(([c, e]) => h('li', {}, caseLink(c.id), ' — ', problemTitle(e, {currency: c.currency})))))
        : null,
    );
  }

  async function load() {
    try {
      // pending() reads the refund each row confirms: the list's version of the case.
      [cases, compensations] = await Promise.all([
        api.getAll('/cases', {state: 'refunding', sort: 'due_at'}),
        api.getAll('/cases', {type: 'compensation', state: 'compensating', sort: 'due_at'}),
      ]);
      for (const id of [...chosen]) if (!cases.some((c) => c.id === id)) chosen.delete(id);
      // "Refund issued and next" goes through the refunds, not on into the compensations.
      if (!view.isConnected) return;  // the page was left meanwhile: its list is not the worklist
      worklist.remember(cases.map((c) => c.id));
      render();
    } catch (e) {
      fill(body, errorBox(e));
    }
  }

  fill(view, pageHeader(t('nav.refunds'), button(t('common.refresh'), () => {
    outcome.replaceChildren();
    load();
  })), body);
  await load();
}
