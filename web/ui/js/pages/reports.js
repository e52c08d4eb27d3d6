// Managers and admins: the six reports of docs/reports.md (agents, SLA,
// reasons, warehouse with shipping, finance, compensation) for a calendar
// month, a range of days or all
// time, each as tables and a chart with a CSV download of the same URL.
// Every figure is the API's; the page only formats it. Months and days are
// UTC, as the API and the scorecard count them.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {localiseCsv, download} from '../csv.js';
import {describeField} from '../datepicker.js';
import {pageHeader, dataTable, errorBox, field, select, button, setFieldError, loading} from '../components.js';
import {money, number, percent, seconds, monthName, utcDay} from '../format.js';
import {loadChartLibrary, destroyCharts, groupedBarChart, PALETTE} from '../charts.js';

export const REPORTS = ['agents', 'sla', 'reasons', 'warehouse', 'finance', 'compensation'];
// The reports with money in one currency; they take ?currency=.
const MONEY_REPORTS = new Set(['agents', 'reasons', 'compensation']);
const DAY_MS = 86400000;
const TOP_SKUS = 10;
const HOUR_S = 3600;
const COLORS = {count: PALETTE[0], score: '#16a34a', breach: '#dc2626', pass: '#16a34a', fail: '#dc2626', median: PALETTE[0], p90: PALETTE[2]};

// --- the period -------------------------------------------------------------

// The current calendar month in UTC, "2026-11".
export function currentMonth(now = new Date()) {
  return now.toISOString().slice(0, 7);
}

function dayStart(date) {
  return `${date.toISOString().slice(0, 10)}T00:00:00Z`;
}

function isDay(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

// "2026-11" → {from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z"};
// null when the text is not a month.
export function monthBounds(period) {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(String(period || ''));
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return {from: dayStart(new Date(Date.UTC(year, month - 1, 1))), to: dayStart(new Date(Date.UTC(year, month, 1)))};
}

// The period as the page's hash keeps it: ?period=2026-11, ?from=…&to=…
// (days, `to` included) or ?period=all.
function readPeriod(query) {
  if (query.get('period') === 'all') return {mode: 'all'};
  if (query.has('from') || query.has('to')) return {mode: 'range', from: query.get('from') || '', to: query.get('to') || ''};
  const month = query.get('period');
  return {mode: 'month', month: monthBounds(month) ? month : currentMonth()};
}

// The API's from/to (RFC 3339, `to` exclusive) for a period.
function apiRange(p) {
  if (p.mode === 'month') return monthBounds(p.month);
  if (p.mode === 'range') {
    return {
      from: p.from ? `${p.from}T00:00:00Z` : undefined,
      to: p.to ? dayStart(new Date(Date.parse(`${p.to}T00:00:00Z`) + DAY_MS)) : undefined,
    };
  }
  return {};
}

function periodWords(p) {
  if (p.mode === 'month') return t('reports.period_month', {month: monthName(p.month)});
  if (p.mode === 'range') {
    if (p.from && p.to) return t('reports.period_range', {from: utcDay(`${p.from}T00:00:00Z`), to: utcDay(`${p.to}T00:00:00Z`)});
    if (p.from) return t('reports.period_since', {from: utcDay(`${p.from}T00:00:00Z`)});
    if (p.to) return t('reports.period_until', {to: utcDay(`${p.to}T00:00:00Z`)});
  }
  return t('reports.period_all');
}

// --- cells ------------------------------------------------------------------

// A figure: its words, with the API's raw value in data-value (null: empty).
function figure(value, format, title) {
  return h('span', {class: 'figure', dataset: {value: value === null || value === undefined ? '' : String(value)}, title}, format(value));
}

export const count = (v) => (v === null || v === undefined ? '—' : number(v));

// A column of codes (reason, deadline, grade, …) shown as words; the code
// itself is the cell's data-value.
function codeColumn(key, label, words = (v) => v, className) {
  const raw = (v) => (v === null || v === undefined ? '' : String(v));
  return {label, key, cell: (row) => h('span', {class: className ? `figure ${className}` : 'figure', dataset: {value: raw(row[key])}}, row[key] === null || row[key] === undefined ? '—' : words(row[key]))};
}

// A numeric column: `key` of each row, shown with `format`.
function numeric(key, label, format = count) {
  return {label, key, class: 'num', cell: (row) => figure(row[key], format)};
}

function durationColumn(key, label) {
  return {
    label,
    key,
    class: 'num',
    cell: (row) => figure(row[key], seconds, row[key] === null || row[key] === undefined ? null : t('reports.seconds_exact', {n: number(row[key])})),
  };
}

function moneyColumn(key, label, currency) {
  return numeric(key, label, (v) => money(v, typeof currency === 'function' ? currency() : currency));
}

function section(title, ...children) {
  return h('section', {class: 'card report-section'}, h('h3', {}, title), children);
}

function empty(text) {
  return h('p', {class: 'empty report-empty'}, text);
}

const sum = (rows, key) => rows.reduce((s, r) => s + (Number(r[key]) || 0), 0);

function summaryOf(labels, values, format) {
  return labels.map((l, i) => `${l}: ${format(values[i])}`).join(', ');
}

// --- the reports --------------------------------------------------------------

function agentsReport(data, Chart) {
  const cur = data.currency;
  const items = data.items || [];
  const active = items.filter((i) => i.decisions || i.sla_breaches || i.score || i.refunded_amount || i.overturned);
  if (!active.length) return [empty(t('reports.agents_empty'))];
  const labels = items.map((i) => i.name || i.user_id);
  const decisions = items.map((i) => i.decisions);
  const scores = items.map((i) => i.score);
  return [
    section(
      t('reports.agents_chart'),
      groupedBarChart(Chart, {
        labels,
        datasets: [
          {label: t('reports.decisions'), values: decisions, color: COLORS.count},
          {label: t('reports.score'), values: scores, color: COLORS.score},
        ],
        summary: labels.map((l, i) => t('reports.agents_summary', {name: l, decisions: decisions[i], score: scores[i]})).join('; '),
      }),
    ),
    section(
      t('reports.agents_table'),
      dataTable({
        caption: t('reports.agents_table'),
        columns: [
          {label: t('reports.person'), key: 'user_id', cell: (i) => h('div', {class: 'figure', dataset: {value: i.user_id}}, h('strong', {}, i.name || i.user_id), h('div', {class: 'muted small mono'}, i.user_id))},
          codeColumn('role', t('users.role'), (v) => word('role', v)),
          numeric('decisions', t('reports.decisions')),
          numeric('approvals', t('reports.approvals')),
          numeric('rejections', t('reports.rejections')),
          numeric('offers', t('reports.offers')),
          durationColumn('median_first_response_seconds', t('reports.median_first_response')),
          numeric('sla_breaches', t('reports.sla_breaches')),
          numeric('overturned', t('reports.overturned')),
          moneyColumn('refunded_amount', t('reports.refunded'), cur),
          numeric('score', t('reports.score')),
        ],
        rows: items,
      }),
    ),
  ];
}

function slaReport(data, Chart) {
  const items = data.items || [];
  if (!sum(items, 'count')) return [empty(t('reports.sla_empty'))];
  const labels = items.map((i) => word('deadline', i.deadline));
  const rates = items.map((i) => (i.breach_rate === null || i.breach_rate === undefined ? 0 : i.breach_rate * 100));
  const pct = (v) => percent(v / 100);
  return [
    section(
      t('reports.sla_chart'),
      groupedBarChart(Chart, {labels, horizontal: true, datasets: [{values: rates, color: COLORS.breach}], format: pct, summary: summaryOf(labels, rates, pct)}),
    ),
    section(
      t('reports.sla_table'),
      dataTable({
        caption: t('reports.sla_table'),
        columns: [
          codeColumn('deadline', t('policy.deadline'), (v) => word('deadline', v)),
          numeric('count', t('reports.started')),
          numeric('open', t('reports.open')),
          numeric('breached', t('reports.breached')),
          numeric('breach_rate', t('reports.breach_rate'), percent),
          numeric('extended', t('reports.extended')),
          durationColumn('median_seconds_to_act', t('reports.median_to_act')),
          durationColumn('p90_seconds_to_act', t('reports.p90_to_act')),
        ],
        rows: items,
      }),
    ),
  ];
}

function byReturnRate(a, b) {
  const ra = a.return_rate ?? -1;
  const rb = b.return_rate ?? -1;
  return rb - ra || b.cases - a.cases || String(a.sku).localeCompare(String(b.sku));
}

// The table of a report's figures per reason (every reason, zeros muted):
// the reason, its cases, then `columns`.
function byReasonSection(rows, columns) {
  return section(
    t('reports.by_reason'),
    dataTable({
      caption: t('reports.by_reason'),
      columns: [codeColumn('reason', t('case.reason'), (v) => word('reason', v)), numeric('cases', t('reports.cases')), ...columns],
      rows,
      rowClass: (r) => (r.cases ? null : 'muted'),
    }),
  );
}

function reasonsReport(data, Chart) {
  const cur = data.currency;
  const byReason = data.by_reason || [];
  if (!sum(byReason, 'cases')) return [empty(t('reports.no_cases'))];
  const reasonLabels = byReason.map((r) => word('reason', r.reason));
  const reasonCases = byReason.map((r) => r.cases);
  const skus = [...(data.by_sku || [])].sort(byReturnRate);
  const top = skus.filter((s) => s.return_rate !== null && s.return_rate !== undefined).slice(0, TOP_SKUS);
  const skuRates = top.map((s) => s.return_rate * 100);
  const pct = (v) => percent(v / 100);
  return [
    h(
      'div',
      {class: 'grid-2'},
      section(
        t('reports.reasons_chart'),
        groupedBarChart(Chart, {labels: reasonLabels, horizontal: true, datasets: [{values: reasonCases, color: reasonLabels.map((_, i) => PALETTE[i % PALETTE.length])}], summary: summaryOf(reasonLabels, reasonCases, count)}),
      ),
      section(
        t('reports.skus_chart', {n: TOP_SKUS}),
        top.length
          ? groupedBarChart(Chart, {labels: top.map((s) => s.sku), horizontal: true, datasets: [{values: skuRates, color: COLORS.breach}], format: pct, summary: summaryOf(top.map((s) => s.sku), skuRates, pct)})
          : empty(t('reports.no_sales')),
      ),
    ),
    byReasonSection(byReason, [moneyColumn('refunded_amount', t('reports.refunded'), cur)]),
    section(
      t('reports.by_sku'),
      dataTable({
        caption: t('reports.by_sku'),
        columns: [
          codeColumn('sku', t('reports.sku'), undefined, 'mono'),
          numeric('cases', t('reports.cases')),
          numeric('units', t('reports.units')),
          numeric('returned_units', t('reports.returned_units')),
          numeric('sold_units', t('reports.sold_units')),
          numeric('return_rate', t('reports.return_rate'), percent),
          moneyColumn('refunded_amount', t('reports.refunded'), cur),
        ],
        rows: skus,
        empty: t('reports.no_cases'),
      }),
    ),
    h(
      'details',
      {class: 'card report-section'},
      h('summary', {}, t('reports.by_reason_sku')),
      dataTable({
        caption: t('reports.by_reason_sku'),
        columns: [
          codeColumn('reason', t('case.reason'), (v) => word('reason', v)),
          codeColumn('sku', t('reports.sku'), undefined, 'mono'),
          numeric('cases', t('reports.cases')),
          numeric('units', t('reports.units')),
          moneyColumn('refunded_amount', t('reports.refunded'), cur),
        ],
        rows: data.items || [],
        empty: t('reports.no_cases'),
      }),
    ),
  ];
}

function tile(label, value, key) {
  return h('div', {class: 'tile', dataset: {key}}, h('div', {class: 'tile-value'}, value), h('div', {class: 'tile-label'}, label));
}

// Orders paid in the period: how many shipped, how many late (SPEC §10.4).
function shippingTiles(shipping) {
  if (!shipping || !shipping.orders) return null;
  return section(
    t('reports.shipping'),
    h(
      'div',
      {class: 'tiles tiles-3 shipping-tiles'},
      tile(t('reports.orders_paid'), figure(shipping.orders, count), 'orders'),
      tile(t('reports.orders_shipped'), figure(shipping.shipped, count), 'shipped'),
      tile(t('reports.orders_late'), figure(shipping.late, count), 'late'),
      tile(t('reports.late_rate'), figure(shipping.late_rate, percent), 'late_rate'),
      tile(t('reports.median_to_ship'), figure(shipping.median_seconds_to_ship, seconds), 'median_seconds_to_ship'),
      tile(t('reports.p90_to_ship'), figure(shipping.p90_seconds_to_ship, seconds), 'p90_seconds_to_ship'),
    ),
  );
}

function warehouseReport(data, Chart) {
  const items = data.items || [];
  const receipt = data.receipt || {count: 0, median_seconds: null, p90_seconds: null};
  const shipping = shippingTiles(data.shipping);
  if (!items.length && !receipt.count) return [shipping, empty(t('reports.warehouse_empty'))];
  const grades = items.map((i) => (i.grade === 'ungraded' ? t('reports.ungraded') : t('action_form.grade', {grade: i.grade})));
  return [
    shipping,
    h(
      'div',
      {class: 'tiles tiles-3'},
      tile(t('reports.received'), figure(receipt.count, count), 'count'),
      tile(t('reports.median_receipt'), figure(receipt.median_seconds, seconds), 'median_seconds'),
      tile(t('reports.p90_receipt'), figure(receipt.p90_seconds, seconds), 'p90_seconds'),
    ),
    items.length
      ? section(
          t('reports.warehouse_chart'),
          groupedBarChart(Chart, {
            labels: grades,
            stacked: true,
            datasets: [
              {label: t('reports.passed'), values: items.map((i) => i.passed), color: COLORS.pass},
              {label: t('reports.failed'), values: items.map((i) => i.failed), color: COLORS.fail},
            ],
            summary: grades.map((g, i) => t('reports.warehouse_summary', {grade: g, passed: items[i].passed, failed: items[i].failed})).join('; '),
          }),
        )
      : null,
    section(
      t('reports.warehouse_table'),
      dataTable({
        caption: t('reports.warehouse_table'),
        columns: [
          codeColumn('grade', t('field.grade'), (v) => (v === 'ungraded' ? t('reports.ungraded') : v)),
          numeric('inspected', t('reports.inspected')),
          numeric('passed', t('reports.passed')),
          numeric('failed', t('reports.failed')),
          numeric('fail_rate', t('reports.fail_rate'), percent),
        ],
        rows: items,
        empty: t('reports.none_inspected'),
      }),
    ),
  ];
}

function financeReport(data, Chart) {
  const items = data.items || [];
  if (!items.length) return [empty(t('reports.no_cases'))];
  const labels = items.map((i) => i.currency);
  const hours = (s) => (s === null || s === undefined ? 0 : s / HOUR_S);
  const medians = items.map((i) => hours(i.median_approval_to_refund_seconds));
  const p90s = items.map((i) => hours(i.p90_approval_to_refund_seconds));
  const asTime = (v) => seconds(Math.round(v * HOUR_S));
  return [
    section(
      t('reports.finance_chart'),
      groupedBarChart(Chart, {
        labels,
        datasets: [
          {label: t('reports.median'), values: medians, color: COLORS.median},
          {label: t('reports.p90'), values: p90s, color: COLORS.p90},
        ],
        format: asTime,
        tickFormat: (v) => t('reports.hours', {n: number(v)}),
        summary: labels.map((c, i) => t('reports.finance_summary', {currency: c, median: asTime(medians[i]), p90: asTime(p90s[i])})).join('; '),
      }),
    ),
    section(
      t('reports.finance_table'),
      dataTable({
        caption: t('reports.finance_table'),
        columns: [
          codeColumn('currency', t('reports.currency')),
          numeric('approved', t('reports.approved')),
          numeric('refunds_issued', t('reports.refunds_issued')),
          {label: t('reports.refunded'), key: 'refunded_amount', class: 'num', cell: (i) => figure(i.refunded_amount, (v) => money(v, i.currency))},
          numeric('refunds_failed', t('reports.refunds_failed')),
          numeric('awaiting_refund', t('reports.awaiting_refund')),
          durationColumn('median_approval_to_refund_seconds', t('reports.median_to_refund')),
          durationColumn('p90_approval_to_refund_seconds', t('reports.p90_to_refund')),
        ],
        rows: items,
      }),
    ),
  ];
}

// Compensation (SPEC §11.3): by reason with each form's amount, and who
// agreed the amounts ("system": the late-shipment compensations).
function compensationReport(data, Chart) {
  const cur = data.currency;
  const byReason = data.by_reason || [];
  const byAgent = data.by_agent || [];
  if (!sum(byReason, 'cases')) return [empty(t('reports.compensation_empty'))];
  const labels = byReason.map((r) => word('reason', r.reason));
  const forms = ['cash', 'voucher', 'points'];
  const person = (i) => (i.user_id === 'system' ? t('reports.system') : i.name || i.user_id);
  return [
    section(
      t('reports.compensation_chart'),
      groupedBarChart(Chart, {
        labels,
        stacked: true,
        datasets: forms.map((f, k) => ({label: word('compensation_form', f), values: byReason.map((r) => r[f]), color: PALETTE[k]})),
        format: (v) => money(v, cur),
        summary: summaryOf(labels, byReason.map((r) => r.amount), (v) => money(v, cur)),
      }),
    ),
    byReasonSection(byReason, [
      numeric('compensated', t('reports.compensated')),
      moneyColumn('amount', t('reports.compensated_amount'), cur),
      ...forms.map((f) => moneyColumn(f, word('compensation_form', f), cur)),
    ]),
    section(
      t('reports.by_agent'),
      dataTable({
        caption: t('reports.by_agent'),
        columns: [
          {label: t('reports.person'), key: 'user_id', cell: (i) => h('div', {class: 'figure', dataset: {value: i.user_id}}, h('strong', {}, person(i)), i.user_id === 'system' ? null : h('div', {class: 'muted small mono'}, i.user_id))},
          codeColumn('role', t('users.role'), (v) => (v === 'system' ? t('reports.system') : word('role', v))),
          numeric('approved', t('reports.compensations_agreed')),
          moneyColumn('amount', t('reports.compensated_amount'), cur),
        ],
        rows: byAgent,
        empty: t('reports.compensation_empty'),
      }),
    ),
  ];
}

const RENDER = {agents: agentsReport, sla: slaReport, reasons: reasonsReport, warehouse: warehouseReport, finance: financeReport, compensation: compensationReport};

// --- the page -----------------------------------------------------------------

export async function reportsPage(view, {query}) {
  destroyCharts();
  let tab = REPORTS.includes(query.get('tab')) ? query.get('tab') : 'agents';
  let period = readPeriod(query);
  let currency = query.get('currency') || '';
  const known = new Set(currency ? [currency] : []);
  const cache = new Map();
  let loads = 0;

  const modeSel = select(
    [['month', t('reports.mode_month')], ['range', t('reports.mode_range')], ['all', t('reports.mode_all')]],
    {value: period.mode},
  );
  // Text, not the browser's month and date controls, which speak the
  // browser's language: the words under each say the day in the page's.
  const textInput = (value, placeholder) => h('input', {type: 'text', inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false', value, placeholder});
  const monthInput = textInput(period.month || currentMonth(), '2026-11');
  const fromInput = textInput(period.from || '', '2026-11-01');
  const toInput = textInput(period.to || '', '2026-11-30');
  const currencySel = h('select', {});
  const dayWords = (v) => (isDay(v) ? utcDay(`${v}T00:00:00Z`) : '');
  const monthField = describeField(field(t('reports.month'), monthInput), monthInput, (v) => (monthBounds(v) ? monthName(v) : ''));
  const fromField = describeField(field(t('reports.from'), fromInput), fromInput, dayWords);
  const toField = describeField(field(t('reports.to'), toInput, {hint: t('reports.to_hint')}), toInput, dayWords);
  const currencyField = field(t('reports.currency'), currencySel);
  const summary = h('p', {class: 'report-period muted', 'aria-live': 'polite'});
  const panel = h('div', {role: 'tabpanel', id: 'report-panel', class: 'tab-panel', tabindex: '0'});

  function syncFields() {
    monthField.classList.toggle('hidden', modeSel.value !== 'month');
    fromField.classList.toggle('hidden', modeSel.value !== 'range');
    toField.classList.toggle('hidden', modeSel.value !== 'range');
  }

  function syncCurrencies() {
    const list = [...known].sort();
    fill(currencySel, list.map((c) => h('option', {value: c, selected: c === currency}, c)));
    currencyField.classList.toggle('hidden', list.length < 2 || !MONEY_REPORTS.has(tab));
  }

  // The period of the form; null (with the fields marked) when it is wrong.
  function readForm() {
    for (const input of [monthInput, fromInput, toInput]) setFieldError(input, '');
    const mode = modeSel.value;
    if (mode === 'month') {
      if (!monthBounds(monthInput.value)) {
        setFieldError(monthInput, t('reports.bad_month'));
        monthInput.focus();
        return null;
      }
      return {mode, month: monthInput.value};
    }
    if (mode === 'range') {
      const from = fromInput.value;
      const to = toInput.value;
      const bad = (input, message) => {
        setFieldError(input, message);
        input.focus();
        return null;
      };
      if (from && !isDay(from)) return bad(fromInput, t('reports.bad_day'));
      if (to && !isDay(to)) return bad(toInput, t('reports.bad_day'));
      if (from && to && to < from) return bad(toInput, t('reports.to_before_from'));
      if (!from && !to) return {mode: 'all'};
      return {mode, from, to};
    }
    return {mode: 'all'};
  }

  function remember() {
    const q = new URLSearchParams({tab});
    if (period.mode === 'month') q.set('period', period.month);
    else if (period.mode === 'all') q.set('period', 'all');
    else {
      if (period.from) q.set('from', period.from);
      if (period.to) q.set('to', period.to);
    }
    if (currency) q.set('currency', currency);
    history.replaceState(null, '', `#/reports?${q}`);
  }

  function params(name, extra = {}) {
    return {...apiRange(period), currency: MONEY_REPORTS.has(name) ? currency : '', ...extra};
  }

  function fetchReport(name) {
    const path = `/reports/${name}${api.query(params(name))}`;
    if (!cache.has(path)) {
      cache.set(path, api.get(path).catch((e) => {
        cache.delete(path);
        throw e;
      }));
    }
    return cache.get(path);
  }

  function csvHref(name) {
    return `/api/v1/reports/${name}${api.query(params(name, {format: 'csv'}))}`;
  }

  function head(name, data) {
    return h(
      'div',
      {class: 'report-head'},
      h('div', {}, h('h2', {}, t(`reports.title_${name}`)), h('p', {class: 'muted small'}, t(`reports.about_${name}`))),
      h(
        'div',
        {class: 'page-tools'},
        MONEY_REPORTS.has(name) && data.currency ? h('span', {class: 'badge badge-info report-currency'}, t('reports.amounts_in', {currency: data.currency})) : null,
        button(t('reports.csv'), async (e) => {
          e.target.disabled = true;
          try {
            const text = await api.request('GET', `/reports/${name}${api.query(params(name, {format: 'csv'}))}`, undefined, {text: true});
            download(`${t(`reports.tab_${name}`)}.csv`, localiseCsv(text, data.currency || 'CNY', name));
          } finally {
            e.target.disabled = false;
          }
        }, {kind: 'secondary btn-small csv-download'}),
        h('a', {class: 'btn btn-link btn-small csv-link', href: csvHref(name), download: `${name}.csv`}, t('reports.csv_raw')),
      ),
    );
  }

  async function load() {
    if (!view.isConnected) return;
    const seq = ++loads;
    destroyCharts();
    remember();
    syncCurrencies();
    summary.textContent = periodWords(period);
    panel.setAttribute('aria-labelledby', `tab-${tab}`);
    panel.setAttribute('aria-busy', 'true');
    fill(panel, loading());
    try {
      // The finance report lists the currencies of the period (for the
      // currency choice); without it the other reports still show.
      const currencies = tab === 'finance' ? null : fetchReport('finance').catch(() => ({items: []}));
      const [Chart, data, finance] = await Promise.all([loadChartLibrary(), fetchReport(tab), currencies]);
      if (seq !== loads || !view.isConnected) return;
      for (const item of (finance || data).items || []) known.add(item.currency);
      if (data.currency) known.add(data.currency);
      syncCurrencies();
      fill(panel, head(tab, data), RENDER[tab](data, Chart));
    } catch (e) {
      if (seq !== loads) return;
      fill(panel, errorBox(e));
    } finally {
      if (seq === loads) panel.removeAttribute('aria-busy');
    }
  }

  function apply(e) {
    if (e) e.preventDefault();
    const next = readForm();
    if (!next) return;
    period = next;
    load();
  }

  // Tabs (WAI-ARIA): arrows, Home and End move between them.
  const tabs = REPORTS.map((name) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${name}`,
        class: 'tab',
        'aria-controls': 'report-panel',
        dataset: {report: name},
        onclick: () => choose(name),
        onkeydown: onTabKey,
      },
      t(`reports.tab_${name}`),
    ),
  );

  function markTabs() {
    for (const b of tabs) {
      const on = b.dataset.report === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
  }

  function choose(name, focus = false) {
    tab = name;
    markTabs();
    if (focus) tabs[REPORTS.indexOf(name)].focus();
    load();
  }

  function onTabKey(e) {
    const i = REPORTS.indexOf(e.currentTarget.dataset.report);
    const moves = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: REPORTS.length - 1};
    if (!(e.key in moves)) return;
    e.preventDefault();
    choose(REPORTS[(moves[e.key] + REPORTS.length) % REPORTS.length], true);
  }

  modeSel.addEventListener('change', () => {
    syncFields();
    apply();
  });
  for (const input of [monthInput, fromInput, toInput]) input.addEventListener('change', () => apply());
  currencySel.addEventListener('change', () => {
    currency = currencySel.value;
    load();
  });

  markTabs();
  syncFields();
  fill(
    view,
    pageHeader(
      t('nav.reports'),
      h('a', {class: 'btn btn-link', href: '#/scorecard'}, t('nav.scorecard')),
      button(t('common.refresh'), () => {
        cache.clear();
        load();
      }),
    ),
    h(
      'form',
      {class: 'filters card', 'aria-label': t('reports.choose_period'), onsubmit: apply, novalidate: true},
      field(t('reports.period'), modeSel),
      monthField,
      fromField,
      toField,
      currencyField,
      h('div', {class: 'field field-button'}, h('button', {type: 'submit', class: 'btn btn-primary'}, t('reports.show'))),
    ),
    summary,
    h('div', {role: 'tablist', class: 'tabs', 'aria-label': t('reports.which')}, tabs),
    panel,
  );
  await load();
}
