// Browser tests of repairs (SPEC §12) in the web UI: the repair card of the
// case page (stages, progress, attempt, warranty, the remedy choices) and
// the warehouse's "In repair" list, in English and in Chinese. Run after
// the workbench tests by run_browser_tests.mjs; the same `env` and helpers.
// Each case has a buyer of its own, who logs in with a password of their
// own (created here by the admin): buyers act in the UI as themselves.
import assert from 'node:assert/strict';
import {withBrowser, login, logout, expectHeading, shot, api, newCase} from './ui_tests.mjs';
import EN from '../../web/ui/js/lang/en.js';
import ZH_WORDS from '../../web/ui/js/lang/zh.js';

const ZH = {locale: 'zh-CN'};
const WORDS = {en: EN, zh: ZH_WORDS};
let seq = 0;

// A repair case (reason quality_issue, no money asked) on a delivered
// one-line order of a buyer of its own (newCase), and a login for that
// buyer (name → env.logins, as the demo's logins).
async function repairCase(env) {
  seq += 1;
  const {orderId, caseId} = await newCase(env, {type: 'repair', orderPrefix: 'RP', description: 'Left earbud silent. 左耳没有声音。'});
  const buyerId = (await api(env, 'agent1', 'GET', `/cases/${caseId}`)).buyer_id;
  const name = `rp-buyer-${Date.now().toString(36)}-${seq}`;
  const password = `repair-${seq}-${Date.now() % 100000}-pw`;
  const created = await api(env, 'admin', 'POST', '/users', {name, role: 'buyer', external_id: buyerId, password});
  env.logins[name] = {role: 'buyer', password, token: created.token};
  return {orderId, buyerId, buyer: name, caseId};
}

// Another repair of line 1 of the order, submitted for its buyer by the
// storefront.
async function submitRepair(env, o) {
  const c = await api(env, 'integration', 'POST', '/cases', {
    order_id: o.orderId,
    buyer_id: o.buyerId,
    type: 'repair',
    reason: 'quality_issue',
    description: 'It broke again. 又坏了。',
    lines: [{line_id: '1', qty: 1}],
  });
  return c.id;
}

const act = (env, who, id, action, body = {}) => api(env, who, 'POST', `/cases/${id}/actions/${action}`, body);

// A repair carried through the API to `repairing`.
async function toRepairing(env, o, id) {
  await act(env, 'agent2', id, 'approve');
  await act(env, 'integration', id, 'ship_return', {carrier: 'SF', tracking_no: `SF9${Date.now() % 100000000}`});
  await act(env, 'warehouse', id, 'receive', {result: 'pass'});
  return id;
}

// The state badge of the case page's header.
function stateOf(page) {
  return page.locator('main h1 + .page-tools .badge');
}

async function waitState(page, w, state) {
  await stateOf(page).filter({hasText: w[`state.${state}`]}).waitFor();
}

async function currentStep(page) {
  return page.locator('.repair-steps li[aria-current="step"]').getAttribute('data-step');
}

// The form an action link of a list opened (…?action=<a>&back=warehouse).
async function openedForm(page, action) {
  const form = page.locator(`form.action-${action}`);
  await form.waitFor();
  return form;
}

// The warehouse's "In repair" list (its title without the count), and the
// row of a case in it.
function workshop(page, w) {
  return page.locator('section.card', {has: page.locator('h2', {hasText: w['repair.workshop'].split('{n}')[0]})});
}

function workshopRow(page, w, caseId) {
  return workshop(page, w).locator('tr', {has: page.getByRole('link', {name: caseId, exact: true})});
}

// Asserts that `text` holds `parts` in this order.
function inOrder(text, parts) {
  let at = 0;
  for (const part of parts) {
    const i = text.indexOf(part, at);
    assert.ok(i >= 0, `“${part}” after position ${at} of “${text}”`);
    at = i + part.length;
  }
}

// The warehouse posts a progress note from its "In repair" list.
async function postProgress(page, env, w, caseId, status, note) {
  await page.goto(`${env.url}/#/warehouse`);
  const row = workshopRow(page, w, caseId);
  await row.getByRole('link', {name: w['action.repair_update']}).click();
  const form = await openedForm(page, 'repair_update');
  await form.getByLabel(w[`repair_status.${status}`], {exact: true}).check();
  await form.getByLabel(w['field.note']).fill(note);
  await form.getByRole('button', {name: w['action.repair_update'], exact: true}).click();
  await expectHeading(page, w['nav.warehouse']);
}

export const REPAIR_TESTS = [
  {
    name: 'a repair is carried to repaired through the UI, in both languages',
    async run(env) {
      for (const lang of ['en', 'zh']) {
        const w = WORDS[lang];
        const o = await repairCase(env);
        const caseId = o.caseId;
        const internal = `Internal: check the batch ${o.orderId}. 内部：核对批次。`;
        await act(env, 'agent1', caseId, 'comment', {text: internal, visibility: 'internal'});
        const notes = lang === 'en'
          ? ['The battery contact is corroded.', 'New battery contact fitted; tested for 2 hours.']
          : ['电池触点氧化。', '已更换电池触点，连续测试 2 小时正常。'];
        const tracking = `SF${lang === 'en' ? 7 : 8}${Date.now() % 100000000}`;
        await withBrowser(env, lang === 'zh' ? ZH : {}, async (page) => {
          // The agent approves the repair: the buyer is to send the item in.
          await login(env, page, 'agent1', lang);
          await page.goto(`${env.url}/#/cases/${caseId}`);
          await page.getByRole('heading', {name: w['repair.title'], exact: true}).waitFor();
          assert.equal(await currentStep(page), 'submitted');
          await page.locator('.repair').getByText(w['repair.attempt_unknown']).waitFor();
          await page.locator('.action-buttons button[data-action="approve"]').click();
          await page.locator('form.action-approve').getByRole('button', {name: w['action.approve'], exact: true}).click();
          await waitState(page, w, 'awaiting_return');
          assert.equal(await currentStep(page), 'returning');
          await logout(page, lang);

          // The buyer ships it, in the UI as themselves.
          await login(env, page, o.buyer, lang);
          await page.goto(`${env.url}/#/cases/${caseId}`);
          await page.locator('.action-buttons button[data-action="ship_return"]').click();
          const ship = page.locator('form.action-ship_return');
          await ship.locator('select[name=carrier]').selectOption('SF');
          await ship.getByLabel(w['field.tracking_no']).fill(tracking);
          await ship.getByRole('button', {name: w['action.ship_return'], exact: true}).click();
          await waitState(page, w, 'return_in_transit');
          await logout(page, lang);

          // The warehouse receives it from its page, and it goes into repair.
          await login(env, page, 'warehouse', lang);
          await page.goto(`${env.url}/#/warehouse`);
          const inTransit = page.locator('tr', {has: page.getByRole('link', {name: caseId, exact: true})});
          await inTransit.getByText(tracking).waitFor();
          await inTransit.getByRole('link', {name: w['action.receive']}).click();
          const receive = await openedForm(page, 'receive');
          assert.equal(await receive.locator('input[name=restock]').count(), 0, 'a repair is never restocked');
          await receive.getByRole('button', {name: w['action.receive'], exact: true}).click();
          await expectHeading(page, w['nav.warehouse']);
          const row = workshopRow(page, w, caseId);
          await row.getByText(w['state.repairing']).waitFor();
          await row.getByText(w['repair.not_started']).waitFor();
          await row.getByText(lang === 'en' ? 'Attempt 1' : '第 1 次').waitFor();
          await row.getByText(w['deadline.repair_complete']).waitFor();
          assert.equal(await row.getByRole('link', {name: w['action.ship_repaired']}).count(), 0, 'nothing to ship before the repair');

          // Progress from the list: diagnosed, then repaired.
          await postProgress(page, env, w, caseId, 'diagnosed', notes[0]);
          await row.getByText(notes[0]).waitFor();
          await row.getByText(w['repair_status.diagnosed']).waitFor();
          if (lang === 'en') {
            // The case page of a repair in the workshop, for the pictures.
            await page.goto(`${env.url}/#/cases/${caseId}`);
            await page.locator('.repair td', {hasText: notes[0]}).waitFor();
            assert.equal(await currentStep(page), 'repairing');
            await shot(env, page, 'repair-case');
          }
          await postProgress(page, env, w, caseId, 'repaired', notes[1]);
          await row.getByText(w['state.repair_ready']).waitFor();
          await row.getByText(w['deadline.repaired_ship']).waitFor();
          await row.getByRole('link', {name: w['action.ship_repaired']}).click();
          const back = await openedForm(page, 'ship_repaired');
          await back.locator('select[name=carrier]').selectOption('JD');
          await back.getByLabel(w['field.tracking_no']).fill(`JDVR${Date.now() % 1000000}`);
          await back.getByRole('button', {name: w['action.ship_repaired'], exact: true}).click();
          await expectHeading(page, w['nav.warehouse']);
          await workshop(page, w).waitFor();
          assert.equal(await workshopRow(page, w, caseId).count(), 0, 'shipped back: out of the workshop');
          await logout(page, lang);

          // The buyer confirms the delivery and reads the progress, but no
          // staff-only text.
          await login(env, page, o.buyer, lang);
          await page.goto(`${env.url}/#/cases/${caseId}`);
          assert.equal(await currentStep(page), 'shipped');
          await page.locator('.action-buttons button[data-action="confirm_delivery"]').click();
          await page.locator('form.action-confirm_delivery').getByRole('button', {name: w['action.confirm_delivery'], exact: true}).click();
          await waitState(page, w, 'repaired');
          await page.locator('.repair-steps li[data-step="done"].step-done').waitFor();
          assert.equal(await page.locator('.repair-steps li[aria-current="step"]').count(), 0, 'every stage done');
          const progress = page.locator('.repair table.data tbody tr');
          assert.equal(await progress.count(), 2);
          for (const [i, status] of ['diagnosed', 'repaired'].entries()) {
            inOrder(await progress.nth(i).textContent(), [w[`repair_status.${status}`], notes[i], w['repair.by_workshop']]);
          }
          await page.locator('.repair').getByText(lang === 'en' ? 'Attempt 1 on this item' : '第 1 次维修').waitFor();
          await page.locator('.card', {hasText: w['repair.shipment']}).getByText(lang === 'en' ? 'JD Logistics' : '京东物流').waitFor();
          assert.equal(await page.getByText('Internal: check the batch').count(), 0, 'internal comments are not the buyer’s');
          assert.equal(await page.locator('.card-risk, .badge-risk').count(), 0, 'no abuse signal for the buyer');
          await logout(page, lang);

          // Staff see the same progress with names, and the internal comment.
          await login(env, page, 'agent1', lang);
          await page.goto(`${env.url}/#/cases/${caseId}`);
          await waitState(page, w, 'repaired');
          await page.locator('.repair tbody tr', {hasText: notes[0]}).getByText('warehouse', {exact: true}).waitFor();
          await page.getByText('Internal: check the batch').first().waitFor();
        });
        const after = await api(env, 'agent1', 'GET', `/cases/${caseId}`);
        assert.equal(after.state, 'repaired');
        assert.deepEqual(after.repair.progress.map((p) => p.status), ['diagnosed', 'repaired']);
        assert.deepEqual(after.repair.progress.map((p) => p.note), notes);
        assert.equal(after.repair.attempt, 1);
        assert.equal(after.repaired_shipment.carrier, 'JD');
        assert.equal(after.return_shipment.tracking_no, tracking);
      }
    },
  },
  {
    name: 'a failed repair offers the buyer a remedy: a refund chosen in the UI, in both languages',
    async run(env) {
      for (const lang of ['en', 'zh']) {
        const w = WORDS[lang];
        const o = await repairCase(env);
        // The first repair of the line succeeds; the second fails.
        const first = await toRepairing(env, o, o.caseId);
        await act(env, 'warehouse', first, 'repair_update', {status: 'repaired', note: 'Fixed. 已修好。'});
        await act(env, 'warehouse', first, 'ship_repaired', {carrier: 'SF', tracking_no: `SF6${Date.now() % 100000000}`});
        await act(env, 'integration', first, 'confirm_delivery');
        const second = await toRepairing(env, o, await submitRepair(env, o));
        const failure = lang === 'en' ? 'The main board is burnt out; no spare exists.' : '主板烧毁，无备件可换。';
        await act(env, 'warehouse', second, 'repair_update', {status: 'unrepairable', note: failure});
        const failed = await api(env, o.buyer, 'GET', `/cases/${second}`);
        assert.equal(failed.state, 'repair_failed');
        assert.equal(failed.repair.attempt, 2);
        assert.ok(failed.allowed_actions.includes('demand_remedy'), failed.allowed_actions.join(','));
        const policy = (await api(env, 'agent1', 'GET', '/policy')).policy;
        const n = policy.repair.failures_before_choice;
        await withBrowser(env, lang === 'zh' ? ZH : {}, async (page) => {
          // Staff: no choice to make for the buyer, but what they may do.
          await login(env, page, 'agent1', lang);
          await page.goto(`${env.url}/#/cases/${second}`);
          await waitState(page, w, 'repair_failed');
          assert.equal(await currentStep(page), 'failed');
          await page.locator('.repair-failed-note').waitFor();
          assert.equal(await page.locator('.remedy-choices').count(), 0, 'staff do not demand remedies');
          await logout(page, lang);

          // The buyer reads why the repair failed and chooses a refund.
          await login(env, page, o.buyer, lang);
          await page.goto(`${env.url}/#/cases/${second}`);
          await waitState(page, w, 'repair_failed');
          await page.locator('.repair td', {hasText: failure}).waitFor();
          await page.locator('.repair').getByText(lang === 'en' ? 'Attempt 2 on this item' : '第 2 次维修').waitFor();
          await page.locator('.repair-rule', {hasText: lang === 'en' ? `when repair ${n} of the same item` : `同一商品第 ${n} 次`}).waitFor();
          // The history says it in the page's language too.
          await page.locator('.timeline .entry-repair_update dd').getByText(w['repair_status.unrepairable'], {exact: true}).waitFor();
          await page.locator('.timeline .entry-receive dt').getByText(w['field.attempt'], {exact: true}).waitFor();
          const choices = page.locator('.remedy-choices');
          await choices.getByText(lang === 'en' ? 'Get ¥129.00 back to the original payment.' : '退还 ¥129.00 至原支付方式').waitFor();
          await choices.getByText(w['repair.remedy_replacement']).waitFor();
          await choices.getByRole('button', {name: w['repair.choose_refund']}).click();
          const form = page.locator('form.action-demand_remedy');
          await form.waitFor();
          assert.equal(await form.getByLabel(w['remedy.refund'], {exact: true}).isChecked(), true);
          assert.equal(await page.locator('form.action-demand_remedy').count(), 1, 'one form, the action’s own');
          await choices.getByRole('button', {name: w['repair.choose_replacement']}).click();
          assert.equal(await form.getByLabel(w['remedy.replacement'], {exact: true}).isChecked(), true);
          await choices.getByRole('button', {name: w['repair.choose_refund']}).click();
          await form.getByRole('button', {name: w['action.demand_remedy'], exact: true}).click();
          await waitState(page, w, 'refunding');
          assert.equal(await currentStep(page), 'remedy');
          assert.equal(await page.locator('.remedy-choices').count(), 0, 'the choice is made');
        });
        const after = await api(env, 'agent1', 'GET', `/cases/${second}`);
        assert.equal(after.state, 'refunding');
        assert.equal(after.agreed_amount, 12900);
        assert.deepEqual(after.refunds.map((r) => [r.amount, r.status]), [[12900, 'pending']]);
      }
    },
  },
];
