// A repair case (SPEC §12) on the case page: where the repair stands (a
// stepper of its stages), its progress notes (always the buyer's to read),
// the attempt and the policy's rule for a refund or replacement instead,
// the warranty's end, and, when the caller may demand a remedy, the two
// choices in plain words, each opening the action's form.
import {h} from './dom.js';
import {t, word} from './i18n.js';
import * as session from './session.js';
import {card, details, dataTable, badge, who} from './components.js';
import {money, dateTime} from './format.js';

// The stages a repair goes through, as it should go and when it fails.
const REPAIRED_PATH = ['submitted', 'returning', 'received', 'repairing', 'ready', 'shipped', 'done'];
const FAILED_PATH = ['submitted', 'returning', 'received', 'repairing', 'failed', 'remedy', 'remedy_done'];

// The stage each state stands at (states of both paths).
const STAGE = {
  requested: 'submitted',
  pending_approval: 'submitted',
  awaiting_return: 'returning',
  return_in_transit: 'returning',
  inspection_failed: 'received',
  repairing: 'repairing',
  repair_ready: 'ready',
  repaired_shipped: 'shipped',
  repaired: 'done',
  repair_failed: 'failed',
  negotiating: 'remedy',  // an offer is made only after a failed repair
  refunding: 'remedy',
  replacement_pending: 'remedy',
  replacement_shipped: 'remedy',
  refunded: 'remedy_done',
  exchanged: 'remedy_done',
};
const FINISHED = new Set(['repaired', 'refunded', 'exchanged']);

function latest(c) {
  const p = (c.repair && c.repair.progress) || [];
  return p.length ? p[p.length - 1] : null;
}

// Whether the repair has left the repaired path: the item could not be
// repaired, or the buyer took a refund or a replacement instead.
function failedPath(c) {
  if (FAILED_PATH.includes(STAGE[c.state]) && !REPAIRED_PATH.includes(STAGE[c.state])) return true;
  return ((c.repair && c.repair.progress) || []).some((p) => p.status === 'unrepairable');
}

// The stage reached by a case whose state is off both paths (rejected,
// escalated, closed, cancelled): read from what happened to it.
function reachedStage(c) {
  if (failedPath(c)) return 'failed';
  if (c.repair && c.repair.attempt) return 'repairing';
  if (c.return_shipment && c.return_shipment.received_at) return 'received';
  if (c.return_shipment || c.return_address) return 'returning';
  return 'submitted';
}

// [{key, status: done|current|todo}] and, for a case that ended off the
// path, a last step naming its state.
export function repairSteps(c) {
  const path = failedPath(c) ? FAILED_PATH : REPAIRED_PATH;
  const known = STAGE[c.state];
  const at = path.indexOf(known !== undefined ? known : reachedStage(c));
  const off = known === undefined;
  const steps = path.map((key, i) => ({
    key,
    status: i < at || (i === at && (off || FINISHED.has(c.state))) ? 'done' : i === at ? 'current' : 'todo',
  }));
  if (off) return [...steps.slice(0, at + 1), {key: 'ended', status: 'current'}];
  return steps;
}

function stepper(c) {
  const steps = repairSteps(c);
  return h(
    'ol',
    {class: 'repair-steps', 'aria-label': t('repair.steps')},
    steps.map((s, i) =>
      h(
        'li',
        {class: `repair-step step-${s.status}${s.key === 'failed' ? ' step-failed' : ''}`, dataset: {step: s.key}, 'aria-current': s.status === 'current' ? 'step' : null},
        h('span', {class: 'step-mark', 'aria-hidden': 'true'}, s.status === 'done' ? '✓' : String(i + 1)),
        h('span', {class: 'step-label'}, s.key === 'ended' ? word('state', c.state) : t(`repair.step.${s.key}`)),
      ),
    ),
  );
}

// Who wrote a progress note: staff by name; a buyer reads "the workshop"
// (the shop's people are not named to buyers).
function byWhom(id, names) {
  if (session.hasRole('buyer')) return t('repair.by_workshop');
  return who(id, names);
}

export function progressTable(c, names) {
  const progress = (c.repair && c.repair.progress) || [];
  return dataTable({
    caption: t('repair.progress'),
    columns: [
      {label: t('common.time'), key: 'at', cell: (p) => h('time', {datetime: p.at}, dateTime(p.at))},
      {label: t('field.repair_status'), key: 'status', cell: (p) => badge(word('repair_status', p.status), p.status === 'unrepairable' ? 'danger' : p.status === 'repaired' ? 'success' : 'info')},
      {label: t('field.note'), key: 'note', cell: (p) => (p.note === null ? h('span', {class: 'muted'}, t('repair.note_erased')) : h('span', {class: 'prewrap'}, p.note))},
      {label: t('common.by'), key: 'by', cell: (p) => byWhom(p.by, names)},
    ],
    rows: progress,
    empty: t('repair.no_progress'),
  });
}

// The policy's rule for a refund or replacement instead of a repair.
function choiceRule(policy) {
  const n = policy && policy.repair && policy.repair.failures_before_choice;
  return n ? h('p', {class: 'muted small repair-rule'}, t('repair.choice_rule', {n, next: n + 1})) : null;
}

function warranty(c) {
  const ends = c.repair.warranty_ends_at;
  const over = ends && Date.parse(ends) < Date.now();
  return ends ? h('span', {}, dateTime(ends), over ? [' ', badge(t('repair.warranty_over'), 'warning')] : null, h('div', {class: 'muted small'}, t('repair.warranty_hint'))) : null;
}

// Opens the case page's demand_remedy form with `remedy` chosen.
function choose(openForm, remedy) {
  const form = openForm('demand_remedy');
  if (!form) return;
  const radio = form.querySelector(`input[type=radio][value="${remedy}"]`);
  if (radio) {
    radio.checked = true;
    radio.focus();
  }
  form.scrollIntoView({block: 'nearest'});
}

// The two remedies explained, each opening the form of the case page
// (there is one form: the actions' own) with its choice made.
function remedyChoices(c, openForm) {
  if (!c.allowed_actions.includes('demand_remedy')) return null;
  const choice = (remedy, text) =>
    h(
      'li',
      {class: 'remedy-choice', dataset: {remedy}},
      h('strong', {}, word('remedy', remedy)),
      h('p', {}, text),
      h('button', {type: 'button', class: 'btn btn-outline btn-small', onclick: () => choose(openForm, remedy)}, t(`repair.choose_${remedy}`)),
    );
  return h(
    'div',
    {class: 'alert alert-info remedy-choices'},
    h('h3', {}, t('repair.remedy_title')),
    h('p', {}, t('repair.remedy_intro')),
    h(
      'ul',
      {class: 'plain remedy-list'},
      choice('refund', t('repair.remedy_refund', {amount: money(c.refundable_amount ?? c.requested_amount, c.currency)})),
      choice('replacement', t('repair.remedy_replacement')),
    ),
  );
}

// For the shop's people when the item could not be repaired: what they may do.
function failedNote(c) {
  if (c.state !== 'repair_failed' || session.hasRole('buyer', 'integration')) return null;
  const open = c.allowed_actions.filter((a) => a === 'offer' || a === 'approve');
  return open.length ? h('p', {class: 'repair-failed-note'}, t('repair.failed_staff', {offer: word('action', 'offer'), approve: word('action', 'approve')})) : null;
}

// The repair card of the case page; null for other types.
// ctx: {policy, names, openForm(action) → the opened form element or null}.
export function repairCard(c, ctx) {
  if (c.type !== 'repair' || !c.repair) return null;
  const r = c.repair;
  return h(
    'section',
    {class: 'card repair', 'aria-labelledby': 'repair-title'},
    h('h2', {id: 'repair-title'}, t('repair.title')),
    stepper(c),
    remedyChoices(c, ctx.openForm),
    failedNote(c),
    details(
      [
        [t('repair.attempt_label'), r.attempt ? t('repair.attempt', {n: r.attempt}) : h('span', {class: 'muted'}, t('repair.attempt_unknown'))],
        [t('repair.warranty_ends'), warranty(c)],
      ],
      {columns: 2},
    ),
    choiceRule(ctx.policy),
    h('h3', {}, t('repair.progress')),
    progressTable(c, ctx.names),
  );
}

// The latest progress of a repair, for lists: its status in words and when.
export function latestProgress(c) {
  const p = latest(c);
  if (!p) return h('span', {class: 'muted'}, t('repair.not_started'));
  return h('div', {}, badge(word('repair_status', p.status), p.status === 'repaired' ? 'success' : 'info'), h('div', {class: 'muted small'}, dateTime(p.at)), p.note ? h('div', {class: 'small prewrap repair-note'}, p.note) : null);
}
