// The HTTP API (/api/v1). The session cookie is HttpOnly and goes along by
// itself; every change (POST, PATCH, PUT, DELETE) carries the session's
// CSRF token. Errors arrive as application/problem+json and are thrown as
// ApiError.

const BASE = '/api/v1';
let csrfToken = null;
let onUnauthenticated = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || (status >= 500 ? 'unavailable' : 'http_error');
    this.errors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

export function setCsrfToken(token) {
  csrfToken = token;
}

// Called once when an answer says the session is gone (401).
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

// A fresh Idempotency-Key: a retried request is then applied at most once.
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// Sends one request; resolves to the parsed JSON (null for 204), or throws
// ApiError. `options.key` sends an Idempotency-Key; `options.text` resolves
// to the raw text instead of JSON; `options.raw` takes `path` as it is
// (not under /api/v1).
export async function request(method, path, body, options = {}) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (options.key) headers['Idempotency-Key'] = options.key;
  let response;
  try {
    response = await fetch(options.raw ? path : BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, {code: 'network', detail: String(e && e.message)});
  }
  if (response.status === 204) return null;
  const text = await response.text();
  if (response.ok && options.text) return text;
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && onUnauthenticated && !options.quiet401) onUnauthenticated(error);
    throw error;
  }
  return data;
}

export const get = (path, options) => request('GET', path, undefined, options);
export const post = (path, body, options) => request('POST', path, body === undefined ? {} : body, options);
export const patch = (path, body, options) => request('PATCH', path, body, options);
export const del = (path, options) => request('DELETE', path, undefined, options);

// Builds "?a=1&b=2" from an object, leaving out empty values; arrays repeat.
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    for (const v of [value].flat()) q.append(key, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;

// Every page of a cursor-paged list (GET /cases), up to `max` items.
export async function getAll(path, params, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const page = await get(path + query({...params, cursor, limit: 200}));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
