// Languages: one dictionary per language (js/lang/*.js), flat keys.
// The language comes from the user's choice (kept in localStorage), else
// from the browser's languages; English is the fallback for a missing key.
import en from './lang/en.js';
import zh from './lang/zh.js';

export const LANGUAGES = {en: 'English', zh: '简体中文'};
const DICTIONARIES = {en, zh};
const LOCALES = {en: 'en-GB', zh: 'zh-CN'};
const STORAGE_KEY = 'aftersales.lang';

let current = initialLanguage();
const listeners = new Set();

function initialLanguage() {
  const saved = safeStorageGet(STORAGE_KEY);
  if (saved && DICTIONARIES[saved]) return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of wanted) {
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (DICTIONARIES[base]) return base;
  }
  return 'en';
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

export function setLanguage(lang) {
  if (!DICTIONARIES[lang] || lang === current) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch (e) {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = LOCALES[lang];
  for (const fn of listeners) fn(lang);
}

export function onLanguageChange(fn) {
  listeners.add(fn);
}

export function has(key) {
  return key in DICTIONARIES[current] || key in DICTIONARIES.en;
}

// The text for `key`, with {name} placeholders replaced from `params`.
export function t(key, params) {
  let text = DICTIONARIES[current][key] ?? DICTIONARIES.en[key];
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

document.documentElement.lang = LOCALES[current];
