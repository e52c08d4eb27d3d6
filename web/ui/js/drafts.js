// Drafts of action forms: what a person typed, kept in sessionStorage (this
// tab only) per user, case and action until the action succeeds or the
// form is cancelled, so that a session expiring during a submit loses
// nothing: after logging in again the case page reopens the form as it was.
import * as session from './session.js';

const PREFIX = 'aftersales.draft:';

export function keyFor(caseId, action) {
  const me = session.user();
  return `${PREFIX}${me ? me.id : '-'}:${caseId}:${action}`;
}

function controls(form) {
  return [...form.querySelectorAll('input, select, textarea')].filter((el) => el.type !== 'submit' && el.type !== 'button');
}

export function save(key, form) {
  const values = controls(form).map((el) => (el.type === 'checkbox' || el.type === 'radio' ? el.checked : el.value));
  try {
    sessionStorage.setItem(key, JSON.stringify(values));
  } catch (e) {
    // storage full or unavailable: no draft
  }
}

// Puts a saved draft back into `form`; true when there was one.
export function restore(key, form) {
  let values = null;
  try {
    values = JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch (e) {
    values = null;
  }
  const els = controls(form);
  if (!Array.isArray(values) || values.length !== els.length) return false;
  els.forEach((el, i) => {
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = Boolean(values[i]);
    else el.value = values[i];
    // Dependent parts (a grant's amount, another carrier) follow the value.
    if (el.type !== 'radio' || el.checked) el.dispatchEvent(new Event('change', {bubbles: false}));
  });
  return true;
}

export function clear(key) {
  try {
    sessionStorage.removeItem(key);
  } catch (e) {
    // nothing kept
  }
}

// The first of `actions` with a draft for case `caseId`.
export function pendingAction(caseId, actions) {
  return actions.find((a) => {
    try {
      return sessionStorage.getItem(keyFor(caseId, a)) !== null;
    } catch (e) {
      return false;
    }
  });
}
