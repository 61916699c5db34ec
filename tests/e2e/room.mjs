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
async function newSession(title) {
  const s = await api('POST', '/api/sessions', { scenario: scenario.id, title, seed: 7, max_turns: 3 });
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

/** axe-core on the page as it is now: no serious or critical violation. */
async function axe(page, name) {
  await page.addScriptTag({ content: AXE });
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
  const count = (i) => res.filter((v) => v.impact === i).reduce((a) => a + 1, 0);
  axeReport.push([name, count('critical'), count('serious'), count('moderate'), count('minor'), res.map((v) => `${v.impact} ${v.id}`).join(', ')]);
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe-core found ${bad.length} serious or critical violations`);
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

test('the White Cell console', { timeout: 240000 }, async (t) => {
  const s = await newSession('Room test');
  const fac = await open('facilitator', LAPTOP, facStorage(s));
  await fac.goto(`${base}/facilitator?session=${s.id}`);
  await waitText(fac, '#conn', /Connected/);
  await waitText(fac, '#advance-btn', /Start the game/);
  await shot(fac, 'room-01-fac-lobby');
});
