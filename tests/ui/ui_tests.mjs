// The web UI's browser tests, run by run_browser_tests.mjs against a
// server with demo data. Each test gets `env`: {url, logins, chromium,
// executablePath, work, screenshots, shared}.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import path from 'node:path';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export const DESKTOP = {width: 1280, height: 860};
export const PHONE = {width: 390, height: 844};
const LABELS = {
  en: {name: 'Name', password: 'Password', login: 'Log in'},
  zh: {name: '用户名', password: '密码', login: '登录'},
};

// --- helpers ----------------------------------------------------------------

// Runs `fn(page, watch)` in a fresh Chromium profile. Console errors, page
// errors, missing translations and dialogs fail the test unless a pattern
// passed to watch.allow() matches them.
export async function withBrowser(env, options, fn) {
  const {locale = 'en-US', viewport = DESKTOP, hasTouch = false} = options;
  const profile = mkdtempSync(path.join(env.work, 'profile-'));
  const context = await env.chromium.launchPersistentContext(profile, {
    executablePath: env.executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    locale,
    viewport,
    hasTouch,
    timezoneId: 'Asia/Shanghai',
  });
  const problems = [];
  const allowed = [];
  const failures = [];  // failed requests, to explain "Failed to load resource"
  const watch = (page) => {
    page.on('console', (msg) => {
      const text = msg.text();
      if (msg.type() === 'error' || (msg.type() === 'warning' && text.includes('missing text'))) problems.push(`console ${msg.type()}: ${text}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('request', (r) => {
      if (process.env.UI_TRACE) console.log(`  > ${Date.now() % 100000} ${r.method()} ${r.url().replace(env.url, '')}`);
    });
    page.on('response', (r) => {
      if (process.env.UI_TRACE) console.log(`  < ${Date.now() % 100000} ${r.status()} ${r.url().replace(env.url, '')}`);
      if (r.status() >= 400) failures.push(`${r.status()} ${r.request().method()} ${r.url().replace(env.url, '')}`);
    });
    page.on('dialog', async (dialog) => {
      problems.push(`dialog opened: ${dialog.message()}`);
      await dialog.dismiss();
    });
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(15000);
    try {
      await fn(page, {allow: (re) => allowed.push(re)});
    } catch (err) {
      // What the page said and which requests failed tell a timeout's cause.
      let shown = '';
      try {
        shown = (await page.locator('main').innerText({timeout: 1000})).replace(/\s+/g, ' ').slice(0, 800);
      } catch (e) {
        shown = '(main not readable)';
      }
      err.message += `\n  failed requests: ${failures.join(', ') || 'none'}\n  browser problems: ${problems.join(' | ') || 'none'}` +
        `\n  at ${page.url().replace(env.url, '')}, the page shows: ${shown}`;
      throw err;
    }
    const unexpected = problems.filter((p) => !allowed.some((re) => re.test(p)));
    assert.deepEqual(unexpected, [], `the browser reported problems; failed requests: ${failures.join(', ') || 'none'}`);
  } finally {
    await context.close();
    rmSync(profile, {recursive: true, force: true});
  }
}

export async function login(env, page, name, lang = 'en') {
  const l = LABELS[lang];
  await page.goto(`${env.url}/#/login`);
  await page.getByLabel(l.name).fill(name);
  await page.getByLabel(l.password).fill(env.logins[name].password);
  await page.getByRole('button', {name: l.login}).click();
  await page.locator('.whoami-name').filter({hasText: name}).waitFor();
}

// Logs out and waits until the login page shows (the session is gone).
export async function logout(page, lang = 'en') {
  await page.getByRole('button', {name: lang === 'en' ? 'Log out' : '退出登录'}).click();
  await page.locator('main h1', {hasText: LABELS[lang].login}).waitFor();
}

export async function expectHeading(page, text) {
  await page.locator('main h1', {hasText: text}).waitFor();
}

export async function shot(env, page, name, {fullPage = false} = {}) {
  if (!env.screenshots) return;
  await page.waitForTimeout(150);
  await page.screenshot({path: path.join(env.screenshots, `${name}.png`), fullPage});
}

// Calls the API as `name` (bearer token).
export async function api(env, name, method, p, body) {
  const response = await fetch(`${env.url}/api/v1${p}`, {
    method,
    headers: {Authorization: `Bearer ${env.logins[name].token}`, ...(body ? {'Content-Type': 'application/json'} : {})},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(`${method} ${p}: ${response.status} ${text}`);
  return data;
}

export function iso(msAgo) {
  return new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const HOUR = 3600 * 1000;
let orderSeq = 0;

// A delivered one-line order and a case on it, created through the API as
// the shop's integration.
// `more` adds order lines that the case does not take (a bigger order).
// Each case has a buyer of its own: the abuse signals would flag a buyer
// with many cases, and a flagged case is beyond an agent's limit.
export async function newCase(env, {type = 'return_refund', description, paid = 12900, evidence = [], more = [], reason = 'quality_issue', orderPrefix = 'UI'} = {}) {
  orderSeq += 1;
  const orderId = `${orderPrefix}-${Date.now().toString(36)}-${orderSeq}`;
  const buyerId = `b-ui-${orderId.toLowerCase()}`;
  await api(env, 'integration', 'POST', '/orders', {
    id: orderId,
    buyer_id: buyerId,
    currency: 'CNY',
    placed_at: iso(72 * HOUR),
    delivered_at: iso(24 * HOUR),
    shipping_paid: 0,
    lines: [{line_id: '1', sku: 'CUP-TH-500', title: '保温杯 500ml Thermos cup', qty: 1, paid}, ...more],
  });
  const c = await api(env, 'integration', 'POST', '/cases', {
    order_id: orderId,
    buyer_id: buyerId,
    type,
    reason,
    description: description || 'The lid is cracked. 杯盖裂了。',
    evidence,
    lines: [{line_id: '1', qty: 1}],
  });
  return {orderId, caseId: c.id};
}

// Opens the queue (all cases), finds the case by its order number, opens it.
export async function openFromQueue(page, env, {orderId, caseId}, lang = 'en') {
  await page.goto(`${env.url}/#/queue?view=all`);
  await page.getByLabel(lang === 'en' ? 'Order or tracking number' : '订单号或运单号', {exact: true}).fill(orderId);
  await page.getByText(lang === 'en' ? 'Cases shown: 1' : '显示 1 条售后单').waitFor();
  const link = page.getByRole('link', {name: caseId});
  await link.waitFor();
  await link.click();
  await page.locator('main h1', {hasText: caseId}).waitFor();
}

export async function submitAction(page, action, label) {
  await page.locator(`.action-buttons button[data-action="${action}"]`).click();
  const form = page.locator(`form.action-${action}`);
  await form.waitFor();
  return {form, submit: () => form.getByRole('button', {name: label, exact: true}).click()};
}

// --- reports ------------------------------------------------------------------

// Figures as the page shows them in English (en-GB), for comparing with
// the API's raw values.
const EN_NUMBER = new Intl.NumberFormat('en-GB');
const fmtCount = (v) => (v === null || v === undefined ? '—' : EN_NUMBER.format(v));
const fmtPercent = (v) => (v === null || v === undefined ? '—' : new Intl.NumberFormat('en-GB', {style: 'percent', maximumFractionDigits: 2}).format(v));
function fmtMoney(currency) {
  const digits = new Intl.NumberFormat('en', {style: 'currency', currency}).resolvedOptions().maximumFractionDigits;
  const f = new Intl.NumberFormat('en-GB', {style: 'currency', currency, currencyDisplay: 'narrowSymbol'});
  return (v) => (v === null || v === undefined ? '—' : f.format(v / 10 ** digits));
}
const fmtSigned = (n) => `${n > 0 ? '+' : n < 0 ? '\u2212' : ''}${EN_NUMBER.format(Math.abs(n))}`;

export function exactly(text) {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}$`);
}

// The rows of the table captioned `caption` inside `scope`: per row, each
// keyed cell (data-key) as {text, value}; value is the raw figure the page
// keeps in data-value.
async function tableRows(scope, caption) {
  const table = scope.locator('table.data').filter({has: scope.page().locator('caption', {hasText: exactly(caption)})});
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) =>
      Object.fromEntries(
        [...tr.querySelectorAll('td[data-key]')].map((td) => {
          const fig = td.querySelector('[data-value]');
          return [td.dataset.key, {text: td.textContent.trim(), value: fig ? fig.dataset.value : null}];
        }),
      ),
    ),
  );
}

// Checks that `rows` show `items` in the same order: every key of
// `columns` ({key: format or null}) holds the item's value, and its words
// are format(value) when a format is given.
function assertFigures(rows, items, columns, what) {
  assert.equal(rows.length, items.length, `${what}: rows`);
  items.forEach((item, i) => {
    for (const [key, format] of Object.entries(columns)) {
      const cell = rows[i][key];
      assert.ok(cell, `${what}: row ${i} has a ${key} cell`);
      const raw = item[key] === null || item[key] === undefined ? '' : String(item[key]);
      assert.equal(cell.value, raw, `${what}: row ${i} ${key}`);
      if (format) assert.equal(cell.text, format(item[key]), `${what}: row ${i} ${key} as words`);
    }
  });
}

// The API's from/to of a report page's URL (?period=YYYY-MM or all).
function periodParams(pageUrl) {
  const q = new URLSearchParams(new URL(pageUrl).hash.split('?')[1] || '');
  const period = q.get('period');
  if (!period || period === 'all') return '';
  const [y, m] = period.split('-').map(Number);
  const day = (d) => `${d.toISOString().slice(0, 10)}T00:00:00Z`;
  return `from=${day(new Date(Date.UTC(y, m - 1, 1)))}&to=${day(new Date(Date.UTC(y, m, 1)))}`;
}

// The panel's CSV link, fetched with the session cookie as the browser would.
async function fetchCsv(page) {
  const href = await page.locator('#report-panel a.csv-link, main a.csv-link').first().getAttribute('href');
  assert.match(href, /format=csv/);
  return page.evaluate(async (u) => {
    const r = await fetch(u, {credentials: 'same-origin'});
    return {status: r.status, type: r.headers.get('content-type'), text: await r.text()};
  }, href);
}

function csvLines(text) {
  return text.split(/\r?\n/).filter((l) => l !== '');
}

async function openReport(page, tab) {
  await page.getByRole('tab', {name: tab, exact: true}).click();
  await page.locator('#report-panel[aria-busy]').waitFor({state: 'detached'});
}

// Each report's figures against the API's answer `data`; false when the
// page rightly shows the report as empty.
const REPORT_CHECKS = {
  async agents(panel, data) {
    const active = data.items.filter((i) => i.decisions || i.sla_breaches || i.score || i.refunded_amount || i.overturned);
    if (!active.length) return panel.locator('.report-empty').waitFor().then(() => false);
    await panel.getByText(`Amounts in ${data.currency}`).waitFor();
    const columns = {
      user_id: null, role: null, decisions: fmtCount, approvals: fmtCount, rejections: fmtCount, offers: fmtCount,
      median_first_response_seconds: null, sla_breaches: fmtCount, overturned: fmtCount, refunded_amount: fmtMoney(data.currency), score: fmtCount,
    };
    assertFigures(await tableRows(panel, 'Per person'), data.items, columns, 'agents');
    return true;
  },
  async sla(panel, data) {
    // Every deadline kind of SPEC §5 and §10–§12, once each, in that order.
    const kinds = ['merchant_response', 'buyer_response', 'appeal_window', 'buyer_ship', 'merchant_receipt', 'refund_issue', 'arbitration',
      'replacement_ship', 'replacement_confirm', 'order_ship', 'compensation_issue', 'repair_complete', 'repaired_ship', 'repaired_confirm'];
    assert.deepEqual(data.items.map((i) => i.deadline), kinds, 'sla: one item per deadline kind');
    if (!data.items.some((i) => i.count)) return panel.locator('.report-empty').waitFor().then(() => false);
    const columns = {deadline: null, count: fmtCount, open: fmtCount, breached: fmtCount, breach_rate: fmtPercent, extended: fmtCount, median_seconds_to_act: null, p90_seconds_to_act: null};
    assertFigures(await tableRows(panel, 'Per deadline'), data.items, columns, 'sla');
    return true;
  },
  async reasons(panel, data) {
    if (!data.by_reason.some((r) => r.cases)) return panel.locator('.report-empty').waitFor().then(() => false);
    const money = fmtMoney(data.currency);
    assertFigures(await tableRows(panel, 'By reason'), data.by_reason, {reason: null, cases: fmtCount, refunded_amount: money}, 'by reason');
    // By SKU the page sorts by return rate: compare SKU by SKU.
    const skuRows = await tableRows(panel, 'By product (SKU)');
    const bySku = skuRows.map((r) => data.by_sku.find((s) => s.sku === r.sku.value));
    assert.equal(new Set(skuRows.map((r) => r.sku.value)).size, data.by_sku.length, 'by sku: every SKU once');
    const skuColumns = {sku: null, cases: fmtCount, units: fmtCount, returned_units: fmtCount, sold_units: fmtCount, return_rate: fmtPercent, refunded_amount: money};
    assertFigures(skuRows, bySku, skuColumns, 'by sku');
    await panel.locator('details > summary', {hasText: 'By reason and product'}).click();
    const itemColumns = {reason: null, sku: null, cases: fmtCount, units: fmtCount, refunded_amount: money};
    assertFigures(await tableRows(panel, 'By reason and product (as in the CSV)'), data.items, itemColumns, 'reason × sku');
    return true;
  },
  async warehouse(panel, data) {
    // Shipping of the orders paid in the period (SPEC §10.4), when there are any.
    if (data.shipping.orders) {
      for (const key of ['orders', 'shipped', 'late', 'late_rate', 'median_seconds_to_ship', 'p90_seconds_to_ship']) {
        const raw = data.shipping[key] === null ? '' : String(data.shipping[key]);
        assert.equal(await panel.locator(`.shipping-tiles .tile[data-key="${key}"] [data-value]`).getAttribute('data-value'), raw, `shipping ${key}`);
      }
      assert.equal(await panel.locator('.shipping-tiles .tile[data-key="late_rate"] .tile-value').textContent(), fmtPercent(data.shipping.late_rate));
    } else {
      assert.equal(await panel.locator('.shipping-tiles').count(), 0, 'no shipping figures without orders');
    }
    if (!data.items.length && !data.receipt.count) return panel.locator('.report-empty').waitFor().then(() => false);
    for (const key of ['count', 'median_seconds', 'p90_seconds']) {
      const raw = data.receipt[key] === null ? '' : String(data.receipt[key]);
      assert.equal(await panel.locator(`.tile[data-key="${key}"] [data-value]`).getAttribute('data-value'), raw, `receipt ${key}`);
    }
    assert.equal(await panel.locator('.tile[data-key="count"] .tile-value').textContent(), fmtCount(data.receipt.count));
    const columns = {grade: null, inspected: fmtCount, passed: fmtCount, failed: fmtCount, fail_rate: fmtPercent};
    assertFigures(await tableRows(panel, 'Per grade'), data.items, columns, 'warehouse');
    return true;
  },
  async finance(panel, data) {
    if (!data.items.length) return panel.locator('.report-empty').waitFor().then(() => false);
    const columns = {
      currency: null, approved: fmtCount, refunds_issued: fmtCount, refunded_amount: null, refunds_failed: fmtCount,
      awaiting_refund: fmtCount, median_approval_to_refund_seconds: null, p90_approval_to_refund_seconds: null,
    };
    const rows = await tableRows(panel, 'Per currency');
    assertFigures(rows, data.items, columns, 'finance');
    data.items.forEach((item, i) => assert.equal(rows[i].refunded_amount.text, fmtMoney(item.currency)(item.refunded_amount), `finance ${item.currency} refunded`));
    return true;
  },
  async compensation(panel, data) {
    // Every compensation reason once, zeros too (SPEC §11.3).
    assert.deepEqual(data.by_reason.map((r) => r.reason), ['late_shipment', 'missing_gift', 'price_protection', 'goodwill', 'other']);
    if (!data.by_reason.some((r) => r.cases)) return panel.locator('.report-empty').waitFor().then(() => false);
    await panel.getByText(`Amounts in ${data.currency}`).waitFor();
    const money = fmtMoney(data.currency);
    const reasonColumns = {reason: null, cases: fmtCount, compensated: fmtCount, amount: money, cash: money, voucher: money, points: money};
    assertFigures(await tableRows(panel, 'By reason'), data.by_reason, reasonColumns, 'compensation by reason');
    assertFigures(await tableRows(panel, 'By person who agreed'), data.by_agent, {user_id: null, role: null, approved: fmtCount, amount: money}, 'compensation by person');
    const system = data.by_agent.find((a) => a.user_id === 'system');
    if (system) await panel.getByText('System (late shipment)', {exact: true}).first().waitFor();
    return true;
  },
};

// The lines of a report's CSV: one per item, or per row of each section
// for the compensation report (by_reason, then by_agent).
function csvItems(data) {
  return data.items || [...data.by_reason, ...data.by_agent];
}

// --- tests ------------------------------------------------------------------

export const TESTS = [
  {
    name: 'the translations of both languages have the same keys, and words for every problem code the server sends',
    async run(env) {
      const en = (await import('../../web/ui/js/lang/en.js')).default;
      const zh = (await import('../../web/ui/js/lang/zh.js')).default;
      assert.deepEqual(Object.keys(zh).filter((k) => !(k in en)), [], 'keys only in zh');
      assert.deepEqual(Object.keys(en).filter((k) => !(k in zh)), [], 'keys only in en');
      const openapi = await (await fetch(`${env.url}/api/v1/openapi.json`)).json();
      const codes = openapi.components.schemas.Problem.properties.code.enum;
      assert.ok(codes.length > 20, codes.join(','));
      assert.deepEqual(codes.filter((code) => !(`error.${code}` in zh)), [], 'problem codes without words');
    },
  },
  {
    name: 'the page is served with a strict Content-Security-Policy and no external resource',
    async run(env) {
      const r = await fetch(`${env.url}/`);
      assert.equal(r.status, 200);
      const csp = r.headers.get('content-security-policy');
      assert.match(csp, /default-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(r.headers.get('cache-control'), 'no-cache');
      const html = await r.text();
      assert.doesNotMatch(html, /https?:\/\//, 'index.html references another origin');
      assert.doesNotMatch(html, /<script>(?!<\/script>)|<script[^>]*>[^<]+<\/script>/, 'inline script');
      const again = await fetch(`${env.url}/`, {headers: {'If-None-Match': r.headers.get('etag')}});
      assert.equal(again.status, 304);
      const chart = await fetch(`${env.url}/ui/vendor/chart.umd.min.js`);
      assert.equal(chart.status, 200);
      assert.match(chart.headers.get('content-type'), /javascript/);
    },
  },
  {
    name: 'the login page follows the browser language and refuses a wrong password',
    async run(env) {
      await withBrowser(env, {locale: 'zh-CN'}, async (page) => {
        await page.goto(env.url);
        await expectHeading(page, '登录');
      });
      await withBrowser(env, {}, async (page, watch) => {
        watch.allow(/401/);
        await page.goto(env.url);
        await expectHeading(page, 'Log in');
        await shot(env, page, 'login');
        await page.getByLabel('Name').fill('agent1');
        await page.getByLabel('Password').fill('not-the-password');
        await page.getByRole('button', {name: 'Log in'}).click();
        await page.getByRole('alert').filter({hasText: 'The name or the password is wrong.'}).waitFor();
      });
    },
  },
  {
    name: 'every role logs in to its own home page and logs out',
    async run(env) {
      const homes = {
        agent1: 'Work queue', supervisor: 'Work queue', manager: 'Dashboard', warehouse: 'Warehouse',
        finance: 'Refunds', admin: 'Users', buyer1: 'My cases',
      };
      await withBrowser(env, {}, async (page) => {
        for (const [name, home] of Object.entries(homes)) {
          await login(env, page, name);
          await expectHeading(page, home);
          await logout(page);
        }
      });
    },
  },
  {
    name: 'a case goes from the queue to refunded in the browser, and the timeline shows every step',
    async run(env) {
      const c = await newCase(env);
      env.shared.flowCase = c;
      await withBrowser(env, {}, async (page) => {
        // The agent approves it from the queue.
        await login(env, page, 'agent1');
        await shot(env, page, 'queue');
        await openFromQueue(page, env, c);
        const approve = await submitAction(page, 'approve', 'Approve');
        await shot(env, page, 'case');
        await approve.submit();
        await page.getByText('Approve: done. The case is now “Awaiting return”.').waitFor();
        await page.locator('main h1 + .page-tools .badge', {hasText: 'Awaiting return'}).waitFor();
        await logout(page);

        // The buyer ships the return (the storefront posts it).
        await api(env, 'integration', 'POST', `/cases/${c.caseId}/actions/ship_return`, {carrier: 'SF Express', tracking_no: 'SFUI20261127'});

        // The warehouse finds it by tracking number and receives it.
        await login(env, page, 'warehouse');
        await expectHeading(page, 'Warehouse');
        await page.getByLabel('Tracking number').fill('SFUI20261127');
        await page.getByText('Matching cases: 1').waitFor();
        await shot(env, page, 'warehouse');
        await page.getByRole('link', {name: 'Receive and inspect'}).click();
        const form = page.locator('form.action-receive');
        await form.waitFor();
        await form.getByLabel('Pass').check();
        await form.getByLabel('Grade').selectOption('A');
        assert.equal(await form.getByLabel('Restock').isChecked(), true);
        await shot(env, page, 'receive');
        await form.getByRole('button', {name: 'Receive and inspect'}).click();
        await expectHeading(page, 'Warehouse');
        await page.getByText('Receive and inspect: done. The case is now “Refunding”.').waitFor();
        await page.getByRole('heading', {name: /Returns in transit/}).waitFor();
        await logout(page);

        // Finance confirms the refund.
        await login(env, page, 'finance');
        await expectHeading(page, 'Refunds');
        const row = page.locator('tr', {has: page.getByRole('link', {name: c.caseId})});
        await row.waitFor();
        await shot(env, page, 'refunds');
        await row.getByRole('link', {name: 'Refund issued'}).click();
        const refund = page.locator('form.action-refund_issued');
        await refund.waitFor();
        await refund.getByRole('button', {name: 'Refund issued'}).click();
        await refund.getByText('Required.').waitFor();
        await refund.getByLabel('Payment reference').fill('ALIPAY-UI-0001');
        await refund.getByRole('button', {name: 'Refund issued'}).click();
        await page.getByText('Refund issued: done. The case is now “Refunded”.').waitFor();
        await page.getByRole('heading', {name: 'Refunds to confirm'}).waitFor();
        await logout(page);

        // The timeline tells the whole story, with actor, role and time.
        await login(env, page, 'agent1');
        await page.goto(`${env.url}/#/cases/${c.caseId}`);
        await page.locator('main h1', {hasText: c.caseId}).waitFor();
        const entries = page.locator('ol.timeline > li');
        const actions = await entries.evaluateAll((els) => els.map((el) => el.dataset.action));
        assert.deepEqual(actions, ['submit', 'approve', 'ship_return', 'receive', 'refund_issued']);
        const roles = await page.locator('ol.timeline .entry-meta').allTextContents();
        for (const [i, role] of ['Integration', 'Agent', 'Integration', 'Warehouse', 'Finance'].entries()) {
          assert.ok(roles[i].includes(role), `entry ${i} names the role ${role}: ${roles[i]}`);
          assert.match(roles[i], /\d{2}:\d{2}/, 'entry has a time');
        }
        assert.ok(roles[1].includes('You (agent1)'));
        await page.locator('ol.timeline').getByText('ALIPAY-UI-0001').waitFor();
        await page.locator('.case-side').getByText('There is nothing for you to do on a case in the state “Refunded”.').waitFor();
        await shot(env, page, 'case-history', {fullPage: true});
      });
    },
  },
  {
    name: 'a manager sees the dashboard charts, decides an arbitration and verifies the audit chain',
    async run(env) {
      await withBrowser(env, {}, async (page) => {
        await login(env, page, 'manager');
        await expectHeading(page, 'Dashboard');
        await page.locator('canvas').nth(2).waitFor();
        assert.equal(await page.locator('canvas').count(), 3);
        await page.getByText('Open cases', {exact: true}).waitFor();
        await shot(env, page, 'dashboard');

        await page.locator('nav').getByRole('link', {name: 'Arbitration'}).click();
        await expectHeading(page, 'Arbitration');
        await page.getByRole('link', {name: 'Decide'}).first().click();
        const form = page.locator('form.action-arbitrate');
        await form.waitFor();
        await page.locator('ol.timeline > li').first().waitFor();
        await shot(env, page, 'arbitration');
        await form.getByLabel('Uphold the rejection').check();
        await form.getByLabel('Note').fill('Photos show normal wear.');
        await form.getByRole('button', {name: 'Record the decision'}).click();
        await expectHeading(page, 'Arbitration');
        await page.getByText('Arbitrate: done. The case is now “Closed”.').waitFor();

        await page.locator('nav').getByRole('link', {name: 'Audit log'}).click();
        await expectHeading(page, 'Audit log');
        await page.locator('table.data tbody tr').first().waitFor();
        await page.getByRole('button', {name: 'Verify chain'}).click();
        await page.getByText('The audit chain is intact.').waitFor();
        await shot(env, page, 'audit');
      });
    },
  },
  {
    name: 'an admin creates a user (token shown once), reads the policy and adds a webhook',
    async run(env) {
      await withBrowser(env, {}, async (page) => {
        await login(env, page, 'admin');
        await expectHeading(page, 'Users');
        await page.getByRole('cell', {name: /agent1/}).first().waitFor();
        const form = page.locator('form.form-grid');
        await form.getByLabel('Name').fill('agent9');
        await form.getByLabel('Role').selectOption('agent');
        await form.getByLabel('Approval limit (CNY)').fill('150.00');
        await form.getByRole('button', {name: 'Create user'}).click();
        await page.getByText('User agent9 created.').waitFor();
        const token = await page.getByLabel('API token').inputValue();
        assert.match(token, /^as_[0-9a-f]+$/);
        await page.getByRole('cell', {name: /agent9/}).waitFor();
        await shot(env, page, 'users');
        await page.getByRole('link', {name: 'Policy'}).click();
        await expectHeading(page, 'Policy');
        await page.getByText('No-reason return window').waitFor();
        await page.getByRole('link', {name: 'Webhooks'}).click();
        await expectHeading(page, 'Webhooks');
        const hook = page.locator('form.form-grid');
        await hook.getByLabel('URL').fill('http://127.0.0.1:9/aftersales-hook');
        await hook.getByRole('button', {name: 'Add webhook'}).click();
        await hook.getByText('Required.').waitFor();
        await hook.getByRole('button', {name: 'Generate'}).click();
        await hook.getByRole('button', {name: 'Add webhook'}).click();
        await page.getByText('Webhook for http://127.0.0.1:9/aftersales-hook added.').waitFor();
        await page.getByRole('cell', {name: /127\.0\.0\.1:9\/aftersales-hook/}).waitFor();
        await page.getByRole('button', {name: 'Deliveries'}).first().click();
        await page.getByRole('heading', {name: /Deliveries to/}).waitFor();
        await shot(env, page, 'webhooks');
      });
    },
  },
  {
    name: 'the language switch changes every label, and a case goes to refunded in Chinese',
    async run(env) {
      const c = await newCase(env, {type: 'refund_only'});
      await withBrowser(env, {}, async (page) => {
        await login(env, page, 'agent1');
        await expectHeading(page, 'Work queue');
        await page.getByLabel('Language').selectOption('zh');
        await expectHeading(page, '工作队列');
        await page.getByRole('button', {name: '退出登录'}).waitFor();
        await page.getByRole('link', {name: '全部售后单'}).click();
        await page.waitForURL(/view=all/);
        assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
        // All cases is one table; "my work", shown until it has loaded, has two.
        await page.waitForFunction(() => document.querySelectorAll('table.data').length === 1 &&
            [...document.querySelectorAll('table.data th')].some((th) => th.textContent.trim() === '最近截止'));
        const headers = await page.locator('table.data th').allTextContents();
        assert.ok(headers.includes('状态') && headers.includes('最近截止'), headers.join(','));
        await shot(env, page, 'queue-zh');

        await openFromQueue(page, env, c, 'zh');
        await page.locator('.summary, main').getByText('仅退款').first().waitFor();
        const approve = await submitAction(page, 'approve', '同意');
        await approve.submit();
        await page.getByText('同意：已完成。售后单现为“退款中”。').waitFor();
        await logout(page, 'zh');

        await login(env, page, 'finance', 'zh');
        await expectHeading(page, '退款');
        const row = page.locator('tr', {has: page.getByRole('link', {name: c.caseId})});
        await row.getByRole('link', {name: '退款成功'}).click();
        const refund = page.locator('form.action-refund_issued');
        await refund.getByLabel('支付流水号').fill('WXPAY-UI-0002');
        await refund.getByRole('button', {name: '退款成功'}).click();
        await page.getByText('退款成功：已完成。售后单现为“已退款”。').waitFor();

        await page.getByRole('heading', {name: '待确认的退款'}).waitFor();
        await page.goto(`${env.url}/#/cases/${c.caseId}`);
        await page.locator('ol.timeline > li').nth(2).waitFor();
        const actions = await page.locator('ol.timeline .entry-action').allTextContents();
        assert.deepEqual(actions, ['提交申请', '已同意', '退款成功']);
        await page.getByLabel('语言').selectOption('en');
        await expectHeading(page, `Case ${c.caseId}`);
        await page.locator('ol.timeline .entry-action', {hasText: 'Refund issued'}).waitFor();
      });
    },
  },
  {
    name: 'a supervisor assigns a case to themselves and comments on it',
    async run(env) {
      const c = await newCase(env);
      await withBrowser(env, {}, async (page) => {
        await login(env, page, 'supervisor');
        await page.goto(`${env.url}/#/cases/${c.caseId}`);
        const assign = await submitAction(page, 'assign', 'Assign');
        await assign.form.getByLabel('Assign to').selectOption({label: 'You (supervisor)'});
        await assign.submit();
        await page.getByText('Assign: done.', {exact: true}).waitFor();
        await page.locator('.details dd', {hasText: 'You (supervisor)'}).waitFor();
        const comment = page.locator('form.action-comment');
        await comment.getByRole('button', {name: 'Add comment'}).click();
        await comment.getByText('Required.').waitFor();
        await comment.getByLabel('Comment').fill('Called the buyer: photos follow tomorrow.');
        await comment.getByRole('button', {name: 'Add comment'}).click();
        await page.locator('ol.timeline').getByText('Called the buyer: photos follow tomorrow.').waitFor();
        await page.locator('ol.timeline li[data-action="assign"] dd', {hasText: 'You (supervisor)'}).waitFor();
        await page.goto(`${env.url}/#/queue?view=all&assignee=me&order_id=${c.orderId}`);
        await page.getByRole('link', {name: c.caseId}).waitFor();
        assert.equal(await page.getByLabel('Assignee').inputValue(), 'me');
      });
    },
  },
  {
    name: 'an offer on a compensation chooses a form, and finance issues the cash from the case page',
    async run(env) {
      orderSeq += 1;
      const orderId = `UI-C-${Date.now().toString(36)}-${orderSeq}`;
      const buyerId = `b-ui-${orderId.toLowerCase()}`;
      await api(env, 'integration', 'POST', '/orders', {
        id: orderId, buyer_id: buyerId, currency: 'CNY', placed_at: iso(72 * HOUR), delivered_at: iso(24 * HOUR), shipping_paid: 0,
        lines: [{line_id: '1', sku: 'CUP-TH-500', title: '保温杯 500ml Thermos cup', qty: 1, paid: 12900}],
      });
      const c = await api(env, 'integration', 'POST', '/cases', {
        order_id: orderId, buyer_id: buyerId, type: 'compensation', reason: 'missing_gift', compensation: {form: 'voucher'}, requested_amount: 1000,
      });
      await withBrowser(env, {}, async (page) => {
        await login(env, page, 'agent1');
        await page.goto(`${env.url}/#/cases/${c.id}`);
        const offer = await submitAction(page, 'offer', 'Make an offer');
        assert.equal(await offer.form.getByLabel('Goods must be returned').count(), 0);
        await offer.form.getByLabel('Amount').fill('10');
        await offer.form.getByLabel('Form').selectOption('cash');
        await offer.submit();
        await page.getByText('Make an offer: done. The case is now “Negotiating”.').waitFor();
        await logout(page);
        await api(env, 'integration', 'POST', `/cases/${c.id}/actions/accept_offer`, {});
        await login(env, page, 'finance');
        await page.goto(`${env.url}/#/cases/${c.id}`);
        await page.locator('main h1 + .page-tools .badge', {hasText: 'Compensation to issue'}).waitFor();
        const issue = await submitAction(page, 'issue_compensation', 'Issue compensation');
        await issue.form.getByLabel('Payment reference').fill('PAY-UI-C1');
        await issue.submit();
        await page.getByText('Issue compensation: done. The case is now “Compensated”.').waitFor();
        await page.locator('ol.timeline .entry-action', {hasText: 'Compensation issued'}).waitFor();
      });
      const done = await api(env, 'manager', 'GET', `/cases/${c.id}`);
      assert.deepEqual([done.state, done.compensation.form, done.compensation.amount, done.compensation.external_ref], ['compensated', 'cash', 1000, 'PAY-UI-C1']);
    },
  },
  {
    name: 'what users typed is shown as text, never run',
    async run(env) {
      const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const c = await newCase(env, {description: evil, evidence: ['https://img.example.com/a.jpg']});
      await api(env, 'supervisor', 'POST', `/cases/${c.caseId}/actions/comment`, {text: '<b onmouseover=alert(3)>hi</b>', visibility: 'internal'});
      await withBrowser(env, {}, async (page, watch) => {
        watch.allow(/Failed to load resource/);  // the evidence picture's host is not reachable from the tests
        await login(env, page, 'agent1');
        await page.goto(`${env.url}/#/cases/${c.caseId}`);
        const description = page.locator('.description');
        await description.waitFor();
        assert.equal(await description.textContent(), evil);
        await page.locator('ol.timeline').getByText('<b onmouseover=alert(3)>hi</b>').waitFor();
        assert.equal(await page.locator('main script, main img[src="x"], main b').count(), 0);
        assert.equal(await page.getByRole('link', {name: 'https://img.example.com/a.jpg'}).getAttribute('rel'), 'noopener noreferrer');
        await page.waitForTimeout(300);
      });
    },
  },
  {
    name: 'a change made meanwhile is shown and the case reloads (409)',
    async run(env) {
      const c = await newCase(env);
      await withBrowser(env, {}, async (page, watch) => {
        watch.allow(/status of 409/);
        await login(env, page, 'agent1');
        await page.goto(`${env.url}/#/cases/${c.caseId}`);
        const approve = await submitAction(page, 'approve', 'Approve');
        await api(env, 'agent2', 'POST', `/cases/${c.caseId}/actions/reject`, {reason_code: 'missing_evidence'});
        await approve.submit();
        const warning = page.locator('.alert-warning');
        await warning.getByText('Someone else changed this case while you were working on it.').waitFor();
        await warning.getByText('State: “Requested” → “Rejected”').waitFor();
        await page.locator('main h1 + .page-tools .badge', {hasText: 'Rejected'}).waitFor();
      });
    },
  },
  {
    name: 'a manager reads each report with the API’s figures, for a month and for all time, and downloads its CSV',
    async run(env) {
      const REPORTS = {agents: 'Team', sla: 'Deadlines', reasons: 'Reasons', warehouse: 'Warehouse', finance: 'Finance', compensation: 'Compensation'};
      await withBrowser(env, {}, async (page) => {
        await login(env, page, 'manager');
        await page.locator('nav').getByRole('link', {name: 'Reports'}).click();
        await expectHeading(page, 'Reports');
        const panel = page.locator('#report-panel');
        await panel.locator('h2', {hasText: 'Decisions and score per person'}).waitFor();
        await page.locator('#report-panel[aria-busy]').waitFor({state: 'detached'});

        // It opens on this month (UTC), on the team.
        const month = periodParams(page.url());
        assert.ok(month, `the page opens on a month: ${page.url()}`);
        await REPORT_CHECKS.agents(panel, await api(env, 'manager', 'GET', `/reports/agents?${month}`));

        // The tabs answer the arrow keys.
        await page.getByRole('tab', {name: 'Team'}).focus();
        await page.keyboard.press('ArrowRight');
        assert.equal(await page.getByRole('tab', {name: 'Deadlines'}).getAttribute('aria-selected'), 'true');
        assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Deadlines');
        await page.locator('#report-panel[aria-busy]').waitFor({state: 'detached'});
        await REPORT_CHECKS.sla(panel, await api(env, 'manager', 'GET', `/reports/sla?${month}`));

        // A range that ends before it starts is refused in the form.
        await page.getByLabel('Period', {exact: true}).selectOption('range');
        await page.getByLabel('From (UTC day)').fill('2026-11-20');
        await page.getByLabel('To (UTC day)').fill('2026-11-10');
        await page.getByRole('button', {name: 'Show'}).click();
        await page.getByText('The end cannot be before the start.').waitFor();

        // All time: every report, its figures and its CSV.
        await page.getByLabel('Period', {exact: true}).selectOption('all');
        await page.waitForURL(/period=all/);
        await page.locator('.report-period', {hasText: exactly('All time')}).waitFor();
        for (const [name, tab] of Object.entries(REPORTS)) {
          await openReport(page, tab);
          const data = await api(env, 'manager', 'GET', `/reports/${name}`);
          assert.ok(await REPORT_CHECKS[name](panel, data), `the demo gives the ${name} report figures`);
          if (name === 'agents') await shot(env, page, 'reports');
          if (name === 'compensation') await shot(env, page, 'report-compensation');
          const csv = await fetchCsv(page);
          assert.equal(csv.status, 200, `${name} CSV`);
          assert.match(csv.type, /^text\/csv/, `${name} CSV type`);
          const lines = csvLines(csv.text);
          const items = csvItems(data);
          assert.equal(lines.length, items.length + 1, `${name} CSV: a header and one line per item`);
          assert.ok(lines[0].split(',').includes(Object.keys(items[0])[0]), `${name} CSV header: ${lines[0]}`);
        }

        // In Chinese.
        await page.getByLabel('Language').selectOption('zh');
        await expectHeading(page, '报表');
        for (const tab of ['团队', '时限', '原因', '仓库', '财务', '补偿']) await page.getByRole('tab', {name: tab, exact: true}).waitFor();
        await page.getByRole('button', {name: '下载 CSV'}).waitFor();
        await page.locator('#report-panel table.data th', {hasText: '已补偿'}).waitFor();
        await page.locator('#report-panel table.data td', {hasText: '系统（延迟发货）'}).first().waitFor();
        await openReport(page, '财务');
        await page.locator('#report-panel table.data th', {hasText: '已退款单数'}).waitFor();
        await openReport(page, '仓库');
        await page.locator('.shipping-tiles .tile-label', {hasText: '超时率'}).waitFor();
      });
      await withBrowser(env, {viewport: PHONE}, async (page) => {
        await login(env, page, 'manager');
        const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
        await page.goto(`${env.url}/#/reports?tab=reasons&period=all`);
        await page.locator('#report-panel table.data').first().waitFor();
        assert.ok(await fits(), 'the reports fit the phone width');
        await page.goto(`${env.url}/#/scorecard`);
        await page.locator('main table.data').first().waitFor();
        assert.ok(await fits(), 'the scorecard fits the phone width');
      });
    },
  },
  {
    name: 'the scorecard ranks the team with the API’s points, and each of a person’s events is an audit entry',
    async run(env) {
      await withBrowser(env, {}, async (page) => {
        await login(env, page, 'manager');
        await page.locator('nav').getByRole('link', {name: 'Scorecard'}).click();
        await expectHeading(page, 'Scorecard');
        const main = page.locator('main');
        const rows = await tableRows(main, 'Team ranking');
        const period = await page.getByLabel('Month (UTC)').inputValue();
        const team = await api(env, 'manager', 'GET', `/reports/scorecard?period=${period}`);
        assert.equal(team.period, period);
        assertFigures(rows, team.items, {rank: fmtCount, user_id: null, points: fmtSigned, band: null, events: fmtCount}, 'scorecard');
        team.items.forEach((item, i) => {
          for (const k of item.by_kind) {
            const cell = rows[i][`kind-${k.kind}`];
            assert.equal(cell.value, String(k.count), `${item.user_id} ${k.kind}`);
            assert.ok(cell.text.includes(`(${fmtSigned(k.points)})`), `${item.user_id} ${k.kind} points: ${cell.text}`);
          }
        });
        // The points the response used, and the bands.
        for (const [kind, n] of Object.entries(team.points)) {
          assert.equal(await page.locator(`.points-table li[data-kind="${kind}"] .points`).textContent(), fmtSigned(n), kind);
        }
        await page.locator('.points-table', {hasText: 'SLA breach'}).waitFor();
        for (const band of ['Bonus', 'Normal', 'Review']) await page.locator('.bands .badge', {hasText: band}).waitFor();
        const csv = await fetchCsv(page);
        assert.equal(csv.status, 200);
        assert.match(csv.type, /^text\/csv/);
        const lines = csvLines(csv.text);
        assert.equal(lines.length, team.items.length + 1, 'scorecard CSV: a header and one line per person');
        assert.match(lines[0], /^rank,user_id,/);
        await shot(env, page, 'scorecard');

        // One person: every scored event, each from an audit entry.
        const person = team.items.find((i) => i.events > 0);
        assert.ok(person, `nobody has a scored event in ${period}`);
        await main.locator('a.person-link', {hasText: exactly(person.name)}).click();
        await page.waitForURL(/user_id=/);
        const detail = page.locator('#person');
        await detail.locator('h2', {hasText: person.name}).waitFor();
        const mine = await api(env, 'manager', 'GET', `/reports/scorecard?period=${period}&user_id=${encodeURIComponent(person.user_id)}`);
        assert.equal(mine.items.length, 1);
        const events = mine.event_list;  // docs/reports.md: the answer with that one item lists event_list
        assert.ok(Array.isArray(events), 'the answer lists event_list');
        assert.ok(events.length > 0, 'the person has scored events');
        assert.equal(events.reduce((s, e) => s + e.points, 0), mine.items[0].points, 'the events add up to the points');
        const eventRows = await tableRows(detail, 'Every scored event');
        assertFigures(eventRows, events, {seq: (v) => `#${v}`, case_id: (v) => v, kind: null, points: fmtSigned}, 'events');
        for (const e of events.slice(0, 25)) {
          const entry = (await api(env, 'manager', 'GET', `/audit?after_seq=${e.seq - 1}&limit=1`)).items[0];
          assert.ok(entry && entry.seq === e.seq, `audit entry ${e.seq} exists`);
          assert.equal(entry.case_id, e.case_id, `audit entry ${e.seq} is of case ${e.case_id}`);
        }
        // The entry number opens the audit log on that case.
        const first = events[0];
        await detail.getByRole('link', {name: `Audit entry ${first.seq}`, exact: true}).click();
        await expectHeading(page, 'Audit log');
        assert.equal(await page.getByLabel('Case', {exact: true}).inputValue(), first.case_id);
        await page.locator('table.data tbody td[data-label="No."]', {hasText: exactly(String(first.seq))}).waitFor();
        await page.goBack();
        await detail.getByRole('link', {name: first.case_id}).first().click();
        await expectHeading(page, `Case ${first.case_id}`);

        await page.getByLabel('Language').selectOption('zh');
        await page.goto(`${env.url}/#/scorecard`);
        await expectHeading(page, '绩效考核');
        await page.getByRole('heading', {name: '积分规则'}).waitFor();
        await page.locator('.points-table', {hasText: '超时'}).waitFor();
      });
    },
  },
  {
    name: 'a flagged case shows a risk badge in the queue and on its page, and “only flagged” lists only flagged cases',
    async run(env) {
      const SIGNAL_WORDS = {cases: 'Cases', refund_only_cases: 'Refund-only cases', refunded_amount: 'Refunded', orders: 'Orders', return_rate_percent: 'Return rate'};
      const flagged = await api(env, 'supervisor', 'GET', '/cases?risk=flagged&limit=200');
      assert.ok(flagged.items.length > 0, 'the demo database holds no flagged case');
      assert.ok(flagged.items.every((c) => c.risk && c.risk.flagged), 'GET /cases?risk=flagged lists only flagged cases');
      await withBrowser(env, {}, async (page) => {
        await login(env, page, 'supervisor');
        await expectHeading(page, 'Work queue');
        await page.goto(`${env.url}/#/queue?view=all`);
        await page.locator('table.data tbody tr').first().waitFor();
        if (!(await page.locator('.badge-risk').count())) {
          // No flagged case among the open ones: look at every state.
          await page.getByLabel('State').selectOption('all');
          await page.locator('table.data tbody tr').first().waitFor();
        }
        const sent = page.waitForRequest((r) => r.url().includes('/api/v1/cases?') && r.url().includes('risk=flagged'));
        await page.getByLabel('Only flagged (risk)').check();
        const search = new URL((await sent).url()).search;
        await page.waitForURL(/risk=flagged/);
        const expected = (await api(env, 'supervisor', 'GET', `/cases${search}`)).items;
        assert.ok(expected.length > 0, `no flagged case in the queue (${search})`);
        await page.getByText(`Cases shown: ${expected.length}`).waitFor();
        const rows = page.locator('table.data tbody tr');
        assert.equal(await rows.count(), expected.length);
        assert.equal(await rows.filter({has: page.locator('.badge-risk')}).count(), expected.length, 'every row has the badge');
        for (const c of expected) await page.getByRole('link', {name: c.id, exact: true}).waitFor();
        const c = expected[0];
        const row = rows.filter({has: page.getByRole('link', {name: c.id, exact: true})});
        const title = await row.locator('.badge-risk').getAttribute('title');
        assert.equal(await row.locator('.badge-risk').evaluate((el) => el.firstChild.textContent), 'Risk');
        for (const reason of c.risk.reasons) assert.ok(title.includes(SIGNAL_WORDS[reason]), `the badge names ${reason}: ${title}`);

        // Without the filter, cases that are not flagged have no badge.
        await page.getByLabel('Only flagged (risk)').uncheck();
        await page.waitForURL((u) => !u.hash.includes('risk=flagged'));
        await page.locator('table.data tbody tr').first().waitFor();
        const all = (await api(env, 'supervisor', 'GET', `/cases${search.replace(/&?risk=flagged/, '')}`)).items;
        await page.getByText(`Cases shown: ${all.length}`).waitFor();
        assert.equal(await page.locator('table.data .badge-risk').count(), all.filter((x) => x.risk && x.risk.flagged).length);

        // The case page: the badge and the signals.
        await page.goto(`${env.url}/#/cases/${c.id}`);
        await expectHeading(page, `Case ${c.id}`);
        await page.locator('.page-tools .badge-risk').waitFor();
        const card = page.locator('.card-risk');
        await card.getByRole('heading', {name: 'Risk: the buyer’s history'}).waitFor();
        for (const [signal, value] of Object.entries(c.risk.signals)) {
          const dd = card.locator('dt', {hasText: exactly(SIGNAL_WORDS[signal])}).locator('xpath=following-sibling::dd[1]');
          const text = await dd.textContent();
          if (signal !== 'refunded_amount') assert.ok(text.includes(fmtCount(value)), `${signal}: ${text}`);
          assert.equal(text.includes('threshold reached'), c.risk.reasons.includes(signal), `${signal} reached: ${text}`);
        }
        await page.getByLabel('Language').selectOption('zh');
        await page.locator('.page-tools .badge-risk', {hasText: '风险'}).waitFor();
        await page.goto(`${env.url}/#/queue?view=all&risk=flagged&state=all`);
        await page.getByLabel('只看风险单').waitFor();
        assert.equal(await page.getByLabel('只看风险单').isChecked(), true);
      });
    },
  },
  {
    name: 'phone width: no sideways scrolling, and the keyboard reaches the forms',
    async run(env) {
      await withBrowser(env, {viewport: PHONE}, async (page) => {
        await page.goto(`${env.url}/#/login`);
        await expectHeading(page, 'Log in');
        // Keyboard only: the name field has focus; Tab moves to the password.
        await page.keyboard.type('supervisor');
        await page.keyboard.press('Tab');
        await page.keyboard.type(env.logins.supervisor.password);
        await page.keyboard.press('Enter');
        await expectHeading(page, 'Work queue');
        await page.goto(`${env.url}/#/queue?view=all`);
        await page.locator('table.data tbody tr').first().waitFor();
        const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
        assert.ok(await fits(), 'the queue fits the phone width');
        await shot(env, page, 'phone-queue');
        const c = env.shared.flowCase;
        if (c) {
          await page.goto(`${env.url}/#/cases/${c.caseId}`);
          await page.locator('ol.timeline > li').first().waitFor();
          assert.ok(await fits(), 'the case page fits the phone width');
        }
        await page.goto(`${env.url}/#/queue?view=all`);
        await page.locator('table.data tbody tr').first().waitFor();
        // Every form control has a label.
        const unlabelled = await page.evaluate(() =>
          [...document.querySelectorAll('input, select, textarea')].filter((el) => !el.labels || el.labels.length === 0).map((el) => el.outerHTML),
        );
        assert.deepEqual(unlabelled, []);
      });
    },
  },
];
