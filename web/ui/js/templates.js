// Note templates: rejection notes per reject reason and replies per case
// reason. Each language's dictionary holds the shop's starting set
// (template.reject.<reason>, template.reply.<reason>); a person adds their
// own with "Save as template", kept in localStorage per user. Choosing one
// puts its text into the note (after what is there).
import {h} from './dom.js';
import {t, has, word} from './i18n.js';
import * as session from './session.js';

function storageKey() {
  const me = session.user();
  return `aftersales.templates:${me ? me.id : '-'}`;
}

function saved() {
  try {
    return JSON.parse(localStorage.getItem(storageKey()) || '{}') || {};
  } catch (e) {
    return {};
  }
}

function builtIn(kind, reason) {
  const key = `template.${kind}.${reason}`;
  if (reason && has(key)) return [t(key)];
  return has(`template.${kind}.default`) ? [t(`template.${kind}.default`)] : [];
}

export function templatesFor(kind, reason) {
  const own = ((saved()[kind] || {})[reason || ''] || []);
  return [...builtIn(kind, reason), ...own];
}

function remember(kind, reason, text) {
  const all = saved();
  all[kind] = all[kind] || {};
  const list = all[kind][reason || ''] || [];
  if (!list.includes(text)) list.push(text);
  all[kind][reason || ''] = list;
  try {
    localStorage.setItem(storageKey(), JSON.stringify(all));
  } catch (e) {
    // storage unavailable: the template lasts for this page only
  }
}

// A row under a note: a template chooser and "Save as template". `reason()`
// gives the reason the templates belong to now.
export function templatePicker(kind, reason, textarea) {
  const chooser = h('select', {class: 'template-select', 'aria-label': t('template.insert')});
  function refill() {
    const list = templatesFor(kind, reason());
    chooser.replaceChildren(
      h('option', {value: ''}, list.length ? t('template.insert') : t('template.none')),
      ...list.map((text, i) => h('option', {value: String(i)}, text.length > 60 ? `${text.slice(0, 60)}…` : text)),
    );
  }
  // The reason may have changed since: read the list again when it is used.
  chooser.addEventListener('focus', refill);
  chooser.addEventListener('pointerdown', refill);
  chooser.addEventListener('change', (e) => {
    e.stopPropagation();
    const list = templatesFor(kind, reason());
    const text = list[Number(chooser.value)];
    if (text !== undefined && chooser.value !== '') {
      textarea.value = textarea.value.trim() ? `${textarea.value.trim()}\n${text}` : text;
      textarea.dispatchEvent(new Event('input', {bubbles: true}));
      textarea.focus();
    }
    chooser.value = '';
  });
  const status = h('span', {class: 'muted small', 'aria-live': 'polite'});
  const saveButton = h('button', {type: 'button', class: 'btn btn-link btn-small', onclick: () => {
    const text = textarea.value.trim();
    if (!text) return;
    remember(kind, reason(), text);
    refill();
    status.textContent = t('template.saved', {reason: word(kind === 'reject' ? 'reject_reason' : 'reason', reason()) || t('template.any_reason')});
  }}, t('template.save'));
  refill();
  const row = h('div', {class: 'template-row'}, chooser, saveButton, status);
  row.refill = refill;  // for the form to call when the reason changes
  return row;
}
