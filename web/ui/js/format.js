// Numbers, money and times in the current language. Amounts are integers
// in minor units (fen, cents) with an ISO 4217 currency; they are parsed
// from text without floating point.
import {locale, t, language} from './i18n.js';

const digitsCache = new Map();

// The number of minor-unit digits of `currency` (CNY: 2, JPY: 0).
export function currencyDigits(currency) {
  if (!digitsCache.has(currency)) {
    let digits = 2;
    try {
      digits = new Intl.NumberFormat('en', {style: 'currency', currency}).resolvedOptions().maximumFractionDigits;
    } catch (e) {
      // unknown code: assume cents
    }
    digitsCache.set(currency, digits);
  }
  return digitsCache.get(currency);
}

// 12345 CNY → "¥123.45" (or "CN¥123.45" by locale).
export function money(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  const digits = currencyDigits(currency || 'CNY');
  const value = Number(amount) / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale(), {style: 'currency', currency: currency || 'CNY', currencyDisplay: 'narrowSymbol'}).format(value);
  } catch (e) {
    return `${value.toFixed(digits)} ${currency || ''}`.trim();
  }
}

// "123.45" → 12345 for a 2-digit currency; null when the text is not a
// plain non-negative amount with at most that many decimals.
export function parseMoney(text, currency) {
  const digits = currencyDigits(currency || 'CNY');
  const match = /^(\d{1,13})(?:\.(\d*))?$/.exec(String(text).trim().replace(/[,，]/g, ''));
  if (!match) return null;
  const fraction = match[2] || '';
  if (fraction.length > digits) return null;
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

// 12345 → "123.45": the amount as the money input expects it.
export function moneyInput(amount, currency) {
  const digits = currencyDigits(currency || 'CNY');
  if (digits === 0) return String(amount);
  const s = String(amount).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

export function number(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

// An RFC 3339 time in the user's time zone, e.g. "27 Nov 2026, 14:05".
export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), {dateStyle: 'medium', timeStyle: 'short'}).format(d);
}

export function date(d) {
  return new Intl.DateTimeFormat(locale(), {month: 'short', day: 'numeric', weekday: 'short'}).format(d);
}

// A length of time, coarse: "2d 3h", "3h 12m", "12m 05s".
export function duration(ms) {
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return t('time.days_hours', {d: days, h: hours});
  if (hours > 0) return t('time.hours_minutes', {h: hours, m: minutes});
  return t('time.minutes_seconds', {m: minutes, s: String(seconds).padStart(2, '0')});
}

// A Date as RFC 3339 UTC to the second, as the API expects.
export function rfc3339(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The currency of amounts that carry none (approval limits, the policy):
// the API keeps limits in minor units without a currency.
export const SHOP_CURRENCY = 'CNY';

// A ratio as a percentage: 0.125 → "12.5%"; null (no denominator) → "—".
export function percent(ratio) {
  if (ratio === null || ratio === undefined) return '—';
  return new Intl.NumberFormat(locale(), {style: 'percent', maximumFractionDigits: 2}).format(ratio);
}

// A number of seconds as a coarse length of time; null (no values) → "—".
export function seconds(s) {
  if (s === null || s === undefined) return '—';
  return duration(s * 1000);
}

// Points with their sign: "+3", "−5" (a real minus sign), "0".
export function signed(n) {
  if (n === null || n === undefined) return '—';
  return `${n > 0 ? '+' : n < 0 ? '\u2212' : ''}${number(Math.abs(n))}`;
}

// "2026-11" → "November 2026" / "2026年11月".
export function monthName(period) {
  const m = /^(\d{4})-(\d{2})$/.exec(String(period || ''));
  if (!m) return String(period || '');
  return new Intl.DateTimeFormat(locale(), {year: 'numeric', month: 'long', timeZone: 'UTC'}).format(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
}

// A calendar day (Date or RFC 3339 text) in UTC: "27 Nov 2026".
export function utcDay(d) {
  return new Intl.DateTimeFormat(locale(), {dateStyle: 'medium', timeZone: 'UTC'}).format(typeof d === 'string' ? new Date(d) : d);
}

// A return address (the policy's `return_address`) as lines in the page's
// language: `<key>_<lang>` (name_zh, address_zh) where the policy has it,
// else `<key>`.
export function addressLines(addr, lang = language()) {
  if (!addr) return [];
  return ['name', 'address', 'phone'].map((k) => addr[`${k}_${lang}`] || addr[k]).filter(Boolean);
}
