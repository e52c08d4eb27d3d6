// Small building blocks shared by the pages.
import {h, uid} from './dom.js';
import {t, word, has} from './i18n.js';
import * as session from './session.js';
import {problemTitle, fieldMessage, fieldLabel} from './problems.js';

// The page's title; focused after navigation so that keyboard and screen
// reader users start at the top of the new page.
export function pageHeader(title, ...extras) {
  return h('header', {class: 'page-header'}, h('h1', {tabindex: '-1'}, title), extras.length ? h('div', {class: 'page-tools'}, extras) : null);
}

export function card(title, ...children) {
  return h('section', {class: 'card'}, title ? h('h2', {}, title) : null, children);
}

export function stateBadge(state) {
  return h('span', {class: `badge state state-${state}`}, word('state', state));
}

export function badge(text, kind = 'neutral') {
  return h('span', {class: `badge badge-${kind}`}, text);
}

// A definition list; rows whose value is null or undefined are left out.
// `columns: 2` puts two pairs side by side on wide screens; a row
// [label, value, {wide: true}] then takes the whole width.
export function details(rows, {columns = 1} = {}) {
  const dl = h('dl', {class: columns === 2 ? 'details cols-2' : 'details'});
  for (const [label, value, options] of rows) {
    if (value === null || value === undefined || value === '') continue;
    const wide = options && options.wide ? 'wide' : null;
    dl.append(h('dt', {class: wide}, label), h('dd', {class: wide}, value));
  }
  return dl;
}

// A table that turns into stacked cards at phone width (each cell shows
// its column's label). columns: [{label, cell(row) → node|string, class,
// key}]; `key` names the cells (data-key) for scripts and tests;
// `rowData(row)` gives each row's data-* attributes.
export function dataTable({columns, rows, empty, rowClass, caption, rowData}) {
  if (!rows.length) return h('p', {class: 'empty'}, empty || t('common.none'));
  return h(
    'div',
    {class: 'table-wrap'},
    h(
      'table',
      {class: 'data'},
      caption ? h('caption', {class: 'visually-hidden'}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col', class: c.class}, c.label)))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {class: rowClass ? rowClass(row) : null, dataset: rowData ? rowData(row) : null},
            columns.map((c) => {
              const label = typeof c.label === 'string' ? c.label : c.labelText || '';
              return h('td', {class: c.class, dataset: c.key ? {label, key: c.key} : {label}}, c.cell(row));
            }),
          ),
        ),
      ),
    ),
  );
}

// The words for a user id: "you" for the caller, else the id itself (the
// API gives names only to admins).
export function who(userId, names) {
  if (!userId) return t('common.nobody');
  if (userId === 'system') return t('common.system');
  if (session.isMe(userId)) return t('common.you', {name: session.user().name});
  if (names && names.has(userId)) return names.get(userId);
  return userId;
}

// An error as words in the current language: the code's meaning, the
// fields at fault (each message from the dictionaries), and the server's
// own text in small print. `options.currency` formats amounts it names.
export function errorBox(error, extra, options = {}) {
  const fields = (error && error.errors) || [];
  const detail = error && error.problem && error.problem.detail;
  const serverText = [detail, ...fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message))].filter(Boolean).join('; ');
  return h(
    'div',
    {class: 'alert alert-error', role: 'alert'},
    h('strong', {}, problemTitle(error, options)),
    extra ? h('p', {}, extra) : null,
    fields.length ? h('ul', {}, fields.map((f) => h('li', {}, f.field ? `${fieldLabel(f.field)}: ` : '', fieldMessage(f)))) : null,
    serverText ? h('p', {class: 'muted small server-text'}, t('error.server_said'), ' ', h('span', {lang: 'en'}, serverText)) : null,
  );
}

export function alertBox(kind, ...children) {
  return h('div', {class: `alert alert-${kind}`, role: kind === 'error' ? 'alert' : 'status'}, children);
}

export function loading() {
  return h('p', {class: 'loading', role: 'status'}, t('common.loading'));
}

// A labelled form field. `input` gets an id if it has none; the hint and
// the error message are tied to it with aria-describedby.
export function field(label, input, {hint, required} = {}) {
  if (!input.id) input.id = uid();
  const hintId = hint ? `${input.id}-hint` : null;
  const errorId = `${input.id}-error`;
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  if (required) input.required = true;
  return h(
    'div',
    {class: 'field'},
    h('label', {for: input.id}, label, required ? h('span', {class: 'required', 'aria-hidden': 'true'}, ' *') : null),
    input,
    hint ? h('p', {class: 'hint', id: hintId}, hint) : null,
    h('p', {class: 'field-error', id: errorId, 'aria-live': 'polite'}),
  );
}

// Shows `message` under the field of `input` (empty clears it).
export function setFieldError(input, message) {
  const el = document.getElementById(`${input.id}-error`);
  if (el) el.textContent = message || '';
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

export function select(options, {value, id, name} = {}) {
  return h(
    'select',
    {id, name},
    options.map(([v, label]) => h('option', {value: v, selected: String(v) === String(value ?? '')}, label)),
  );
}

export function button(label, onclick, {kind = 'secondary', type = 'button', disabled} = {}) {
  return h('button', {type, class: `btn btn-${kind}`, onclick, disabled}, label);
}

export function link(href, text) {
  return h('a', {href}, text);
}

// An external http(s) link opened in a new tab; anything else is text.
export function externalLink(url) {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch (e) {
    ok = false;
  }
  return ok ? h('a', {href: url, target: '_blank', rel: 'noopener noreferrer'}, url) : h('span', {class: 'muted'}, url);
}

export function caseLink(id) {
  return h('a', {href: `#/cases/${encodeURIComponent(id)}`, class: 'mono'}, id);
}
