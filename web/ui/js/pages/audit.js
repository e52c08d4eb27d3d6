// The audit log, newest first (GET /audit?order=desc): search by case,
// person (by name, from the staff directory), action and time; verify the
// hash chain (GET /audit/verify) and show the result.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {pageHeader, card, dataTable, stateBadge, errorBox, alertBox, field, button, who, caseLink} from '../components.js';
import {dateTime, number, rfc3339} from '../format.js';
import {dateTimeInput} from '../datepicker.js';
import {pickerField} from '../fields.js';
import {actionWord} from '../timeline.js';
import {userNames, staffDirectory} from '../lookups.js';

const PAGE_SIZE = 100;
const ACTIONS = [
  'submit', 'approve', 'reject', 'offer', 'accept_offer', 'decline_offer', 'modify', 'appeal', 'arbitrate', 'cancel', 'comment', 'assign',
  'ship_return', 'carrier_update', 'receive', 'refund_issued', 'refund_failed', 'ship_replacement', 'confirm_delivery',
  'timeout', 'deadline_breached', 'login', 'user_created', 'user_updated', 'order_created', 'order_updated', 'policy_changed',
  'webhook_created', 'webhook_disabled', 'webhook_enabled', 'webhook_deleted', 'webhook_redelivered', 'clock_advanced',
];

function verifyResult(v) {
  if (v.ok) {
    return alertBox('success', h('strong', {}, t('audit.chain_ok')), h('p', {}, t('audit.chain_ok_detail', {n: number(v.entries), seq: v.head ? v.head.seq : 0})), v.head ? h('p', {class: 'mono small break'}, t('audit.head_hash'), ' ', v.head.hash) : null);
  }
  return alertBox('error', h('strong', {}, t('audit.chain_bad')), h('p', {}, t('audit.chain_bad_detail', {seq: v.first_bad_seq ?? '?'})), v.problem ? h('p', {class: 'small'}, v.problem) : null);
}

export async function auditPage(view, {query}) {
  const [names, staff] = await Promise.all([userNames(), staffDirectory()]);
  const caseId = h('input', {type: 'text', autocomplete: 'off', value: query.get('case_id') || '', spellcheck: 'false'});
  const actorId = h(
    'select',
    {},
    h('option', {value: ''}, t('audit.anyone')),
    h('option', {value: 'system', selected: query.get('actor_id') === 'system'}, t('common.system')),
    staff.map((u) => h('option', {value: u.id, selected: u.id === query.get('actor_id')}, `${u.name} · ${word('role', u.role)}${u.active ? '' : ` (${t('users.disabled')})`}`)),
  );
  const action = h('select', {}, h('option', {value: ''}, t('audit.any_action')), ACTIONS.map((a) => h('option', {value: a, selected: a === query.get('action')}, actionWord(a))));
  const from = dateTimeInput();
  const to = dateTimeInput();
  if (query.get('from')) from.set(new Date(query.get('from')));
  const results = h('div', {'aria-live': 'polite'});
  const verifyBox = h('div', {'aria-live': 'polite'});
  let items = [];
  let next = null;

  function params(after) {
    const p = {case_id: caseId.value.trim(), actor_id: actorId.value, action: action.value, limit: PAGE_SIZE, order: 'desc', before_seq: after};
    if (from.read()) p.from = rfc3339(from.read());
    if (to.read()) p.to = rfc3339(to.read());
    return p;
  }

  function render() {
    fill(
      results,
      h('p', {class: 'muted small'}, t('audit.showing', {n: items.length})),
      dataTable({
        caption: t('nav.audit'),
        columns: [
          {label: t('audit.seq'), class: 'num', cell: (e) => String(e.seq)},
          {label: t('common.time'), cell: (e) => h('time', {datetime: e.at}, dateTime(e.at))},
          {label: t('audit.actor'), cell: (e) => h('div', {}, who(e.actor.id, names), h('div', {class: 'muted small'}, word('role', e.actor.role)))},
          {label: t('audit.action'), cell: (e) => actionWord(e.action)},
          {label: t('case.case'), cell: (e) => (e.case_id ? caseLink(e.case_id) : '—')},
          {label: t('audit.states'), cell: (e) => (e.to_state ? (e.from_state === e.to_state ? stateBadge(e.to_state) : h('span', {}, e.from_state ? [stateBadge(e.from_state), ' → '] : null, stateBadge(e.to_state))) : '—')},
          {
            label: t('audit.data'),
            cell: (e) => h('details', {}, h('summary', {}, t('audit.show_data')), h('pre', {class: 'json'}, JSON.stringify(e.data, null, 2)), h('p', {class: 'mono small break'}, 'hash ', e.hash)),
          },
        ],
        rows: items,
        empty: t('audit.empty'),
      }),
      next ? h('div', {class: 'more'}, button(t('queue.load_more'), more)) : null,
    );
  }

  async function search(e) {
    if (e) e.preventDefault();
    fill(results, h('p', {class: 'loading'}, t('common.loading')));
    try {
      const page = await api.get(`/audit${api.query(params(null))}`);
      items = page.items;
      next = page.next_cursor;
      render();
    } catch (err) {
      fill(results, errorBox(err));
    }
  }

  async function more(e) {
    e.target.disabled = true;
    try {
      const page = await api.get(`/audit${api.query(params(next))}`);
      items = items.concat(page.items);
      next = page.next_cursor;
      render();
    } catch (err) {
      results.append(errorBox(err));
    }
  }

  async function verify(e) {
    e.target.disabled = true;
    fill(verifyBox, h('p', {class: 'loading'}, t('audit.verifying')));
    try {
      fill(verifyBox, verifyResult(await api.get('/audit/verify')));
    } catch (err) {
      fill(verifyBox, errorBox(err));
    } finally {
      e.target.disabled = false;
    }
  }

  fill(
    view,
    pageHeader(t('nav.audit'), h('button', {type: 'button', class: 'btn btn-primary', onclick: verify, id: 'verify-chain'}, t('audit.verify'))),
    verifyBox,
    card(
      null,
      h(
        'form',
        {class: 'filters', role: 'search', onsubmit: search},
        field(t('audit.case_id'), caseId),
        field(t('audit.actor'), actorId),
        field(t('audit.action'), action),
        pickerField(t('audit.from'), from),
        pickerField(t('audit.to'), to),
        h('div', {class: 'field field-button'}, h('button', {type: 'submit', class: 'btn btn-primary'}, t('common.search'))),
      ),
    ),
    results,
  );
  await search();
}
