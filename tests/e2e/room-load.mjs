// A full room at once: how fast every page shows what the White Cell just did.
//
// One headless Chromium holds 20 live pages of one session: the White Cell console,
// 16 team consoles (four players per team; two of each team's on a 390x844 phone, two
// on a laptop) and 3 public displays (projectors at 1920x1080, 1600x900, 1366x768).
// Every turn of the default scenario the White Cell, through its own page, starts the
// game or the next turn, sends a custom inject to everyone, fires the turn's scripted
// injects from the script (not timed: their recipients differ), opens the decision
// window, closes it and rolls once one player per team has submitted from the team page,
// publishes, and at the end finishes the game. For each of those clicks it records,
// on every page, the moment that page's DOM shows the result (a MutationObserver in the
// page, on the same clock as the click: all pages live in one browser on one machine),
// and reports per action the time until EVERY page shows it (p50/p95 over the game)
// and the per-page times.
//
// Besides the times, it says where they go (see BENCHMARKS.md): per page, when the
// first event frame of the action reached the page's script (click -> frame: the server
// and the socket) and when the DOM showed it (frame -> DOM: the page's own work, waiting
// for a core among the others); per action, the CPU each page's renderer used (CDP
// Performance.getMetrics, ProcessTime) and on Linux the CPU of every process on the
// machine from /proc (the browser, its GPU process, the server, node, everything else),
// which shows when the pages wait for the two cores rather than for the server.
//
// Not part of CI; run by hand (a few minutes) against a RELEASE build:
//   cargo build --release
//   node tests/e2e/room-load.mjs [--bin path/to/wargame]
// Binary: --bin, else WARGAME_BIN, else target/release/wargame (a debug build measures
// the debug server; say so if you report it).
// Env: CHROMIUM (default /usr/bin/chromium), WARGAME_TURNS (play this many turns,
// default: the scenario's), WARGAME_SEED (2025), WARGAME_OUT (the JSON report, default
// tests/e2e/screenshots/room-load.json), WARGAME_WEB (a directory holding a `static/`
// tree: the pages load their scripts and styles from it instead of the binary, to
// compare two versions of the consoles with one server build, run after run).
import assert from 'node:assert/strict';
import { spawn, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, sleep, waiters } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
const binArg = process.argv.indexOf('--bin');
const BIN = path.resolve(binArg > 0 ? process.argv[binArg + 1] || '' : process.env.WARGAME_BIN || path.join(TARGET, 'release', 'wargame'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SEED = Number(process.env.WARGAME_SEED || 2025);
const OUT = process.env.WARGAME_OUT || path.join(HERE, 'screenshots', 'room-load.json');
const TARGET_P95 = 150;

const FAC = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1280, height: 800 };
const PROJECTORS = [
  { width: 1920, height: 1080 },
  { width: 1600, height: 900 },
  { width: 1366, height: 768 },
];

const { until } = waiters(30000);
const T0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(6)} s]`, ...a);

let server;
let serverLog = '';
let browser;
let tmp;
let base;
const pages = []; // { label, kind: 'fac'|'team'|'projector', team?, page, errors }
const samples = []; // { action, turn, all, perPage: {label: ms} }
const loads = [];

async function api(method, p, body) {
  const res = await fetch(`${base}${p}`, { method, headers: { 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json();
  assert.ok(res.ok, `${method} ${p}: ${JSON.stringify(data)}`);
  return data;
}

async function open(label, kind, viewport, mobile, storage, url, team) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: !!mobile, hasTouch: !!mobile });
  if (process.env.WARGAME_WEB) {
    await context.route(/\/static\//, (route) => {
      const file = path.join(process.env.WARGAME_WEB, decodeURIComponent(new URL(route.request().url()).pathname));
      const type = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }[path.extname(file)];
      if (!type || !fs.existsSync(file)) return route.continue();
      return route.fulfill({ status: 200, contentType: type, body: fs.readFileSync(file) });
    });
  }
  await context.addInitScript((items) => {
    if (sessionStorage.getItem('seeded')) return;
    sessionStorage.setItem('seeded', '1');
    for (const [k, v] of Object.entries(items)) localStorage.setItem(k, JSON.stringify(v));
    // Cues off: 20 chimes in one process say nothing about speed.
    localStorage.setItem('wargame.cues', 'off');
  }, storage);
  // When the first event frame after the click reaches the page's script: a listener
  // added before the console's own, so it sees the frame first.
  await context.addInitScript(() => {
    window.__frameAt = null;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (m) => {
          if (window.__frameAt === null && typeof m.data === 'string' && m.data.startsWith('{"type":"event"')) window.__frameAt = Date.now();
        });
      }
    };
  });
  const page = await context.newPage();
  const rec = { label, kind, team, page, errors: [] };
  page.on('pageerror', (e) => rec.errors.push(String(e)));
  // Each page says when it shows the result (no polling of 20 pages while they draw).
  await page.exposeFunction('__roomShown', (t) => {
    if (rec.onShown) rec.onShown(t);
  });
  rec.cdp = await context.newCDPSession(page);
  await rec.cdp.send('Performance.enable');
  await page.goto(url);
  pages.push(rec);
  return rec;
}

/** What each kind of page shows once an action has taken effect: [element id, regex]. */
function phaseCheck(turn, phase) {
  // Team pages: #phase "Turn 2 of 8 · Briefing"; the console and the projector: #turn
  // "Turn 2 of 8" and #phase "Briefing".
  const re = `Turn ${turn} of \\d+[\\s\\S]*${phase}`;
  return () => [['__turnphase', re]];
}

/** Before the click, every page watches for its result. */
async function arm(checksFor) {
  await Promise.all(
    pages.map((p) =>
      p.page.evaluate((checks) => {
        const textOf = (id) => {
          if (id === '__turnphase') {
            const t = document.getElementById('turn');
            const ph = document.getElementById('phase');
            return `${t ? t.textContent : ''} ${ph ? ph.textContent : ''}`;
          }
          const e = document.getElementById(id);
          return e ? e.textContent : '';
        };
        const ok = () => checks.every(([id, re]) => new RegExp(re).test(textOf(id)));
        window.__shown = null;
        window.__frameAt = null;
        if (window.__mo) window.__mo.disconnect();
        if (ok()) {
          window.__shown = -1; // already true before the click: a wrong check
          return;
        }
        window.__mo = new MutationObserver(() => {
          if (window.__shown === null && ok()) {
            window.__shown = Date.now();
            window.__mo.disconnect();
            window.__roomShown(window.__shown);
          }
        });
        window.__mo.observe(document.body, { subtree: true, childList: true, characterData: true });
      }, checksFor(p))
    )
  );
}

/** Clicks on the White Cell's page, answering its confirmations (pending scripted
 *  injects: fire them all; teams left out or the last turn: go ahead); the clock starts
 *  at the last click, the one that sends the command. */
async function clickOnConsole(selector) {
  return fac().page.evaluate((sel) => {
    let t = Date.now();
    document.querySelector(sel).click();
    const pending = document.getElementById('pending-confirm');
    if (pending && !pending.hidden) {
      t = Date.now();
      document.getElementById('pending-fire').click();
    }
    const confirm = document.getElementById('advance-confirm');
    if (confirm && !confirm.hidden) {
      t = Date.now();
      document.getElementById('advance-confirm-yes').click();
    }
    return t;
  }, selector);
}

function fac() {
  return pages.find((p) => p.kind === 'fac');
}

/** CPU milliseconds so far: each page's renderer process (CDP), and on Linux every
 *  process on the machine by kind. */
async function cpuNow() {
  const perPage = await Promise.all(
    pages.map(async (p) => {
      const { metrics } = await p.cdp.send('Performance.getMetrics');
      const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
      return { process: m.ProcessTime * 1000, thread: m.ThreadTime * 1000 };
    })
  );
  return { perPage, machine: machineCpu(), at: Date.now() };
}

const TICK_MS = 10; // USER_HZ is 100 on Linux
function machineCpu() {
  const out = {};
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch (e) {
    return null;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let cmd;
    let stat;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch (e) {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(f[11]) + Number(f[12])) * TICK_MS;
    let k = 'other';
    if (server && Number(pid) === server.pid) k = 'server';
    else if (Number(pid) === process.pid) k = 'node (this script)';
    else if (cmd.includes(CHROMIUM) || /playwright_chromiumdev_profile/.test(cmd)) {
      const t = /--type=([a-z-]+)/.exec(cmd);
      k = t ? (t[1] === 'renderer' ? 'renderers' : t[1] === 'gpu-process' ? 'gpu process' : 'chromium utilities') : 'chromium browser';
    }
    out[k] = (out[k] || 0) + ms;
  }
  return out;
}

async function measure(action, turn, checksFor, doClick) {
  await arm(checksFor);
  const bad = [];
  for (const p of pages) if ((await p.page.evaluate(() => window.__shown)) === -1) bad.push(p.label);
  assert.deepEqual(bad, [], `${action}: these pages showed the result before the click`);
  const shown = {};
  let done;
  const allShown = new Promise((r) => (done = r));
  for (const p of pages) {
    p.onShown = (t) => {
      shown[p.label] = t;
      if (Object.keys(shown).length === pages.length) done();
    };
  }
  const cpu0 = await cpuNow();
  const t0 = await doClick();
  let timer;
  await Promise.race([
    allShown,
    new Promise((_, reject) => {
      timer = setTimeout(() => {
        const missing = pages.filter((p) => shown[p.label] === undefined).map((p) => p.label);
        reject(new Error(`timed out after 30 s waiting for every page to show "${action}" (turn ${turn}); not shown on ${missing.join(', ')}`));
      }, 30000);
    }),
  ]);
  clearTimeout(timer);
  const cpu1 = await cpuNow();
  for (const p of pages) p.onShown = null;
  for (const k of Object.keys(shown)) shown[k] -= t0;
  const frames = {};
  for (const p of pages) {
    const at = await p.page.evaluate(() => window.__frameAt);
    frames[p.label] = at ? at - t0 : null;
  }
  // The CPU each renderer used from the click until every page showed it, and the
  // machine's processes over the same window (ms).
  const cpu = {};
  pages.forEach((p, i) => {
    cpu[p.label] = Math.round(cpu1.perPage[i].process - cpu0.perPage[i].process);
  });
  let machine = null;
  if (cpu0.machine && cpu1.machine) {
    machine = {};
    for (const k of Object.keys(cpu1.machine)) machine[k] = cpu1.machine[k] - (cpu0.machine[k] || 0);
  }
  const all = Math.max(...Object.values(shown));
  samples.push({ action, turn, all, perPage: shown, frames, cpu, machine, span: cpu1.at - cpu0.at });
  log(`${action.padEnd(16)} turn ${turn}: every page in ${all} ms (median page ${pct(Object.values(shown), 50)} ms)`);
  loads.push(os.loadavg()[0]);
  // Let the pages' fresh snapshots after the event land before the next action.
  await sleep(700);
}

function pct(list, p) {
  if (!list.length) return NaN;
  const s = list.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function submitTeams(turn) {
  // One player per team (the first laptop) ticks the first option it can take, writes
  // a rationale and submits, through the page.
  for (const p of pages.filter((x) => x.kind === 'team' && x.label.endsWith('laptop 1'))) {
    const page = p.page;
    const boxes = page.locator('#options input[type=checkbox]:not(:disabled)');
    await until(async () => (await boxes.count()) > 0, `${p.label}: an option to take`);
    const box = boxes.first();
    const id = await box.getAttribute('id');
    await box.check();
    await page.fill(`#${id}-rat`, `Load test, turn ${turn}`);
    await page.click('#submit-btn');
    await until(async () => /Submitted at/.test(await page.textContent('#submit-feedback')), `${p.label}: submitted`);
  }
}

async function main() {
  assert.ok(fs.existsSync(BIN), `no wargame binary at ${BIN}; run cargo build --release (or pass --bin)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wargame-room-load-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--db', path.join(tmp, 'load.db'), '--scenarios', path.join(ROOT, 'scenarios')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.assign({}, process.env, { RUST_LOG: 'warn' }),
  });
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  await until(async () => {
    if (server.exitCode !== null) throw new Error(`the server exited: ${serverLog}`);
    return (await fetch(`${base}/healthz`)).ok;
  }, 'the server');

  const list = await api('GET', '/api/scenarios');
  const sid = (list.scenarios || list)[0].id;
  const scenario = await api('GET', `/api/scenarios/${sid}`);
  const turns = Number(process.env.WARGAME_TURNS || scenario.max_turns || 8);
  const s = await api('POST', '/api/sessions', { scenario: sid, title: 'A full room', seed: SEED, max_turns: turns, player_odds: 'band' });
  log(`session ${s.session_id}, scenario ${sid}, ${turns} turns, binary ${BIN}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const facSeat = { session_id: s.session_id, token: s.facilitator_token, join_code: s.join_code, title: 'A full room' };
  await open('White Cell', 'fac', FAC, false, { 'wargame.facilitator': [facSeat] }, `${base}/facilitator?session=${s.session_id}`);
  for (const t of scenario.teams) {
    for (let i = 0; i < 4; i++) {
      const phone = i % 2 === 1;
      const name = `${t.name} ${i + 1}`;
      const j = await api('POST', '/api/join', { join_code: s.join_code, team: t.id, name });
      const seat = { session_id: s.session_id, team: t.id, token: j.token, player: j.player, name, join_code: s.join_code, title: 'A full room' };
      const label = `${t.id} ${phone ? 'phone' : 'laptop'} ${Math.floor(i / 2) + 1}`;
      await open(label, 'team', phone ? PHONE : LAPTOP, phone, { 'wargame.seats': [seat] }, `${base}/team?session=${s.session_id}`, t.id);
    }
  }
  for (const [i, vp] of PROJECTORS.entries()) {
    const j = await api('POST', '/api/join', { join_code: s.join_code, team: 'observer', name: `Projector ${i + 1}` });
    const seat = { session_id: s.session_id, team: 'observer', token: j.token, player: j.player, name: `Projector ${i + 1}`, join_code: s.join_code, title: 'A full room' };
    await open(`projector ${vp.width}x${vp.height}`, 'projector', vp, false, { 'wargame.seats': [seat] }, `${base}/observer?session=${s.session_id}`);
  }
  for (const p of pages) await until(async () => /Connected/.test(await p.page.textContent('#conn')), `${p.label} connected`);
  log(`${pages.length} pages connected (${pages.filter((p) => p.kind === 'team').length} team pages, ${pages.filter((p) => p.kind === 'projector').length} projectors)`);
  const uptimeBefore = execSync('uptime').toString().trim();

  const F = fac().page;
  await measure('start', 1, phaseCheck(1, 'Briefing'), () => clickOnConsole('#advance-btn'));
  let ended = false;
  for (let turn = 1; turn <= turns && !ended; turn++) {
    if (turn > 1) await measure('next briefing', turn, phaseCheck(turn, 'Briefing'), () => clickOnConsole('#advance-btn'));
    // A custom inject to everyone, from the Injects panel.
    const title = `Room load inject, turn ${turn}`;
    await F.click('#tab-injects');
    await F.fill('#custom-title', title);
    await F.fill('#custom-text', 'A message every page shows.');
    const where = { fac: 'inject-log', team: 'injects', projector: 'timeline' };
    await measure('inject', turn, (p) => [[where[p.kind], title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')]], () => clickOnConsole('#custom-form button[type=submit]'));
    // The turn's scripted injects, fired one by one from the script (not timed), so
    // that opening the window below is one command and not a run of them.
    let fired = 0;
    for (let k = 0; k < 12; k++) {
      const fire = F.locator('#script-list button[aria-label^="Fire scripted inject"]:not(:disabled)');
      if (!(await fire.count())) break;
      await fire.first().click();
      fired++;
      await sleep(400);
    }
    if (fired) log(`(fired ${fired} scripted injects of turn ${turn}, not timed)`);
    await sleep(700);
    await F.click('#tab-run');
    await measure('open decision', turn, phaseCheck(turn, 'Decision'), () => clickOnConsole('#advance-btn'));
    await submitTeams(turn);
    await measure('close and roll', turn, phaseCheck(turn, 'Adjudication'), () => clickOnConsole('#advance-btn'));
    await measure('publish', turn, phaseCheck(turn, 'Review'), () => clickOnConsole('#advance-btn'));
    ended = /ended/i.test(await F.textContent('#phase'));
  }
  if (!ended) {
    await measure('end', turns, () => [['phase', 'Session ended']], () => clickOnConsole('#advance-btn'));
  }
  const uptimeAfter = execSync('uptime').toString().trim();

  // The report.
  const actions = ['start', 'inject', 'open decision', 'close and roll', 'publish', 'next briefing', 'end'];
  const rows = [];
  console.log('\naction          | n  | every page p50 | p95   | max   | single page p50 | p95');
  for (const a of actions.concat(['overall'])) {
    const mine = a === 'overall' ? samples : samples.filter((x) => x.action === a);
    if (!mine.length) continue;
    const all = mine.map((x) => x.all);
    const per = mine.flatMap((x) => Object.values(x.perPage));
    const row = { action: a, n: mine.length, all_p50: pct(all, 50), all_p95: pct(all, 95), all_max: Math.max(...all), page_p50: pct(per, 50), page_p95: pct(per, 95) };
    rows.push(row);
    console.log(
      `${a.padEnd(15)} | ${String(row.n).padStart(2)} | ${String(row.all_p50).padStart(14)} | ${String(row.all_p95).padStart(5)} | ${String(row.all_max).padStart(5)} | ${String(row.page_p50).padStart(15)} | ${String(row.page_p95).padStart(4)}`
    );
  }
  const byKind = {};
  for (const kind of ['fac', 'team', 'projector']) {
    const labels = pages.filter((p) => p.kind === kind).map((p) => p.label);
    const per = samples.flatMap((x) => labels.map((l) => x.perPage[l]));
    byKind[kind] = { p50: pct(per, 50), p95: pct(per, 95) };
  }
  const phones = pages.filter((p) => /phone/.test(p.label)).map((p) => p.label);
  byKind.phone = { p50: pct(samples.flatMap((x) => phones.map((l) => x.perPage[l])), 50), p95: pct(samples.flatMap((x) => phones.map((l) => x.perPage[l])), 95) };
  console.log(`by page kind (ms): ${JSON.stringify(byKind)}`);
  // Where the time goes, by kind of page: click -> first event frame in the page's
  // script, frame -> DOM shows it, and the renderer's CPU from the click until every
  // page showed the action.
  const where = {};
  for (const kind of ['fac', 'team', 'projector']) {
    const labels = pages.filter((p) => p.kind === kind).map((p) => p.label);
    const pick = (f) => samples.flatMap((x) => labels.map((l) => f(x, l))).filter((v) => v !== null && v !== undefined);
    const frame = pick((x, l) => x.frames[l]);
    const draw = pick((x, l) => (x.frames[l] === null ? null : x.perPage[l] - x.frames[l]));
    const cpu = pick((x, l) => x.cpu[l]);
    where[kind] = {
      frame_p50: pct(frame, 50),
      frame_p95: pct(frame, 95),
      draw_p50: pct(draw, 50),
      draw_p95: pct(draw, 95),
      renderer_cpu_ms_mean: Math.round(cpu.reduce((a, b) => a + b, 0) / cpu.length),
    };
  }
  console.log(`where the time goes, by page kind (ms): ${JSON.stringify(where)}`);
  const machine = {};
  if (samples.every((x) => x.machine)) {
    for (const x of samples) for (const [k, v] of Object.entries(x.machine)) machine[k] = (machine[k] || 0) + v;
    const span = samples.reduce((a, x) => a + x.span, 0);
    const cores = Object.fromEntries(Object.entries(machine).map(([k, v]) => [k, +(v / span).toFixed(2)]));
    console.log(`CPU while the room drew (cores, averaged over the ${samples.length} windows from just before each click until every page showed it): ${JSON.stringify(cores)}`);
    Object.assign(machine, { cores });
  }
  const rendererCpu = samples.map((x) => Object.values(x.cpu).reduce((a, b) => a + b, 0));
  console.log(`renderer CPU per action, all 20 pages (ms): p50 ${pct(rendererCpu, 50)}, p95 ${pct(rendererCpu, 95)}`);
  const overall = rows.find((r) => r.action === 'overall');
  console.log(`uptime before: ${uptimeBefore}`);
  console.log(`uptime after:  ${uptimeAfter}`);
  console.log(`1-minute load at each action: min ${Math.min(...loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}`);
  console.log(`target p95 <= ${TARGET_P95} ms until every page shows an action: ${overall.all_p95 <= TARGET_P95 ? 'met' : 'NOT met'} (p95 ${overall.all_p95} ms)`);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(
    OUT,
    JSON.stringify({ binary: BIN, pages: pages.map((p) => p.label), turns, seed: SEED, uptimeBefore, uptimeAfter, loads, rows, byKind, where, machine, samples }, null, 1)
  );
  log(`wrote ${OUT}`);
  const errors = pages.filter((p) => p.errors.length).map((p) => `${p.label}: ${p.errors.join('; ')}`);
  assert.deepEqual(errors, [], 'script errors on some pages');
}

try {
  await main();
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), sleep(5000)]);
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
