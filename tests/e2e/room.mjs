// The room: what the White Cell, the projector and a phone show at a glance, and
// whether every page passes axe-core. A real `wargame serve` and headless Chromium;
// sessions and seats are made over HTTP and teams submit over the WebSocket, so each
// test looks only at the pages it is about.
//
//   WARGAME_BIN=path/to/wargame node --test room.mjs      (run.sh runs it)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, sleep, text, waiters } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
const BIN = process.env.WARGAME_BIN || path.join(TARGET, 'debug', 'wargame');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(HERE, 'screenshots');
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const LAPTOP = { width: 1366, height: 768 };
const HD = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };

const { until, waitText } = waiters(15000);
const servers = [];
let browser;
let tmp;
let base;
let scenario;
const seen = []; // every page, with its script errors and CSP reports
const axeReport = []; // [page, serious, critical, moderate, minor]

async function startServer(addr) {
  const port = await freePort();
  const proc = spawn(
    BIN,
    ['serve', '--addr', `${addr}:${port}`, '--db', path.join(tmp, `room-${port}.db`), '--scenarios', path.join(ROOT, 'scenarios')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: Object.assign({}, process.env, { RUST_LOG: 'warn' }) }
  );
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  servers.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (proc.exitCode !== null) throw new Error(`the server exited: ${log}`);
    return (await fetch(`${url}/healthz`)).ok;
  }, 'the server to answer /healthz', 30000);
  return { url, port, proc };
}

async function api(method, p, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${p}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json();
  assert.ok(res.ok, `${method} ${p}: ${JSON.stringify(data)}`);
  return data;
}

/** A session with one player per team and a projector seat, made over HTTP. */
async function newSession(title, options) {
  const s = await api('POST', '/api/sessions', Object.assign({ scenario: scenario.id, title, seed: 7, max_turns: 3 }, options));
  const seats = {};
  for (const t of scenario.teams) {
    const j = await api('POST', '/api/join', { join_code: s.join_code, team: t.id, name: `${t.name} lead` });
    seats[t.id] = { session_id: s.session_id, team: t.id, token: j.token, player: j.player, name: `${t.name} lead`, join_code: s.join_code, title };
  }
  const o = await api('POST', '/api/join', { join_code: s.join_code, team: 'observer', name: 'Projector' });
  seats.observer = { session_id: s.session_id, team: 'observer', token: o.token, player: o.player, name: 'Projector', join_code: s.join_code, title };
  return { id: s.session_id, code: s.join_code, token: s.facilitator_token, seats, title };
}

/** A page in its own context whose localStorage holds the given keys. */
async function open(label, viewport, storage, mobile) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: !!mobile, hasTouch: !!mobile, acceptDownloads: true });
  await context.addInitScript((items) => {
    if (sessionStorage.getItem('seeded')) return;
    sessionStorage.setItem('seeded', '1');
    for (const [k, v] of Object.entries(items)) localStorage.setItem(k, JSON.stringify(v));
  }, storage || {});
  const page = await context.newPage();
  const rec = { label, page, errors: [], csp: [] };
  page.on('pageerror', (e) => rec.errors.push(String(e)));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to/i.test(t)) rec.csp.push(t);
    else if (m.type() === 'error' && !/status of 404|WebSocket|status of 400/i.test(t)) rec.errors.push(t);
  });
  seen.push(rec);
  return page;
}

function facStorage(s) {
  return { 'wargame.facilitator': [{ session_id: s.id, token: s.token, join_code: s.code, title: s.title }] };
}

function seatStorage(s, team) {
  return { 'wargame.seats': [s.seats[team]] };
}

async function shot(page, name, fullPage = false) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

/** A team submits over the WebSocket: its first affordable available option. */
async function submitFor(s, team) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
  const frames = [];
  const waiting = [];
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    frames.push(f);
    for (const w of waiting.splice(0)) w();
  };
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = j;
  });
  const next = async (pred) => {
    for (;;) {
      const f = frames.find(pred);
      if (f) return f;
      await new Promise((r) => waiting.push(r));
    }
  };
  ws.send(JSON.stringify({ type: 'auth', token: s.seats[team].token }));
  const snap = await next((f) => f.type === 'snapshot');
  const st = snap.state || snap;
  const def = scenario.teams.find((t) => t.id === team);
  const budget = def.budget || 3;
  const avail = (st.options || []).filter((o) => o.available).map((o) => def.options.find((d) => d.id === o.option));
  const pick = avail.find((o) => o && o.cost <= budget);
  assert.ok(pick, `${team} has an option it can afford`);
  ws.send(JSON.stringify({ type: 'submit', ref: 1, turn: st.turn, choices: [{ option: pick.id, rationale: 'Hold the line.' }] }));
  const ack = await next((f) => (f.type === 'ack' || f.type === 'error') && f.ref === 1);
  ws.close();
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
}

/** What a keyboard or screen-reader user meets on a team page: one h1, headings that
 *  never skip a level, the status bar inside a landmark, and the first Tab from the top
 *  reaching "Skip to your options", which leads to the decision. */
async function teamPageShape(page, name) {
  const shape = await page.evaluate(() => {
    const visible = (e) => !e.closest('[hidden]') && getComputedStyle(e).display !== 'none';
    const heads = Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).filter(visible);
    const jumps = [];
    for (let i = 1; i < heads.length; i++) {
      const a = Number(heads[i - 1].tagName[1]);
      const b = Number(heads[i].tagName[1]);
      if (b > a + 1) jumps.push(`${heads[i - 1].tagName} "${heads[i - 1].textContent.trim()}" then ${heads[i].tagName} "${heads[i].textContent.trim()}"`);
    }
    const bar = document.getElementById('statusbar');
    const landmark = bar.closest('header,main,nav,aside,footer,section[aria-label],section[aria-labelledby],[role=region],[role=banner]');
    return { h1: document.querySelectorAll('h1').length, h1Text: (document.querySelector('h1') || {}).textContent, jumps, landmark: !!landmark };
  });
  assert.equal(shape.h1, 1, `${name}: one h1`);
  assert.match(shape.h1Text, /team console/i, `${name}: the h1 names the page`);
  assert.deepEqual(shape.jumps, [], `${name}: headings skip no level`);
  assert.ok(shape.landmark, `${name}: the status bar is inside a landmark`);
  // From the top of a freshly loaded page.
  await page.reload();
  await waitText(page, '#conn', /Connected/);
  await page.locator('#decide').waitFor();
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({ text: document.activeElement.textContent.trim(), href: document.activeElement.getAttribute('href') }));
  assert.deepEqual(first, { text: 'Skip to your options', href: '#decide' }, `${name}: the first Tab reaches the skip link`);
  await page.keyboard.press('Enter');
  await until(async () => (await page.evaluate(() => location.hash)) === '#decide', `${name}: the skip link leads to the options`);
  const top = await page.$eval('#decide', (e) => e.getBoundingClientRect().top);
  assert.ok(top < 200, `${name}: the decision is at the top after the skip link (${top}px)`);
  await page.evaluate(() => history.replaceState(null, '', location.pathname + location.search));
}

/** axe-core on the page as it is now: no serious or critical violation. */
async function axe(page, name) {
  // Evaluated by the driver, not added as a script element the page's CSP would refuse.
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(`${AXE};0`);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
  const count = (i) => res.filter((v) => v.impact === i).reduce((a) => a + 1, 0);
  axeReport.push([name, count('critical'), count('serious'), count('moderate'), count('minor'), res.map((v) => `${v.impact} ${v.id}`).join(', ')]);
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe-core found ${bad.length} serious or critical violations`);
  return res;
}

/** The page's scroll size against its viewport. */
async function scrollSize(page) {
  return page.evaluate(() => {
    const s = document.scrollingElement;
    return { sw: s.scrollWidth, sh: s.scrollHeight, cw: s.clientWidth, ch: s.clientHeight };
  });
}

async function inView(page, selector) {
  const box = await page.locator(selector).first().boundingBox();
  const vp = page.viewportSize();
  return !!box && box.y >= 0 && box.y + box.height <= vp.height && box.x >= 0 && box.x + box.width <= vp.width;
}

before(async () => {
  assert.ok(fs.existsSync(BIN), `the wargame binary is missing at ${BIN}`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wargame-room-'));
  const srv = await startServer('127.0.0.1');
  base = srv.url;
  const list = await (await fetch(`${base}/api/scenarios`)).json();
  scenario = await (await fetch(`${base}/api/scenarios/${list[0].id}`)).json();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'] });
});

after(async () => {
  if (browser) await browser.close();
  for (const p of servers) if (p.exitCode === null) p.kill('SIGTERM');
  await sleep(300);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (axeReport.length) {
    console.log('# axe-core: page | critical | serious | moderate | minor | rules');
    for (const r of axeReport) console.log(`# ${r.join(' | ')}`);
  }
});

async function advance(fac, re) {
  await fac.click('#advance-btn');
  await waitText(fac, '#phase', re);
}

test('the White Cell console: the next step on screen, panels, pending script, inject forms', { timeout: 240000 }, async (t) => {
  const s = await newSession('White Cell test');
  const fac = await open('facilitator', LAPTOP, facStorage(s));
  await fac.goto(`${base}/facilitator?session=${s.id}`);
  await waitText(fac, '#conn', /Connected/);
  await waitText(fac, '#advance-btn', /Start the game/);
  await axe(fac, 'White Cell, lobby');

  await t.test('the public display, export and End are one click away, without scrolling', async () => {
    await fac.click('#tab-session');
    for (const sel of ['#observer-btn', '#export-buttons [data-format="json"]', '#end-btn', '#advance-btn']) {
      assert.ok(await inView(fac, sel), `${sel} is on screen at 1366x768 without scrolling`);
    }
    await fac.click('#tab-run');
  });

  const turn1 = scenario.script.filter((x) => x.turn === 1);
  await t.test('advancing from the briefing with scripted injects pending asks first', async () => {
    await advance(fac, /Briefing/);
    await waitText(fac, '#advance-btn', /Open the decision window/);
    await waitText(fac, '#tab-injects', new RegExp(`${turn1.length} pending`));
    await fac.click('#advance-btn');
    await fac.locator('#pending-confirm').waitFor();
    const asked = await text(fac, '#pending-confirm');
    for (const x of turn1) assert.ok(asked.includes(x.title), `the prompt names ${x.title}`);
    await axe(fac, 'White Cell, pending-script prompt');
    await fac.click('#pending-cancel');
    assert.ok(await fac.locator('#pending-confirm').isHidden(), 'Cancel closes the prompt');
    await sleep(300);
    assert.match(await text(fac, '#phase'), /Briefing/, 'Cancel leaves the session in the briefing');
    await fac.click('#advance-btn');
    await fac.click('#pending-fire');
    await waitText(fac, '#phase', /Decision/);
    await fac.click('#tab-injects');
    for (const x of turn1) await waitText(fac, `#script-list [data-script="${x.id}"]`, /Fired/);
    assert.equal(await text(fac, '#tab-injects-note'), '', 'nothing pending any more');
  });

  const ev = scenario.events.find((e) => !turn1.some((x) => x.event === e.id)) || scenario.events[0];
  await t.test('the inject form says who gets it, resets after sending and warns before a repeat', async () => {
    assert.ok(await fac.isChecked('#cat-to-all'), '"Everyone" is chosen by default');
    await fac.selectOption('#catalog-event', ev.id);
    await fac.check(`#cat-to-${scenario.teams[0].id}`);
    assert.ok(await fac.isChecked('#cat-to-some'), 'ticking a team chooses "only these teams"');
    await fac.click('#cat-to-some');
    await fac.uncheck(`#cat-to-${scenario.teams[0].id}`);
    assert.ok(await fac.isChecked('#cat-to-all'), 'unticking the last team goes back to everyone');
    await fac.click('#cat-to-some');
    await fac.click('#catalog-form button[type=submit]');
    await waitText(fac, '#catalog-feedback', /Tick at least one team, or choose Everyone/);
    await fac.click('#cat-to-all');
    await fac.click('#catalog-form button[type=submit]');
    await waitText(fac, '#catalog-feedback', /Injected .* to everyone/);
    assert.equal(await fac.inputValue('#catalog-event'), '', 'the form is blank again');
    await fac.selectOption('#catalog-event', ev.id);
    await fac.click('#catalog-form button[type=submit]');
    await fac.locator('#catalog-repeat').waitFor();
    assert.match(await text(fac, '#catalog-repeat'), /already fired in turn 1/);
    await shot(fac, 'room-02-fac-repeat-warning');
    await fac.click('#catalog-repeat-no');
    assert.equal((await fac.locator('#inject-log .card').count()), turn1.length + 1, 'Cancel sent nothing');
    // Left half-filled, the form is blank once the next turn begins.
    await fac.fill('#custom-title', 'Half-written');
    await fac.check(`#cus-to-${scenario.teams[1].id}`);
  });

  await t.test('adjudication: readable overrides at 1366 px, and Publish stays in view', async () => {
    for (const team of scenario.teams.map((x) => x.id)) await submitFor(s, team);
    await waitText(fac, '#readiness-body', /(Submitted[\s\S]*){4}/);
    await advance(fac, /Adjudication/);
    await waitText(fac, '#tab-adjudication', /to review/);
    await fac.click('#tab-adjudication');
    await fac.locator('#adj-body tr').first().waitFor();
    const widths = await fac.$$eval('#adj-body select', (els) => els.map((e) => e.getBoundingClientRect().width));
    for (const w of widths) assert.ok(w >= 120, `the override select is ${w}px wide, enough for "Success" and "Failure"`);
    await fac.locator('#adj-body tr').last().scrollIntoViewIfNeeded();
    assert.ok(await inView(fac, '#advance-btn'), 'Publish stays on screen while overriding');
    assert.match(await text(fac, '#advance-btn'), /Publish the results/);
    await shot(fac, 'room-03-fac-adjudication');
    await axe(fac, 'White Cell, adjudication');
    await advance(fac, /Review/);
    assert.doesNotMatch(await text(fac, '#next-bar'), /Done:/, 'no stale "Done:" line');
    await advance(fac, /Briefing/);
    await fac.click('#tab-injects');
    assert.equal(await fac.inputValue('#custom-title'), '', 'the custom inject form is blank in the new turn');
    assert.ok(await fac.isChecked('#cus-to-all'), 'and back to everyone');
    await shot(fac, 'room-04-fac-injects');
    await axe(fac, 'White Cell, injects');
  });

  await t.test('ending: the bar says so, with the exports, and nothing stale', async () => {
    await fac.click('#tab-session');
    await fac.click('#end-btn');
    await fac.click('#end-confirm-yes');
    await waitText(fac, '#phase', /Session ended/);
    await waitText(fac, '#next-bar', /Session ended/);
    assert.ok(await fac.locator('#advance-btn').isHidden(), 'no button to advance an ended session');
    assert.ok(await inView(fac, '#ended-export-buttons [data-format="html"]'), 'the exports are in the bar');
    assert.doesNotMatch(await text(fac, '#next-bar'), /Done|published/i);
    await axe(fac, 'White Cell, ended');
  });
});

test('the projector fits 16:9 without scrolling and shows how to join', { timeout: 240000 }, async (t) => {
  const s = await newSession('Projector test');
  const lan = await (await fetch(`${base}/api/lan`)).json();
  await t.test('the LAN endpoint says a server on 127.0.0.1 cannot be reached from elsewhere', async () => {
    assert.equal(lan.loopback_only, true);
    assert.deepEqual(lan.urls, []);
  });
  const obs = await open('projector-local', LAPTOP, seatStorage(s, 'observer'));
  await obs.goto(`${base}/observer?session=${s.id}`);
  await waitText(obs, '#conn', /Connected/);
  await waitText(obs, '#lobby-join', /only, so other devices cannot reach it/);
  assert.ok(await obs.locator('#lobby-join img').isHidden(), 'nothing to scan');

  // A server on every interface: its addresses, a QR code of the join link.
  const all = await startServer('0.0.0.0');
  const lanAll = await (await fetch(`${all.url}/api/lan`)).json();
  await t.test('the LAN endpoint lists the addresses of a server on every interface', async () => {
    assert.equal(lanAll.all_interfaces, true);
    assert.equal(lanAll.port, all.port);
    for (const u of lanAll.urls) assert.match(u, new RegExp(`^http://.+:${all.port}$`));
    const qr = await fetch(`${all.url}/api/qr?text=${encodeURIComponent('http://10.1.2.3:8080/join?code=ABC')}`);
    assert.equal(qr.headers.get('content-type'), 'image/svg+xml');
    assert.match(await qr.text(), /<svg/);
    assert.equal((await fetch(`${all.url}/api/qr?text=javascript:1`)).status, 400);
  });
  const saved = base;
  base = all.url;
  const s2 = await newSession('Projector test');
  base = saved;
  for (const [vp, name] of [[LAPTOP, '1366x768'], [HD, '1920x1080']]) {
    await t.test(`at ${name}: the lobby, then a turn, fit the screen`, async () => {
      const page = await open(`projector-${name}`, vp, seatStorage(s2, 'observer'));
      await page.goto(`${all.url}/observer?session=${s2.id}`);
      await waitText(page, '#conn', /Connected/);
      await waitText(page, '#lobby-join', new RegExp(s2.code));
      if (lanAll.urls.length) {
        await until(() => page.locator('#lobby-join img').evaluate((i) => i.complete && i.naturalWidth > 0), 'the QR code to load');
        assert.match(await page.getAttribute('#lobby-join img', 'alt'), new RegExp(`join\\?code=${s2.code}`));
      }
      const size = await scrollSize(page);
      assert.ok(size.sh <= size.ch && size.sw <= size.cw, `no scrolling in the lobby: ${JSON.stringify(size)}`);
      await shot(page, `room-10-projector-lobby-${name}`);
      await axe(page, `projector ${name}, lobby`);
    });
  }
  // Play into a turn with a timer, injects and outcomes, then look again.
  const fac = await open('facilitator-all', LAPTOP, facStorage(s2));
  await fac.goto(`${all.url}/facilitator?session=${s2.id}`);
  await waitText(fac, '#advance-btn', /Start the game/);
  await advance(fac, /Briefing/);
  await fac.click('#advance-btn');
  await fac.click('#pending-fire');
  await waitText(fac, '#phase', /Decision/);
  base = all.url;
  for (const team of scenario.teams.map((x) => x.id)) await submitFor(s2, team);
  base = saved;
  await fac.click('#advance-btn');
  await waitText(fac, '#phase', /Adjudication/);
  await advance(fac, /Review/);
  await advance(fac, /Briefing/);
  await fac.click('#advance-btn');
  await fac.click('#pending-fire');
  await waitText(fac, '#phase', /Decision/);
  await fac.fill('#timer-minutes', '5');
  await fac.click('#timer-form button[type=submit]');
  for (const [vp, name] of [[LAPTOP, '1366x768'], [HD, '1920x1080']]) {
    await t.test(`at ${name}: a turn in play fits the screen, with a big countdown and the QR code`, async () => {
      const page = seen.find((r) => r.label === `projector-${name}`).page;
      await waitText(page, '#phase', /Decision/);
      await waitText(page, '#timer', /\d:\d\d/);
      await waitText(page, '#join-hint', new RegExp(s2.code));
      if (lanAll.urls.length) assert.ok(await page.locator('#join-qr').isVisible(), 'the QR code is in the header');
      const size = await scrollSize(page);
      assert.ok(size.sh <= size.ch && size.sw <= size.cw, `no scrolling: ${JSON.stringify(size)}`);
      const timerPx = await page.$eval('#timer', (e) => parseFloat(getComputedStyle(e).fontSize));
      assert.ok(timerPx >= 40, `the countdown is ${timerPx}px tall, readable from the back`);
      await shot(page, `room-11-projector-turn-${name}`);
      await axe(page, `projector ${name}, decision`);
    });
  }
});

test('the start, join and team pages: axe-core, and a short phone page', { timeout: 240000 }, async (t) => {
  await t.test('the start page shows where phones reach the server', async () => {
    const page = await open('start', LAPTOP);
    await page.goto(`${base}/`);
    await until(async () => (await page.locator('#scenario option').count()) > 0, 'the scenario list');
    await axe(page, 'start');
    await page.fill('#title', 'Start page test');
    await page.click('#create-btn');
    await page.locator('#created').waitFor();
    await waitText(page, '#created-lan', /listens on 127\.0\.0\.1:\d+ only/);
    assert.ok(await page.locator('#created-qr').isHidden(), 'no QR code when nothing can reach the server');
    await axe(page, 'start, session created');
  });

  await t.test('the join page', async () => {
    const page = await open('join', PHONE, {}, true);
    await page.goto(`${base}/join`);
    await page.locator('#code').waitFor();
    await axe(page, 'join');
  });

  const s = await newSession('Phone test', { player_odds: 'band' });
  const team = scenario.teams[0].id;
  const fac = await open('facilitator-phone-test', LAPTOP, facStorage(s));
  await fac.goto(`${base}/facilitator?session=${s.id}`);
  await waitText(fac, '#advance-btn', /Start the game/);
  const phone = await open('team-phone', PHONE, seatStorage(s, team), true);
  await phone.goto(`${base}/team?session=${s.id}`);
  await waitText(phone, '#conn', /Connected/);
  const desk = await open('team-desktop', LAPTOP, seatStorage(s, scenario.teams[1].id));
  await desk.goto(`${base}/team?session=${s.id}`);
  await waitText(desk, '#conn', /Connected/);

  await t.test('team pages in the lobby and the briefing', async () => {
    await axe(phone, 'team phone, lobby');
    // The phone's page is in the background, as in a pocket.
    await phone.evaluate(() => Object.defineProperty(document, 'hidden', { configurable: true, get: () => true }));
    await advance(fac, /Briefing/);
    await waitText(phone, '#phase', /Briefing/);
    await axe(phone, 'team phone, briefing');
    await axe(desk, 'team desktop, briefing');
  });

  await t.test('a new phase cues the player (title flash), and the switch turns cues off', async () => {
    await until(async () => (await phone.evaluate(() => (window.__wargameCues || []).length)) > 0, 'a cue for the new phase');
    const cues = await phone.evaluate(() => window.__wargameCues);
    assert.equal(cues[0].kind, 'phase');
    assert.ok(cues[0].flash, 'the title flashes while the page is in the background');
    await until(async () => (await phone.title()).startsWith('\u2605 Turn 1 of 3: Briefing'), 'the flashing title');
    await phone.evaluate(() => delete document.hidden);
    await phone.click('.cue-switch');
    assert.equal(await phone.getAttribute('.cue-switch', 'aria-pressed'), 'false');
    assert.equal(await phone.evaluate(() => localStorage.getItem('wargame.cues')), 'off', 'remembered on the device');
  });

  await t.test('decision on a phone: a compact header, the decision in view', async () => {
    await fac.click('#advance-btn');
    await fac.click('#pending-fire');
    await waitText(fac, '#phase', /Decision/);
    await waitText(phone, '#phase', /Decision/);
    assert.equal(await phone.evaluate(() => (window.__wargameCues || []).length), 1, 'no cue once they are off');
    const header = await phone.$eval('#statusbar', (e) => e.getBoundingClientRect().height);
    assert.ok(header <= 60, `the sticky header is ${header}px tall on a 844px phone`);
    const top = await phone.$eval('#decide', (e) => e.getBoundingClientRect().top);
    assert.ok(top < 844 / 2, `the decision starts ${top}px down the page`);
    // The odds band under each option the team can take, and its objectives.
    await waitText(phone, '.option .odds .odds-band', /likely|even|risky/);
    await phone.evaluate(() => {
      const o = document.querySelector('.option .odds:not([hidden])').closest('.option');
      window.scrollTo(0, o.getBoundingClientRect().top + window.scrollY - 110);
    });
    await shot(phone, 'room-20-team-phone-decision');
    await waitText(phone, '#objectives', /Your objectives/);
    await phone.evaluate(() => {
      const o = document.getElementById('objectives');
      window.scrollTo(0, o.getBoundingClientRect().top + window.scrollY - 100);
    });
    await shot(phone, 'room-22-team-phone-objectives');
    await phone.evaluate(() => window.scrollTo(0, 0));
    assert.deepEqual((await axe(phone, 'team phone, decision')).map((v) => `${v.impact} ${v.id}`), [], 'no finding at all');
    assert.deepEqual((await axe(desk, 'team desktop, decision')).map((v) => `${v.impact} ${v.id}`), [], 'no finding at all');
    await teamPageShape(phone, 'team phone, decision');
    await teamPageShape(desk, 'team desktop, decision');
  });

  await t.test('review on a phone: only the indicators that moved, and "show all"', async () => {
    for (const x of scenario.teams.map((y) => y.id)) await submitFor(s, x);
    await advance(fac, /Adjudication/);
    await advance(fac, /Review/);
    await waitText(phone, '#phase', /Review/);
    const total = scenario.indicators.length;
    await phone.locator('#indicators .ind-toggle button').waitFor();
    const shown = await phone.locator('#indicators .ind:visible').count();
    assert.ok(shown < total, `${shown} of ${total} indicators shown by default`);
    await phone.click('#indicators .ind-toggle button');
    assert.equal(await phone.locator('#indicators .ind:visible').count(), total, 'show all shows all');
    await phone.click('#indicators .ind-toggle button');
    await phone.evaluate(() => document.getElementById('situation').scrollIntoView());
    await shot(phone, 'room-21-team-phone-review');
    assert.deepEqual((await axe(phone, 'team phone, review')).map((v) => `${v.impact} ${v.id}`), [], 'no finding at all');
    assert.deepEqual((await axe(desk, 'team desktop, review')).map((v) => `${v.impact} ${v.id}`), [], 'no finding at all');
    await teamPageShape(phone, 'team phone, review');
    await teamPageShape(desk, 'team desktop, review');
  });
});

test('no page of this file had a script error or a CSP violation', () => {
  for (const r of seen) {
    assert.deepEqual(r.errors, [], `${r.label}: script errors`);
    assert.deepEqual(r.csp, [], `${r.label}: CSP violations`);
  }
});
