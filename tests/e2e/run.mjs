// End-to-end test of the web consoles: a real `wargame serve`, headless Chromium,
// a facilitator, four players and a projector in separate browser contexts, one
// full turn played through the pages.
//
// Run with tests/e2e/run.sh (builds the binary, installs what is missing), or
// directly: WARGAME_BIN=path/to/wargame node --test run.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, sleep, text, waiters } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
const BIN = process.env.WARGAME_BIN || path.join(TARGET, 'debug', 'wargame');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(HERE, 'screenshots');
const XSS_NAME = `<img src=x onerror="window.__xss='name'">Alesia`;
const XSS_RATIONALE = `<script>window.__xss='rationale'</script><b>Deter</b> & "reassure" <img src=x onerror="window.__xss='rat-img'">`;

const DESKTOP = { width: 1440, height: 1000 };
const PHONE = { width: 390, height: 844 };

let server;
let serverLog = '';
let base;
let browser;
let tmp;
const pages = []; // every page opened, with what it saw

const { until, waitText } = waiters(15000);

async function connected(page) {
  await waitText(page, '#conn', /Connected/);
}

async function shot(page, name, fullPage = true) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

/** One panel, without the sticky status bar drawn over it. */
async function panelShot(page, selector, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => document.querySelectorAll('.statusbar').forEach((b) => (b.hidden = true)));
  await page.locator(selector).screenshot({ path: path.join(SHOTS, `${name}.png`) });
  await page.evaluate(() => document.querySelectorAll('.statusbar').forEach((b) => (b.hidden = false)));
}

/** What a person sees first: the top of the page. */
async function topShot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, name, false);
}

/** A fresh browser context (its own storage) and a watched page. */
async function openPage(label, viewport, mobile) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    isMobile: !!mobile,
    hasTouch: !!mobile,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const seen = { label, page, context, errors: [], dialogs: [], csp: [] };
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to/i.test(t)) seen.csp.push(t);
    else if (m.type() === 'error' && !/status of 404|WebSocket/i.test(t)) seen.errors.push(t);
  });
  page.on('dialog', async (d) => {
    seen.dialogs.push(d.message());
    await d.dismiss().catch(() => {});
  });
  pages.push(seen);
  return page;
}

async function noXss(page) {
  const flag = await page.evaluate(() => window.__xss);
  assert.equal(flag, undefined, 'an XSS payload ran');
}

let port;
let dbPath;

async function startServer() {
  serverLog = '';
  server = spawn(
    BIN,
    ['serve', '--addr', `127.0.0.1:${port}`, '--db', dbPath, '--scenarios', path.join(ROOT, 'scenarios')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: Object.assign({}, process.env, { RUST_LOG: 'warn' }) }
  );
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  const proc = server;
  await until(async () => {
    if (proc.exitCode !== null) throw new Error(`the server exited: ${serverLog}`);
    const res = await fetch(`${base}/healthz`);
    return res.ok;
  }, 'the server to answer /healthz', 30000);
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const proc = server;
  proc.kill('SIGTERM');
  await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(8000)]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

before(async () => {
  assert.ok(fs.existsSync(BIN), `the wargame binary is missing at ${BIN}; run cargo build`);
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wargame-e2e-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dbPath = path.join(tmp, 'e2e.db');
  await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  await stopServer();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a facilitator and four teams play a full turn through the web consoles', { timeout: 300000 }, async (t) => {
  const scenario = await (await fetch(`${base}/api/scenarios/belarus-2025`)).json();
  const teamIds = scenario.teams.map((x) => x.id);
  assert.deepEqual(teamIds, ['belarus', 'russia', 'ukraine', 'nato']);

  // ------------------------------------------------------------------ start page
  const fac = await openPage('facilitator', DESKTOP);
  let code;
  let sessionId;
  await t.test('the start page creates a session and shows a join code', async () => {
    await fac.goto(`${base}/`);
    await until(async () => (await fac.locator('#scenario option').count()) > 0, 'the scenario list');
    assert.match(await text(fac, '#scenario'), /Union State Clause/);
    // A readable error for a bad seed, without a request.
    await fac.fill('#title', 'E2E seminar');
    await fac.fill('#seed', 'abc');
    await fac.click('#create-btn');
    await waitText(fac, '#create-feedback', /seed must be a whole number/);
    await fac.fill('#seed', '42');
    await fac.fill('#max-turns', '3');
    await fac.click('#create-btn');
    code = (await waitText(fac, '#created-code', /^[A-Z0-9-]{4,}$/)).trim();
    assert.match(await text(fac, '#created-link'), new RegExp(`/join\\?code=${code}$`));
    const stored = await fac.evaluate(() => JSON.parse(localStorage.getItem('wargame.facilitator')));
    assert.equal(stored.length, 1);
    assert.ok(stored[0].token && stored[0].token.length > 10, 'the facilitator token is kept in localStorage');
    sessionId = stored[0].session_id;
    assert.match(await fac.inputValue('#created-key'), /^wg1\./);
    await waitText(fac, '#mine', /E2E seminar/);
    await shot(fac, '01-start-created');
    await fac.click('#created-console');
    await fac.waitForURL(/\/facilitator\?session=/);
    assert.ok(!fac.url().includes(stored[0].token), 'no token in the console URL');
    await connected(fac);
    await waitText(fac, '#phase', /Lobby/);
    await waitText(fac, '#advance-btn', /Start the game/);
    await waitText(fac, '#join-code', new RegExp(code));
  });

  // ------------------------------------------------------------------ join
  const names = { belarus: XSS_NAME, russia: 'Boris', ukraine: 'Oksana', nato: 'Nora' };
  const players = {};
  await t.test('four players join from the join page and land in their consoles', async () => {
    for (const team of teamIds) {
      const mobile = team === 'belarus';
      const page = await openPage(team, mobile ? PHONE : DESKTOP, mobile);
      players[team] = page;
      if (team === 'russia') {
        // A wrong code gets the server's sentence, not a status number.
        await page.goto(`${base}/join`);
        await page.fill('#code', 'ZZZZZZ');
        await page.click('#lookup');
        await waitText(page, '#session-info', /No session has that join code/);
      }
      await page.goto(`${base}/join?code=${code}`);
      await waitText(page, '#session-info', /E2E seminar/);
      await page.locator(`#team-${team}`).waitFor();
      if (team === 'russia') {
        // Belarus already has a player; the join page says so.
        assert.match(await text(page, '#team-belarus-players'), /1 player/);
        assert.match(await text(page, '#team-nato-players'), /no players yet/);
      }
      await page.check(`#team-${team}`);
      await page.fill('#name', names[team]);
      if (team === 'belarus') await shot(page, '02-join-phone');
      await page.click('#join-btn');
      await page.waitForURL(/\/team\?session=/);
      assert.ok(!/token/i.test(page.url()), 'no token in the team URL');
      await connected(page);
      await waitText(page, '#team-name', new RegExp(scenario.teams.find((x) => x.id === team).name));
      await waitText(page, '#phase', /Before turn 1 · Lobby/);
    }
    // The player name holding markup shows as text, inert.
    assert.equal(await text(players.belarus, '#player-name'), XSS_NAME);
    await noXss(players.belarus);
  });

  const obs = await openPage('observer', { width: 1600, height: 900 });
  await t.test('a projector joins as observer', async () => {
    await obs.goto(`${base}/join?code=${code}`);
    await obs.locator('#team-observer').waitFor();
    await obs.check('#team-observer');
    await obs.fill('#name', 'Projector');
    await obs.click('#join-btn');
    await obs.waitForURL(/\/observer\?session=/);
    await connected(obs);
    await waitText(obs, '#session-title', /E2E seminar/);
    // In the lobby the join code is shown large in the middle of the display.
    await waitText(obs, '#lobby-join', new RegExp(code));
  });

  await t.test('the readiness board shows every seat, names as inert text', async () => {
    await waitText(fac, '#readiness-body', /Alesia/);
    const board = await text(fac, '#readiness-body');
    assert.ok(board.includes(XSS_NAME), 'the raw name is shown as text');
    for (const n of ['Boris', 'Oksana', 'Nora']) assert.ok(board.includes(n), `${n} listed`);
    assert.equal(await fac.locator('#readiness-body img').count(), 0, 'no element was created from a name');
    await waitText(fac, '#readiness-body', /\(online\)/);
    await waitText(fac, '#observers', /Projector \(online\)/);
    await noXss(fac);
  });

  // ------------------------------------------------------------------ briefing and injects
  const script1 = scenario.script.find((s) => s.turn === 1);
  await t.test('the facilitator starts the game and injects events', async () => {
    await fac.click('#advance-btn');
    await waitText(fac, '#phase', /Briefing/);
    await waitText(fac, '#advance-btn', /Open the decision window/);
    for (const team of teamIds) await waitText(players[team], '#phase', /Turn 1 of 3 · Briefing/);
    await waitText(obs, '#phase', /Briefing/);
    await waitText(obs, '#join-hint', new RegExp(code));

    // The scripted inject for turn 1.
    assert.ok(script1, 'the scenario scripts an inject for turn 1');
    await fac.click('#tab-injects');
    await fac.click(`[data-script="${script1.id}"] button:has-text("Fire")`);
    await waitText(fac, `#script-list [data-script="${script1.id}"]`, /Fired/);
    for (const team of teamIds) {
      if (!script1.to.length || script1.to.includes(team)) await waitText(players[team], '#injects', new RegExp(script1.title.slice(0, 20)));
    }

    // The card already on Ukraine's page is kept when the next inject arrives: only the
    // new one is drawn, so only it shows the arrival highlight.
    assert.ok(await players.ukraine.evaluate(() => {
      const card = document.querySelector('#injects .inject');
      if (card) card.__seenBefore = true;
      return !!card;
    }), 'Ukraine shows the scripted inject');

    // A custom inject with an indicator change, to Ukraine only.
    await fac.fill('#custom-title', 'Border incident near Mozyr');
    await fac.fill('#custom-text', 'Shots were fired across the border at night.');
    await fac.click('#custom-form summary');
    await fac.fill('#eff-ua_north_defence', '5');
    await fac.check('#cus-to-ukraine');
    await fac.click('#custom-form button[type=submit]');
    await waitText(fac, '#custom-feedback', /Injected/);
    await waitText(players.ukraine, '#injects', /Border incident near Mozyr/);
    const kept = await players.ukraine.evaluate(() =>
      Array.from(document.querySelectorAll('#injects .inject')).map((c) => [c.querySelector('.card-title').textContent, !!c.__seenBefore])
    );
    assert.deepEqual(
      kept.map(([, seen]) => seen),
      [false, true],
      `the new inject is drawn on top and the one shown before is the same card, not drawn (and highlighted) again: ${JSON.stringify(kept)}`
    );
    await waitText(players.ukraine, '[data-indicator="ua_north_defence"]', /45/);
    assert.ok(!(await text(players.russia, '#injects')).includes('Border incident'), 'a targeted inject stays private');

    // A catalog event to everyone.
    const ev = scenario.events.find((e) => e.id === 'protests_minsk') || scenario.events[0];
    await fac.selectOption('#catalog-event', ev.id);
    await waitText(fac, '#catalog-detail', /Source/);
    await fac.click('#catalog-form button[type=submit]');
    await waitText(fac, '#catalog-feedback', /Injected/);
    await waitText(players.nato, '#injects', new RegExp(ev.title.slice(0, 20)));
    await waitText(obs, '#timeline', new RegExp(ev.title.slice(0, 20)));
  });

  // ------------------------------------------------------------------ negotiation
  const basing = scenario.agreements.find((a) => a.id === 'minsk_moscow_basing');
  const supportFlag = scenario.flags.find((f) => f.id === 'belarus_support_role');
  await t.test('Belarus and Russia talk on their channel; the White Cell reads, posts in character and closes it', async () => {
    const by = players.belarus;
    const ru = players.russia;
    const ua = players.ukraine;
    // Russia reads the public channel, so news on Belarus - Russia arrives elsewhere.
    await ru.click('#tab-all');
    await waitText(ru, '#channel-about', /Public/);

    // Belarus, on the phone: Shift+Enter breaks the line, Enter sends.
    await by.click('#tab-belarus-russia');
    assert.equal(await by.getAttribute('#tab-belarus-russia', 'aria-selected'), 'true');
    await by.focus('#msg-text');
    await by.keyboard.type('Our airfields are yours.');
    await by.keyboard.press('Shift+Enter');
    await by.keyboard.type('On conditions.');
    assert.equal(await text(by, '#msg-count'), '39 / 2000');
    await by.keyboard.press('Enter');
    await waitText(by, '#message-log', /Our airfields are yours\.\nOn conditions\./);
    assert.equal(await by.inputValue('#msg-text'), '', 'the composer empties once the message is sent');
    assert.ok((await text(by, '#message-log')).includes(XSS_NAME), 'the author name is shown as text');
    assert.equal(await by.locator('#message-log img').count(), 0);

    // Russia sees where the news is: the tab, a line above its log and the page title.
    await waitText(ru, '#tab-belarus-russia .unread', /^1/);
    await waitText(ru, '#talk-news', /New messages in Belarus – Russia \(1\)/);
    await waitText(ru, '#talk-cue', /1 unread message/);
    assert.match(await ru.title(), /^\(1\) Russia/);
    await ru.click('#talk-news button');
    await waitText(ru, '#message-log', /Our airfields are yours/);
    await until(async () => !/^\(/.test(await ru.title()), 'the title to drop the unread count');
    assert.equal(await ru.locator('#tab-belarus-russia .unread').count(), 0, 'read once opened');
    await ru.fill('#msg-text', 'Then sign the basing accord.');
    await ru.click('#msg-send');
    await waitText(by, '#message-log', /Then sign the basing accord/);
    await panelShot(by, '#talks', '13-team-phone-messages');

    // A burst of messages meets the server's limit: the sentence shows by the composer
    // and the unsent text stays.
    let refused = false;
    for (let i = 1; i <= 12 && !refused; i++) {
      await by.fill('#msg-text', `Point ${i}.`);
      await by.press('#msg-text', 'Enter');
      await until(async () => (await by.inputValue('#msg-text')) === '' || /faster/.test(await text(by, '#msg-feedback')), 'the message to go or be refused');
      refused = /faster than anyone can read/.test(await text(by, '#msg-feedback'));
    }
    assert.ok(refused, 'the rate limit was reached and shown');
    assert.match(await by.inputValue('#msg-text'), /^Point \d+\.$/);

    // The White Cell: one feed, filtered by team and channel.
    await fac.click('#tab-messages');
    await waitText(fac, '#feed', /Our airfields are yours/);
    await fac.selectOption('#feed-team', 'ukraine');
    await waitText(fac, '#feed-empty', /No messages match/);
    await fac.selectOption('#feed-team', '');
    await fac.selectOption('#feed-channel', 'belarus-russia');
    await waitText(fac, '#feed', /Then sign the basing accord/);
    assert.equal(await fac.inputValue('#wc-channel'), 'belarus-russia', 'posting follows the channel being read');
    await fac.selectOption('#feed-channel', '');
    // In character, on the public channel.
    await fac.selectOption('#wc-channel', 'all');
    await fac.fill('#wc-as', 'Kremlin press office');
    await fac.fill('#wc-text', 'Moscow has no comment on rumours.');
    await fac.press('#wc-text', 'Enter');
    await waitText(fac, '#wc-feedback', /Posted in All teams as Kremlin press office/);
    await ua.click('#tab-all');
    await waitText(ua, '#message-log', /Kremlin press office\s*White Cell[\s\S]*Moscow has no comment/);
    await waitText(obs, '#public-talk', /Kremlin press office \(White Cell\): Moscow has no comment on rumours\./);

    // Closing the channel: Belarus sees it closed and cannot post; back to schedule.
    await fac.click('#channel-body tr[data-channel="belarus-russia"] button:has-text("Close")');
    await waitText(fac, '#channel-body tr[data-channel="belarus-russia"]', /Closed[\s\S]*held by the White Cell/);
    await waitText(by, '#tab-belarus-russia', /closed/);
    await waitText(by, '#channel-about', /Closed just now: the White Cell has closed it/);
    assert.ok(await by.isDisabled('#msg-text'), 'no posting in a closed channel');
    await panelShot(fac, '#talks', '14-facilitator-negotiation');
    await fac.click('#channel-body tr[data-channel="belarus-russia"] button:has-text("Back to schedule")');
    await waitText(by, '#channel-about', /Open now/);
    assert.ok(!(await by.isDisabled('#msg-text')));

    // Ukraine reads none of it.
    assert.equal(await ua.locator('#tab-belarus-russia').count(), 0, 'Ukraine has no Belarus - Russia tab');
    for (const page of [ua, obs]) {
      const all = await text(page, 'body');
      assert.ok(!all.includes('Our airfields') && !all.includes('basing accord'), 'a private channel stays private');
    }
  });

  await t.test('Belarus proposes the basing accord, Russia accepts; Ukraine does not see it', async () => {
    const by = players.belarus;
    const ru = players.russia;
    await by.selectOption('#propose-kind', basing.id);
    // The terms in the scenario's words, not ids.
    await waitText(by, '#propose-terms', new RegExp(`${supportFlag.name}[\\s\\S]*Belarusian sovereignty −2`));
    assert.ok(!(await text(by, '#propose-terms')).includes('belarus_support_role'));
    await by.click('#propose-btn');
    await waitText(by, '#propose-feedback', /Proposed/);
    await waitText(by, '#agreement-list [data-agreement="ag1"]', /Open[\s\S]*Waiting for Russia/);
    // Russia has a proposal to answer.
    await waitText(ru, '#agreements-waiting', /1 awaiting your answer/);
    await ru.fill('#ag-note-ag1', 'Agreed, for the duration of the exercise.');
    await ru.click('#agreement-list [data-agreement="ag1"] button:has-text("Accept")');
    for (const page of [by, ru]) {
      await waitText(page, '#agreement-list [data-agreement="ag1"]', /Accepted[\s\S]*Russia accepted: “Agreed, for the duration of the exercise\.”[\s\S]*applies when the White Cell next publishes/);
    }
    await waitText(fac, '#wc-agreements [data-agreement="ag1"]', /Accepted/);
    assert.equal(await fac.locator('#wc-agreements [data-agreement="ag1"] button:has-text("Void")').count(), 1, 'the White Cell may still void it');
    // A custom agreement proposed and withdrawn.
    await by.selectOption('#propose-kind', '__custom');
    await by.fill('#propose-title', 'Hotline between the defence ministries');
    await by.check('#propose-to-russia');
    await by.click('#propose-btn');
    await waitText(by, '#agreement-list [data-agreement="ag2"]', /changes nothing on the board/);
    await by.click('#agreement-list [data-agreement="ag2"] button:has-text("Withdraw")');
    await waitText(ru, '#agreement-list [data-agreement="ag2"]', /Withdrawn by Belarus/);
    for (const page of [players.ukraine, players.nato, obs]) {
      assert.ok(!(await text(page, 'body')).includes(basing.title), 'a private agreement stays private');
    }
    await panelShot(ru, '#agreements', '15-team-agreements');
  });

  // ------------------------------------------------------------------ decision
  const chosen = {};
  /** The options the page offers as available right now (prerequisites met). */
  async function availableOptions(page, team) {
    const ids = await page.$$eval('#options .option:not(.unavailable)', (els) => els.map((e) => e.dataset.option));
    const defs = scenario.teams.find((x) => x.id === team).options;
    return ids.map((id) => defs.find((o) => o.id === id));
  }
  await t.test('teams choose, see why options are unavailable, submit and revise', async () => {
    await fac.click('#advance-btn');
    // Turn 1's other scripted inject is still pending: the console asks, and it is skipped.
    if (scenario.script.some((x) => x.turn === 1 && x.id !== script1.id)) {
      await fac.locator('#pending-confirm').waitFor();
      await fac.click('#pending-skip');
    }
    await waitText(fac, '#phase', /Decision/);
    await waitText(fac, '#advance-btn', /Close the window and roll the dice/);
    for (const team of teamIds) await waitText(players[team], '#phase', /Turn 1 of 3 · Decision/);

    // A phase timer counts down on every console.
    await fac.click('#tab-run');
    await fac.fill('#timer-minutes', '5');
    await fac.uncheck('#timer-auto');
    await fac.click('#timer-form button[type=submit]');
    await waitText(fac, '#timer-feedback', /Timer set: 5:00/);
    for (const team of teamIds) await waitText(players[team], '#timer', /[45]:\d\d left/);
    await waitText(obs, '#timer', /[45]:\d\d left/);

    const by = players.belarus;
    // Prerequisites in words.
    await waitText(by, '.option.unavailable .why', /Unavailable: requires/);
    // Pick the dearest available option, so another one is over budget.
    const avail = await availableOptions(by, 'belarus');
    avail.sort((a, b) => b.cost - a.cost);
    const first = avail[0];
    await by.check(`#opt-${first.id}`);
    await by.fill(`#opt-${first.id}-rat`, XSS_RATIONALE);
    await until(async () => (await by.locator('.option.over-budget').count()) > 0, 'an over-budget option');
    assert.match(await text(by, '.option.over-budget .why'), /Over budget: it costs \d, and your current selection leaves \d of 3 points/);
    assert.match(await text(by, '#budget'), new RegExp(`${first.cost} of 3 points chosen`));
    await by.click('#submit-btn');
    await waitText(by, '#submit-feedback', /Submitted at/);
    await waitText(by, '#draft-summary', /revision 1 of your team's choices/);
    assert.ok((await text(by, '#draft-summary')).includes(XSS_RATIONALE), 'the rationale shows as text');
    await topShot(by, '03-team-phone-decision');

    // Revise: swap to two cheaper options.
    const cheap = avail.filter((o) => o.cost === 1).slice(0, 2);
    assert.equal(cheap.length, 2, 'Belarus has two available 1-point options');
    await by.uncheck(`#opt-${first.id}`);
    for (const o of cheap) {
      await by.check(`#opt-${o.id}`);
      await by.fill(`#opt-${o.id}-rat`, o === cheap[0] ? XSS_RATIONALE : 'Keep the border quiet while signalling resolve.');
    }
    await by.click('#submit-btn');
    await waitText(by, '#draft-summary', /revision 2 of your team's choices/);
    chosen.belarus = cheap.map((o) => o.id);

    // Refusals are readable sentences: a missing rationale never reaches the server.
    const ru = players.russia;
    const ruOpt = (await availableOptions(ru, 'russia'))[0];
    await ru.check(`#opt-${ruOpt.id}`);
    await ru.click('#submit-btn');
    await waitText(ru, '#submit-feedback', /Write a rationale for/);
    await ru.fill(`#opt-${ruOpt.id}-rat`, 'Keep Minsk close.');
    await ru.click('#submit-btn');
    await waitText(ru, '#draft-summary', /revision 1/);
    chosen.russia = [ruOpt.id];

    {
      const page = players.ukraine;
      const o = (await availableOptions(page, 'ukraine'))[0];
      await page.check(`#opt-${o.id}`);
      await page.fill(`#opt-${o.id}-rat`, 'ukraine rationale: hold the line.');
      await page.click('#submit-btn');
      await waitText(page, '#draft-summary', /revision 1/);
      chosen.ukraine = [o.id];
    }
    {
      // NATO with the keyboard only: Space ticks, focus moves to the rationale, Enter submits.
      const page = players.nato;
      const o = (await availableOptions(page, 'nato'))[0];
      await page.focus(`#opt-${o.id}`);
      await page.keyboard.press('Space');
      await until(async () => page.evaluate((id) => document.activeElement && document.activeElement.id === id, `opt-${o.id}-rat`), 'focus on the rationale');
      await page.keyboard.type('nato rationale: hold the line.');
      await page.focus('#submit-btn');
      await page.keyboard.press('Enter');
      await waitText(page, '#draft-summary', /revision 1/);
      chosen.nato = [o.id];
    }
    await shot(players.nato, '04-team-desktop-decision');

    // The White Cell sees every draft live, rationale as text.
    await waitText(fac, '#readiness-body', /(Submitted[\s\S]*){4}/);
    await waitText(fac, '[data-team="belarus"].draft', /Revision 2/);
    assert.ok((await text(fac, '#draft-list')).includes(XSS_RATIONALE));
    assert.equal(await fac.locator('#draft-list b, #draft-list img, #draft-list script').count(), 0);
    await noXss(fac);
  });

  await t.test('reloading a player page restores the seat and its draft', async () => {
    const by = players.belarus;
    await by.reload();
    await connected(by);
    await waitText(by, '#team-name', /Belarus/);
    await waitText(by, '#draft-summary', /revision 2/);
    for (const id of chosen.belarus) assert.ok(await by.isChecked(`#opt-${id}`), `${id} still ticked`);
    assert.equal(await by.inputValue(`#opt-${chosen.belarus[0]}-rat`), XSS_RATIONALE);
    await noXss(by);
  });

  // ------------------------------------------------------------------ adjudication
  let overridden;
  await t.test('the facilitator previews the odds, rolls, and overrides with a note', async () => {
    await fac.click('#tab-adjudication');
    await fac.click('#preview-btn');
    await waitText(fac, '#preview-feedback', /Preview ready/);
    await waitText(fac, '#preview-out', /Succeeded in runs/);
    await shot(fac, '05-facilitator-decision');

    await fac.click('#advance-btn');
    await waitText(fac, '#phase', /Adjudication/);
    await waitText(fac, '#advance-btn', /Publish the results/);
    const total = Object.values(chosen).reduce((a, l) => a + l.length, 0);
    await until(async () => (await fac.locator('#adj-body tr').count()) === total, `${total} rolled choices`);
    await waitText(fac, '#adj-body', /Needed \d+ or less[^;]*; rolled \d+: (success|failure)\./);
    for (const team of teamIds) await waitText(players[team], '#outcome-list', /Adjudicating/);

    // A fresh snapshot follows the rolls; it must not redraw the table it already shows
    // (a redraw would drop a half-typed note's focus and any message beside a button).
    await fac.evaluate(() => {
      window.__adjRedraws = 0;
      new MutationObserver(() => window.__adjRedraws++).observe(document.getElementById('adj-body'), { childList: true });
    });
    await fac.waitForTimeout(1000);
    assert.equal(await fac.evaluate(() => window.__adjRedraws), 0, 'the adjudication table was redrawn with nothing changed');
    const row = fac.locator('#adj-body tr').first();
    overridden = await row.getAttribute('data-choice');
    const before = await text(fac, `#adj-body tr[data-choice="${overridden}"] .badge`);
    const want = /Success/.test(before) ? 'failure' : 'success';
    await fac.selectOption(`#ovr-res-${overridden}`, want);
    // A missing note is refused in words.
    await fac.click(`#adj-body tr[data-choice="${overridden}"] button`);
    await waitText(fac, `#adj-body tr[data-choice="${overridden}"] .feedback`, /Write why you override/);
    await fac.fill(`#ovr-note-${overridden}`, 'E2E: the White Cell judges the roll implausible.');
    await fac.click(`#adj-body tr[data-choice="${overridden}"] button`);
    await waitText(fac, `#adj-body tr[data-choice="${overridden}"]`, /\(override\)/);
    await waitText(fac, `#adj-body tr[data-choice="${overridden}"]`, /implausible/);
    await shot(fac, '06-facilitator-adjudication');
    await panelShot(fac, '#adjudication', '06b-facilitator-adjudication-panel');
  });

  // ------------------------------------------------------------------ review
  await t.test('published outcomes are explained in words on every console', async () => {
    await fac.click('#advance-btn');
    await waitText(fac, '#phase', /Review/);
    await waitText(fac, '#advance-btn', /Start turn 2/);
    for (const team of teamIds) {
      const page = players[team];
      await waitText(page, '#phase', /Turn 1 of 3 · Review/);
      await waitText(page, '#outcome-list', /Needed \d+ or less[^;]*; rolled \d+: (success|failure)\./);
    }
    const byText = await text(players.belarus, '#outcome-list');
    assert.ok(byText.includes(XSS_RATIONALE), 'own rationale shown as text in the outcome');
    const ovTeam = overridden.split('-')[1];
    await waitText(players[ovTeam], `[data-choice="${overridden}"]`, /The White Cell overrode the dice/);
    await waitText(obs, '#timeline', /needed \d+ or less, rolled \d+/);
    // The accepted agreement applied at publication: its flag is on every board, and
    // every console shows it applied (the parties' and the White Cell's in their lists,
    // the others' from the event, the projector in its timeline).
    await fac.click('#tab-board');
    for (const page of [...Object.values(players), obs, fac]) {
      await page.locator(`#flags [data-flag="${supportFlag.id}"]`).waitFor();
    }
    for (const page of Object.values(players)) await waitText(page, '#agreement-list [data-agreement="ag1"]', /Applied/);
    await waitText(fac, '#wc-agreements [data-agreement="ag1"]', /Applied/);
    await waitText(obs, '#timeline', new RegExp(`Agreement applied: ${basing.title}`));
    // Trends in words once a turn is over.
    await waitText(players.nato, '#indicators', /(up|down) \d+ since the start|no change since the start/);
    await topShot(players.belarus, '07-team-phone-review');
    await shot(players.ukraine, '08-team-desktop-review');
    await topShot(players.ukraine, '08b-team-desktop-review-top');
    await shot(obs, '09-observer-review', false);
    for (const p of [players.belarus, fac, obs]) await noXss(p);
  });

  await t.test('charts, notes, skipping a scripted inject and every export format work', async () => {
    const pending = scenario.script.find((x) => x.turn === 1 && x.id !== script1.id);
    if (pending) await waitText(fac, `#script-list [data-script="${pending.id}"]`, /Skipped/);
    await fac.click('#tab-board');
    assert.equal(await fac.locator('#chart-grid svg.chart').count(), scenario.indicators.length);
    await fac.fill('#note-text', 'Public note: good discussion on deterrence.');
    await fac.check('#note-public');
    await fac.click('#note-form button[type=submit]');
    await waitText(fac, '#note-feedback', /Note added/);
    await waitText(fac, '#note-list', /good discussion/);
    await waitText(obs, '#timeline', /good discussion/);
    await shot(fac, '10-facilitator-review');
    await topShot(fac, '10b-facilitator-review-top');
    await panelShot(fac, '#charts', '10c-facilitator-charts');

    await fac.click('#tab-session');
    for (const anon of [false, true]) {
      if (anon) await fac.check('#export-anon');
      for (const fmt of ['json', 'markdown', 'html', 'csv']) {
        const [download] = await Promise.all([
          fac.waitForEvent('download', { timeout: 15000 }),
          fac.click(`#export-buttons [data-format="${fmt}"]`),
        ]);
        const file = path.join(tmp, `export-${fmt}-${anon}`);
        await download.saveAs(file);
        assert.ok(fs.statSync(file).size > 0, `the ${fmt} export is not empty`);
        await waitText(fac, '#export-feedback', /Downloaded/);
      }
    }
  });

  await t.test('the next turn starts and the earlier one moves to history', async () => {
    await fac.click('#advance-btn');
    await waitText(fac, '#phase', /Briefing/);
    await waitText(players.russia, '#phase', /Turn 2 of 3 · Briefing/);
    await waitText(players.russia, '#history-list', /Turn 1/);
    await players.russia.click('#history-list details.turn-history summary');
    await waitText(players.russia, '#history-list', /Needed \d+ or less/);
    // An unrelated event does not redraw (and so close) what a player has opened.
    await fac.click('#tab-board');
    await fac.fill('#note-text', 'Second public note.');
    await fac.check('#note-public');
    await fac.click('#note-form button[type=submit]');
    await waitText(obs, '#timeline', /Second public note/);
    await sleep(600);
    assert.equal(await players.russia.locator('#history-list details.turn-history[open]').count(), 1, 'history stays open');
    assert.equal(await players.russia.isChecked(`#opt-${chosen.russia[0]}`), false, 'the new turn starts with an empty selection');
  });

  await t.test('the facilitator console works at phone width', async () => {
    await fac.setViewportSize(PHONE);
    await topShot(fac, '12-facilitator-phone');
    const overflow = await fac.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    await fac.setViewportSize(DESKTOP);
  });

  await t.test('ending the session shows everywhere', async () => {
    await fac.click('#tab-session');
    await fac.fill('#end-reason', 'Time is up for today.');
    await fac.click('#end-btn');
    await fac.locator('#end-confirm').waitFor();
    await fac.click('#end-confirm-yes');
    await waitText(fac, '#phase', /Session ended/);
    await waitText(players.ukraine, '#outcome-list', /Time is up for today/);
    await waitText(obs, '#ended', /Time is up for today/);
  });

  await t.test('every form control on the consoles has a label', async () => {
    for (const page of [fac, players.belarus, players.nato]) {
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll('input, select, textarea'))
          .filter((c) => c.type !== 'hidden' && !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby'))
          .map((c) => c.id || c.name || c.tagName)
      );
      assert.deepEqual(unlabelled, [], `unlabelled controls on ${page.url()}`);
    }
  });

  await t.test('no page had a script error, a CSP violation or a dialog', async () => {
    for (const p of pages) {
      assert.deepEqual(p.dialogs, [], `${p.label}: dialogs fired`);
      assert.deepEqual(p.csp, [], `${p.label}: CSP violations`);
      assert.deepEqual(p.errors, [], `${p.label}: script errors`);
    }
  });
});

test('a long channel shows its last 300 messages, and earlier ones on request', { timeout: 120000 }, async () => {
  const created = await (
    await fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ scenario: 'belarus-2025', title: 'Long talk' }) })
  ).json();
  const join = await (
    await fetch(`${base}/api/join`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ join_code: created.join_code, team: 'ukraine', name: 'Olena' }) })
  ).json();
  // The White Cell is not rate limited per message; frames are (20 a second).
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
  const acks = new Map();
  ws.addEventListener('message', (m) => {
    const f = JSON.parse(m.data);
    if (acks.has(f.ref)) acks.get(f.ref)(f);
  });
  await new Promise((r) => ws.addEventListener('open', r));
  const send = (cmd, ref) => new Promise((resolve) => {
    acks.set(ref, resolve);
    ws.send(JSON.stringify(Object.assign({ ref }, cmd)));
  });
  ws.send(JSON.stringify({ type: 'auth', token: created.facilitator_token }));
  const total = 305;
  for (let i = 1; i <= total; i++) {
    const f = await send({ type: 'say', channel: 'all', text: `Bulletin ${i}` }, `m${i}`);
    assert.equal(f.type, 'ack', JSON.stringify(f));
    if (i > 30) await sleep(50);
  }
  ws.close();
  const page = await openPage('long-talk', PHONE, true);
  await page.goto(`${base}/join`);
  await page.evaluate((seat) => localStorage.setItem('wargame.seats', JSON.stringify([seat])), {
    session_id: join.session_id, team: 'ukraine', token: join.token, player: join.player, name: 'Olena',
  });
  await page.goto(`${base}/team?session=${join.session_id}`);
  await connected(page);
  await page.click('#tab-all');
  await until(async () => (await page.locator('#message-log li').count()) === 300, 'the last 300 messages');
  assert.match(await text(page, '#message-log li'), /Bulletin 6$/);
  await page.click('#earlier-btn');
  await waitText(page, '#earlier-feedback', /5 earlier messages loaded/);
  assert.equal(await page.locator('#message-log li').count(), total);
  assert.match(await text(page, '#message-log li'), /Bulletin 1$/);
  assert.ok(await page.isHidden('#earlier-btn'), 'nothing earlier is left');
  const seen = pages.find((x) => x.page === page);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.csp, []);
});

test('a player page survives a server restart: the badge says so, then reconnects', { timeout: 90000 }, async () => {
  // Its own session, so the first test's pages are not involved.
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario: 'belarus-2025', title: 'Reconnect' }),
  });
  const created = await res.json();
  const join = await (
    await fetch(`${base}/api/join`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ join_code: created.join_code, team: 'nato', name: 'Rita' }),
    })
  ).json();
  const page = await openPage('reconnect', PHONE, true);
  await page.goto(`${base}/join`);
  await page.evaluate((seat) => localStorage.setItem('wargame.seats', JSON.stringify([seat])), {
    session_id: join.session_id,
    team: 'nato',
    token: join.token,
    player: join.player,
    name: 'Rita',
  });
  await page.goto(`${base}/team?session=${join.session_id}`);
  await connected(page);
  await waitText(page, '#player-name', /Rita/);

  await stopServer();
  await waitText(page, '#conn', /Reconnecting\u2026.*reconnecting in \d+ s/, 20000);
  await shot(page, '11-team-phone-reconnecting', false);
  await startServer();
  await waitText(page, '#conn', /Connected/, 45000);
  await waitText(page, '#phase', /Lobby/);

  // An unknown token is refused in words, without a retry loop.
  const bad = await openPage('bad-token', PHONE, true);
  await bad.goto(`${base}/join`);
  await bad.evaluate((seat) => localStorage.setItem('wargame.seats', JSON.stringify([seat])), {
    session_id: join.session_id,
    team: 'nato',
    token: 'not-a-real-token-0000000000',
    player: 'p9',
    name: 'Nobody',
  });
  await bad.goto(`${base}/team?session=${join.session_id}`);
  await waitText(bad, '#conn', /Not accepted/);
  await waitText(bad, '#noseat-text', /did not accept/);
  for (const p of [page, bad]) {
    const seen = pages.find((x) => x.page === p);
    assert.deepEqual(seen.errors, [], 'no script errors');
    assert.deepEqual(seen.csp, [], 'no CSP violations');
  }
});
