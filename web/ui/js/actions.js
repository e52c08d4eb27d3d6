// One form per case action (SPEC §4). The case page shows exactly the
// actions in the case's `allowed_actions`; each form checks its fields
// before sending, sends `expected_version` so that a change made meanwhile
// by someone else is refused (409) instead of overwritten, and shows the
// server's errors next to the fields they concern.
import {h, uid} from './dom.js';
import {t, word} from './i18n.js';
import * as api from './api.js';
import * as session from './session.js';
import {errorBox, alertBox, setFieldError, button, who} from './components.js';
import {money, addressLines} from './format.js';
import {fieldMessage} from './problems.js';
import {CARRIERS, carrierName} from './carriers.js';
import {templatePicker} from './templates.js';
import * as drafts from './drafts.js';
import {textField, moneyField, selectField, radioField, checkboxField, dateTimeField, fixedField, urlListField} from './fields.js';

// Actions shown in red: they end or refuse something.
const DANGEROUS = new Set(['reject', 'cancel', 'refund_failed', 'compensation_failed', 'waive']);
const GRADES = ['A', 'B', 'C', 'D'];

const note = (hint) => textField('note', {multiline: true, hint});

// The value of the lines an exchange replaces: approval limits apply to it.
function exchangeValue(c) {
  return c.lines.reduce((sum, l) => sum + (l.amount || 0), 0);
}

function approveIntro(c) {
  const me = session.user();
  const amount = c.type === 'exchange' ? exchangeValue(c) : c.requested_amount;
  const lines = [
    c.type === 'exchange'
      ? t('action_form.approve_exchange', {value: money(amount, c.currency)})
      : t('action_form.approve_amount', {amount: money(c.requested_amount, c.currency)}),
  ];
  if (me && me.approval_limit !== null && me.approval_limit !== undefined && amount > me.approval_limit) {
    lines.push(
      c.state === 'requested'
        ? t('action_form.over_limit_escalates', {limit: money(me.approval_limit, c.currency)})
        : t('action_form.over_limit_refused', {limit: money(me.approval_limit, c.currency)}),
    );
  }
  return lines;
}

const FORMS = ['cash', 'voucher', 'points'];

// An offer's or a grant's terms besides the amount: whether the goods come
// back, or for a compensation (which never takes them back) its form.
function returnOrForm(c) {
  if (c.type === 'compensation') {
    const asked = c.compensation ? c.compensation.form : 'voucher';
    return selectField('form', FORMS.map((f) => [f, word('compensation_form', f)]), {value: asked, hint: t('action_form.compensation_no_return')});
  }
  return checkboxField('return_required', {
    checked: c.type !== 'refund_only',
    disabled: c.type === 'refund_only',
    hint: c.type === 'refund_only' ? t('action_form.refund_only_no_return') : null,
  });
}

function compensationIntro(c) {
  const k = c.compensation;
  return k ? [t('action_form.compensation_intro', {form: word('compensation_form', k.form), amount: money(k.amount, c.currency)})] : [];
}

function pendingRefund(c) {
  return (c.refunds || []).find((r) => r.status === 'pending');
}

// What each action asks for: fields (see fields.js), an intro, and checks
// across fields. `ctx` holds {policy, order}.
const SPECS = {
  approve: (c) => ({intro: approveIntro(c), fields: [note()]}),
  reject: (c, ctx) => {
    const reason = selectField('reason_code', [['', t('form.choose_one')], ...ctx.policy.reject_reasons.map((r) => [r, word('reject_reason', r)])], {required: true});
    const n = note(t('action_form.note_internal'));
    const picker = templatePicker('reject', () => reason.input.value, n.input);
    reason.input.addEventListener('change', () => picker.refill());
    n.el.append(picker);
    return {fields: [reason, n]};
  },
  offer: (c, ctx) => {
    const me = session.user();
    // The case's own cap (its lines, shipping if it holds it, less its
    // refunds, within the order's): what the server checks the offer against.
    const cap = c.refundable_amount ?? null;
    const limit = me && me.approval_limit !== null && me.approval_limit !== undefined ? me.approval_limit : null;
    const max = [cap, limit].filter((x) => x !== null).reduce((a, b) => Math.min(a, b), Infinity);
    return {
      intro: [
        t('action_form.offer_intro', {amount: money(c.requested_amount, c.currency)}),
        cap !== null ? t('action_form.refundable', {amount: money(cap, c.currency)}) : null,
        limit !== null ? t('action_form.your_limit', {limit: money(limit, c.currency)}) : null,
      ],
      fields: [
        moneyField('amount', c.currency, {required: true, max: Number.isFinite(max) ? max : undefined}),
        returnOrForm(c),
        offerNote(c),
      ],
    };
  },
  arbitrate: (c) => {
    const grantOnly = [];
    const fields = [
      radioField('decision', [['grant', word('decision', 'grant')], ['uphold', word('decision', 'uphold')]], {
        onchange: (v) => grantOnly.forEach((f) => f.el.classList.toggle('hidden', v !== 'grant')),
      }),
      moneyField('amount', c.currency, {
        hint: t('action_form.arbitrate_amount_hint', {amount: money(c.requested_amount, c.currency)}),
        max: c.refundable_amount ?? undefined,
      }),
      returnOrForm(c),
      note(),
    ];
    grantOnly.push(fields[1], fields[2]);
    grantOnly.forEach((f) => f.el.classList.add('hidden'));
    return {
      intro: [t('action_form.arbitrate_intro', {amount: money(c.requested_amount, c.currency)})],
      fields,
      // An upheld rejection takes neither amount nor return.
      adjust: (body) => {
        if (body.decision === 'uphold') {
          delete body.amount;
          delete body.return_required;
          delete body.form;
        } else if (c.type === 'refund_only') {
          body.return_required = false;
        }
      },
    };
  },
  assign: (c, ctx) => {
    // Active people who take cases, by name (GET /staff); the caller first.
    const me = session.user();
    const people = (ctx.people || []).filter((u) => u.id !== me.id);
    const choice = selectField(
      'assignee',
      [
        ...(ctx.people || []).some((u) => u.id === me.id) ? [[me.id, t('common.you', {name: me.name})]] : [],
        ['', t('queue.unassigned')],
        ...people.map((u) => [u.id, `${u.name} · ${word('role', u.role)}`]),
      ],
      {label: t('field.assign_to'), value: c.assignee && c.assignee !== me.id ? c.assignee : me.id},
    );
    return {
      intro: [t('action_form.assigned_now', {who: who(c.assignee, ctx.names)})],
      fields: [choice],
      adjust: (body) => {
        body.assignee = body.assignee || null;
      },
    };
  },
  comment: (c) => {
    const staff = !session.hasRole('buyer');
    return {
      noVersion: true,
      fields: [
        withTemplates(textField('text', {multiline: true, required: true, label: t('field.comment')}), c),
        staff ? selectField('visibility', [['internal', word('visibility', 'internal')], ['buyer', word('visibility', 'buyer')]], {value: 'internal'}) : null,
      ].filter(Boolean),
    };
  },
  receive: (c, ctx) => {
    const lines = receiveLinesField(c, ctx.order);
    return {
      intro: c.return_shipment ? [t('action_form.receive_intro', {carrier: carrierName(c.return_shipment.carrier), tracking: c.return_shipment.tracking_no})] : [],
      fields: [
        radioField('result', [['pass', word('result', 'pass')], ['fail', word('result', 'fail')]], {label: t('field.result'), value: 'pass'}),
        selectField('grade', [['', t('form.not_graded')], ...GRADES.map((g) => [g, `${g} · ${t(`grade.${g}`)}`])], {hint: t('grade.hint')}),
        // Goods in for repair are never restocked (SPEC §12: restock → 400).
        ...(c.type === 'repair' ? [] : [checkboxField('restock', {checked: true, hint: t('action_form.restock_hint')})]),
        lines,
        textField('note', {multiline: true, hint: t('action_form.receive_note_hint')}),
      ],
      check: (body, fields) => {
        const shortOrDamaged = body.lines.some((l, i) => l.received < c.lines[i].qty || l.damaged > 0);
        if (body.result === 'pass' && shortOrDamaged) return {field: fields[0], message: t('action_form.must_fail')};
        if (body.result === 'fail' && !body.note) return {field: fields[fields.length - 1], message: t('action_form.fail_needs_note')};
        return null;
      },
    };
  },
  ship_replacement: (c) => {
    const sku = c.lines.map((l) => l.replacement_sku).filter(Boolean)[0] || '';
    return {
      fields: [
        carrierField(),
        textField('tracking_no', {required: true, maxLength: 64}),
        textField('sku', {value: sku, hint: t('action_form.sku_hint')}),
        note(),
      ],
    };
  },
  carrier_update: (c) => ({
    intro: [t('action_form.carrier_update_intro')],
    fields: [
      fixedField('shipment', {replacement_shipped: 'replacement', repaired_shipped: 'repaired'}[c.state] || 'return'),
      fixedField('status', 'delivered'),
      dateTimeField('at', {required: true, value: new Date(), label: t('field.delivered_at')}),
      note(),
    ],
  }),
  refund_issued: (c) => {
    const r = pendingRefund(c);
    return {
      intro: r ? [t('action_form.refund_intro', {amount: money(r.amount, c.currency), id: r.id})] : [],
      fields: [textField('external_ref', {required: true, maxLength: 128, hint: t('action_form.external_ref_hint')}), note()],
    };
  },
  refund_failed: (c) => {
    const r = pendingRefund(c);
    return {
      intro: r ? [t('action_form.refund_intro', {amount: money(r.amount, c.currency), id: r.id})] : [],
      fields: [textField('error', {required: true, multiline: true, label: t('field.refund_error')}), note()],
    };
  },
  // SPEC §11.3: cash and points carry the payment reference, a voucher its code.
  issue_compensation: (c) => {
    const voucher = c.compensation && c.compensation.form === 'voucher';
    return {
      intro: compensationIntro(c),
      fields: voucher
        ? [textField('voucher_code', {required: true, maxLength: 64, hint: t('action_form.voucher_code_hint')}),
          dateTimeField('expires_at', {future: true}), note()]
        : [textField('external_ref', {required: true, maxLength: 128}), note()],
    };
  },
  compensation_failed: (c) => ({
    intro: compensationIntro(c),
    fields: [textField('error', {required: true, multiline: true, label: t('field.refund_error')}), note()],
  }),
  waive: () => ({
    intro: [t('action_form.waive_intro')],
    fields: [textField('reason', {required: true, multiline: true, maxLength: 500}), note()],
  }),
  // Buyer and integration actions.
  ship_return: (c) => ({
    intro: c.return_address ? [t('action_form.ship_to', {address: addressLines(c.return_address).join(', ')})] : [],
    fields: [carrierField(), textField('tracking_no', {required: true, maxLength: 64}), note()],
  }),
  accept_offer: (c) => ({
    intro: c.offer ? [t('action_form.accept_intro', {amount: money(c.offer.amount, c.currency)})] : [],
    fields: [note()],
  }),
  decline_offer: () => ({fields: [note()]}),
  appeal: () => ({fields: [textField('note', {multiline: true, required: true, hint: t('action_form.appeal_hint')})]}),
  modify: (c) => ({
    fields: [
      moneyField('requested_amount', c.currency, {value: c.requested_amount, positive: c.type !== 'exchange'}),
      textField('description', {multiline: true, value: c.description}),
      urlListField('evidence', {value: c.evidence, hint: t('action_form.evidence_hint')}),
      note(),
    ],
  }),
  cancel: () => ({intro: [t('action_form.cancel_intro')], fields: [note()]}),
  confirm_delivery: () => ({fields: [note()]}),
  // Repair (SPEC §12): progress with a note the buyer reads, the repaired
  // goods going back, and the buyer's remedy after failed repairs.
  repair_update: () => ({
    fields: [
      radioField('status', ['diagnosed', 'waiting_parts', 'repaired', 'unrepairable'].map((s) => [s, word('repair_status', s)]), {label: t('field.repair_status'), value: 'diagnosed'}),
      textField('note', {multiline: true, required: true, hint: t('action_form.note_buyer')}),
    ],
  }),
  ship_repaired: () => ({fields: [carrierField(), textField('tracking_no', {required: true, maxLength: 64}), note()]}),
  demand_remedy: () => ({
    fields: [
      radioField('remedy', [['refund', word('remedy', 'refund')], ['replacement', word('remedy', 'replacement')]], {label: t('field.remedy'), value: 'refund'}),
      note(),
    ],
  }),
};

// The carrier as a choice of the usual ones (stored as codes, shown in the
// language of the page), or any other name typed in.
export function carrierField() {
  const other = textField('carrier_other', {label: t('field.carrier_other'), maxLength: 64});
  other.el.classList.add('hidden');
  const choice = selectField('carrier', [['', t('form.choose_one')], ...CARRIERS.map((code) => [code, carrierName(code)]), ['other', t('carrier.other')]], {required: true});
  choice.input.addEventListener('change', () => other.el.classList.toggle('hidden', choice.input.value !== 'other'));
  return {
    name: 'carrier',
    input: choice.input,
    el: h('div', {}, choice.el, other.el),
    read() {
      const r = choice.read();
      if (r.error || r.value !== 'other') return r;
      const typed = other.read();
      return typed.value ? typed : {error: t('form.required')};
    },
  };
}

// A note addressed to the buyer with the reply templates of the case's reason.
function offerNote(c) {
  return withTemplates(note(t('action_form.note_buyer')), c);
}

function withTemplates(f, c) {
  f.el.append(templatePicker('reply', () => c.reason, f.input));
  return f;
}

// Units received and damaged, per line of the case.
function receiveLinesField(c, order) {
  const orderLines = new Map(((order && order.lines) || []).map((l) => [l.line_id, l]));
  const rows = c.lines.map((l) => {
    const received = h('input', {type: 'number', min: 0, max: l.qty, step: 1, value: String(l.qty), id: uid(), inputmode: 'numeric'});
    const damaged = h('input', {type: 'number', min: 0, max: l.qty, step: 1, value: '0', id: uid(), inputmode: 'numeric'});
    return {line: l, received, damaged};
  });
  const error = h('p', {class: 'field-error', 'aria-live': 'polite'});
  const el = h(
    'fieldset',
    {class: 'field lines'},
    h('legend', {}, t('field.lines')),
    rows.map((r) =>
      h(
        'div',
        {class: 'line-row'},
        h(
          'span',
          {class: 'line-name'},
          h('strong', {}, (orderLines.get(r.line.line_id) || {}).title || t('action_form.line', {id: r.line.line_id, qty: r.line.qty})),
          h('span', {class: 'muted small mono'}, ' ', (orderLines.get(r.line.line_id) || {}).sku || ''),
          h('span', {class: 'muted small'}, ' · ', t('action_form.line', {id: r.line.line_id, qty: r.line.qty})),
        ),
        h('label', {for: r.received.id}, t('field.received')),
        r.received,
        h('label', {for: r.damaged.id}, t('field.damaged')),
        r.damaged,
      ),
    ),
    error,
  );
  const input = rows.length ? rows[0].received : h('input');
  error.id = `${input.id}-error`;
  return {
    name: 'lines',
    input,
    el,
    read() {
      const out = [];
      for (const r of rows) {
        const received = Number(r.received.value);
        const damaged = Number(r.damaged.value);
        if (!Number.isInteger(received) || !Number.isInteger(damaged) || received < 0 || damaged < 0 || received > r.line.qty || damaged > received) {
          return {error: t('action_form.bad_units', {qty: r.line.qty})};
        }
        out.push({line_id: r.line.line_id, received, damaged});
      }
      return {value: out};
    },
  };
}

export function hasForm(action) {
  return action in SPECS;
}

// Actions whose form offers "… and next": after it, the next case of the
// queue the person came from opens.
const AND_NEXT = new Set(['approve', 'reject', 'offer', 'assign', 'receive', 'refund_issued']);

// The form for `action` on case `c`. ctx: {policy, order, people, names,
// hasNext, onDone(updated, action, {next}), onConflict(error), onCancel}.
// What the person types is kept as a draft (drafts.js) until the action
// succeeds, so that a session that expires during the submit loses nothing.
export function actionForm(c, action, ctx) {
  const spec = SPECS[action](c, ctx);
  const fields = spec.fields;
  const status = h('div', {'aria-live': 'polite'});
  const submitLabel = action === 'arbitrate' ? t('action_form.decide') : word('action', action);
  const submit = h('button', {type: 'submit', class: `btn ${DANGEROUS.has(action) ? 'btn-danger' : 'btn-primary'}`}, submitLabel);
  const andNext = AND_NEXT.has(action) && ctx.hasNext
    ? h('button', {type: 'submit', class: 'btn btn-secondary', dataset: {next: '1'}}, t('action_form.and_next', {action: submitLabel}))
    : null;
  let key = api.idempotencyKey();
  const draftKey = drafts.keyFor(c.id, action);

  async function onSubmit(e) {
    e.preventDefault();
    const next = Boolean(e.submitter && e.submitter.dataset.next);
    status.replaceChildren();
    const body = spec.noVersion ? {} : {expected_version: c.version};
    let firstBad = null;
    for (const f of fields) {
      const r = f.read();
      if (f.input) setFieldError(f.input, r.error);
      if (r.error && !firstBad) firstBad = f;
      if (!r.error && r.value !== undefined) body[f.name] = r.value;
    }
    if (!firstBad && spec.adjust) spec.adjust(body);
    const crossError = !firstBad && spec.check ? spec.check(body, fields) : null;
    if (crossError) {
      setFieldError(crossError.field.input, crossError.message);
      firstBad = crossError.field;
    }
    if (firstBad) {
      status.append(alertBox('error', t('form.fix_errors')));
      if (firstBad.input) firstBad.input.focus();
      return;
    }
    drafts.save(draftKey, form);
    submit.disabled = true;
    if (andNext) andNext.disabled = true;
    try {
      const updated = await api.post(`/cases/${encodeURIComponent(c.id)}/actions/${action}`, body, {key});
      drafts.clear(draftKey);
      ctx.onDone(updated, action, {next});
    } catch (err) {
      key = api.idempotencyKey();
      if (err.status === 401) return;  // the draft stays; the login page comes next
      if (err.status === 409 && (err.code === 'version_conflict' || err.code === 'invalid_transition')) {
        ctx.onConflict(err);
        return;
      }
      for (const fe of err.errors) {
        const f = fields.find((x) => x.name === fe.field);
        if (f && f.input) setFieldError(f.input, fieldMessage(fe));
      }
      status.append(errorBox(err, null, {currency: c.currency}));
    } finally {
      submit.disabled = false;
      if (andNext) andNext.disabled = false;
    }
  }

  // A field's message goes as soon as its value changes; the form's
  // summary goes with the last of them.
  function onEdit(e) {
    for (const f of fields) {
      if (f.input && f.el && f.el.contains(e.target)) setFieldError(f.input, '');
    }
    if (!form.querySelector('[aria-invalid="true"]')) status.replaceChildren();
    drafts.save(draftKey, form);
  }

  const formId = uid('action');
  const form = h(
    'form',
    {class: `action-form action-${action}`, onsubmit: onSubmit, oninput: onEdit, onchange: onEdit, novalidate: true, 'aria-labelledby': `${formId}-title`, dataset: {action}},
    h('h3', {id: `${formId}-title`}, word('action', action)),
    (spec.intro || []).filter(Boolean).map((line) => h('p', {class: 'intro'}, line)),
    fields.map((f) => f.el).filter(Boolean),
    status,
    h('div', {class: 'form-buttons'}, submit, andNext, ctx.onCancel ? button(t('common.cancel'), () => {
      drafts.clear(draftKey);
      ctx.onCancel();
    }) : null),
  );
  if (drafts.restore(draftKey, form)) {
    form.insertBefore(alertBox('info', t('action_form.draft_restored')), status);
  }
  return form;
}
