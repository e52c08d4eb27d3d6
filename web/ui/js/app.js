// The single-page application: the frame (header, navigation, language,
// logout), the hash router and the role-specific home pages.
import {h, fill} from './dom.js';
import {t, word, language, setLanguage, loadLanguage, onLanguageChange, LANGUAGES} from './i18n.js';
import * as api from './api.js';
import * as session from './session.js';
import {errorBox, loading} from './components.js';
import {startCountdowns} from './countdown.js';
import {flash, takeFlash} from './flash.js';
import {installShortcuts, setPageKeys, showShortcuts} from './shortcuts.js';

// Each page is its own chunk of the bundle, loaded when first shown.
const page = (load, name) => async (...args) => (await load())[name](...args);

// path pattern → page; `roles` limits who sees it (none: everyone logged in).
const ROUTES = [
  {path: 'login', page: page(() => import('./pages/login.js'), 'loginPage'), title: 'login.title', public: true},
  {path: 'queue', page: page(() => import('./pages/queue.js'), 'queuePage'), title: 'nav.queue'},
  {path: 'cases/:id', page: page(() => import('./pages/case.js'), 'casePage'), title: 'case.title'},
  {path: 'warehouse', page: page(() => import('./pages/warehouse.js'), 'warehousePage'), title: 'nav.warehouse', roles: ['warehouse', 'manager']},
  {path: 'orders', page: page(() => import('./pages/orders.js'), 'ordersPage'), title: 'nav.orders', roles: ['warehouse', 'manager']},
  {path: 'refunds', page: page(() => import('./pages/finance.js'), 'financePage'), title: 'nav.refunds', roles: ['finance']},
  {path: 'dashboard', page: page(() => import('./pages/dashboard.js'), 'dashboardPage'), title: 'nav.dashboard', roles: ['manager', 'admin']},
  {path: 'arbitration', page: page(() => import('./pages/arbitration.js'), 'arbitrationPage'), title: 'nav.arbitration', roles: ['manager']},
  {path: 'reports', page: page(() => import('./pages/reports.js'), 'reportsPage'), title: 'nav.reports', roles: ['manager', 'admin']},
  {path: 'scorecard', page: page(() => import('./pages/scorecard.js'), 'scorecardPage'), title: 'nav.scorecard', roles: ['manager', 'admin']},
  {path: 'extend', page: page(() => import('./pages/extend.js'), 'extendPage'), title: 'nav.extend', roles: ['manager']},
  {path: 'audit', page: page(() => import('./pages/audit.js'), 'auditPage'), title: 'nav.audit', roles: ['manager', 'admin']},
  {path: 'users', page: page(() => import('./pages/users.js'), 'usersPage'), title: 'nav.users', roles: ['admin']},
  {path: 'webhooks', page: page(() => import('./pages/webhooks.js'), 'webhooksPage'), title: 'nav.webhooks', roles: ['admin']},
  {path: 'policy', page: page(() => import('./pages/policy.js'), 'policyPage'), title: 'nav.policy'},
];

// The navigation of each role, home page first.
const NAV = {
  agent: ['queue'],
  supervisor: ['queue'],
  manager: ['dashboard', 'reports', 'scorecard', 'queue', 'arbitration', 'warehouse', 'orders', 'extend', 'audit'],
  warehouse: ['warehouse', 'orders', 'queue'],
  finance: ['refunds', 'queue'],
  admin: ['users', 'dashboard', 'reports', 'scorecard', 'audit', 'webhooks', 'policy'],
  integration: ['queue'],
  buyer: ['queue'],
};

function homeOf(role) {
  return `#/${(NAV[role] || ['queue'])[0]}`;
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search] = raw.split('?');
  return {path: path || '', query: new URLSearchParams(search || '')};
}

function matchRoute(path) {
  for (const route of ROUTES) {
    const names = [];
    const pattern = new RegExp(
      `^${route.path.replace(/:(\w+)/g, (m, name) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const m = pattern.exec(path);
    if (m) {
      const params = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
      return {route, params};
    }
  }
  return null;
}

const app = document.getElementById('app');
const header = h('header', {class: 'topbar'});
const main = h('main', {id: 'main', tabindex: '-1'});
let afterLogin = null;

function renderHeader() {
  const user = session.user();
  const {path} = parseHash();
  const langSelect = h(
    'select',
    {id: 'lang', onchange: (e) => setLanguage(e.target.value)},
    Object.entries(LANGUAGES).map(([code, name]) => h('option', {value: code, selected: code === language(), lang: code}, name)),
  );
  fill(
    header,
    h('a', {class: 'skip-link', href: '#main', onclick: skipToMain}, t('nav.skip')),
    h('a', {class: 'brand', href: user ? homeOf(user.role) : '#/login'}, h('img', {src: '/ui/favicon.svg', alt: '', width: 24, height: 24}), h('span', {}, t('app.name'))),
    user
      ? h(
          'nav',
          {'aria-label': t('nav.main')},
          h(
            'ul',
            {},
            (NAV[user.role] || ['queue']).map((p) =>
              h('li', {}, h('a', {href: `#/${p}`, 'aria-current': path.split('/')[0] === p ? 'page' : null}, t(p === 'queue' && user.role === 'buyer' ? 'nav.my_cases' : `nav.${p}`))),
            ),
          ),
        )
      : h('span', {class: 'spacer'}),
    h(
      'div',
      {class: 'user-tools'},
      h('label', {for: 'lang', class: 'visually-hidden'}, t('nav.language')),
      langSelect,
      user ? h('span', {class: 'whoami'}, h('span', {class: 'whoami-name'}, user.name), ' ', h('span', {class: 'muted'}, word('role', user.role))) : null,
      user ? h('button', {type: 'button', class: 'btn btn-link keys-help', onclick: showShortcuts, 'aria-keyshortcuts': '?', 'aria-label': t('keys.title'), title: t('keys.title')}, '?') : null,
      user ? h('button', {type: 'button', class: 'btn btn-link', onclick: doLogout}, t('nav.logout')) : null,
    ),
  );
}

function skipToMain(e) {
  e.preventDefault();
  main.focus();
}

async function doLogout() {
  try {
    await session.logout();
  } catch (e) {
    // the local session is forgotten all the same
  }
  flash(t('login.logged_out'), 'info');
  navigate('#/login');
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

let renderCount = 0;

async function route() {
  const seq = ++renderCount;
  const {path, query} = parseHash();
  const user = session.user();
  if (!user && path !== 'login') {
    if (path) afterLogin = location.hash;
    navigate('#/login');
    return;
  }
  if (user && (path === '' || path === 'login')) {
    navigate(afterLogin || homeOf(user.role));
    afterLogin = null;
    return;
  }
  renderHeader();
  setPageKeys({});
  const found = matchRoute(path);
  const view = h('div', {class: 'page'});
  const message = takeFlash();
  fill(main, message, view);
  if (!found) {
    document.title = t('app.name');
    fill(view, h('h1', {tabindex: '-1'}, t('error.page_not_found')), h('p', {}, h('a', {href: homeOf(user.role)}, t('nav.home'))));
    return;
  }
  const {route: r, params} = found;
  document.title = `${t(r.title)} · ${t('app.name')}`;
  if (r.roles && !session.hasRole(...r.roles)) {
    fill(view, h('h1', {tabindex: '-1'}, t('error.forbidden')), h('p', {}, h('a', {href: homeOf(user.role)}, t('nav.home'))));
    return;
  }
  view.append(loading());
  try {
    await r.page(view, {params, query, navigate, reload: () => route(), onLoggedIn});
  } catch (e) {
    if (seq !== renderCount) return;
    console.warn(e);
    fill(view, h('h1', {tabindex: '-1'}, t(r.title)), errorBox(e));
  }
  if (seq === renderCount && document.activeElement === document.body) {
    const h1 = view.querySelector('h1');
    if (h1) h1.focus({preventScroll: true});
  }
  // The page is shown with its data: what the browser tests time.
  if (seq === renderCount) performance.mark('aftersales:ready', {detail: path});
}

api.setUnauthenticatedHandler(() => {
  if (!session.user()) return;
  session.forget();
  flash(t('login.expired'), 'info');
  afterLogin = location.hash;
  navigate('#/login');
});

onLanguageChange(() => route());

function onLoggedIn(user) {
  const target = afterLogin || homeOf(user.role);
  afterLogin = null;
  navigate(target);
}

async function start() {
  // The dictionary and the session load side by side; nothing shows before
  // the words do.
  const [, restored] = await Promise.allSettled([loadLanguage(), session.restore()]);
  app.replaceChildren(header, main);
  startCountdowns();
  installShortcuts();
  if (restored.status === 'rejected') fill(main, errorBox(restored.reason));
  window.addEventListener('hashchange', route);
  route();
}

start();
