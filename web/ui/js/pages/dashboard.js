// Managers' dashboard: open cases by state, deadline breaches today and
// this week, the arbitration queue and the refunds of this month, with
// charts. Figures come from GET /metrics, GET /cases and GET /audit.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import {pageHeader, card, button, errorBox} from '../components.js';
import {OPEN_STATES} from '../states.js';
import {money, number, rfc3339, date} from '../format.js';
import {loadChartLibrary, destroyCharts, barChart, PALETTE} from '../charts.js';
import {arbitrationTable} from './arbitration.js';

const DAY_MS = 86400000;
const MAX_AUDIT_ENTRIES = 20000;

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

// Monday 00:00 of the current week, local time.
function startOfWeek(d) {
  const day = startOfDay(d);
  return new Date(day.getTime() - ((day.getDay() + 6) % 7) * DAY_MS);
}

// Open cases per state from the Prometheus text of GET /metrics.
function casesByState(metrics) {
  const counts = new Map(OPEN_STATES.map((s) => [s, 0]));
  for (const m of metrics.matchAll(/^aftersales_cases\{state="([a-z_]+)"\}\s+(\d+)/gm)) {
    if (counts.has(m[1])) counts.set(m[1], Number(m[2]));
  }
  return counts;
}

// Every audit entry matching `params`, following the cursor.
async function auditAll(params) {
  const items = [];
  let after = null;
  do {
    const page = await api.get(`/audit${api.query({...params, after_seq: after, limit: 1000})}`);
    items.push(...page.items);
    after = page.next_cursor;
  } while (after && items.length < MAX_AUDIT_ENTRIES);
  return items;
}

// A figure that opens what it counts (a filtered queue, the audit log).
function tile(label, value, kind = '', href = null) {
  const inner = [h('div', {class: 'tile-value'}, value), h('div', {class: 'tile-label'}, label)];
  return h('div', {class: `tile ${kind}`}, href ? h('a', {class: 'figure-link', href}, inner) : inner);
}

export async function dashboardPage(view, {reload}) {
  destroyCharts();
  const now = new Date();
  const today = startOfDay(now);
  const week = startOfWeek(now);
  const sevenDays = new Date(today.getTime() - 6 * DAY_MS);
  const month = new Date(now.getFullYear(), now.getMonth(), 1);
  const [Chart, metrics, escalated, breaches, refunds] = await Promise.all([
    loadChartLibrary(),
    api.request('GET', '/metrics', undefined, {raw: true, text: true}),
    api.getAll('/cases', {state: 'escalated', sort: 'due_at'}),
    auditAll({action: 'deadline_breached', from: rfc3339(week < sevenDays ? week : sevenDays)}),
    auditAll({action: 'refund_issued', from: rfc3339(month)}),
  ]);
  // The shop's currency: amounts of different currencies are not added up.
  let currency = escalated.length ? escalated[0].currency : null;
  if (!currency && refunds.length) {
    try {
      currency = (await api.get(`/cases/${encodeURIComponent(refunds[0].case_id)}`)).currency;
    } catch (e) {
      currency = null;
    }
  }
  currency = currency || 'CNY';

  const byState = casesByState(metrics);
  const openTotal = [...byState.values()].reduce((a, b) => a + b, 0);
  const at = (e) => Date.parse(e.at);
  const breachesToday = breaches.filter((e) => at(e) >= today.getTime()).length;
  const breachesWeek = breaches.filter((e) => at(e) >= week.getTime()).length;
  const refundAmount = (e) => (((e.data || {}).effects || {}).refund || {}).amount || 0;
  const refundTotal = refunds.reduce((sum, e) => sum + refundAmount(e), 0);

  const days = Array.from({length: 7}, (_, i) => new Date(sevenDays.getTime() + i * DAY_MS));
  const perDay = days.map((d) => breaches.filter((e) => at(e) >= d.getTime() && at(e) < d.getTime() + DAY_MS).length);
  const monthDays = Array.from({length: today.getDate()}, (_, i) => new Date(month.getFullYear(), month.getMonth(), i + 1));
  const refundsPerDay = monthDays.map((d) => refunds.filter((e) => at(e) >= d.getTime() && at(e) < d.getTime() + DAY_MS).reduce((s, e) => s + refundAmount(e), 0));

  const stateLabels = OPEN_STATES.map((s) => word('state', s));
  const stateValues = OPEN_STATES.map((s) => byState.get(s));
  const fmtMoney = (v) => money(v, currency);

  fill(
    view,
    pageHeader(t('nav.dashboard'), button(t('common.refresh'), reload)),
    h(
      'div',
      {class: 'tiles'},
      tile(t('dashboard.open_cases'), number(openTotal), '', '#/queue?view=all'),
      tile(t('dashboard.breaches_today'), number(breachesToday), breachesToday ? 'tile-danger' : '', '#/queue?view=all&breached=true'),
      tile(t('dashboard.breaches_week'), number(breachesWeek), breachesWeek ? 'tile-warning' : '', `#/audit?action=deadline_breached&from=${encodeURIComponent(rfc3339(week))}`),
      tile(t('dashboard.arbitration'), number(escalated.length), escalated.length ? 'tile-info' : '', session.hasRole('manager') ? '#/arbitration' : '#/queue?view=all&state=escalated'),
      tile(t('dashboard.refunds_month', {n: refunds.length}), money(refundTotal, currency), '', `#/audit?action=refund_issued&from=${encodeURIComponent(rfc3339(month))}`),
    ),
    h(
      'div',
      {class: 'grid-2'},
      card(
        t('dashboard.by_state'),
        barChart(Chart, {
          labels: stateLabels,
          values: stateValues,
          horizontal: true,
          color: OPEN_STATES.map((_, i) => PALETTE[i % PALETTE.length]),
          summary: OPEN_STATES.map((s, i) => `${stateLabels[i]}: ${stateValues[i]}`).join(', '),
        }),
        h('ul', {class: 'state-links plain small'}, OPEN_STATES.map((st, i) => h('li', {}, h('a', {href: `#/queue?view=all&state=${st}`}, stateLabels[i], ': ', number(stateValues[i] || 0))))),
      ),
      h(
        'div',
        {},
        card(
          t('dashboard.breaches_per_day'),
          barChart(Chart, {labels: days.map(date), values: perDay, color: '#dc2626', summary: days.map((d, i) => `${date(d)}: ${perDay[i]}`).join(', ')}),
        ),
        card(
          t('dashboard.refunds_per_day'),
          barChart(Chart, {
            labels: monthDays.map((d) => String(d.getDate())),
            values: refundsPerDay,
            color: '#16a34a',
            format: fmtMoney,
            summary: t('dashboard.refunds_summary', {n: refunds.length, total: money(refundTotal, currency)}),
          }),
        ),
      ),
    ),
    card(t('dashboard.arbitration_queue'), arbitrationTable(escalated)),
    card(
      t('dashboard.reports'),
      h('p', {class: 'muted'}, t('dashboard.reports_intro')),
      h('div', {class: 'btn-row'}, h('a', {class: 'btn btn-outline', href: '#/reports'}, t('nav.reports')), h('a', {class: 'btn btn-outline', href: '#/scorecard'}, t('nav.scorecard'))),
    ),
  );
}
