// The list a person works through: the queue (or the warehouse, refunds or
// arbitration list) keeps the ids it shows, in order, in sessionStorage, so
// that the case page can go to the next and previous case (J/K, "approve
// and next") without going back to the list.
const KEY = 'aftersales.worklist';

export function remember(ids) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(ids));
  } catch (e) {
    // storage unavailable: no next/previous
  }
}

function ids() {
  try {
    const list = JSON.parse(sessionStorage.getItem(KEY) || '[]');
    return Array.isArray(list) ? list : [];
  } catch (e) {
    return [];
  }
}

// The id after `id` in the list, or null.
export function after(id) {
  const list = ids();
  const i = list.indexOf(id);
  return i >= 0 && i + 1 < list.length ? list[i + 1] : null;
}

export function before(id) {
  const list = ids();
  const i = list.indexOf(id);
  return i > 0 ? list[i - 1] : null;
}
