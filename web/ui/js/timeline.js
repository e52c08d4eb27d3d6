// The case's history from the audit log (GET /cases/{id}/timeline): who
// did what, in which role, when, with what, and the texts they wrote.
import {h} from './dom.js';
import {t, word, has, list, language} from './i18n.js';
import {money, dateTime} from './format.js';
import {stateBadge, who, badge} from './components.js';
import * as session from './session.js';
import {carrierName} from './carriers.js';

// Members that are bookkeeping, or texts shown from `texts` instead.
const HIDDEN = new Set(['version', 'expected_version', 'texts', 'note', 'text', 'description', 'evidence', 'policy_version', 'currency', 'buyer_id', 'holds_shipping', 'order_id', 'type']);
const MONEY = new Set(['amount', 'requested_amount', 'agreed_amount', 'refunded_amount', 'approval_limit']);
const WORDS = {reason: 'reason', reason_code: 'reject_reason', decision: 'decision', result: 'result', shipment: 'shipment', status: 'shipment_status', visibility: 'visibility', deadline: 'deadline', close_reason: 'close_reason'};

export function actionWord(action) {
  return has(`audit_action.${action}`) ? t(`audit_action.${action}`) : word('action', action);
}

function yesNo(v) {
  return v ? t('common.yes') : t('common.no');
}

// One member of an entry's data as words.
function valueText(key, value, currency, names) {
  if (key === 'assignee' || key === 'actor_id' || key === 'user_id') return who(value, names);
  if (key === 'carrier') return carrierName(value);
  if (value === null || value === undefined) return '—';
  if (MONEY.has(key) && typeof value === 'number') return money(value, currency);
  if (key === 'status' && has(`repair_status.${value}`)) return word('repair_status', value);  // a repair_update's
  if (WORDS[key]) return word(WORDS[key], value);
  if (typeof value === 'boolean') return yesNo(value);
  if (key === 'at' || key === 'due_at' || key === 'warranty_ends_at') return dateTime(value);
  if (key === 'lines' && Array.isArray(value)) {
    return value
      .map((l) =>
        'received' in l
          ? t('timeline.line_received', {id: l.line_id, received: l.received, damaged: l.damaged ?? 0})
          : t('timeline.line_qty', {id: l.line_id, qty: l.qty}),
      )
      .join(language() === 'zh' ? '；' : '; ');
  }
  if (key === 'risk' && typeof value === 'object') {
    const reasons = list((value.reasons || []).map((r) => word('risk_signal', r)));
    return value.flagged ? t('risk.flagged_because', {reasons}) : t('risk.not_flagged');
  }
  if (key === 'refund' && typeof value === 'object') {
    return [money(value.amount, currency), word('refund_status', value.status)].filter(Boolean).join(' · ');
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function dataRows(entry, currency, names) {
  const data = entry.data || {};
  const rows = [];
  const seen = new Set();  // an effect that repeats the input is shown once
  const take = (obj) => {
    for (const [key, value] of Object.entries(obj || {})) {
      if (HIDDEN.has(key) || key === 'input' || key === 'effects') continue;
      if (key === 'risk' && session.hasRole('buyer')) continue;  // the abuse signal is for staff
      if (value && typeof value === 'object' && 'sha256' in value) continue;
      const row = [word('field', key), valueText(key, value, currency, names)];
      if (seen.has(row.join('\n'))) continue;
      seen.add(row.join('\n'));
      rows.push(row);
    }
  };
  take(data);
  take(data.input);
  take(data.effects);
  return rows;
}

function textBlock(text) {
  const label = `${word('text_kind', text.kind)} · ${word('visibility', text.visibility)}`;
  return h('blockquote', {class: `text text-${text.visibility}`}, h('div', {class: 'text-label small muted'}, label), h('p', {class: 'prewrap'}, text.body));
}

export function timeline(entries, currency, names) {
  if (!entries.length) return h('p', {class: 'empty'}, t('timeline.empty'));
  return h(
    'ol',
    {class: 'timeline'},
    entries.map((e) => {
      const rows = dataRows(e, currency, names);
      // Only a change of state gets an arrow; an entry in a state that stays
      // (a breach, a comment) names that state without one.
      const moved = e.to_state && e.from_state !== e.to_state;
      const stays = !moved && e.to_state && e.from_state === e.to_state;
      return h(
        'li',
        {class: `entry entry-${e.action}`, dataset: {action: e.action}},
        h(
          'div',
          {class: 'entry-head'},
          h('strong', {class: 'entry-action'}, actionWord(e.action)),
          e.action === 'deadline_breached' ? badge(t('deadline.breached'), 'danger') : null,
          h('span', {class: 'entry-meta muted small'}, h('time', {datetime: e.at}, dateTime(e.at)), ' · ', word('role', e.actor.role), ' · ', who(e.actor.id, names)),
        ),
        moved ? h('div', {class: 'entry-states'}, e.from_state ? [stateBadge(e.from_state), h('span', {'aria-label': t('timeline.to')}, ' → ')] : null, stateBadge(e.to_state)) : null,
        stays ? h('div', {class: 'entry-states muted small'}, t('timeline.in_state', {state: word('state', e.to_state)})) : null,
        rows.length ? h('dl', {class: 'entry-data'}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : null,
        (e.texts || []).map(textBlock),
      );
    }),
  );
}
