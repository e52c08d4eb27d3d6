// The current policy (GET /policy): windows, limits, reasons, the return
// address and the deadlines, in words. Admins edit it here: a form for
// each key, checked as the server checks it, then "Review changes" lists
// every value that changes (before → after), and only then "Save as
// version N+1" sends PUT /policy. Keys the form does not show (risk,
// scorecard, anything newer) go back unchanged.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import {pageHeader, card, details, dataTable, button, alertBox, errorBox, field, setFieldError} from '../components.js';
import {money, moneyInput, parseMoney, SHOP_CURRENCY, addressLines} from '../format.js';
import {fieldMessage} from '../problems.js';
import {forgetLookups} from '../lookups.js';

// A deadline's entry is a number of hours or {hours, business_hours?,
// after_delivery_hours?}; order_ship is due at the order's ship-by.
function deadlineLength(kind, d, p) {
  const entry = typeof d === 'number' ? {hours: d} : d;
  let text =
    kind === 'order_ship'
      ? t('policy.at_ship_by', {h: (p.fulfilment && p.fulfilment.ship_within_hours) ?? '—'})
      : String(entry.hours);
  if (entry.after_delivery_hours) text += ` (${t('policy.after_delivery', {h: entry.after_delivery_hours})})`;
  if (entry.business_hours) text += ` · ${t('policy.business_hours')}`;
  return text;
}

const MAX_WINDOW_DAYS = 365;
const MAX_DEADLINE_HOURS = 24 * 365;
const CODE = /^[a-z0-9_]{1,64}$/;
// The return address: the keys every language shares, and the Chinese
// ones the page shows to Chinese readers (addressLines() in format.js).
const ADDRESS_KEYS = ['name', 'address', 'phone'];
const ADDRESS_ZH_KEYS = ['name_zh', 'address_zh'];

function view(p) {
  const addr = p.return_address || {};
  return [
    h(
      'div',
      {class: 'grid-2'},
      card(
        t('policy.windows'),
        details([
          [t('policy.window_no_reason'), t('policy.days', {n: p.return_window_days.no_reason})],
          [t('policy.window_default'), t('policy.days', {n: p.return_window_days.default})],
          [t('policy.limit_agent'), money(p.approval_limits.agent, SHOP_CURRENCY)],
          [t('policy.limit_supervisor'), money(p.approval_limits.supervisor, SHOP_CURRENCY)],
        ]),
      ),
      card(t('shipment.return_address'), h('address', {class: 'prewrap'}, addressLines(addr).join('\n'))),
      card(t('policy.reasons'), h('ul', {}, p.reasons.map((r) => h('li', {}, word('reason', r), ' ', h('span', {class: 'muted mono small'}, r))))),
      card(t('policy.reject_reasons'), h('ul', {}, p.reject_reasons.map((r) => h('li', {}, word('reject_reason', r), ' ', h('span', {class: 'muted mono small'}, r))))),
    ),
    card(
      t('policy.deadlines'),
      dataTable({
        caption: t('policy.deadlines'),
        columns: [
          {label: t('policy.deadline'), cell: ([kind]) => word('deadline', kind)},
          {label: t('policy.hours'), class: 'num', cell: ([kind, d]) => deadlineLength(kind, d, p)},
          {label: t('policy.on_expiry'), cell: ([kind]) => word('deadline_effect', kind)},
        ],
        rows: Object.entries(p.deadlines),
      }),
    ),
  ];
}

// Every leaf of a JSON value as [dotted path, value].
function leaves(value, prefix = '', out = new Map()) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

// What changes from `before` to `after`: [{path, before, after}] in path order.
export function policyDiff(before, after) {
  const a = leaves(before);
  const b = leaves(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))
    .map((p) => ({path: p, before: a.get(p), after: b.get(p)}));
}

function shown(v) {
  if (v === undefined) return t('policy.absent');
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

// The editor: one input per key; read() gives the new document or marks
// the inputs at fault.
function editor(p) {
  const inputs = new Map();  // dotted path → {input, kind}
  const numberInput = (path, value) => {
    const input = h('input', {type: 'text', inputmode: 'numeric', value: String(value), name: path, autocomplete: 'off'});
    inputs.set(path, {input, kind: 'int'});
    return input;
  };
  const moneyInputEl = (path, value) => {
    const input = h('input', {type: 'text', inputmode: 'decimal', value: moneyInput(value, SHOP_CURRENCY), name: path, autocomplete: 'off'});
    inputs.set(path, {input, kind: 'money'});
    return input;
  };
  const textInput = (path, value, {multiline, kind = 'text'} = {}) => {
    const input = multiline ? h('textarea', {name: path, rows: kind === 'codes' ? 8 : 3}) : h('input', {type: 'text', name: path, autocomplete: 'off'});
    input.value = value || '';
    inputs.set(path, {input, kind});
    return input;
  };
  const addr = p.return_address || {};
  const el = h(
    'div',
    {class: 'policy-editor'},
    h(
      'div',
      {class: 'grid-2'},
      card(
        t('policy.windows'),
        field(t('policy.window_no_reason_days'), numberInput('return_window_days.no_reason', p.return_window_days.no_reason)),
        field(t('policy.window_default_days'), numberInput('return_window_days.default', p.return_window_days.default)),
        field(`${t('policy.limit_agent')} (${SHOP_CURRENCY})`, moneyInputEl('approval_limits.agent', p.approval_limits.agent)),
        field(`${t('policy.limit_supervisor')} (${SHOP_CURRENCY})`, moneyInputEl('approval_limits.supervisor', p.approval_limits.supervisor)),
      ),
      card(
        t('shipment.return_address'),
        ADDRESS_KEYS.map((k) => field(t(`policy.address_${k}`), textInput(`return_address.${k}`, addr[k], {multiline: k === 'address', kind: k === 'phone' ? 'optional' : 'text'}))),
        ADDRESS_ZH_KEYS.map((k) => field(t(`policy.address_${k}`), textInput(`return_address.${k}`, addr[k], {multiline: k === 'address_zh', kind: 'optional'}), {hint: k === 'name_zh' ? t('policy.address_zh_hint') : null})),
      ),
      card(t('policy.reasons'), field(t('policy.codes_one_per_line'), textInput('reasons', p.reasons.join('\n'), {multiline: true, kind: 'codes'}))),
      card(t('policy.reject_reasons'), field(t('policy.codes_one_per_line'), textInput('reject_reasons', p.reject_reasons.join('\n'), {multiline: true, kind: 'codes'}))),
    ),
    card(
      t('policy.deadlines'),
      h('div', {class: 'form-grid'},
        Object.entries(p.deadlines).map(([kind, d]) => {
          const label = `${word('deadline', kind)} (${t('policy.hours')})`;
          // A bare number is the entry; an entry without hours (order_ship,
          // due at the order's ship-by) is shown, not edited, here.
          if (typeof d === 'number') return [field(label, numberInput(`deadlines.${kind}`, d))];
          if (typeof d.hours !== 'number') return [field(word('deadline', kind), h('p', {class: 'muted'}, deadlineLength(kind, d, p)))];
          return [
            field(label + (d.business_hours ? ` · ${t('policy.business_hours')}` : ''), numberInput(`deadlines.${kind}.hours`, d.hours)),
            d.after_delivery_hours !== undefined ? field(t('policy.after_delivery_hours', {kind: word('deadline', kind)}), numberInput(`deadlines.${kind}.after_delivery_hours`, d.after_delivery_hours)) : null,
          ];
        })),
    ),
  );

  function read() {
    const doc = structuredClone(p);
    let firstBad = null;
    const fail = (input, message) => {
      setFieldError(input, message);
      if (!firstBad) firstBad = input;
    };
    for (const [path, {input, kind}] of inputs) {
      setFieldError(input, '');
      const raw = input.value.trim();
      let value;
      if (kind === 'int') {
        const max = path.startsWith('return_window_days') ? MAX_WINDOW_DAYS : MAX_DEADLINE_HOURS;
        if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
          fail(input, t('fielderr.between', {min: 1, max}));
          continue;
        }
        value = Number(raw);
      } else if (kind === 'money') {
        value = parseMoney(raw, SHOP_CURRENCY);
        if (value === null) {
          fail(input, t('form.bad_amount', {digits: 2}));
          continue;
        }
      } else if (kind === 'codes') {
        value = [...new Set(raw.split(/[\s,，、]+/).filter(Boolean))];
        const bad = value.find((c) => !CODE.test(c));
        if (!value.length) {
          fail(input, t('fielderr.at_least_one'));
          continue;
        }
        if (bad) {
          fail(input, t('policy.bad_code', {code: bad}));
          continue;
        }
        if (path === 'reasons' && !value.includes('no_reason')) {
          fail(input, t('policy.needs_no_reason'));
          continue;
        }
      } else {
        if (!raw && kind === 'text') {
          fail(input, t('form.required'));
          continue;
        }
        value = raw || undefined;
      }
      // Set doc[path] (deleting an emptied optional key).
      const keys = path.split('.');
      let at = doc;
      for (const k of keys.slice(0, -1)) at = at[k];
      if (value === undefined) delete at[keys.at(-1)];
      else at[keys.at(-1)] = value;
    }
    if (firstBad) firstBad.focus();
    return firstBad ? null : doc;
  }

  // The server's field errors ("deadlines.refund_issue.hours") under their inputs.
  function showErrors(err) {
    for (const fe of err.errors || []) {
      const i = inputs.get(fe.field);
      if (i) setFieldError(i.input, fieldMessage(fe));
    }
  }
  el.addEventListener('input', (e) => setFieldError(e.target, ''));
  return {el, read, showErrors};
}

export async function policyPage(pageView, ctx, notice = null) {
  const {version, policy: p} = await api.get('/policy');
  const admin = session.hasRole('admin');
  const status = h('div', {'aria-live': 'polite'}, notice);
  const body = h('div');

  function showView() {
    fill(body, view(p));
  }

  function showEditor() {
    const ed = editor(p);
    const review = h('div', {'aria-live': 'polite'});
    fill(
      body,
      h('form', {novalidate: true, class: 'policy-form', 'aria-label': t('policy.edit'), onsubmit: (e) => {
        e.preventDefault();
        const doc = ed.read();
        if (!doc) {
          fill(review, alertBox('error', t('form.fix_errors')));
          return;
        }
        const diff = policyDiff(p, doc);
        if (!diff.length) {
          fill(review, alertBox('info', t('policy.no_changes')));
          return;
        }
        fill(
          review,
          card(
            t('policy.review', {n: diff.length}),
            dataTable({
              caption: t('policy.review', {n: diff.length}),
              columns: [
                {label: t('policy.key'), cell: (d) => h('span', {class: 'mono small'}, d.path), key: 'path'},
                {label: t('policy.before'), cell: (d) => h('span', {class: 'diff'}, h('span', {class: 'del'}, shown(d.before))), key: 'before'},
                {label: t('policy.after'), cell: (d) => h('span', {class: 'diff'}, h('span', {class: 'add'}, shown(d.after))), key: 'after'},
              ],
              rows: diff,
            }),
            h('div', {class: 'form-buttons'}, button(t('policy.save_as', {v: version + 1}), async (ev) => {
              ev.target.disabled = true;
              try {
                const saved = await api.request('PUT', '/policy', doc, {key: api.idempotencyKey()});
                forgetLookups();
                await policyPage(pageView, {}, alertBox('success', t('policy.saved', {v: saved.version})));
              } catch (err) {
                ev.target.disabled = false;
                ed.showErrors(err);
                fill(review, errorBox(err));
              }
            }, {kind: 'primary'})),
          ),
        );
        review.scrollIntoView({block: 'nearest'});
      }},
      ed.el,
      h('div', {class: 'form-buttons'}, h('button', {type: 'submit', class: 'btn btn-primary'}, t('policy.review_changes')), button(t('common.cancel'), showView))),
      review,
    );
  }

  fill(
    pageView,
    pageHeader(t('nav.policy'), h('span', {class: 'badge badge-info'}, t('policy.version', {v: version})), admin ? button(t('policy.edit'), showEditor) : null),
    status,
    h('p', {class: 'muted'}, t('policy.intro')),
    body,
  );
  showView();
}
