// Building DOM safely. Every text goes in through textContent (text nodes),
// never through innerHTML, so whatever a user typed is shown as text.

// h('a', {href: '#/x', class: 'link', onclick: fn}, 'text', child, [more])
// creates an element. Attributes: `class`, `dataset` (an object), `value`,
// `checked`, `selected`, `disabled`, listeners as `on<event>`; `true` sets
// an empty attribute, null/undefined/false leaves it out. Children may be
// nodes, strings, numbers or (nested) arrays; null and false are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled') {
      el[key] = value;
    } else if (key === 'href') {
      el.setAttribute('href', safeHref(value));
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

// Appends children as h() takes them.
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replaces every child of `el`.
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// An href that cannot run script: in-app hashes, same-origin paths, and
// http(s) URLs pass; anything else (javascript:, data:, …) becomes '#'.
export function safeHref(value) {
  const text = String(value);
  if (text.startsWith('#') || /^\/(?!\/)/.test(text)) return text;
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch (e) {
    // not a URL
  }
  return '#';
}

// A unique id for label/field pairs.
let nextId = 0;
export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
