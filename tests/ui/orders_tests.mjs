// Browser tests of the pages of SPEC §10 and §11: the warehouse's orders to
// ship (发货监督) and finance's compensations to issue (赔偿凭证), each flow
// in English and in Chinese. Run with the other tests by
// run_browser_tests.mjs; the same `env` and helpers. Orders are created
// through the API as the shop's integration, each with a buyer of its own.
import assert from 'node:assert/strict';
import {withBrowser, login, logout, expectHeading, shot, api, exactly, HOUR, iso} from './ui_tests.mjs';

const ZH = {locale: 'zh-CN'};
const WORDS = {
  en: {
    orders: 'Orders to ship', late: 'Late', ship: 'Ship', carriers: {SF: 'SF Express', JD: 'JD Logistics', ZTO: 'ZTO Express'}, tracking: 'Tracking number', refunds: 'Refunds',
    toIssue: /^Compensations to issue/, voucherCode: 'Voucher code', lateShipment: 'Shipped late', voucher: 'Voucher',
    onlyLate: 'Only late orders', shipBefore: 'Ship by before', apply: 'Apply',
  },
  zh: {
    orders: '发货监督', late: '已超时', ship: '发货', carriers: {SF: '顺丰速运', JD: '京东物流', ZTO: '中通快递'}, tracking: '运单号', refunds: '退款',
    toIssue: /^待发放补偿/, voucherCode: '券码', lateShipment: '延迟发货', voucher: '优惠券',
    onlyLate: '只看已超时', shipBefore: '发货截止早于', apply: '筛选',
  },
};

let seq = 0;
function uniqueId(prefix, lang) {
  seq += 1;
  return `${prefix}-${lang}-${Date.now().toString(36)}-${seq}`.toUpperCase();
}

// An unshipped order paid `paidAgo` ms ago, to ship by `shipBy` (ISO).
async function unshippedOrder(env, {prefix, lang, shipBy, lines}) {
  const id = uniqueId(prefix, lang);
  const buyerId = `b-${id.toLowerCase()}`;
  const paid = iso(30 * HOUR);
  await api(env, 'integration', 'POST', '/orders', {
    id, buyer_id: buyerId, currency: 'CNY', placed_at: paid, paid_at: paid, ship_by: shipBy, delivered_at: null, shipping_paid: 0, lines,
  });
  return {id, buyerId};
}

// SPEC §10.4: min(max(floor(T × percent / 100), min), max), T the paid
// amount of the units unshipped at ship_by (per line floor(paid × unshipped ÷ qty)).
function lateCompensation(rule, lines, unshipped = (l) => l.qty) {
  const late = lines.reduce((sum, l) => sum + Math.floor((l.paid * unshipped(l)) / l.qty), 0);
  return Math.min(Math.max(Math.floor((late * rule.percent) / 100), rule.min), rule.max);
}

// "YYYY-MM-DD HH:mm" in the browsers' time zone (Asia/Shanghai, UTC+8).
function shanghai(d) {
  return new Date(d.getTime() + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');
}

function cny(fen) {
  return `¥${(fen / 100).toFixed(2)}`;
}

function orderRow(page, id) {
  return page.locator(`tr[data-order-id="${id}"]`);
}

// Opens the ship form of order `id` and fills carrier and tracking number.
async function openShipForm(page, id, w, {carrier, tracking}) {
  await orderRow(page, id).getByRole('button', {name: w.ship, exact: true}).click();
  const form = page.locator(`form.ship-form[data-order-id="${id}"]`);
  await form.waitFor();
  // Carriers are chosen by their names in the page's language, sent as codes.
  await form.locator('select[name=carrier]').selectOption({label: w.carriers[carrier]});
  await form.getByLabel(w.tracking).fill(tracking);
  return form;
}

export const ORDERS_TESTS = [
  {
    name: 'a late order becomes an issued voucher, in both languages',
    async run(env) {
      const {policy} = await api(env, 'manager', 'GET', '/policy');
      const rule = policy.fulfilment.late_compensation;
      for (const lang of ['en', 'zh']) {
        const w = WORDS[lang];
        const lines = [{line_id: '1', sku: 'CUP-TH-500', title: '保温杯 500ml Thermos cup', qty: 2, paid: 25800}];
        // Created after its ship_by: breached at once, and the system's late
        // compensation waits in `compensating` (SPEC §10.4, v3.1).
        const order = await unshippedOrder(env, {prefix: 'LATE', lang, shipBy: iso(2 * HOUR), lines});
        const expected = lateCompensation(rule, lines);
        assert.equal(expected, 1290, '5 % of ¥258.00');
        const found = await api(env, 'finance', 'GET', `/cases?order_id=${order.id}`);
        assert.equal(found.items.length, 1);
        const comp = found.items[0];
        assert.deepEqual([comp.type, comp.state, comp.reason, comp.agreed_amount], ['compensation', 'compensating', 'late_shipment', expected]);

        await withBrowser(env, lang === 'zh' ? ZH : {}, async (page) => {
          // The warehouse sees it late, with its compensation case, and ships it.
          await login(env, page, 'warehouse', lang);
          await page.locator('nav').getByRole('link', {name: w.orders}).click();
          await expectHeading(page, w.orders);
          await page.getByLabel(w.onlyLate).check();
          const row = orderRow(page, order.id);
          await row.waitFor();
          await row.locator('.badge-danger', {hasText: exactly(w.late)}).waitFor();
          assert.match(await row.locator('time.countdown').textContent(), lang === 'en' ? /^overdue by / : /^逾期 /);
          await row.getByRole('link', {name: comp.id}).waitFor();
          const tracking = `SF${lang.toUpperCase()}${Date.now() % 1000000000}`;
          const form = await openShipForm(page, order.id, w, {carrier: 'SF', tracking});
          assert.equal(await form.locator('input[type=number]').inputValue(), '2', 'every unit to ship by default');
          if (lang === 'en') await shot(env, page, 'orders-to-ship');
          await form.getByRole('button', {name: w.ship, exact: true}).click();
          await page.getByText(lang === 'en' ? `Order ${order.id} shipped in full (tracking number ${tracking}).` : `订单 ${order.id} 已全部发货（运单号 ${tracking}）。`).waitFor();
          assert.equal(await orderRow(page, order.id).count(), 0, 'a shipped order leaves the list');
          const shipped = await api(env, 'warehouse', 'GET', `/orders/${order.id}`);
          assert.equal(shipped.shipment_status, 'shipped');
          assert.deepEqual(shipped.shipments.map((s) => [s.carrier, s.tracking_no]), [['SF', tracking]]);
          await logout(page, lang);

          // Finance issues it as a voucher from the case page.
          await login(env, page, 'finance', lang);
          await expectHeading(page, w.refunds);
          const card = page.locator('section.card', {has: page.getByRole('heading', {name: w.toIssue})});
          const compRow = card.locator(`tr[data-case-id="${comp.id}"]`);
          await compRow.waitFor();
          await compRow.locator('td[data-key="amount"]', {hasText: exactly(cny(expected))}).waitFor();
          await compRow.locator('td[data-key="reason"]', {hasText: exactly(w.lateShipment)}).waitFor();
          await compRow.locator('td[data-key="form"]', {hasText: exactly(w.voucher)}).waitFor();
          if (lang === 'en') {
            await compRow.scrollIntoViewIfNeeded();
            await shot(env, page, 'compensations-to-issue');
          }
          await compRow.locator('a[href*="action=issue_compensation"]').click();
          const issue = page.locator('form.action-issue_compensation');
          await issue.waitFor();
          const code = `LATE-${lang.toUpperCase()}-${Date.now() % 100000000}`;
          await issue.getByLabel(w.voucherCode).fill(code);
          // In Chinese a validity is given (a time after now); in English the default.
          const until = new Date(Math.floor((Date.now() + 30 * 24 * HOUR) / 60000) * 60000);
          if (lang === 'zh') await issue.getByLabel('有效期至').fill(shanghai(until));
          await issue.locator('button[type=submit]').first().click();
          await expectHeading(page, w.refunds);
          await card.waitFor();
          assert.equal(await card.locator(`tr[data-case-id="${comp.id}"]`).count(), 0, 'an issued compensation leaves the list');
          const after = await api(env, 'finance', 'GET', `/cases/${comp.id}`);
          assert.equal(after.state, 'compensated');
          assert.equal(after.compensation.voucher_code, code);
          assert.equal(after.compensated_amount, expected);
          assert.ok(after.compensation.issued_at, 'issued');
          if (lang === 'zh') assert.equal(after.compensation.expires_at, until.toISOString().replace(/\.\d{3}Z$/, 'Z'));
          else assert.ok(Date.parse(after.compensation.expires_at) > Date.now() + 80 * 24 * HOUR, 'the policy’s validity by default');
          await logout(page, lang);

          // The buyer reads the voucher code on the case.
          const buyerName = `buyer-${order.id.toLowerCase()}`.slice(0, 60);
          const password = `pw-${order.id.toLowerCase()}`;
          const buyer = await api(env, 'admin', 'POST', '/users', {name: buyerName, role: 'buyer', external_id: order.buyerId, password});
          env.logins[buyerName] = {role: 'buyer', password, token: buyer.token};
          await login(env, page, buyerName, lang);
          await page.goto(`${env.url}/#/cases/${comp.id}`);
          await page.locator('.voucher-code', {hasText: exactly(code)}).waitFor();
          await page.locator('.details dd', {hasText: exactly(cny(expected))}).first().waitFor();
        });
      }
    },
  },
  {
    name: 'orders to ship: countdown, partial shipment, problem in the page’s language',
    async run(env) {
      for (const lang of ['en', 'zh']) {
        const w = WORDS[lang];
        const lines = [
          {line_id: '1', sku: 'CUP-TH-500', title: '保温杯 500ml Thermos cup', qty: 2, paid: 25800},
          {line_id: '2', sku: 'LID-500', title: '杯盖 Lid', qty: 1, paid: 3900},
        ];
        const order = await unshippedOrder(env, {prefix: 'SHIP', lang, shipBy: iso(-40 * HOUR), lines});
        await withBrowser(env, lang === 'zh' ? ZH : {}, async (page, watch) => {
          watch.allow(/status of 422/);
          await login(env, page, 'warehouse', lang);
          await page.goto(`${env.url}/#/orders`);
          await expectHeading(page, w.orders);
          const row = orderRow(page, order.id);
          await row.waitFor();
          // A live countdown, not late.
          const countdown = row.locator('time.countdown');
          const first = await countdown.textContent();
          assert.match(first, lang === 'en' ? /^in 1d 1[56]h/ : /^剩余 1天1[56]小时/);
          assert.equal(await row.locator('.badge-danger').count(), 0, 'not late');
          // Only late orders: it is not among them.
          await page.getByLabel(w.onlyLate).check();
          await row.waitFor({state: 'detached'});
          await page.getByLabel(w.onlyLate).uncheck();
          await row.waitFor();
          // Ship by before a time: an hour from now leaves it out, three days bring it back.
          const shipBefore = page.getByLabel(w.shipBefore);
          await shipBefore.fill(shanghai(new Date(Date.now() + HOUR)));
          await page.getByRole('button', {name: w.apply, exact: true}).click();
          await row.waitFor({state: 'detached'});
          await shipBefore.fill(shanghai(new Date(Date.now() + 72 * HOUR)));
          await page.getByRole('button', {name: w.apply, exact: true}).click();
          await row.waitFor();
          assert.match(page.url(), /#\/orders\?before=/, 'the filter stays in the address');

          // One of the two cups ships; the lid waits.
          const form = await openShipForm(page, order.id, w, {carrier: 'JD', tracking: `JD${Date.now() % 1000000000}`});
          const qty = (title) => form.getByLabel(new RegExp(`^${title.replace(/[()]/g, '\\$&')}`));
          await qty(lines[0].title).fill('1');
          await qty(lines[1].title).fill('0');
          await form.getByRole('button', {name: w.ship, exact: true}).click();
          await page.getByText(lang === 'en' ? `Order ${order.id}: 1 unit(s) shipped` : `订单 ${order.id} 已部分发货 1 件`, {exact: false}).waitFor();
          const cup = row.locator('li[data-line-id="1"]');
          await cup.getByText(lang === 'en' ? '1 of 2 shipped' : '已发 1/2 件').waitFor();
          await cup.getByText(lang === 'en' ? 'To ship: 1' : '待发 1 件').waitFor();
          await row.locator('li[data-line-id="2"]').getByText(lang === 'en' ? 'To ship: 1' : '待发 1 件').waitFor();
          let now = await api(env, 'warehouse', 'GET', `/orders/${order.id}`);
          assert.deepEqual(now.lines.map((l) => [l.shipped_qty, l.to_ship_qty]), [[1, 1], [0, 1]]);
          assert.equal(now.shipment_status, 'unshipped');

          // Meanwhile the shop's system ships the other cup: the page's
          // form, opened before, asks for more than remains.
          await api(env, 'integration', 'POST', `/orders/${order.id}/shipments`, {carrier: 'SF', tracking_no: `SF${Date.now() % 1000000000}`, lines: [{line_id: '1', qty: 1}]});
          const again = await openShipForm(page, order.id, w, {carrier: 'ZTO', tracking: `ZTO${Date.now() % 1000000000}`});
          await again.getByLabel(new RegExp(`^${lines[1].title}`)).fill('0');
          await again.getByRole('button', {name: w.ship, exact: true}).click();
          const alert = again.getByRole('alert');
          await alert.locator('strong', {hasText: exactly(lang === 'en' ? 'More units than are still waiting to ship.' : '数量超过尚未发货的数量。')}).waitFor();
          if (lang === 'zh') {
            const visible = await alert.evaluate((a) => [...a.querySelectorAll('strong, li')].map((e) => e.textContent).join(' '));
            assert.doesNotMatch(visible, /quantity|unshipped/, 'no English outside the detail');
          }
          now = await api(env, 'warehouse', 'GET', `/orders/${order.id}`);
          assert.deepEqual(now.lines.map((l) => [l.shipped_qty, l.to_ship_qty]), [[2, 0], [0, 1]], 'nothing shipped by the refused request');
        });
      }
    },
  },
];
