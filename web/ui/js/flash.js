// A message that survives one navigation ("Case approved", "Logged out").
import {alertBox} from './components.js';

let pending = null;

export function flash(text, kind = 'success') {
  pending = {text, kind};
}

// The pending message as an element (once), or null.
export function takeFlash() {
  if (!pending) return null;
  const {text, kind} = pending;
  pending = null;
  return alertBox(kind, text);
}
