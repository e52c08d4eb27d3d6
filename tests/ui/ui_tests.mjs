// The web UI's browser tests, run by run_browser_tests.mjs against a
// server with demo data. Each test gets `env`: {url, logins, chromium,
// executablePath, work, screenshots, shared}.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import path from 'node:path';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const DESKTOP = {width: 1280, height: 860};
const PHONE = {width: 390, height: 844};
const LABELS = {
  en: {name: 'Name', password: 'Password', login: 'Log in'},
  zh: {name: '用户名', password: '密码', login: '登录'},
};

// --- helpers ----------------------------------------------------------------

// Runs `fn(page, watch)` in a fresh Chromium profile. Console errors, page
// errors, missing translations and dialogs fail the test unless a pattern
// passed to watch.allow() matches them.
async function withBrowser(env, options, fn) {
  const {locale = 'en-US', viewport = DESKTOP} = options;
  const profile = mkdtempSync(path.join(env.work, 'profile-'));
  const context = await env.chromium.launchPersistentContext(profile, {
    executablePath: env.executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    locale,
    viewport,
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
    await fn(page, {allow: (re) => allowed.push(re)});
    const unexpected = problems.filter((p) => !allowed.some((re) => re.test(p)));
    assert.deepEqual(unexpected, [], `the browser reported problems; failed requests: ${failures.join(', ') || 'none'}`);
  } finally {
    await context.close();
    rmSync(profile, {recursive: true, force: true});
  }
}

async function login(env, page, name, lang = 'en') {
  const l = LABELS[lang];
  await page.goto(`${env.url}/#/login`);
  await page.getByLabel(l.name).fill(name);
  await page.getByLabel(l.password).fill(env.logins[name].password);
  await page.getByRole('button', {name: l.login}).click();
  await page.locator('.whoami-name').filter({hasText: name}).waitFor();
}

// Logs out and waits until the login page shows (the session is gone).
async function logout(page, lang = 'en') {
  await page.getByRole('button', {name: lang === 'en' ? 'Log out' : '退出登录'}).click();
  await page.locator('main h1', {hasText: LABELS[lang].login}).waitFor();
}

async function expectHeading(page, text) {
  await page.locator('main h1', {hasText: text}).waitFor();
}

async function shot(env, page, name, {fullPage = false} = {}) {
  if (!env.screenshots) return;
  await page.waitForTimeout(150);
  await page.screenshot({path: path.join(env.screenshots, `${name}.png`), fullPage});
}

// Calls the API as `name` (bearer token).
async function api(env, name, method, p, body) {
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

function iso(msAgo) {
  return new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const HOUR = 3600 * 1000;
let orderSeq = 0;

// A delivered one-line order and a case on it, created through the API as
// the shop's integration.
async function newCase(env, {type = 'return_refund', description, paid = 12900, evidence = []} = {}) {
  orderSeq += 1;
  const orderId = `UI-${Date.now().toString(36)}-${orderSeq}`;
  await api(env, 'integration', 'POST', '/orders', {
    id: orderId,
    buyer_id: 'b-3001',
    currency: 'CNY',
    placed_at: iso(72 * HOUR),
    delivered_at: iso(24 * HOUR),
    shipping_paid: 0,
    lines: [{line_id: '1', sku: 'CUP-TH-500', title: '保温杯 500ml Thermos cup', qty: 1, paid}],
  });
  const c = await api(env, 'integration', 'POST', '/cases', {
    order_id: orderId,
    buyer_id: 'b-3001',
    type,
    reason: 'quality_issue',
    description: description || 'The lid is cracked. 杯盖裂了。',
    evidence,
    lines: [{line_id: '1', qty: 1}],
  });
  return {orderId, caseId: c.id};
}

// Opens the queue, finds the case by its order number, opens it.
async function openFromQueue(page, env, {orderId, caseId}, lang = 'en') {
  await page.goto(`${env.url}/#/queue`);
  await page.getByLabel(lang === 'en' ? 'Order' : '订单', {exact: true}).fill(orderId);
  await page.getByText(lang === 'en' ? 'Cases shown: 1' : '显示 1 条售后单').waitFor();
  const link = page.getByRole('link', {name: caseId});
  await link.waitFor();
  await link.click();
  await page.locator('main h1', {hasText: caseId}).waitFor();
}

async function submitAction(page, action, label) {
  await page.locator(`.action-buttons button[data-action="${action}"]`).click();
  const form = page.locator(`form.action-${action}`);
  await form.waitFor();
  return {form, submit: () => form.getByRole('button', {name: label, exact: true}).click()};
}

// --- tests ------------------------------------------------------------------

export const TESTS = [
  {
    name: 'the translations of both languages have the same keys',
    async run() {
      const en = (await import('../../web/ui/js/lang/en.js')).default;
      const zh = (await import('../../web/ui/js/lang/zh.js')).default;
      assert.deepEqual(Object.keys(zh).filter((k) => !(k in en)), [], 'keys only in zh');
      assert.deepEqual(Object.keys(en).filter((k) => !(k in zh)), [], 'keys only in en');
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

        await page.getByRole('link', {name: 'Arbitration'}).click();
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

        await page.getByRole('link', {name: 'Audit log'}).click();
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
        assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
        await page.locator('table.data th', {hasText: '最近截止'}).waitFor();
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
        await assign.form.getByLabel('Assign to').selectOption('me');
        await assign.submit();
        await page.getByText('Assign: done. The case is now “Requested”.').waitFor();
        await page.locator('.details dd', {hasText: 'You (supervisor)'}).waitFor();
        const comment = page.locator('form.action-comment');
        await comment.getByRole('button', {name: 'Add comment'}).click();
        await comment.getByText('Required.').waitFor();
        await comment.getByLabel('Comment').fill('Called the buyer: photos follow tomorrow.');
        await comment.getByRole('button', {name: 'Add comment'}).click();
        await page.locator('ol.timeline').getByText('Called the buyer: photos follow tomorrow.').waitFor();
        await page.locator('ol.timeline li[data-action="assign"] dd', {hasText: 'You (supervisor)'}).waitFor();
        await page.goto(`${env.url}/#/queue?assignee=me&order_id=${c.orderId}`);
        await page.getByRole('link', {name: c.caseId}).waitFor();
        assert.equal(await page.getByLabel('Assignee').inputValue(), 'me');
      });
    },
  },
  {
    name: 'what users typed is shown as text, never run',
    async run(env) {
      const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const c = await newCase(env, {description: evil, evidence: ['https://img.example.com/a.jpg']});
      await api(env, 'supervisor', 'POST', `/cases/${c.caseId}/actions/comment`, {text: '<b onmouseover=alert(3)>hi</b>', visibility: 'internal'});
      await withBrowser(env, {}, async (page) => {
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
        await page.goto(`${env.url}/#/queue`);
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
