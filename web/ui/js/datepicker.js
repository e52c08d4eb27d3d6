// A date and time input in the page's language. The browser's own
// datetime-local control speaks the browser's language, not the page's
// (a Chinese page in an English browser showed "mm/dd/yyyy"), so the text
// reads "YYYY-MM-DD HH:mm", a line under it says the date in words
// (2026年11月27日 星期五 14:05), and a calendar button opens a month grid
// whose month and weekday names come from Intl in the page's locale.
import {h, uid} from './dom.js';
import {t, locale} from './i18n.js';

const pad = (n) => String(n).padStart(2, '0');

// "YYYY-MM-DD HH:mm" (also "T" between, or no time: midnight) → Date in
// the browser's time zone, or null.
export function parseLocal(text) {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?\s*$/.exec(String(text || ''));
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] || 0), Number(m[5] || 0));
  if (d.getFullYear() !== Number(m[1]) || d.getMonth() !== Number(m[2]) - 1 || d.getDate() !== Number(m[3])) return null;
  if (Number(m[4] || 0) > 23) return null;
  return d;
}

export function formatLocal(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function inWords(d) {
  return new Intl.DateTimeFormat(locale(), {dateStyle: 'full', timeStyle: 'short'}).format(d);
}

// {el, input, read()}: read() gives a Date, null (empty) or undefined (bad).
export function dateTimeInput({value, id} = {}) {
  const input = h('input', {type: 'text', id: id || uid(), inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false', placeholder: 'YYYY-MM-DD HH:mm', class: 'date-text'});
  if (value) input.value = formatLocal(value);
  const words = h('span', {class: 'date-words muted small', 'aria-live': 'polite'});
  const grid = h('div', {class: 'calendar hidden', role: 'dialog', 'aria-label': t('date.choose')});
  let shown = value ? new Date(value) : new Date();

  function sync() {
    const d = parseLocal(input.value);
    words.textContent = input.value.trim() ? (d ? inWords(d) : t('form.bad_time')) : '';
  }

  function pick(day) {
    const old = parseLocal(input.value);
    const d = new Date(shown.getFullYear(), shown.getMonth(), day, old ? old.getHours() : 0, old ? old.getMinutes() : 0);
    input.value = formatLocal(d);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    grid.classList.add('hidden');
    input.focus();
  }

  function renderGrid() {
    const year = shown.getFullYear();
    const month = shown.getMonth();
    const first = new Date(year, month, 1);
    const days = new Date(year, month + 1, 0).getDate();
    const monday = (first.getDay() + 6) % 7;  // weeks start on Monday, as in China and most of Europe
    const weekday = new Intl.DateTimeFormat(locale(), {weekday: 'narrow'});
    const heads = Array.from({length: 7}, (_, i) => weekday.format(new Date(2024, 0, 1 + i)));  // 2024-01-01 was a Monday
    const cells = [...Array(monday).fill(null), ...Array.from({length: days}, (_, i) => i + 1)];
    const move = (n) => {
      shown = new Date(year, month + n, 1);
      renderGrid();
    };
    grid.replaceChildren(
      h('div', {class: 'calendar-head'},
        h('button', {type: 'button', class: 'btn btn-link btn-small', 'aria-label': t('date.previous_month'), onclick: () => move(-1)}, '‹'),
        h('strong', {class: 'calendar-title'}, new Intl.DateTimeFormat(locale(), {year: 'numeric', month: 'long'}).format(first)),
        h('button', {type: 'button', class: 'btn btn-link btn-small', 'aria-label': t('date.next_month'), onclick: () => move(1)}, '›')),
      h('table', {class: 'calendar-grid'},
        h('thead', {}, h('tr', {}, heads.map((d) => h('th', {scope: 'col'}, d)))),
        h('tbody', {}, Array.from({length: Math.ceil(cells.length / 7)}, (_, r) => h('tr', {}, cells.slice(r * 7, r * 7 + 7).map((day) =>
          h('td', {}, day ? h('button', {type: 'button', class: 'calendar-day', onclick: () => pick(day), 'aria-label': new Intl.DateTimeFormat(locale(), {dateStyle: 'full'}).format(new Date(year, month, day))}, String(day)) : null)))))),
    );
  }

  const open = h('button', {type: 'button', class: 'btn btn-secondary btn-small calendar-open', 'aria-label': t('date.choose'), 'aria-expanded': 'false', onclick: () => {
    const hidden = grid.classList.toggle('hidden');
    open.setAttribute('aria-expanded', String(!hidden));
    if (!hidden) {
      shown = parseLocal(input.value) || new Date();
      renderGrid();
      const b = grid.querySelector('.calendar-day');
      if (b) b.focus();
    }
  }}, '📅');
  grid.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      grid.classList.add('hidden');
      open.focus();
    }
  });
  input.addEventListener('input', sync);
  sync();
  const el = h('div', {class: 'date-picker'}, h('div', {class: 'date-row'}, input, open), words, grid);
  return {
    el,
    input,
    read() {
      if (!input.value.trim()) return null;
      const d = parseLocal(input.value);
      return d || undefined;
    },
    set(d) {
      input.value = d ? formatLocal(d) : '';
      sync();
    },
  };
}

// Words under a text field of a UTC month or day ("2026-11", "2026-11-27"),
// in the page's language, as the person types: `words(text)` gives them, or
// '' for text that is not (yet) a month or day.
export function describeField(fieldEl, input, words) {
  const span = h('span', {class: 'date-words muted small', 'aria-live': 'polite'});
  const sync = () => {
    span.textContent = words(input.value.trim()) || '';
  };
  input.addEventListener('input', sync);
  sync();
  fieldEl.insertBefore(span, fieldEl.querySelector('.field-error'));
  return fieldEl;
}
