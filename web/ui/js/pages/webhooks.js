// Admins: webhooks (SPEC §6.12): the endpoints, their deliveries (with
// redelivery), and a form to add one.
import {h, fill, uid} from '../dom.js';
import {t, word, list as listOf} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, card, dataTable, errorBox, alertBox, badge, button, setFieldError} from '../components.js';
import {textField} from '../fields.js';
import {dateTime} from '../format.js';

const EVENTS = ['case.created', 'case.state_changed', 'refund.requested', 'sla.breached'];
const MIN_SECRET = 16;

function randomSecret() {
  return Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function statusBadge(status) {
  const kind = status === 'delivered' ? 'success' : status === 'dead' ? 'danger' : 'warning';
  return badge(word('delivery_status', status), kind);
}

function createForm(onCreated) {
  const url = textField('url', {required: true, maxLength: 2048, placeholder: 'https://shop.example.com/hooks/aftersales', label: t('webhooks.url')});
  url.input.type = 'url';
  const boxes = EVENTS.map((e) => h('input', {type: 'checkbox', value: e, checked: true, id: uid()}));
  const eventsError = h('p', {class: 'field-error', 'aria-live': 'polite'});
  const events = h('fieldset', {class: 'field'}, h('legend', {}, t('webhooks.events')), boxes.map((b) => h('label', {for: b.id, class: 'check'}, b, ' ', word('event', b.value), ' ', h('span', {class: 'muted mono small'}, b.value))), eventsError);
  const secret = textField('secret', {required: true, maxLength: 256, label: t('webhooks.secret'), hint: t('webhooks.secret_hint', {n: MIN_SECRET})});
  secret.input.classList.add('mono');
  secret.el.append(button(t('webhooks.generate'), () => {
    secret.input.value = randomSecret();
  }));
  const status = h('div', {'aria-live': 'polite'});
  let key = api.idempotencyKey();
  async function submit(e) {
    e.preventDefault();
    status.replaceChildren();
    const u = url.read();
    const s = secret.read();
    setFieldError(url.input, u.error);
    let secretError = s.error;
    if (!secretError && new TextEncoder().encode(s.value).length < MIN_SECRET) secretError = t('webhooks.secret_short', {n: MIN_SECRET});
    setFieldError(secret.input, secretError);
    if (!u.error && !/^https?:\/\//i.test(u.value)) setFieldError(url.input, t('form.bad_url', {url: u.value}));
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    eventsError.textContent = chosen.length ? '' : t('webhooks.pick_event');
    if (u.error || secretError || !chosen.length || !/^https?:\/\//i.test(u.value)) return;
    try {
      const created = await api.post('/webhooks', {url: u.value, events: chosen, secret: s.value}, {key});
      key = api.idempotencyKey();
      url.input.value = '';
      secret.input.value = '';  // the secret is never shown again
      onCreated(created);
    } catch (err) {
      key = api.idempotencyKey();
      for (const fe of err.errors) {
        if (fe.field === 'url') setFieldError(url.input, fe.message);
        if (fe.field === 'secret') setFieldError(secret.input, fe.message);
      }
      fill(status, errorBox(err));
    }
  }
  return h('form', {class: 'form-grid', onsubmit: submit, novalidate: true}, url.el, events, secret.el, status, h('div', {class: 'form-buttons'}, h('button', {type: 'submit', class: 'btn btn-primary'}, t('webhooks.add'))));
}

function deliveriesCard(hook, onClose) {
  const body = h('div', {'aria-live': 'polite'});
  const path = `/webhooks/${encodeURIComponent(hook.id)}/deliveries`;
  let items = [];
  let next = null;
  async function load(more) {
    try {
      const page = await api.get(path + api.query({cursor: more ? next : null, limit: 50}));
      items = more ? items.concat(page.items) : page.items;
      next = page.next_cursor;
      render();
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  async function redeliver(d) {
    try {
      await api.post(`${path}/${encodeURIComponent(d.id)}/redeliver`, {}, {key: api.idempotencyKey()});
      await load(false);
      body.prepend(alertBox('success', t('webhooks.redelivered')));
    } catch (e) {
      body.prepend(errorBox(e));
    }
  }
  function render() {
    fill(
      body,
      dataTable({
        caption: t('webhooks.deliveries'),
        columns: [
          {label: t('webhooks.event'), cell: (d) => h('div', {}, word('event', d.event_type), h('div', {class: 'muted small mono'}, d.event_id))},
          {label: t('webhooks.status'), cell: (d) => statusBadge(d.status)},
          {label: t('webhooks.attempts'), class: 'num', cell: (d) => String(d.attempts)},
          {label: t('webhooks.last_answer'), cell: (d) => (d.last_status ? `HTTP ${d.last_status}` : d.last_error || '—')},
          {label: t('webhooks.next_attempt'), cell: (d) => (d.next_attempt_at ? dateTime(d.next_attempt_at) : '—')},
          {label: t('common.updated'), cell: (d) => dateTime(d.updated_at)},
          {label: t('common.action'), cell: (d) => (d.status === 'pending' ? '—' : button(t('webhooks.redeliver'), () => redeliver(d)))},
        ],
        rows: items,
        empty: t('webhooks.no_deliveries'),
      }),
      next ? h('div', {class: 'more'}, button(t('queue.load_more'), () => load(true))) : null,
    );
  }
  load(false);
  return card(t('webhooks.deliveries_of', {url: hook.url}), body, h('div', {class: 'form-buttons'}, button(t('common.close'), onClose)));
}

export async function webhooksPage(view) {
  const top = h('div', {'aria-live': 'polite'});
  const list = h('div');
  const detail = h('div');
  let hooks;
  try {
    hooks = (await api.get('/webhooks')).items;
  } catch (e) {
    if (e.status !== 404) throw e;
    fill(view, pageHeader(t('nav.webhooks')), alertBox('info', t('webhooks.unavailable')));
    return;
  }
  function renderList() {
    fill(
      list,
      dataTable({
        caption: t('nav.webhooks'),
        columns: [
          {label: t('webhooks.url'), cell: (w) => h('div', {}, h('span', {class: 'mono break'}, w.url), h('div', {class: 'muted small mono'}, w.id))},
          {label: t('webhooks.events'), cell: (w) => listOf(w.events.map((e) => word('event', e)))},
          {label: t('webhooks.status'), cell: (w) => (w.disabled ? badge(t('users.disabled'), 'danger') : badge(t('users.active'), 'success'))},
          {label: t('case.created_at'), cell: (w) => dateTime(w.created_at)},
          {label: t('common.action'), cell: (w) => h('div', {class: 'btn-row'},
            button(t('webhooks.deliveries'), () => fill(detail, deliveriesCard(w, () => fill(detail)))),
            button(w.disabled ? t('webhooks.enable') : t('webhooks.disable'), () => setDisabled(w, !w.disabled)),
            deleteButton(w))},
        ],
        rows: hooks,
        empty: t('webhooks.none'),
      }),
    );
  }
  async function refresh() {
    hooks = (await api.get('/webhooks')).items;
    renderList();
  }
  async function setDisabled(w, disabled) {
    try {
      await api.patch(`/webhooks/${encodeURIComponent(w.id)}`, {disabled});
      fill(top, alertBox('success', t(disabled ? 'webhooks.disabled_now' : 'webhooks.enabled_now', {url: w.url})));
      await refresh();
    } catch (e) {
      fill(top, errorBox(e));
    }
  }
  // Deleting asks once more, in place (no browser dialog).
  function deleteButton(w) {
    const holder = h('span', {class: 'btn-row'});
    const ask = button(t('webhooks.delete'), () => fill(holder,
      h('span', {class: 'small'}, t('webhooks.delete_confirm')),
      button(t('webhooks.delete_yes'), async () => {
        try {
          await api.del(`/webhooks/${encodeURIComponent(w.id)}`);
          fill(top, alertBox('success', t('webhooks.deleted', {url: w.url})));
          fill(detail);
          await refresh();
        } catch (e) {
          fill(top, errorBox(e));
        }
      }, {kind: 'danger'}),
      button(t('common.cancel'), () => fill(holder, ask)),
    ), {kind: 'outline-danger'});
    return fill(holder, ask);
  }
  async function created(hook) {
    fill(top, alertBox('success', t('webhooks.created', {url: hook.url})));
    hooks = (await api.get('/webhooks')).items;
    renderList();
  }
  renderList();
  fill(view, pageHeader(t('nav.webhooks')), top, h('div', {class: 'grid-2 grid-wide-left'}, h('div', {}, card(t('webhooks.all'), list), detail), card(t('webhooks.new'), createForm(created))));
}
