// Languages: one dictionary per language (js/lang/*.js), flat keys, the
// same in both (a browser test checks). Only the chosen language's
// dictionary is loaded (its own chunk of the bundle): loadLanguage() runs
// before the first page and on every switch. The language comes from the
// user's choice (kept in localStorage), else from the browser's languages.

export const LANGUAGES = {en: 'English', zh: '简体中文'};
const LOADERS = {en: () => import('./lang/en.js'), zh: () => import('./lang/zh.js')};
const LOCALES = {en: 'en-GB', zh: 'zh-CN'};
const STORAGE_KEY = 'aftersales.lang';

let current = initialLanguage();
let dictionary = {};
const listeners = new Set();

function initialLanguage() {
  const saved = safeStorageGet(STORAGE_KEY);
  if (saved && LOADERS[saved]) return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of wanted) {
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (LOADERS[base]) return base;
  }
  return 'en';
}

// Loads the dictionary of `lang` (default: the current language) and makes
// it current.
export async function loadLanguage(lang = current) {
  const module = await LOADERS[lang]();
  dictionary = module.default;
  current = lang;
  document.documentElement.lang = LOCALES[lang];
}

function safeStorageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch (e) {
    return null;
  }
}

export function language() {
  return current;
}

// The BCP 47 locale for number and date formats.
export function locale() {
  return LOCALES[current];
}

export async function setLanguage(lang) {
  if (!LOADERS[lang] || lang === current) return;
  await loadLanguage(lang);
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch (e) {
    // private mode: the choice lasts for this page only
  }
  for (const fn of listeners) fn(lang);
}

export function onLanguageChange(fn) {
  listeners.add(fn);
}

export function has(key) {
  return key in dictionary;
}

// The text for `key`, with {name} placeholders replaced from `params`.
export function t(key, params) {
  let text = dictionary[key];
  if (text === undefined) {
    console.warn(`missing text: ${key}`);
    text = key;
  }
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  }
  return text;
}

// A code (state, reason, error code, …) as a word in the current language;
// an unknown code is shown readably ("some_code" → "some code").
export function word(group, code) {
  if (code === null || code === undefined || code === '') return '';
  const key = `${group}.${code}`;
  return has(key) ? t(key) : String(code).replace(/_/g, ' ');
}

// Items of a list as the language writes them: "a, b" / "a、b".
export function list(items) {
  return items.filter((x) => x !== null && x !== undefined && x !== '').join(current === 'zh' ? '、' : ', ');
}
