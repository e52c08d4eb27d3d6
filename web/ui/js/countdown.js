// Live countdowns to deadlines. Each countdown is a <time> element with
// data-due; one timer updates every countdown on the page once a second.
import {h} from './dom.js';
import {duration, dateTime} from './format.js';
import {t} from './i18n.js';

// Deadlines closer than this are highlighted as due soon.
export const DUE_SOON_MS = 6 * 3600 * 1000;
const TICK_MS = 1000;

// 'breached' (the engine marked it), 'overdue' (past due, not yet swept),
// 'soon' (within DUE_SOON_MS) or 'ok'.
export function urgency(deadline, now = Date.now()) {
  if (deadline.breached) return 'breached';
  const left = Date.parse(deadline.due_at) - now;
  if (left <= 0) return 'overdue';
  if (left <= DUE_SOON_MS) return 'soon';
  return 'ok';
}

// The most urgent of a case's open deadlines (earliest due), or null.
export function nextDeadline(deadlines) {
  if (!deadlines || deadlines.length === 0) return null;
  return [...deadlines].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at))[0];
}

function render(el) {
  const due = Date.parse(el.dataset.due);
  const left = due - Date.now();
  const state = el.dataset.breached === 'true' ? 'breached' : left <= 0 ? 'overdue' : left <= DUE_SOON_MS ? 'soon' : 'ok';
  el.textContent = left > 0 ? t('time.in', {d: duration(left)}) : t('time.overdue_by', {d: duration(left)});
  el.className = `countdown countdown-${state}`;
}

// A countdown to `deadline` ({due_at, breached}).
export function countdown(deadline) {
  const el = h('time', {
    datetime: deadline.due_at,
    title: dateTime(deadline.due_at),
    dataset: {due: deadline.due_at, breached: String(Boolean(deadline.breached))},
  });
  render(el);
  return el;
}

let timer = null;
export function startCountdowns() {
  if (timer !== null) return;
  timer = setInterval(() => {
    for (const el of document.querySelectorAll('time[data-due]')) render(el);
  }, TICK_MS);
}
