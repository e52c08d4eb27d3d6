// Data many pages need and that rarely changes, fetched once per login.
import * as api from './api.js';
import * as session from './session.js';

let policy = null;
let staff = null;

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

// The staff directory (GET /staff): [{id, name, role, active}] by name.
// Buyers have none: for them the list holds just themselves.
export async function staffDirectory() {
  const me = session.user();
  if (!staff || staff.owner !== me.id) {
    const load = session.hasRole('buyer')
      ? Promise.resolve([{id: me.id, name: me.name, role: me.role, active: true}])
      : api.get('/staff').then((d) => d.items);
    staff = {owner: me.id, list: load.catch((e) => {
      staff = null;
      throw e;
    })};
  }
  return staff.list;
}

// User id → name, from the staff directory (and the caller).
export async function userNames() {
  const me = session.user();
  const map = new Map([[me.id, me.name]]);
  for (const u of await staffDirectory()) map.set(u.id, u.name);
  return map;
}

// The people a case may be assigned to: active agents, supervisors and
// managers (SPEC 9.1), by name. Read afresh (and the directory with it):
// someone added or disabled since the page loaded must show as they are.
export async function assignable() {
  staff = null;
  return (await staffDirectory()).filter((u) => u.active && ['agent', 'supervisor', 'manager'].includes(u.role));
}

// Forgets everything (after logout or a change such as a new user).
export function forgetLookups() {
  policy = null;
  staff = null;
}
