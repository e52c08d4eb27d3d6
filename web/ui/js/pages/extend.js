// Managers: bulk extension of deadlines before a sales peak (双11, 618;
// SPEC §13.3). The manager chooses a kind (and a state), a time before
// which deadlines move, the hours and a reason; the page previews how many
// deadlines will move (GET /deadlines/extend) and lists the first, and only
// then offers the confirm button. A change to any field asks for a new
// preview. The extension is sent once, with an Idempotency-Key.
import {h, fill} from '../dom.js';
import {t, word} from '../i18n.js';
import * as api from '../api.js';
import {STATES, TERMINAL, EXTENDABLE_DEADLINES} from '../states.js';
import {dateTimeInput} from '../datepicker.js';
import {pickerField} from '../fields.js';
import {pageHeader, card, dataTable, errorBox, alertBox, field, select, setFieldError, caseLink} from '../components.js';
import {dateTime, number, rfc3339} from '../format.js';

const MAX_HOURS = 720;
const MAX_REASON = 500;
const DAY_MS = 86400000;

export async function extendPage(view) {
  const kindSel = select(EXTENDABLE_DEADLINES.map((k) => [k, word('deadline', k)]), {value: 'merchant_response'});
  const stateSel = select([['', t('extend.any_state')], ...STATES.filter((s) => !TERMINAL.includes(s)).map((s) => [s, word('state', s)])], {value: ''});
  const before = dateTimeInput({value: new Date(Date.now() + 7 * DAY_MS)});
  const hoursInput = h('input', {type: 'number', min: '1', max: String(MAX_HOURS), step: '1', value: '48', inputmode: 'numeric'});
  const reasonInput = h('textarea', {rows: 2, maxlength: String(MAX_REASON), placeholder: t('extend.reason_placeholder')});
  const stateField = field(t('extend.state'), stateSel, {hint: t('extend.state_hint')});
  const outcome = h('div', {'aria-live': 'polite', class: 'extend-outcome'});
  const confirmButton = h('button', {type: 'button', class: 'btn btn-primary', disabled: true}, t('extend.confirm'));
  let previewed = null; // the fields the shown preview is of

  // The fields as the API takes them; null (with the field marked) when wrong.
  function readFields({withReason}) {
    for (const input of [before.input, hoursInput, reasonInput]) setFieldError(input, '');
    const due = before.read();
    if (!due) {
      setFieldError(before.input, t(due === null ? 'form.required' : 'form.bad_time'));
      before.input.focus();
      return null;
    }
    const hours = Number(hoursInput.value);
    if (!Number.isInteger(hours) || hours < 1 || hours > MAX_HOURS) {
      setFieldError(hoursInput, t('extend.bad_hours', {max: MAX_HOURS}));
      hoursInput.focus();
      return null;
    }
    const fields = {kind: kindSel.value, due_before: rfc3339(due), hours};
    if (kindSel.value !== 'order_ship' && stateSel.value) fields.state = stateSel.value;
    if (withReason) {
      const reason = reasonInput.value.trim();
      if (!reason) {
        setFieldError(reasonInput, t('form.required'));
        reasonInput.focus();
        return null;
      }
      fields.reason = reason;
    }
    return fields;
  }

  const sameFields = (a, b) => a && b && ['kind', 'state', 'due_before', 'hours'].every((k) => a[k] === b[k]);

  function stale() {
    previewed = null;
    confirmButton.disabled = true;
    stateField.classList.toggle('hidden', kindSel.value === 'order_ship');
    if (outcome.firstChild) fill(outcome, h('p', {class: 'muted'}, t('extend.preview_again')));
  }

  async function preview(e) {
    if (e) e.preventDefault();
    const fields = readFields({withReason: false});
    if (!fields) return;
    try {
      const p = await api.get(`/deadlines/extend${api.query(fields)}`);
      previewed = fields;
      confirmButton.disabled = p.moving === 0;
      fill(
        outcome,
        alertBox(
          p.moving ? 'info' : 'warning',
          h('strong', {class: 'extend-count'}, t('extend.will_move', {n: number(p.moving), deadline: word('deadline', p.kind), hours: number(p.hours)})),
          p.due_now ? h('p', {}, t('extend.due_now', {n: number(p.due_now)})) : null,
          p.moving ? null : h('p', {}, t('extend.nothing')),
        ),
        p.first.length
          ? card(
              t('extend.first', {n: p.first.length}),
              dataTable({
                caption: t('extend.first', {n: p.first.length}),
                columns: [
                  {label: t('extend.what'), cell: (m) => (m.case_id ? caseLink(m.case_id) : h('span', {class: 'mono'}, t('extend.order', {id: m.order_id})))},
                  {label: t('extend.from'), cell: (m) => dateTime(m.from_due_at)},
                  {label: t('extend.to'), cell: (m) => h('strong', {}, dateTime(m.to_due_at))},
                ],
                rows: p.first,
              }),
            )
          : null,
      );
    } catch (err) {
      fill(outcome, errorBox(err));
    }
  }

  async function confirm() {
    const fields = readFields({withReason: true});
    if (!fields) return;
    if (!sameFields(fields, previewed)) {
      stale();
      return;
    }
    confirmButton.disabled = true;
    try {
      const done = await api.post('/deadlines/extend', fields, {key: api.idempotencyKey()});
      previewed = null;
      reasonInput.value = '';
      fill(outcome, alertBox('success', h('strong', {class: 'extend-done'}, t('extend.done', {n: number(done.moved), deadline: word('deadline', done.kind)})), h('p', {class: 'muted small mono'}, done.extension_id)));
    } catch (err) {
      confirmButton.disabled = false;
      fill(outcome, errorBox(err));
    }
  }

  for (const input of [kindSel, stateSel, before.input, hoursInput]) {
    input.addEventListener('change', stale);
    input.addEventListener('input', stale);
  }
  confirmButton.addEventListener('click', confirm);

  fill(
    view,
    pageHeader(t('nav.extend')),
    h('p', {class: 'muted'}, t('extend.intro')),
    h(
      'form',
      {class: 'card form-grid extend-form', 'aria-label': t('nav.extend'), onsubmit: preview, novalidate: true},
      field(t('extend.kind'), kindSel, {hint: t('extend.kind_hint')}),
      stateField,
      pickerField(t('extend.due_before'), before, {hint: t('extend.due_before_hint')}),
      field(t('extend.hours'), hoursInput, {hint: t('extend.hours_hint', {max: MAX_HOURS})}),
      field(t('extend.reason'), reasonInput, {hint: t('extend.reason_hint')}),
      h('div', {class: 'form-buttons'}, h('button', {type: 'submit', class: 'btn btn-secondary'}, t('extend.preview')), confirmButton),
    ),
    outcome,
  );
}
