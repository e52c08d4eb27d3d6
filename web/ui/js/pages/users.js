// Admins: users (create with a token shown once, set an approval limit,
// disable or enable, set a password).
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import {pageHeader, card, dataTable, errorBox, alertBox, badge, button, setFieldError} from '../components.js';
import {textField, moneyField, selectField, passwordField} from '../fields.js';
import {fieldMessage} from '../problems.js';
import {money, dateTime, SHOP_CURRENCY} from '../format.js';
import {ROLES} from '../session.js';
import {forgetLookups} from '../lookups.js';

const LIMITED = ['agent', 'supervisor'];

// Reads fields into a body; marks the bad ones. Returns null when any is bad.
function readFields(fields) {
  const body = {};
  let ok = true;
  for (const f of fields) {
    const r = f.read();
    setFieldError(f.input, r.error);
    if (r.error) {
      if (ok) f.input.focus();
      ok = false;
    } else if (r.value !== undefined) {
      body[f.name] = r.value;
    }
  }
  return ok ? body : null;
}

function showServerErrors(err, fields, status) {
  for (const fe of err.errors) {
    const f = fields.find((x) => x.name === fe.field);
    if (f) setFieldError(f.input, fieldMessage(fe));
  }
  fill(status, errorBox(err));
}

function tokenBox(user, token) {
  const out = h('input', {type: 'text', readonly: true, value: token, class: 'mono token', 'aria-label': t('users.token')});
  const copy = button(t('users.copy'), async () => {
    out.select();
    try {
      await navigator.clipboard.writeText(token);
      copy.textContent = t('users.copied');
    } catch (e) {
      copy.textContent = t('users.copy_manually');
    }
  });
  return alertBox('success', h('strong', {}, t('users.created', {name: user.name})), h('p', {}, t('users.token_once')), h('div', {class: 'token-row'}, out, copy));
}

function createForm(onCreated) {
  const name = textField('name', {required: true, maxLength: 64, label: t('users.name')});
  const role = selectField('role', [['', t('form.choose_one')], ...ROLES.map((r) => [r, word('role', r)])], {required: true, label: t('users.role')});
  const limit = moneyField('approval_limit', SHOP_CURRENCY, {label: t('users.limit'), hint: t('users.limit_hint'), positive: false});
  const external = textField('external_id', {label: t('users.external_id'), hint: t('users.external_id_hint'), maxLength: 64});
  const pw = passwordField('password', {label: t('users.password'), hint: t('users.password_hint')});
  const fields = [name, role, limit, external, pw];
  const status = h('div', {'aria-live': 'polite'});
  const sync = () => {
    limit.el.classList.toggle('hidden', !LIMITED.includes(role.input.value));
    external.el.classList.toggle('hidden', role.input.value !== 'buyer');
  };
  role.input.addEventListener('change', sync);
  sync();
  let key = api.idempotencyKey();
  async function submit(e) {
    e.preventDefault();
    status.replaceChildren();
    const body = readFields(fields);
    if (!body) return;
    if (!LIMITED.includes(body.role)) delete body.approval_limit;
    if (body.role !== 'buyer') delete body.external_id;
    try {
      const created = await api.post('/users', body, {key});
      key = api.idempotencyKey();
      for (const f of [name, limit, external, pw]) f.input.value = '';
      onCreated(created);
    } catch (err) {
      key = api.idempotencyKey();
      showServerErrors(err, fields, status);
    }
  }
  return h('form', {class: 'form-grid', onsubmit: submit, novalidate: true}, fields.map((f) => f.el), status, h('div', {class: 'form-buttons'}, h('button', {type: 'submit', class: 'btn btn-primary'}, t('users.create'))));
}

// The changes an admin can make to one user.
function editPanel(user, onSaved, onClose) {
  const status = h('div', {'aria-live': 'polite'});
  async function save(body, fields) {
    status.replaceChildren();
    try {
      const updated = await api.patch(`/users/${encodeURIComponent(user.id)}`, body);
      onSaved(updated, t('users.saved', {name: user.name}));
    } catch (err) {
      showServerErrors(err, fields, status);
    }
  }
  const parts = [];
  if (LIMITED.includes(user.role)) {
    const limit = moneyField('approval_limit', SHOP_CURRENCY, {label: t('users.limit'), value: user.approval_limit, required: true, positive: false});
    parts.push(
      h('form', {class: 'inline-form', novalidate: true, onsubmit: (e) => {
        e.preventDefault();
        const body = readFields([limit]);
        if (body) save(body, [limit]);
      }}, limit.el, h('button', {type: 'submit', class: 'btn btn-primary'}, t('users.set_limit'))),
    );
  }
  const pw = passwordField('password', {label: t('users.new_password'), required: true});
  parts.push(
    h('form', {class: 'inline-form', novalidate: true, onsubmit: (e) => {
      e.preventDefault();
      const body = readFields([pw]);
      if (body) save(body, [pw]);
    }}, pw.el, h('button', {type: 'submit', class: 'btn btn-secondary'}, t('users.set_password'))),
  );
  if (!session.isMe(user.id)) {
    parts.push(
      h('div', {class: 'inline-form'}, user.disabled
        ? button(t('users.enable'), () => save({disabled: false}, []), {kind: 'primary'})
        : button(t('users.disable'), () => save({disabled: true}, []), {kind: 'danger'})),
    );
  }
  return card(t('users.edit', {name: user.name}), h('p', {class: 'muted small mono'}, user.id), parts, status, h('div', {class: 'form-buttons'}, button(t('common.close'), onClose)));
}

export async function usersPage(view) {
  let users = [];
  let editing = null;
  const top = h('div', {'aria-live': 'polite'});
  const list = h('div');
  const editHolder = h('div');

  function renderList() {
    fill(
      list,
      dataTable({
        caption: t('nav.users'),
        columns: [
          {label: t('users.name'), cell: (u) => h('div', {}, h('strong', {}, u.name), h('div', {class: 'muted small mono'}, u.id))},
          {label: t('users.role'), cell: (u) => word('role', u.role)},
          {label: t('users.limit'), class: 'num', cell: (u) => (u.approval_limit === null || u.approval_limit === undefined ? '—' : money(u.approval_limit, SHOP_CURRENCY))},
          {label: t('users.external_id'), cell: (u) => u.external_id || '—'},
          {label: t('users.status'), cell: (u) => (u.disabled ? badge(t('users.disabled'), 'danger') : badge(t('users.active'), 'success'))},
          {label: t('users.login'), cell: (u) => (u.has_password ? t('users.password_and_token') : t('users.token_only'))},
          {label: t('case.created_at'), cell: (u) => dateTime(u.created_at)},
          {label: t('common.action'), cell: (u) => button(t('users.change'), () => edit(u))},
        ],
        rows: users,
      }),
    );
  }

  function edit(u) {
    editing = u;
    fill(editHolder, editPanel(u, saved, () => {
      editing = null;
      fill(editHolder);
    }));
    const first = editHolder.querySelector('input');
    if (first) first.focus();
  }

  async function load() {
    const data = await api.get('/users');
    users = data.items || data;
    renderList();
  }

  async function saved(updated, message) {
    forgetLookups();
    fill(top, alertBox('success', message));
    await load();
    const fresh = users.find((u) => u.id === updated.id) || updated;
    if (editing) edit(fresh);
  }

  async function created(result) {
    forgetLookups();
    fill(top, tokenBox(result.user || result, result.token));
    await load();
  }

  fill(
    view,
    pageHeader(t('nav.users')),
    top,
    h('div', {class: 'grid-2 grid-wide-left'}, h('div', {}, card(t('users.all'), list), editHolder), card(t('users.new'), createForm(created))),
  );
  await load();
}
