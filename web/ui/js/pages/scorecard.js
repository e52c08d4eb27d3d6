// Managers and admins: the scorecard of docs/reports.md. The team of a
// calendar month (UTC) ranked by the points of their scored events, each
// person's band, and, for one person (?user_id=), every scored event with
// the audit entry that proves it, so that anyone can see why a score is
// what it is. The points come from the response, never from the page.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {localiseCsv, download} from '../csv.js';
import {describeField} from '../datepicker.js';
import {pageHeader, dataTable, errorBox, field, badge, caseLink, setFieldError, loading, button} from '../components.js';
import {number, signed, monthName, dateTime} from '../format.js';
import {loadChartLibrary, destroyCharts, groupedBarChart} from '../charts.js';
import {currentMonth, monthBounds} from './reports.js';

// The scored kinds in the order docs/reports.md lists them; a kind the
// server adds later is shown after these.
const KINDS = ['decision_on_time', 'decision_late', 'sla_breach', 'overturned_on_appeal', 'closed_without_appeal'];
const BAND_KIND = {bonus: 'success', normal: 'info', review: 'danger'};
const BAND_COLOR = {bonus: '#16a34a', normal: '#2563eb', review: '#dc2626'};

function kindsOf(data) {
  const extra = Object.keys(data.points || {}).filter((k) => !KINDS.includes(k));
  return [...KINDS.filter((k) => data.points && k in data.points), ...extra];
}

export function bandBadge(name) {
  return h('span', {class: `badge badge-${BAND_KIND[name] || 'neutral'} band band-${name}`}, word('band', name));
}

function pointsText(n) {
  return h('span', {class: `points ${n > 0 ? 'points-plus' : n < 0 ? 'points-minus' : 'points-zero'}`}, signed(n));
}

function hrefFor(period, userId) {
  return `#/scorecard${api.query({period, user_id: userId})}`;
}

// "+1 decision on time, −5 SLA breach, …" and the bands, from the response.
function rulesSection(data) {
  const bands = data.bands || [];
  const bandRule = (b, i) => {
    if (b.min_points !== undefined && b.min_points !== null) return t('scorecard.band_from', {n: number(b.min_points)});
    const previous = bands[i - 1];
    return previous && previous.min_points !== undefined ? t('scorecard.band_below', {n: number(previous.min_points)}) : t('scorecard.band_rest');
  };
  return h(
    'section',
    {class: 'card scorecard-rules'},
    h('h2', {}, t('scorecard.rules')),
    h(
      'ul',
      {class: 'plain points-table'},
      kindsOf(data).map((k) => h('li', {dataset: {kind: k}}, pointsText(data.points[k]), ' ', h('span', {}, word('score_kind', k)))),
    ),
    h('h3', {}, t('scorecard.bands')),
    h('ul', {class: 'plain bands'}, bands.map((b, i) => h('li', {}, bandBadge(b.name), ' ', bandRule(b, i)))),
    h('p', {class: 'muted small'}, data.policy_version === null || data.policy_version === undefined ? t('scorecard.policy_default') : t('scorecard.policy_version', {v: data.policy_version})),
  );
}

function chartSection(Chart, data) {
  const items = data.items || [];
  if (!items.length) return null;
  const labels = items.map((i) => i.name || i.user_id);
  const values = items.map((i) => i.points);
  return h(
    'section',
    {class: 'card'},
    h('h2', {}, t('scorecard.chart')),
    groupedBarChart(Chart, {
      labels,
      datasets: [{values, color: items.map((i) => BAND_COLOR[i.band] || '#475569')}],
      format: signed,
      summary: items.map((i, n) => `${labels[n]}: ${signed(i.points)} (${word('band', i.band)})`).join(', '),
    }),
  );
}

function byKind(item) {
  return new Map((item.by_kind || []).map((k) => [k.kind, k]));
}

function teamTable(data) {
  const kinds = kindsOf(data);
  return dataTable({
    caption: t('scorecard.team'),
    empty: t('scorecard.nobody'),
    rows: data.items || [],
    columns: [
      {label: t('scorecard.rank'), key: 'rank', class: 'num', cell: (i) => h('span', {class: 'figure', dataset: {value: String(i.rank)}}, number(i.rank))},
      {
        label: t('reports.person'),
        key: 'user_id',
        cell: (i) => h('div', {class: 'figure', dataset: {value: i.user_id}}, h('a', {href: hrefFor(data.period, i.user_id), class: 'person-link'}, i.name || i.user_id), h('div', {class: 'muted small mono'}, i.user_id)),
      },
      {label: t('users.role'), key: 'role', cell: (i) => word('role', i.role)},
      {label: t('scorecard.points'), key: 'points', class: 'num', cell: (i) => h('span', {class: 'figure', dataset: {value: String(i.points)}}, pointsText(i.points))},
      {label: t('scorecard.band'), key: 'band', cell: (i) => h('span', {class: 'figure', dataset: {value: i.band}}, bandBadge(i.band))},
      {label: t('scorecard.events'), key: 'events', class: 'num', cell: (i) => h('span', {class: 'figure', dataset: {value: String(i.events)}}, number(i.events))},
      ...kinds.map((k) => ({
        label: word('score_kind', k),
        key: `kind-${k}`,
        class: 'num',
        cell: (i) => {
          const e = byKind(i).get(k) || {count: 0, points: 0};
          return h('span', {class: 'figure', dataset: {value: String(e.count), points: String(e.points)}}, number(e.count), h('span', {class: 'muted small'}, ` (${signed(e.points)})`));
        },
      })),
    ],
  });
}

function auditHref(e) {
  return `#/audit${api.query({case_id: e.case_id, from: e.at})}`;
}

function personSection(data, userId) {
  const item = (data.items || [])[0];
  const back = h('a', {href: hrefFor(data.period), class: 'btn btn-link'}, t('scorecard.whole_team'));
  if (!item) {
    return h('section', {class: 'card', id: 'person'}, h('h2', {tabindex: '-1'}, userId), h('p', {class: 'empty'}, t('scorecard.not_in_team')), back);
  }
  const kinds = kindsOf(data);
  const counts = byKind(item);
  return h(
    'section',
    {class: 'card person-detail', id: 'person', 'aria-labelledby': 'person-title'},
    h(
      'div',
      {class: 'report-head'},
      h('h2', {id: 'person-title', tabindex: '-1'}, t('scorecard.person_title', {name: item.name || item.user_id})),
      h('div', {class: 'page-tools'}, bandBadge(item.band), h('span', {class: 'badge'}, t('scorecard.rank_of', {rank: item.rank})), back),
    ),
    h(
      'p',
      {class: 'lead'},
      t('scorecard.person_summary', {points: signed(item.points), events: number(item.events)}),
    ),
    h(
      'ul',
      {class: 'plain kind-counts'},
      kinds.map((k) => {
        const e = counts.get(k) || {count: 0, points: 0};
        return h('li', {dataset: {kind: k}}, word('score_kind', k), ': ', number(e.count), ' × ', signed(data.points[k]), ' = ', pointsText(e.points));
      }),
    ),
    h('h3', {}, t('scorecard.event_list')),
    h('p', {class: 'muted small'}, t('scorecard.event_list_hint')),
    dataTable({
      caption: t('scorecard.event_list'),
      empty: t('scorecard.no_events'),
      rows: data.event_list || item.event_list || [],
      columns: [
        {label: t('scorecard.seq'), key: 'seq', class: 'num', cell: (e) => h('a', {href: auditHref(e), class: 'figure mono', dataset: {value: String(e.seq)}, 'aria-label': t('scorecard.audit_entry', {seq: e.seq})}, `#${e.seq}`)},
        {label: t('common.time'), key: 'at', cell: (e) => h('time', {datetime: e.at}, dateTime(e.at))},
        {label: t('case.case'), key: 'case_id', cell: (e) => h('span', {class: 'figure', dataset: {value: e.case_id || ''}}, e.case_id ? caseLink(e.case_id) : '—')},
        {label: t('scorecard.kind'), key: 'kind', cell: (e) => h('span', {class: 'figure', dataset: {value: e.kind}}, word('score_kind', e.kind))},
        {label: t('scorecard.points'), key: 'points', class: 'num', cell: (e) => h('span', {class: 'figure', dataset: {value: String(e.points)}}, pointsText(e.points))},
      ],
    }),
  );
}

export async function scorecardPage(view, {query, navigate}) {
  destroyCharts();
  const asked = monthBounds(query.get('period')) ? query.get('period') : '';
  const userId = query.get('user_id') || '';
  const monthInput = h('input', {type: 'text', inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false', value: asked || currentMonth(), placeholder: '2026-11'});
  let csvPath = `/reports/scorecard${api.query({period: asked, format: 'csv'})}`;
  const rawLink = h('a', {class: 'btn btn-link btn-small csv-link', download: 'scorecard.csv', href: `/api/v1${csvPath}`}, t('reports.csv_raw'));
  const csv = h(
    'span',
    {class: 'btn-row'},
    button(t('reports.csv'), async (e) => {
      e.target.disabled = true;
      try {
        download(`${t('nav.scorecard')}.csv`, localiseCsv(await api.request('GET', csvPath, undefined, {text: true}), 'CNY'));
      } finally {
        e.target.disabled = false;
      }
    }, {kind: 'secondary btn-small csv-download'}),
    rawLink,
  );
  const summary = h('p', {class: 'report-period muted'});
  const body = h('div', {'aria-live': 'polite'}, loading());

  function show(e) {
    e.preventDefault();
    setFieldError(monthInput, '');
    if (!monthBounds(monthInput.value)) {
      setFieldError(monthInput, t('reports.bad_month'));
      monthInput.focus();
      return;
    }
    navigate(hrefFor(monthInput.value, userId));
  }

  fill(
    view,
    pageHeader(t('nav.scorecard'), h('a', {class: 'btn btn-link', href: '#/reports'}, t('nav.reports')), csv),
    h(
      'form',
      {class: 'filters card', 'aria-label': t('reports.choose_period'), onsubmit: show, novalidate: true},
      describeField(field(t('reports.month'), monthInput, {hint: t('scorecard.month_hint')}), monthInput, (v) => (monthBounds(v) ? monthName(v) : '')),
      h('div', {class: 'field field-button'}, h('button', {type: 'submit', class: 'btn btn-primary'}, t('reports.show'))),
    ),
    summary,
    body,
  );

  let team;
  let person = null;
  let Chart;
  try {
    [Chart, team, person] = await Promise.all([
      loadChartLibrary(),
      api.get(`/reports/scorecard${api.query({period: asked})}`),
      // A person who cannot be shown (404: no such user) leaves the team shown.
      userId ? api.get(`/reports/scorecard${api.query({period: asked, user_id: userId})}`).catch((error) => ({error})) : null,
    ]);
  } catch (e) {
    fill(body, errorBox(e));
    return;
  }
  if (!view.isConnected) return;
  const period = team.period || asked;
  if (period) {
    monthInput.value = period;
    monthInput.dispatchEvent(new Event('input'));
    csvPath = `/reports/scorecard${api.query({period, format: 'csv'})}`;
    rawLink.setAttribute('href', `/api/v1${csvPath}`);
  }
  summary.textContent = t('reports.period_month', {month: monthName(period)});
  fill(
    body,
    person && person.error ? h('section', {class: 'card', id: 'person'}, h('h2', {tabindex: '-1'}, userId), errorBox(person.error), h('a', {href: hrefFor(period), class: 'btn btn-link'}, t('scorecard.whole_team'))) : null,
    person && !person.error ? personSection(person, userId) : null,
    h('div', {class: 'grid-2'}, rulesSection(team), chartSection(Chart, team)),
    h('section', {class: 'card'}, h('h2', {}, t('scorecard.team')), h('p', {class: 'muted small'}, t('scorecard.team_hint')), teamTable(team)),
  );
  if (person) {
    const heading = body.querySelector('#person h2');
    heading.focus({preventScroll: true});
    heading.scrollIntoView({block: 'start'});
  }
}
