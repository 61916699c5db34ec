// The team console's decision flow in headless Chromium: a draft survives a reload,
// two teammates share one live draft and see who changed what, with team leads only
// the lead submits, the odds band shows when the session offers it (and not when it
// does not), the briefing lists the team's objectives, judged at the end, and the White
// Cell's After-action panel writes a strength and a plan item into the HTML report.
// Uses tests/fixtures/odds.toml (objectives, a secret flag, modifiers); the White Cell
// is driven over its WebSocket from node. Run by run.sh with run.mjs.
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
  room = await startRoom({ bin: BIN, chromiumPath: CHROMIUM, root: ROOT, name: 'teamwork', fixtures: ['odds.toml'] });
  ({ base, browser } = room);
});

after(async () => {
  if (room) await room.stop();
});

const post = (p, body) => postJson(base, p, body);
const whiteCell = (token) => whiteCellSocket(base, token);

/** A session of the fixture with `options`, and a White Cell. */
async function session(options) {
  const s = await post('/api/sessions', Object.assign({ scenario: 'odds-fixture', seed: 3 }, options));
  const wc = await whiteCell(s.facilitator_token);
  return { s, wc };
}

/** A player in a browser context of their own, seated as the join page would seat them. */
async function player(s, team, name) {
  const res = await post('/api/join', { join_code: s.join_code, team, name });
  const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
  const page = await context.newPage();
  const seen = { errors: [], dialogs: [] };
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('dialog', async (d) => {
    seen.dialogs.push(d.type());
    await d.accept().catch(() => {});
  });
  await page.goto(`${base}/join`);
  const seat = { session_id: res.session_id, team, team_name: team, token: res.token, player: res.player, name, join_code: s.join_code, title: 'x' };
  await page.evaluate((rec) => localStorage.setItem('wargame.seats', JSON.stringify([rec])), seat);
  await page.goto(`${base}/team?session=${encodeURIComponent(res.session_id)}`);
  await waitText(page, '#conn', /Connected/);
  return { page, context, seen, id: res.player };
}

const card = (id) => `.option[data-option="${id}"]`;

test('teammates share one live draft, only the lead submits, a reload keeps the draft, odds in bands', { timeout: 120000 }, async () => {
  const { s, wc } = await session({ team_leads: true, player_odds: 'band' });
  const lead = await player(s, 'blue', 'Lead');
  const mate = await player(s, 'blue', 'Mate');
  await wc.cmd({ type: 'start' });
  await wc.cmd({ type: 'advance' });
  for (const p of [lead, mate]) await waitText(p.page, '#phase', /Decision/);

  // The odds, as a band on the team's own board, and what the option moves.
  const odds = await waitText(mate.page, `${card('blue_talks')} .odds`, /Odds: likely/);
  assert.match(odds, /Tends to move: Tension \u2193 down on success, \u2191 up on failure/);
  assert.doesNotMatch(odds, /\d+%.*base/, 'a band, not the number');

  // The lead is named; the teammate cannot submit but proposes.
  await waitText(mate.page, '#submit-btn', /Only Lead \(team lead\) submits/);
  assert.equal(await mate.page.isDisabled('#submit-btn'), true);
  await waitText(mate.page, '#live-draft-note', /Lead leads your team and submits/);
  await mate.page.check('#opt-blue_talks');
  await mate.page.fill('#opt-blue_talks-rat', 'Mate proposes talks');

  // The lead sees the change and who made it.
  await until(async () => (await lead.page.inputValue('#opt-blue_talks-rat')) === 'Mate proposes talks', 'the live draft on the lead page');
  assert.equal(await lead.page.isChecked('#opt-blue_talks'), true);
  await waitText(lead.page, `${card('blue_talks')} .editor`, /Mate changed this at/);
  await waitText(lead.page, '#live-draft-note', /Last change by Mate/);

  // A reload keeps the unsent draft (kept on the device), after asking first.
  await mate.page.fill('#opt-blue_talks-rat', 'Mate proposes talks, reworded');
  await until(
    async () => (await mate.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('wargame.draft.')).map((k) => localStorage.getItem(k)).join())).includes('reworded'),
    'the draft kept on the device'
  );
  await mate.page.reload();
  await waitText(mate.page, '#conn', /Connected/);
  await until(async () => (await mate.page.inputValue('#opt-blue_talks-rat')) === 'Mate proposes talks, reworded', 'the restored draft');
  assert.equal(await mate.page.isChecked('#opt-blue_talks'), true);
  assert.ok(mate.seen.dialogs.includes('beforeunload'), `leaving with unsent changes asks first (${mate.seen.dialogs})`);
  await waitText(mate.page, '#draft-summary', /changes that are not submitted/);

  // The lead submits the team's draft; the teammate sees who submitted what.
  await until(async () => (await lead.page.inputValue('#opt-blue_talks-rat')) === 'Mate proposes talks, reworded', 'the reworded draft on the lead page');
  await lead.page.click('#submit-btn');
  await waitText(lead.page, '#submit-feedback', /Submitted at/);
  await waitText(mate.page, '#draft-summary', /revision 1 of your team's choices, submitted by Lead/);
  await waitText(mate.page, '#draft-summary', /Blue opens talks/);

  for (const p of [lead, mate]) {
    assert.deepEqual(p.seen.errors, []);
    await p.context.close();
  }
  wc.close();
});

test('without player odds no band shows; the briefing lists the objectives and the end judges them', { timeout: 120000 }, async () => {
  const { s, wc } = await session({ max_turns: 1 });
  const blue = await player(s, 'blue', 'Solo');
  await wc.cmd({ type: 'start' });
  await waitText(blue.page, '#objectives', /Your objectives/);
  await waitText(blue.page, '#objectives', /Keep tension below 50\. \(3 points\)/);
  assert.doesNotMatch(await text(blue.page, '#objectives'), /MARK-red-objective/, "another team's objectives stay hidden");
  await wc.cmd({ type: 'advance' });
  await waitText(blue.page, '#phase', /Decision/);
  assert.equal(await blue.page.locator('.option .odds:visible').count(), 0, 'no odds without the session option');
  await wc.cmd({ type: 'advance' }); // close and roll
  await wc.cmd({ type: 'advance' }); // publish
  await wc.cmd({ type: 'advance' }); // the turn limit ends the game
  await waitText(blue.page, '#objectives', /final board/);
  await waitText(blue.page, '#objectives', /Met: Keep tension below 50/);
  await waitText(blue.page, '#objectives', /Score: 3 of 3 points/);
  fs.mkdirSync(path.join(HERE, 'screenshots'), { recursive: true });
  await blue.page.locator('#objectives').screenshot({ path: path.join(HERE, 'screenshots', 'teamwork-objectives-end.png') });
  assert.deepEqual(blue.seen.errors, []);
  await blue.context.close();
  wc.close();
});

test('the White Cell hands the lead to another player from the Readiness panel', { timeout: 120000 }, async () => {
  const { s, wc } = await session({ team_leads: true });
  const lead = await player(s, 'blue', 'Lead');
  const mate = await player(s, 'blue', 'Mate');
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const fac = await context.newPage();
  const errors = [];
  fac.on('pageerror', (e) => errors.push(String(e)));
  await fac.goto(`${base}/`);
  await fac.evaluate(
    (rec) => localStorage.setItem('wargame.facilitator', JSON.stringify([rec])),
    { session_id: s.session_id, token: s.facilitator_token, join_code: s.join_code, title: 'x' }
  );
  await fac.goto(`${base}/facilitator?session=${encodeURIComponent(s.session_id)}`);
  await waitText(fac, '#conn', /Connected/);
  await wc.cmd({ type: 'start' });
  await wc.cmd({ type: 'advance' });
  for (const p of [lead, mate]) await waitText(p.page, '#phase', /Decision/);
  await waitText(mate.page, '#submit-btn', /Only Lead \(team lead\) submits/);

  // Readiness lists the team's players in a select, the current lead marked.
  await waitText(fac, '#leads', /Team leads/);
  await until(async () => (await fac.locator('#lead-blue option').count()) === 2, "both of Blue's players in the select");
  assert.match(await text(fac, '#lead-blue'), /Lead \(lead now\)/);
  await fac.selectOption('#lead-blue', { label: 'Mate' });
  await fac.click('.lead-form[data-team="blue"] button');
  await waitText(fac, '.lead-form[data-team="blue"] .feedback', /Mate now leads/);
  await waitText(fac, '#lead-blue', /Mate \(lead now\)/);

  // The two players' pages turn round: Mate submits now, Lead proposes.
  await waitText(lead.page, '#submit-btn', /Only Mate \(team lead\) submits/);
  await waitText(mate.page, '#live-draft-note', /You lead your team/);
  assert.equal(await mate.page.isDisabled('#submit-btn'), false, 'the new lead may submit');
  assert.match(await text(mate.page, '#submit-btn'), /Submit: no actions this turn/);
  assert.doesNotMatch(await mate.page.getAttribute('#submit-btn', 'class'), /primary/, 'submitting nothing is not the main button');
  await mate.page.check('#opt-blue_talks');
  await mate.page.fill('#opt-blue_talks-rat', 'Mate leads now');
  await until(async () => /primary/.test(await mate.page.getAttribute('#submit-btn', 'class')), 'a choice makes Submit the main button');
  await mate.page.click('#submit-btn');
  await waitText(mate.page, '#submit-feedback', /Submitted at/);
  await waitText(fac, '#readiness-body', /Submitted/);

  assert.deepEqual(errors, []);
  for (const p of [lead, mate]) {
    assert.deepEqual(p.seen.errors, []);
    await p.context.close();
  }
  await context.close();
  wc.close();
});

test('after the end the White Cell writes a strength and an improvement-plan item, and the HTML report shows them', { timeout: 120000 }, async () => {
  const { s, wc } = await session({ scope: 'One syndicate, one afternoon' });
  await wc.cmd({ type: 'start' });
  await wc.cmd({ type: 'end' });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const fac = await context.newPage();
  const errors = [];
  fac.on('pageerror', (e) => errors.push(String(e)));
  await fac.goto(`${base}/`);
  await fac.evaluate(
    (rec) => localStorage.setItem('wargame.facilitator', JSON.stringify([rec])),
    { session_id: s.session_id, token: s.facilitator_token, join_code: s.join_code, title: 'x' }
  );
  await fac.goto(`${base}/facilitator?session=${encodeURIComponent(s.session_id)}#aar`);
  await waitText(fac, '#conn', /Connected/);
  await waitText(fac, '#phase', /Session ended/);
  // The settings given at creation fill the form.
  await until(async () => (await fac.inputValue('#aar-scope')) === 'One syndicate, one afternoon', 'the scope in the form');

  // A strength about Blue's objective.
  await until(async () => (await fac.locator('#aar-note-about option[value="blue:calm"]').count()) === 1, "Blue's objective in the picker");
  await fac.selectOption('#aar-note-category', 'strength');
  await fac.selectOption('#aar-note-about', 'blue:calm');
  await fac.fill('#aar-note-text', 'Blue kept its nerve under pressure');
  await fac.click('#aar-note-form button[type="submit"]');
  await waitText(fac, '#aar-note-feedback', /Observation added/);
  await waitText(fac, '#aar-note-list', /Strength.*on Blue objective.*Blue kept its nerve/s);

  // An improvement-plan item, then an edit of it.
  await fac.selectOption('#aar-plan-objective', 'blue:calm');
  await fac.fill('#aar-plan-issue', 'Orders reached the teams late');
  await fac.fill('#aar-plan-recommendation', 'Rehearse the message flow');
  await fac.fill('#aar-plan-owner', 'J3 plans');
  await fac.fill('#aar-plan-due', '2026-06-30');
  await fac.click('#aar-plan-save');
  await waitText(fac, '#aar-plan-feedback', /Item added/);
  await waitText(fac, '#aar-plan-rows', /ip1.*Orders reached the teams late.*Rehearse the message flow.*J3 plans.*2026-06-30/s);
  await fac.click('#aar-plan-rows button[data-edit="ip1"]');
  await fac.fill('#aar-plan-owner', 'J3 plans cell');
  await fac.click('#aar-plan-save');
  await waitText(fac, '#aar-plan-feedback', /Item ip1 saved/);
  await waitText(fac, '#aar-plan-rows', /J3 plans cell/);

  // The HTML report carries both, in the HSEEP sections.
  const res = await fetch(`${base}/api/sessions/${encodeURIComponent(s.session_id)}/export?format=html`, {
    headers: { Authorization: `Bearer ${s.facilitator_token}` },
  });
  assert.equal(res.status, 200);
  const html = await res.text();
  const analysis = html.split('<h2>Analysis of capabilities and objectives</h2>')[1].split('<h2>Conclusion</h2>')[0];
  assert.match(analysis, /<h3>Blue: calm<\/h3>[\s\S]*Blue kept its nerve under pressure/);
  const plan = html.split('<h2>Appendix A: Improvement plan</h2>')[1].split('</section>')[0];
  assert.match(plan, /Orders reached the teams late[\s\S]*Rehearse the message flow[\s\S]*J3 plans cell[\s\S]*2026-06-30/);
  assert.match(html, /One syndicate, one afternoon/);
  assert.deepEqual(errors, []);
  await context.close();
  wc.close();
});
