// The hot-wash in headless Chromium: when the session ends, players and an observer
// answer the debrief survey on their own pages (a draft that survives a reload, a
// thank-you after sending), the White Cell's console counts who has answered, shows
// the answers and closes the debrief, and a player who had not answered is told so.
// An anonymous session shows the White Cell counts and no names. The default scenario;
// the White Cell's start and end go over its WebSocket from node. Run by run.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postJson, startRoom, text, waiters, whiteCellSocket } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN = process.env.WARGAME_BIN || path.join(ROOT, 'target', 'debug', 'wargame');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const { until, waitText } = waiters(15000);

let browser;
let base;

let room;

before(async () => {
  room = await startRoom({ bin: BIN, chromiumPath: CHROMIUM, root: ROOT, name: 'debrief' });
  ({ base, browser } = room);
});

after(async () => {
  if (room) await room.stop();
});

const post = (p, body) => postJson(base, p, body);
const whiteCell = (token) => whiteCellSocket(base, token);

/** A seat (a team id or 'observer') in a browser context of its own. */
async function seat(s, team, name) {
  const res = await post('/api/join', { join_code: s.join_code, team, name });
  const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
  const page = await context.newPage();
  const seen = { errors: [] };
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  await page.goto(`${base}/join`);
  const rec = { session_id: res.session_id, team, team_name: team, token: res.token, player: res.player, name, join_code: s.join_code, title: 'x' };
  await page.evaluate((r) => localStorage.setItem('wargame.seats', JSON.stringify([r])), rec);
  await page.goto(`${base}/${team === 'observer' ? 'observer' : 'team'}?session=${encodeURIComponent(res.session_id)}`);
  await waitText(page, '#conn', /Connected/);
  return { page, context, seen };
}

async function whiteCellPage(s) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/`);
  await page.evaluate(
    (rec) => localStorage.setItem('wargame.facilitator', JSON.stringify([rec])),
    { session_id: s.session_id, token: s.facilitator_token, join_code: s.join_code, title: 'x' }
  );
  await page.goto(`${base}/facilitator?session=${encodeURIComponent(s.session_id)}`);
  await waitText(page, '#conn', /Connected/);
  return { page, context, errors };
}

test('players answer the debrief on their pages; the White Cell counts, reads and closes it', { timeout: 120000 }, async () => {
  const s = await post('/api/sessions', { scenario: 'belarus-2025', seed: 11, title: 'Debrief e2e' });
  const wc = await whiteCell(s.facilitator_token);
  const fac = await whiteCellPage(s);
  const by = await seat(s, 'belarus', 'Alena');
  const ru = await seat(s, 'russia', 'Dmitri');
  const obs = await seat(s, 'observer', 'Olaf');
  assert.equal(await by.page.isVisible('#debrief'), false, 'no survey while the game runs');
  await wc.cmd({ type: 'start' });
  await wc.cmd({ type: 'end', reason: 'Time is up.' });

  // The survey appears after the end: radio buttons for scales, text boxes.
  await waitText(by.page, '#debrief', /The game is over/);
  assert.equal(await by.page.locator('input[name="dq-realism"]').count(), 5);
  assert.equal(await by.page.getAttribute('#dq-went_well', 'maxlength'), '2000');
  await by.page.check('#dq-realism-3'); // 4
  await by.page.fill('#dq-went_well', 'The MARK-BY-ANSWER briefing was sharp.');
  // A reload keeps the unsent answers on the device.
  await until(
    async () => (await by.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('wargame.debrief.')).map((k) => localStorage.getItem(k)).join())).includes('MARK-BY-ANSWER'),
    'the debrief draft kept on the device'
  );
  await by.page.reload();
  await waitText(by.page, '#conn', /Connected/);
  await waitText(by.page, '#debrief', /The game is over/);
  await until(async () => (await by.page.inputValue('#dq-went_well')).includes('MARK-BY-ANSWER'), 'the restored text');
  assert.equal(await by.page.isChecked('#dq-realism-3'), true, 'the restored scale');
  const shots = path.join(HERE, 'screenshots');
  fs.mkdirSync(shots, { recursive: true });
  await by.page.locator('#debrief').screenshot({ path: path.join(shots, 'debrief-survey-phone.png') });
  await by.page.click('#debrief-send');
  await waitText(by.page, '#debrief', /Thank you: your answers reached the White Cell\./);

  // The White Cell sees the count, who answered, and the answer.
  await waitText(fac.page, '#debrief-count', /1 of 3 seated players and observers have answered/);
  await waitText(fac.page, '#debrief-who', /Alena \(Belarus\): answered/);
  await waitText(fac.page, '#debrief-who', /Dmitri \(Russia\): not yet/);
  await waitText(fac.page, '#debrief', /MARK-BY-ANSWER/);

  // The observer answers a scale only.
  await waitText(obs.page, '#debrief', /The game is over/);
  // On the observer page (often the projector) the survey waits behind a summary.
  assert.equal(await obs.page.isVisible('#dq-useful-1'), false, 'the projector keeps its board');
  await obs.page.click('#debrief-details summary');
  await obs.page.check('#dq-useful-1'); // 2
  await obs.page.click('#debrief-send');
  await waitText(obs.page, '#debrief', /Thank you/);
  await waitText(fac.page, '#debrief-count', /2 of 3/);

  // An empty form is not sent.
  await waitText(ru.page, '#debrief', /The game is over/);
  await ru.page.click('#debrief-send');
  await waitText(ru.page, '#debrief-feedback', /Answer at least one question/);

  await fac.page.locator('#debrief').screenshot({ path: path.join(shots, 'debrief-white-cell.png') });
  // The debrief CSV is one of the White Cell's downloads.
  assert.equal(await fac.page.locator('#ended-export-buttons [data-format="debrief-csv"]').count(), 1);
  // The White Cell closes it; Dmitri's page says so.
  await fac.page.click('#debrief-close');
  await waitText(fac.page, '#debrief', /The debrief is closed/);
  await waitText(ru.page, '#debrief', /The White Cell has closed the debrief/);
  assert.doesNotMatch(await ru.page.content(), /MARK-BY-ANSWER/, "another player's answer never reaches a page");
  assert.doesNotMatch(await obs.page.content(), /MARK-BY-ANSWER/);
  // After a reload, Alena's page still thanks her.
  await by.page.reload();
  await waitText(by.page, '#debrief', /Thank you/);

  for (const p of [by, ru, obs]) {
    assert.deepEqual(p.seen.errors, []);
    await p.context.close();
  }
  assert.deepEqual(fac.errors, []);
  await fac.context.close();
  wc.close();
});

test('an anonymous debrief shows the White Cell counts, never names', { timeout: 120000 }, async () => {
  const s = await post('/api/sessions', { scenario: 'belarus-2025', seed: 12, title: 'Anonymous', anonymous_debrief: true });
  const wc = await whiteCell(s.facilitator_token);
  const fac = await whiteCellPage(s);
  const by = await seat(s, 'belarus', 'MARK-NAME-Alena');
  await wc.cmd({ type: 'start' });
  await wc.cmd({ type: 'end' });
  await waitText(by.page, '#debrief', /stored without your name/);
  await by.page.fill('#dq-to_organisers', 'MARK-ANON-ANSWER');
  await by.page.click('#debrief-send');
  await waitText(by.page, '#debrief', /reached the White Cell without your name/);
  await waitText(fac.page, '#debrief-count', /1 of 1 seated players and observers have answered/);
  await waitText(fac.page, '#debrief', /MARK-ANON-ANSWER/);
  assert.match(await text(fac.page, '#debrief'), /Anonymous debrief/);
  assert.equal(await fac.page.locator('#debrief-who').count(), 0, 'no list of who answered');
  assert.doesNotMatch(await text(fac.page, '#debrief'), /MARK-NAME/);
  assert.deepEqual(by.seen.errors, []);
  assert.deepEqual(fac.errors, []);
  await by.context.close();
  await fac.context.close();
  wc.close();
});
