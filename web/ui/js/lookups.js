// Data many pages need and that rarely changes, fetched once per login.
import * as api from './api.js';
import * as session from './session.js';

let policy = null;
let names = null;

// The current policy document (GET /policy), cached.
export function getPolicy() {
  if (!policy) {
    policy = api.get('/policy').then((p) => p.policy).catch((e) => {
      policy = null;
      throw e;
    });
  }
  return policy;
}

// User id → name. Only admins may list users; for everyone else the map
// holds just the caller.
export async function userNames() {
  const me = session.user();
  if (!names || names.owner !== me.id) {
    const map = new Map([[me.id, me.name]]);
    if (session.hasRole('admin')) {
      const list = await api.get('/users');
      for (const u of list.items || list) map.set(u.id, u.name);
    }
    names = {owner: me.id, map};
  }
  return names.map;
}

// Forgets everything (after logout or a change such as a new user).
export function forgetLookups() {
  policy = null;
  names = null;
}
