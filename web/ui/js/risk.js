// The abuse signal of a case (docs/reports.md, "Abuse signals"): at submit
// the engine looks at the buyer's history and flags the case when a signal
// reaches its threshold. Shown as a badge in case lists and as the signals
// on the case page. Buyers never see it.
import {h} from './dom.js';
import {t, word} from './i18n.js';
import {money, number} from './format.js';
import * as session from './session.js';
import {badge, details} from './components.js';

// The signals, in the order docs/reports.md lists them.
export const SIGNALS = ['cases', 'refund_only_cases', 'refunded_amount', 'orders', 'return_rate_percent'];

export function isFlagged(c) {
  return Boolean(c && c.risk && c.risk.flagged) && !session.hasRole('buyer');
}

// One signal's value as words ("¥518.00", "83%", "5").
export function signalValue(signal, value, currency) {
  if (value === null || value === undefined) return '—';
  if (signal === 'refunded_amount') return money(value, currency);
  if (signal === 'return_rate_percent') return `${number(value)}%`;
  return number(value);
}

// "Refund-only cases: 4; Cases: 6": the reasons with their figures.
export function reasonsText(c) {
  const risk = c.risk || {};
  const signals = risk.signals || {};
  return (risk.reasons || []).map((r) => `${word('risk_signal', r)}: ${signalValue(r, signals[r], c.currency)}`).join('; ');
}

// A red "Risk" badge for a flagged case (null otherwise); the reasons are
// its tooltip and, for screen readers, hidden text.
export function riskBadge(c) {
  if (!isFlagged(c)) return null;
  const reasons = reasonsText(c);
  const title = reasons ? t('risk.flagged_because', {reasons}) : t('risk.flagged');
  return h('span', {class: 'badge badge-risk', title}, t('risk.badge'), h('span', {class: 'visually-hidden'}, ` (${title})`));
}

// The case page's card: why the case is flagged, every signal, and what
// it means for approvals (when the policy asks for a supervisor).
export function riskCard(c, policy) {
  if (!isFlagged(c)) return null;
  const signals = c.risk.signals || {};
  const reasons = new Set(c.risk.reasons || []);
  const requireSupervisor = policy && policy.risk && policy.risk.require_supervisor;
  return h(
    'section',
    {class: 'card card-risk', 'aria-labelledby': 'risk-title'},
    h('h2', {id: 'risk-title'}, t('risk.title')),
    h('p', {}, t('risk.intro')),
    details(
      SIGNALS.filter((s) => s in signals).map((s) => [
        word('risk_signal', s),
        h('span', {class: reasons.has(s) ? 'risk-reached' : null}, signalValue(s, signals[s], c.currency), reasons.has(s) ? [' ', badge(t('risk.reached'), 'danger')] : null),
      ]),
    ),
    requireSupervisor ? h('p', {class: 'muted small'}, t('risk.supervisor')) : null,
  );
}
