// Who is logged in. The session itself is an HttpOnly cookie the script
// cannot read; a flag in localStorage only says whether to ask the server
// (GET /session) at start-up, so that a visitor who never logged in does
// not cause a failing request.
import * as api from './api.js';

const FLAG = 'aftersales.session';
let current = null;

export const ROLES = ['buyer', 'integration', 'agent', 'supervisor', 'manager', 'warehouse', 'finance', 'admin'];
// Roles that read every case (SPEC §2: staff).
export const STAFF = ['integration', 'agent', 'supervisor', 'manager', 'warehouse', 'finance', 'admin'];

export function user() {
  return current;
}

export function role() {
  return current ? current.role : null;
}

export function hasRole(...roles) {
  return current !== null && roles.includes(current.role);
}

export function isMe(userId) {
  return current !== null && userId === current.id;
}

function setFlag(on) {
  try {
    if (on) localStorage.setItem(FLAG, '1');
    else localStorage.removeItem(FLAG);
  } catch (e) {
    // storage unavailable: the user logs in again after a reload
  }
}

function hasFlag() {
  try {
    return localStorage.getItem(FLAG) === '1';
  } catch (e) {
    return false;
  }
}

// Resumes a session started earlier (in this or another tab).
export async function restore() {
  if (!hasFlag()) return null;
  try {
    const data = await api.get('/session', {quiet401: true});
    current = data.user;
    api.setCsrfToken(data.csrf_token);
  } catch (e) {
    current = null;
    if (e.status === 401) setFlag(false);
    else throw e;
  }
  return current;
}

export async function login(name, password) {
  const data = await api.post('/session', {name, password}, {quiet401: true});
  current = data.user;
  api.setCsrfToken(data.csrf_token);
  setFlag(true);
  return current;
}

export async function logout() {
  current = null;  // the pages see a logged-out user at once; the CSRF token stays for the request
  try {
    await api.del('/session', {quiet401: true});
  } finally {
    forget();
  }
}

// Drops the local state (after logout, or when the server says 401).
export function forget() {
  current = null;
  api.setCsrfToken(null);
  setFlag(false);
}
