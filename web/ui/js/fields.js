// Form fields that read and check their own value. Each returns
// {name, el, input, read()}; read() gives {value} (undefined: leave the
// member out of the body) or {error} with a message in the current language.
import {h, uid} from './dom.js';
import {t, word} from './i18n.js';
import {field} from './components.js';
import {parseMoney, money, moneyInput, currencyDigits, rfc3339} from './format.js';
import {dateTimeInput} from './datepicker.js';

function labelOf(name, label) {
  return label || word('field', name);
}

// `type` may be 'password' (with `autocomplete`, e.g. 'new-password').
export function textField(name, {label, required, multiline, value, hint, placeholder, maxLength = 4000, type = 'text', autocomplete = 'off'} = {}) {
  const input = multiline
    ? h('textarea', {name, rows: 3, maxlength: maxLength, placeholder})
    : h('input', {type, name, maxlength: maxLength, autocomplete, placeholder});
  input.value = value || '';
  return {
    name,
    input,
    el: field(labelOf(name, label), input, {hint, required}),
    read() {
      const v = type === 'password' ? input.value : input.value.trim();
      if (!v) return required ? {error: t('form.required')} : {};
      return {value: v};
    },
  };
}

// An amount typed in major units ("123.45"), sent in minor units.
export function moneyField(name, currency, {label, required, value, max, hint, positive = true} = {}) {
  const digits = currencyDigits(currency);
  const input = h('input', {type: 'text', name, inputmode: 'decimal', autocomplete: 'off', placeholder: digits ? '0.00' : '0'});
  if (value !== undefined && value !== null) input.value = moneyInput(value, currency);
  return {
    name,
    input,
    el: field(`${labelOf(name, label)} (${currency})`, input, {hint, required}),
    read() {
      if (!input.value.trim()) return required ? {error: t('form.required')} : {};
      const v = parseMoney(input.value, currency);
      if (v === null) return {error: t('form.bad_amount', {digits})};
      if (positive && v <= 0) return {error: t('form.amount_positive')};
      if (max !== undefined && max !== null && v > max) return {error: t('form.amount_too_high', {max: money(max, currency)})};
      return {value: v};
    },
  };
}

// options: [[value, label], …]; an empty first option means "not chosen".
export function selectField(name, options, {label, required, value, hint} = {}) {
  const input = h('select', {name}, options.map(([v, text]) => h('option', {value: v, selected: String(v) === String(value ?? '')}, text)));
  return {
    name,
    input,
    el: field(labelOf(name, label), input, {hint, required}),
    read() {
      if (!input.value) return required ? {error: t('form.choose')} : {};
      return {value: input.value};
    },
  };
}

// Radio buttons in a fieldset; `onchange` gets the chosen value.
export function radioField(name, options, {label, value, onchange} = {}) {
  const group = uid('r');
  const inputs = options.map(([v]) => h('input', {type: 'radio', name: group, value: v, checked: v === value, id: uid()}));
  const error = h('p', {class: 'field-error', 'aria-live': 'polite'});
  const el = h(
    'fieldset',
    {class: 'field radios'},
    h('legend', {}, labelOf(name, label)),
    options.map(([, text], i) => h('label', {for: inputs[i].id, class: 'radio'}, inputs[i], ' ', text)),
    error,
  );
  if (onchange) for (const i of inputs) i.addEventListener('change', () => onchange(i.value));
  const input = inputs[0];
  error.id = `${input.id}-error`;
  return {
    name,
    input,
    el,
    read() {
      const chosen = inputs.find((i) => i.checked);
      return chosen ? {value: chosen.value} : {error: t('form.choose')};
    },
  };
}

export function checkboxField(name, {label, checked, disabled, hint} = {}) {
  const input = h('input', {type: 'checkbox', name, checked: Boolean(checked), disabled: Boolean(disabled), id: uid()});
  const hintEl = hint ? h('p', {class: 'hint', id: `${input.id}-hint`}, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return {
    name,
    input,
    el: h('div', {class: 'field field-check'}, h('label', {for: input.id}, input, ' ', labelOf(name, label)), hintEl),
    read() {
      return {value: input.checked};
    },
  };
}

// A date and time in the page's language (datepicker.js), sent as RFC 3339.
// A time of something done may not be in the future; with `future` (a
// validity's end) it must be.
export function dateTimeField(name, {label, required, value, future = false} = {}) {
  const dp = dateTimeInput({value});
  const el = pickerField(labelOf(name, label), dp, {required});
  return {
    name,
    input: dp.input,
    el,
    read() {
      const d = dp.read();
      if (d === null) return required ? {error: t('form.required')} : {};
      if (d === undefined) return {error: t('form.bad_time')};
      if (future && d.getTime() <= Date.now()) return {error: t('form.time_in_past')};
      if (!future && d.getTime() > Date.now() + 60000) return {error: t('form.time_in_future')};
      return {value: rfc3339(d)};
    },
  };
}

// field() around a date picker: the label names its text input.
export function pickerField(label, dp, options) {
  const el = field(label, dp.input, options);
  el.replaceChild(dp.el, dp.input);
  dp.el.querySelector('.date-row').prepend(dp.input);
  return el;
}

// A constant member of the body, shown to nobody.
export function fixedField(name, value) {
  return {name, input: null, el: null, read: () => ({value})};
}

// One URL per line → a list of http(s) URLs.
export function urlListField(name, {label, value, hint} = {}) {
  const base = textField(name, {label, multiline: true, value: (value || []).join('\n'), hint});
  return {
    ...base,
    read() {
      const lines = base.input.value.split('\n').map((s) => s.trim()).filter(Boolean);
      for (const line of lines) {
        try {
          const u = new URL(line);
          if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
        } catch (e) {
          return {error: t('form.bad_url', {url: line})};
        }
      }
      return {value: lines};
    },
  };
}

// The server's password rule (engine/users: 8 to 1024 bytes of UTF-8).
export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 1024;

// A new password, with its rules shown before submitting and ticked off
// while typing.
export function passwordField(name, {label, required, hint} = {}) {
  const base = textField(name, {label, required, hint, type: 'password', autocomplete: 'new-password', maxLength: PASSWORD_MAX_BYTES});
  const bytes = () => new TextEncoder().encode(base.input.value).length;
  const rule = h('li', {}, t('password.rule_length', {min: PASSWORD_MIN_BYTES, max: PASSWORD_MAX_BYTES}));
  const rules = h('ul', {class: 'password-rules small', id: `${base.input.id}-rules`}, rule);
  base.input.setAttribute('aria-describedby', `${base.input.getAttribute('aria-describedby') || ''} ${rules.id}`.trim());
  base.input.addEventListener('input', () => {
    const n = bytes();
    rule.classList.toggle('ok', n >= PASSWORD_MIN_BYTES && n <= PASSWORD_MAX_BYTES);
  });
  base.el.insertBefore(rules, base.el.querySelector('.field-error'));
  return {
    ...base,
    read() {
      const n = bytes();
      if (!n) return required ? {error: t('form.required')} : {};
      if (n < PASSWORD_MIN_BYTES || n > PASSWORD_MAX_BYTES) return {error: t('fielderr.length', {min: PASSWORD_MIN_BYTES, max: PASSWORD_MAX_BYTES})};
      return {value: base.input.value};
    },
  };
}
