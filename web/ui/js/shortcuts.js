// Keyboard shortcuts. "?" shows the list; each page registers its own keys
// with setPageKeys() (J/K to move, A/R/O for actions, …), which route()
// clears on every navigation. Keys typed into a field stay the field's,
// except Esc, which the page may use to close a form.
import {h} from './dom.js';
import {t} from './i18n.js';

let pageKeys = {};
let overlay = null;

// The keys of the page being shown: {key (lower case) → handler(event)}.
// `view` is the page's element: a page that has already been left (its view
// replaced while it was still loading) does not take the keys of the page
// that replaced it.
export function setPageKeys(keys, view = null) {
  if (view && !view.isConnected) return;
  pageKeys = keys || {};
}

// The shortcuts the overlay lists, in order: [keys, text key].
const LIST = [
  ['J', 'keys.next'],
  ['K', 'keys.previous'],
  ['Enter', 'keys.open'],
  ['A', 'keys.approve'],
  ['R', 'keys.reject'],
  ['O', 'keys.offer'],
  ['C', 'keys.claim'],
  ['/', 'keys.search'],
  ['Esc', 'keys.close'],
  ['?', 'keys.help'],
];

function typing(el) {
  return Boolean(el) && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

export function showShortcuts() {
  if (overlay && overlay.open) return;
  overlay = h(
    'dialog',
    {class: 'shortcuts', 'aria-labelledby': 'shortcuts-title'},
    h('h2', {id: 'shortcuts-title'}, t('keys.title')),
    h('table', {class: 'keys'}, h('tbody', {}, LIST.map(([key, text]) => h('tr', {}, h('td', {}, h('kbd', {}, key)), h('td', {}, t(text)))))),
    h('form', {method: 'dialog'}, h('button', {class: 'btn btn-secondary', type: 'submit'}, t('common.close'))),
  );
  overlay.addEventListener('close', () => overlay.remove());
  document.body.append(overlay);
  overlay.showModal();
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  if (overlay && overlay.open) return;  // the dialog handles its own Esc
  if (e.key === 'Escape') {
    if (pageKeys.escape) pageKeys.escape(e);
    return;
  }
  if (typing(document.activeElement)) return;
  if (e.key === '?') {
    e.preventDefault();
    showShortcuts();
    return;
  }
  const fn = pageKeys[e.key.length === 1 ? e.key.toLowerCase() : e.key.toLowerCase()];
  if (fn) {
    e.preventDefault();
    fn(e);
  }
}

export function installShortcuts() {
  document.addEventListener('keydown', onKey);
}
