// Browser tests of the manager's bulk extension page (#/extend, SPEC §13.3
// with its preview): the page says how many deadlines will move before the
// confirm button works, and moves exactly those, in English and Chinese.
// Run by run_browser_tests.mjs after the other tests: an extension moves
// every matching deadline of the shared demo server.
import assert from 'node:assert/strict';
import {withBrowser, login, api, newCase, shot, HOUR} from './ui_tests.mjs';

const MINUTE = 60 * 1000;
const ZONE = 'Asia/Shanghai'; // the browsers' time zone (withBrowser)

// "YYYY-MM-DD HH:mm" of `ms` on the browser's clock, and that minute's
// instant (what the page sends as due_before).
function localMinute(ms) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'})
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return {text: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`, at: Math.floor(ms / MINUTE) * MINUTE};
}

async function allCases(env, state) {
  const items = [];
  let cursor = '';
  do {
    const page = await api(env, 'manager', 'GET', `/cases?state=${state}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor || '';
  } while (cursor);
  return items;
}

// The open deadlines of `kind` on cases in `state` due before `before`
// (the sweep fires a deadline once due: the open ones are all still ahead).
async function expectedMoves(env, kind, state, before) {
  const moves = [];
  for (const c of await allCases(env, state)) {
    for (const d of c.deadlines) {
      const due = Date.parse(d.due_at);
      if (d.kind === kind && !d.breached && due < before) moves.push({caseId: c.id, due});
    }
  }
  return moves;
}

const dueOf = async (env, caseId, kind) => (await api(env, 'manager', 'GET', `/cases/${caseId}`)).deadlines.find((d) => d.kind === kind);

export const EXTENSION_TESTS = [
  {
    name: 'bulk extension: the manager sees how many deadlines will move before confirming, in both languages',
    async run(env) {
      const dict = {en: (await import('../../web/ui/js/lang/en.js')).default, zh: (await import('../../web/ui/js/lang/zh.js')).default};
      const fillIn = (text, params) => text.replace(/\{(\w+)\}/g, (m, k) => String(params[k]));
      for (const lang of ['en', 'zh']) {
        const w = dict[lang];
        // A rejected case: its appeal window runs (SPEC §4).
        const c = await newCase(env, {type: 'refund_only'});
        await api(env, 'agent2', 'POST', `/cases/${c.caseId}/actions/reject`, {reason_code: 'missing_evidence'});
        const before = await dueOf(env, c.caseId, 'appeal_window');
        assert.ok(before, 'a rejected case has an appeal window');
        const until = localMinute(Date.parse(before.due_at) + 2 * MINUTE);
        const expected = await expectedMoves(env, 'appeal_window', 'rejected', until.at);
        assert.ok(expected.some((m) => m.caseId === c.caseId), 'the new case is among those to move');

        await withBrowser(env, lang === 'zh' ? {locale: 'zh-CN'} : {}, async (page) => {
          await login(env, page, 'manager', lang);
          await page.locator('nav').getByRole('link', {name: w['nav.extend']}).click();
          await page.locator('main h1', {hasText: w['nav.extend']}).waitFor();
          const form = page.locator('form.extend-form');
          const confirm = form.getByRole('button', {name: w['extend.confirm']});
          assert.equal(await confirm.isDisabled(), true, 'nothing to confirm before a preview');

          await form.getByLabel(w['extend.kind']).selectOption('appeal_window');
          await form.getByLabel(w['extend.state']).selectOption('rejected');
          await form.getByLabel(w['extend.due_before']).fill(until.text);
          await form.getByLabel(w['extend.hours']).fill('24');
          await form.getByRole('button', {name: w['extend.preview']}).click();
          const count = page.locator('.extend-count');
          const words = fillIn(w['extend.will_move'], {n: expected.length, deadline: w['deadline.appeal_window'], hours: 24});
          await count.filter({hasText: words}).waitFor();
          if (expected.length <= 20) await page.getByRole('link', {name: c.caseId, exact: true}).waitFor();
          await shot(env, page, `extend-deadlines${lang === 'zh' ? '-zh' : ''}`);
          assert.equal(await confirm.isDisabled(), false, 'the preview enables the confirm button');

          // Changing a field asks for a new preview.
          await form.getByLabel(w['extend.hours']).fill('25');
          await page.getByText(w['extend.preview_again']).waitFor();
          assert.equal(await confirm.isDisabled(), true, 'a changed field disables the confirm button');
          assert.equal((await dueOf(env, c.caseId, 'appeal_window')).due_at, before.due_at, 'a preview moves nothing');
          await form.getByLabel(w['extend.hours']).fill('24');
          await form.getByRole('button', {name: w['extend.preview']}).click();
          await count.filter({hasText: words}).waitFor();

          // The reason is required, then the extension moves what was previewed.
          await confirm.click();
          await form.locator('.field-error', {hasText: w['form.required']}).waitFor();
          await form.getByLabel(w['extend.reason']).fill(lang === 'en' ? 'Double 11 peak' : '双11大促');
          await confirm.click();
          await page.locator('.extend-done', {hasText: fillIn(w['extend.done'], {n: expected.length, deadline: w['deadline.appeal_window']})}).waitFor();
        });

        const after = await dueOf(env, c.caseId, 'appeal_window');
        assert.equal(Date.parse(after.due_at), Date.parse(before.due_at) + 24 * HOUR, 'moved by 24 hours');
        const entry = (await api(env, 'manager', 'GET', '/audit?action=deadlines_extended&order=desc&limit=1')).items[0];
        assert.equal(entry.data.moved, expected.length);
        assert.equal(entry.data.kind, 'appeal_window');
        assert.equal(entry.data.state, 'rejected');
        assert.equal(entry.data.hours, 24);
      }
    },
  },
];
