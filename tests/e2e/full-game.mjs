// Playtest: a whole game of the default scenario played through the real pages.
//
// A facilitator creates a session on the start page; four players join in their own
// browser contexts (Belarus on a phone viewport) and a projector joins as observer. Then
// every turn: the facilitator fires the turn's scripted injects (and a catalog or custom
// one on some turns), opens the decision window; each team ticks 1-3 available options
// within its budget, writes rationales and submits (some revise, one submits nothing,
// one misses a window that a timer closes by itself); the facilitator previews the odds,
// closes the window, overrides an outcome every other turn with a note, publishes; every
// team reads its outcomes. At the end every export format is downloaded from the console
// and checked. Screenshots go to tests/e2e/screenshots/ (not committed), and how long each
// page took to show each event goes to tests/e2e/screenshots/full-game-timings.json.
//
// Not part of CI (it takes a few minutes). Run it after building:
//   cargo build --release
//   WARGAME_BIN=$CARGO_TARGET_DIR/release/wargame node tests/e2e/full-game.mjs
// Env: WARGAME_BIN (default: release binary if built, else debug), CHROMIUM
// (default /usr/bin/chromium), WARGAME_SEED (dice seed, default 2025),
// WARGAME_ESCALATE=1 (end early on an end condition), WARGAME_SHOTS (screenshot folder,
// default tests/e2e/screenshots/full-game).
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
const BIN =
  process.env.WARGAME_BIN ||
  [path.join(TARGET, 'release', 'wargame'), path.join(TARGET, 'debug', 'wargame')].find((p) => fs.existsSync(p));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SEED = process.env.WARGAME_SEED || '2025';
// WARGAME_ESCALATE=1: the White Cell adds border clashes (+2 on the escalation ladder)
// every turn from turn 2, so the game ends early on the scenario's regional-war
// condition instead of at the turn limit.
const ESCALATE = process.env.WARGAME_ESCALATE === '1';
const SHOTS = process.env.WARGAME_SHOTS || path.join(HERE, 'screenshots', ESCALATE ? 'full-game-escalate' : 'full-game');

const DESKTOP = { width: 1440, height: 1000 };
const PHONE = { width: 390, height: 844 };
const PROJECTOR = { width: 1600, height: 900 };
const TEAMS = ['belarus', 'russia', 'ukraine', 'nato'];

let server;
let serverLog = '';
let browser;
let tmp;
let base;
const pages = [];
const timings = [];
const notes = []; // things a person would notice, found by the script itself

function log(...a) {
  console.log(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(6)} s]`, ...a);
}
const T0 = Date.now();

const { until, waitText } = waiters(20000);

async function shot(page, name, fullPage = false) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

async function topShot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, name);
}

async function panelShot(page, selector, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => document.querySelectorAll('.statusbar').forEach((b) => (b.hidden = true)));
  await page.locator(selector).screenshot({ path: path.join(SHOTS, `${name}.png`) });
  await page.evaluate(() => document.querySelectorAll('.statusbar').forEach((b) => (b.hidden = false)));
}

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
  // Chromium's own count of the time the page spent running script (rendering included),
  // to tell page work from network and server time in the timings.
  seen.cdp = await context.newCDPSession(page);
  await seen.cdp.send('Performance.enable');
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to/i.test(t)) seen.csp.push(t);
    else if (m.type() === 'error' && !/WebSocket/i.test(t)) seen.errors.push(t);
  });
  page.on('dialog', async (d) => {
    seen.dialogs.push(d.message());
    await d.dismiss().catch(() => {});
  });
  pages.push(seen);
  return page;
}

function startServer(port, dbPath) {
  server = spawn(
    BIN,
    ['serve', '--addr', `127.0.0.1:${port}`, '--db', dbPath, '--scenarios', path.join(ROOT, 'scenarios')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: Object.assign({}, process.env, { RUST_LOG: 'warn' }) }
  );
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  return until(async () => {
    if (server.exitCode !== null) throw new Error(`the server exited: ${serverLog}`);
    return (await fetch(`${base}/healthz`)).ok;
  }, 'the server to answer /healthz', 30000);
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const proc = server;
  proc.kill('SIGTERM');
  await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(8000)]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

// ------------------------------------------------------------------------------------
// Measuring how long each page takes to show an event
// ------------------------------------------------------------------------------------

/** Milliseconds of script the page has run so far (Chromium's ScriptDuration). */
async function scriptMs(page) {
  const seen = pages.find((p) => p.page === page);
  const { metrics } = await seen.cdp.send('Performance.getMetrics');
  return 1000 * (metrics.find((m) => m.name === 'ScriptDuration') || { value: 0 }).value;
}

let probeId = 0;

/** Arms a MutationObserver in the page that records (page clock) when `selector`'s text
 *  first matches `re`. Returns a function that waits for that time. */
async function arm(page, selector, re) {
  const id = `p${++probeId}`;
  await page.evaluate(
    ([id, sel, src, flags]) => {
      window.__probes = window.__probes || {};
      const re = new RegExp(src, flags);
      const check = () => {
        const n = document.querySelector(sel);
        return !!n && re.test(n.textContent || '');
      };
      if (check()) {
        window.__probes[id] = -1; // already true before the action
        return;
      }
      const mo = new MutationObserver(() => {
        if (check()) {
          window.__probes[id] = Date.now();
          mo.disconnect();
        }
      });
      mo.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    },
    [id, selector, re.source, re.flags]
  );
  return async (timeout = 20000) => {
    const h = await page.waitForFunction((id) => window.__probes && window.__probes[id], id, { timeout, polling: 50 });
    return h.jsonValue();
  };
}

/** Does `action`, then waits until every expectation [label, page, selector, re] holds,
 *  and records how long each page took. */
async function measure(what, action, expectations, timeout = 20000) {
  const armed = [];
  for (const [label, page, selector, re] of expectations) armed.push([label, await arm(page, selector, re)]);
  const busy0 = {};
  for (const [label, page] of expectations) busy0[label] = await scriptMs(page);
  const t0 = Date.now();
  await action();
  const row = { what, ms: {}, busy: {} };
  for (const [label, wait] of armed) {
    let at;
    try {
      at = await wait(timeout);
    } catch (e) {
      throw new Error(`${what}: ${label} never showed it (${e.message.split('\n')[0]})`);
    }
    row.ms[label] = at === -1 ? 0 : Math.max(0, at - t0);
  }
  // Let the follow-up snapshot (a page asks for one after heavy events) land before
  // reading how long the page was busy with this event.
  await sleep(400);
  for (const [label, page] of expectations) {
    row.busy[label] = Math.round((await scriptMs(page)) - busy0[label]);
  }
  timings.push(row);
  return row;
}

// ------------------------------------------------------------------------------------
// The teams' play: what each would like to do, turn by turn, in order of preference.
// Options not available (prerequisites) or over budget are passed over, as a player
// would. The lists follow the scenario's logic: Belarus adopts the law, declares martial
// law when the Union State trigger is live, then mobilizes; Russia builds leverage and
// prepares the northern axis; Ukraine fortifies; NATO deters and supports civil society.
// ------------------------------------------------------------------------------------

const PLAN = {
  belarus: {
    1: { want: 2, prefs: ['adopt_defence_law', 'establish_sof_brigade'], revise: ['adopt_defence_law', 'expand_logistics', 'by_deterrence_messaging'] },
    2: { want: 2, prefs: ['declare_martial_law', 'adopt_defence_law', 'preemptive_repression', 'expand_logistics'] },
    3: { want: 2, prefs: ['declare_martial_law', 'partial_mobilization', 'establish_sof_brigade', 'information_blackout'] },
    4: { want: 3, prefs: ['establish_sof_brigade', 'pass_wartime_legislation', 'hedge_commitments', 'expand_logistics'] },
    5: { want: 2, prefs: ['declare_martial_law', 'covert_raids', 'military_commandants', 'support_role', 'partial_mobilization'] },
    6: { want: 1, prefs: ['full_mobilization', 'partial_mobilization', 'diversionary_posture'] },
    7: { want: 2, prefs: ['declare_martial_law', 'military_commandants', 'covert_raids', 'information_blackout', 'diversionary_posture'] },
    8: { want: 3, prefs: ['hedge_commitments', 'by_deterrence_messaging', 'preemptive_repression', 'information_blackout'] },
  },
  russia: {
    1: { want: 2, prefs: ['press_minsk', 'coordinate_general_staff'] },
    2: { want: 2, prefs: ['condition_aid', 'ru_deterrence_messaging'] },
    3: { want: 2, prefs: ['deploy_troops_belarus', 'press_minsk'], revise: ['prepare_northern_strikes', 'press_minsk'] },
    4: { want: 2, prefs: ['prepare_northern_strikes', 'declare_union_state_attack', 'coordinate_general_staff'] },
    5: { want: 2, prefs: ['launches_from_belarus', 'ru_deterrence_messaging', 'press_minsk'] },
    6: { want: 2, prefs: ['coordinate_general_staff', 'deploy_troops_belarus', 'press_minsk'] },
    7: { want: 2, prefs: ['condition_aid', 'declare_union_state_attack', 'ru_deterrence_messaging'] },
    8: { want: 1, prefs: ['ru_deterrence_messaging'] },
  },
  ukraine: {
    1: { want: 2, prefs: ['fortify_north', 'request_intel'] },
    2: { want: 3, prefs: ['prepare_hybrid_defence', 'messaging_to_belarus', 'request_intel'] },
    3: { want: 2, prefs: ['deep_strike', 'prepare_hybrid_defence', 'messaging_to_belarus'] },
    4: { want: 2, prefs: ['fortify_north', 'messaging_to_belarus'] },
    5: { want: 0, prefs: [] }, // submits "no actions this turn" on purpose
    6: { want: 2, prefs: ['redeploy_north', 'request_intel', 'messaging_to_belarus'] },
    7: { want: 2, prefs: ['deep_strike', 'messaging_to_belarus'], revise: ['fortify_north', 'messaging_to_belarus'] },
    8: { want: 1, prefs: ['fortify_north'] },
  },
  nato: {
    1: { want: 2, prefs: ['share_intelligence', 'signal_consequences'] },
    2: { want: 2, prefs: ['targeted_sanctions', 'support_civil_society'] },
    3: { want: 2, prefs: ['flank_exercises', 'share_intelligence', 'support_civil_society'] },
    4: { want: 3, prefs: ['support_civil_society', 'signal_consequences', 'targeted_sanctions', 'share_intelligence'] },
    5: { want: 1, prefs: ['targeted_sanctions'] },
    6: { want: -1, prefs: [] }, // does not submit at all: the timer closes the window
    7: { want: 2, prefs: ['flank_exercises', 'support_civil_society'] },
    8: { want: 2, prefs: ['share_intelligence', 'signal_consequences', 'support_civil_society'] },
  },
};

const RATIONALE = {
  adopt_defence_law: 'Legal cover first: the law gives us the tools before anyone needs them.',
  declare_martial_law: 'The trigger is live and the law is in force; martial law secures the regime.',
  establish_sof_brigade: 'A southern SOF brigade gives us options short of open war.',
  partial_mobilization: 'Show readiness without committing the whole army.',
  full_mobilization: 'Martial law is in force; full mobilization before Moscow asks for it.',
  covert_raids: 'Deniable pressure on the northern border.',
  military_commandants: 'Put the regions under military control while the streets are quiet.',
  information_blackout: 'Keep the population from seeing what is moving where.',
  pass_wartime_legislation: 'Make the emergency powers permanent.',
  hedge_commitments: 'Keep a door open to the West; Moscow cannot own us completely.',
  by_deterrence_messaging: 'Tell Kyiv and the Alliance that Belarus will defend itself.',
  preemptive_repression: 'Arrest the organisers before they organise.',
  expand_logistics: 'Rail and depots earn Russian money without sending soldiers.',
  support_role: 'Be useful to Moscow as a platform, not as a combatant.',
  diversionary_posture: 'Keep Ukrainian brigades pinned in the north.',
  direct_entry: 'Moscow insists; we go in.',
  press_minsk: 'Remind Minsk who pays its bills.',
  coordinate_general_staff: 'One plan, one command: integrate the general staffs.',
  condition_aid: 'Aid now comes with conditions.',
  deploy_troops_belarus: 'Forward units in Belarus keep Kyiv guessing.',
  prepare_northern_strikes: 'Quietly prepare the northern axis.',
  launches_from_belarus: 'Use Belarusian airfields for the next wave.',
  declare_union_state_attack: 'Name the strike what it is: an attack on the Union State.',
  ru_deterrence_messaging: 'Make the West think twice.',
  fortify_north: 'Dig in along the Belarusian border.',
  request_intel: 'Ask our partners for what they see across the border.',
  prepare_hybrid_defence: 'Counter-sabotage teams for the north.',
  messaging_to_belarus: 'Talk to Belarusians directly: this is not your war.',
  deep_strike: 'Hit the depots that feed the front.',
  redeploy_north: 'Move reserves north before they are needed.',
  share_intelligence: 'Give Kyiv the picture from our sensors.',
  signal_consequences: 'Make clear to Minsk what joining the war would cost.',
  targeted_sanctions: 'Sanction the people who run the repression.',
  support_civil_society: 'Keep independent media and the exiles alive.',
  flank_exercises: 'Exercise on the flank: visible, defensive, reassuring.',
};

async function optionInfo(page) {
  return page.$$eval('#options .option', (els) =>
    els.map((e) => ({
      id: e.dataset.option,
      unavailable: e.classList.contains('unavailable'),
      disabled: e.querySelector('input[type=checkbox]').disabled,
      checked: e.querySelector('input[type=checkbox]').checked,
    }))
  );
}

/** Ticks options in order of preference (skipping unavailable and over-budget ones,
 *  as the page shows them), writes rationales; returns the ids ticked. */
async function pick(page, team, prefs, want, scenario) {
  const defs = new Map(scenario.teams.find((x) => x.id === team).options.map((o) => [o.id, o]));
  // Untick whatever is ticked (a revision starts from the previous draft).
  for (const o of await optionInfo(page)) if (o.checked) await page.uncheck(`#opt-${o.id}`);
  const picked = [];
  let left = scenario.teams.find((x) => x.id === team).budget || scenario.budget;
  const tryIds = prefs.concat(
    // Fallback: whatever else is available, cheapest first, so a turn is never wasted.
    Array.from(defs.values())
      .sort((a, b) => a.cost - b.cost)
      .map((o) => o.id)
  );
  for (const id of tryIds) {
    if (picked.length >= want) break;
    if (picked.includes(id)) continue;
    const info = (await optionInfo(page)).find((o) => o.id === id);
    if (!info || info.unavailable || info.disabled) continue;
    if (defs.get(id).cost > left) continue;
    await page.check(`#opt-${id}`);
    await page.fill(`#opt-${id}-rat`, RATIONALE[id] || `Turn rationale for ${id}.`);
    picked.push(id);
    left -= defs.get(id).cost;
  }
  return picked;
}

// ------------------------------------------------------------------------------------
// The game
// ------------------------------------------------------------------------------------

async function main() {
  assert.ok(BIN && fs.existsSync(BIN), `no wargame binary (looked in ${TARGET}/release and /debug); run cargo build --release`);
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}`);
  log(`binary ${BIN}`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wargame-playtest-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  fs.rmSync(SHOTS, { recursive: true, force: true });
  await startServer(port, path.join(tmp, 'playtest.db'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const scenario = await (await fetch(`${base}/api/scenarios/belarus-2025`)).json();
  const optDef = new Map(scenario.teams.flatMap((t) => t.options.map((o) => [o.id, Object.assign({ team: t.id }, o)])));

  // ---------------------------------------------------------------- start page
  const fac = await openPage('facilitator', DESKTOP);
  await fac.goto(`${base}/`);
  await until(async () => (await fac.locator('#scenario option').count()) > 0, 'the scenario list');
  await fac.fill('#title', 'Playtest: syndicate A, whole game');
  await fac.fill('#seed', SEED);
  await fac.click('#create-btn');
  const code = (await waitText(fac, '#created-code', /^[A-Z0-9]{6}$/)).trim();
  await shot(fac, '00-start-created');
  await fac.click('#created-console');
  await fac.waitForURL(/\/facilitator\?session=/);
  await waitText(fac, '#conn', /Connected/);
  await waitText(fac, '#phase', /Lobby/);
  log(`session created, join code ${code}`);

  // ---------------------------------------------------------------- join
  const names = { belarus: 'Alesia', russia: 'Boris', ukraine: 'Oksana', nato: 'Nora' };
  const players = {};
  for (const team of TEAMS) {
    const mobile = team === 'belarus';
    const page = await openPage(team, mobile ? PHONE : DESKTOP, mobile);
    players[team] = page;
    const t0 = Date.now();
    await page.goto(`${base}/join?code=${code}`);
    await page.locator(`#team-${team}`).waitFor();
    await page.check(`#team-${team}`);
    await page.fill('#name', names[team]);
    await page.click('#join-btn');
    await page.waitForURL(/\/team\?session=/);
    await waitText(page, '#conn', /Connected/);
    await waitText(page, '#phase', /Before turn 1 · Lobby/);
    timings.push({ what: `${team} joins (join page to a connected console)`, ms: { [team]: Date.now() - t0 } });
  }
  const obs = await openPage('observer', PROJECTOR);
  await obs.goto(`${base}/join?code=${code}`);
  await obs.locator('#team-observer').waitFor();
  await obs.check('#team-observer');
  await obs.fill('#name', 'Projector');
  await obs.click('#join-btn');
  await obs.waitForURL(/\/observer\?session=/);
  await waitText(obs, '#conn', /Connected/);
  await waitText(fac, '#observers', /Projector \(online\)/);
  await waitText(obs, '#lobby-join', new RegExp(code));
  await shot(players.belarus, '01-team-phone-lobby');
  await shot(obs, '02-observer-lobby');
  log('four players and a projector joined');

  const everyone = [['facilitator', fac], ...TEAMS.map((t) => [t, players[t]]), ['observer', obs]];
  const phaseOn = (re) => everyone.map(([label, page]) => [label, page, '#phase', re]);

  const gameStart = Date.now();
  const turnTimes = [];
  const published = []; // {turn, team, option, result, overridden}
  let ended = null;

  // ---------------------------------------------------------------- turns
  for (let turn = 1; turn <= 8 && !ended; turn++) {
    const tTurn = Date.now();
    log(`turn ${turn}: briefing`);
    if (turn === 1) {
      await measure('start the game (lobby to briefing)', () => fac.click('#advance-btn'), phaseOn(/Briefing/));
    }
    await waitText(fac, '#advance-btn', /Open the decision window/);

    // Scripted injects for this turn.
    await fac.click('#tab-injects');
    const scripted = scenario.script.filter((s) => s.turn === turn);
    for (const s of scripted) {
      const recipients = s.to.length && !s.to.includes('all') ? s.to : TEAMS;
      const title = s.title.slice(0, 24).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      await measure(
        `fire scripted inject ${s.id}`,
        () => fac.click(`#script-list [data-script="${s.id}"] button:has-text("Fire")`),
        [
          ['facilitator', fac, `#script-list [data-script="${s.id}"] .badge`, /Fired/],
          ...recipients.map((t) => [t, players[t], '#injects', new RegExp(title)]),
          ...(recipients.length === TEAMS.length ? [['observer', obs, '#timeline', new RegExp(title)]] : []),
        ]
      );
    }
    // Extra injects, as a White Cell would improvise.
    if (turn === 2) {
      await fac.fill('#custom-title', 'Rail traffic doubles at Brest');
      await fac.fill('#custom-text', 'Satellite imagery shows twice the usual military rail traffic through Brest and Baranovichi.');
      await fac.click('#custom-form summary');
      await fac.fill('#eff-ua_forces_diverted', '4');
      await fac.check('#cus-to-ukraine');
      await fac.check('#cus-to-nato');
      await measure('custom inject to Ukraine and NATO', () => fac.click('#custom-form button[type=submit]'), [
        ['facilitator', fac, '#custom-feedback', /Injected/],
        ['ukraine', players.ukraine, '#injects', /Rail traffic doubles/],
        ['nato', players.nato, '#injects', /Rail traffic doubles/],
      ]);
      assert.ok(!(await text(players.russia, '#injects')).includes('Rail traffic'), 'a targeted inject stays private');
    }
    if (ESCALATE && turn >= 2) {
      await fac.fill('#custom-title', `Border clashes, week ${turn}`);
      await fac.fill('#custom-text', 'Exchanges of fire along the Belarusian-Ukrainian border.');
      await fac.click('#custom-form summary');
      await fac.fill('#eff-escalation', '2');
      await fac.click('#custom-form button[type=submit]');
      await waitText(fac, '#custom-feedback', /Injected/);
    }
    if (turn === 5) {
      await fac.selectOption('#catalog-event', 'airbase_strike_near_belarus');
      await measure('catalog inject to everyone (airbase strike)', () => fac.click('#catalog-form button[type=submit]'), [
        ['facilitator', fac, '#catalog-feedback', /Injected/],
        ...TEAMS.map((t) => [t, players[t], '#injects', /Strike on a Russian airbase/]),
        ['observer', obs, '#timeline', /Strike on a Russian airbase/],
      ]);
    }
    if (turn === 7) {
      await fac.selectOption('#catalog-event', 'russia_setback');
      await fac.click('#catalog-form button[type=submit]');
      await waitText(fac, '#catalog-feedback', /Injected/);
    }
    if (turn === 1) await shot(fac, `t${turn}-a-facilitator-briefing`);

    // Decision.
    log(`turn ${turn}: decision`);
    await measure(`turn ${turn}: open the decision window`, () => fac.click('#advance-btn'), phaseOn(/Decision/));
    if (turn === 6) {
      // A short timer that closes the window by itself; NATO does not submit.
      await fac.click('#tab-run');
      await fac.fill('#timer-minutes', '0.5');
      await fac.check('#timer-auto');
      await fac.click('#timer-form button[type=submit]');
      await waitText(fac, '#timer-feedback', /Timer set/);
      for (const t of TEAMS) await waitText(players[t], '#timer', /0:[0-3]\d left/);
    }
    const chosen = {};
    for (const team of TEAMS) {
      const page = players[team];
      const plan = PLAN[team][turn];
      // The options' availability comes with the fresh snapshot after the phase change.
      await until(async () => (await page.locator('#submit-btn:not([disabled])').count()) === 1, `${team} submit button enabled`);
      await sleep(300);
      if (plan.want < 0) {
        chosen[team] = null;
        continue;
      }
      const picked = await pick(page, team, plan.prefs, plan.want, scenario);
      if (plan.want > 0 && !picked.length) notes.push(`turn ${turn}: ${team} found nothing it could pick`);
      const cost = picked.reduce((a, id) => a + optDef.get(id).cost, 0);
      await waitText(page, '#budget', new RegExp(`${cost} of 3 points chosen`));
      if (team === 'belarus' && turn <= 2) await topShot(page, `t${turn}-b-team-phone-decision-before-submit`);
      const fbTeams = [['facilitator', fac, `[data-team="${team}"].draft`, /Revision 1/]];
      await measure(`turn ${turn}: ${team} submits`, () => page.click('#submit-btn'), [
        [team, page, '#draft-summary', /revision 1 of your team's choices/],
        ...fbTeams,
        ['observer', obs, '#teams', new RegExp(`${scenario.teams.find((x) => x.id === team).name}\\s*✓ submitted`)],
      ]);
      chosen[team] = picked;
      if (plan.revise) {
        const again = await pick(page, team, plan.revise, plan.revise.length, scenario);
        await page.click('#submit-btn');
        await waitText(page, '#draft-summary', /revision 2 of your team's choices/);
        await waitText(fac, `[data-team="${team}"].draft`, /Revision 2/);
        chosen[team] = again;
        log(`turn ${turn}: ${team} revised to ${again.join(', ')}`);
      }
      log(`turn ${turn}: ${team} chose ${chosen[team].join(', ') || 'no actions'}`);
      if (!picked.length) await topShot(page, `t${turn}-c-${team}-submitted-no-actions`);
    }
    if (turn === 6) {
      await shot(fac, `t${turn}-c-facilitator-timer-running`);
      await shot(players.nato, `t${turn}-c-nato-not-submitted`);
    }
    if (turn === 1 || turn === 5) {
      await shot(players.belarus, `t${turn}-c-team-phone-decision-full`, true);
      await topShot(players.belarus, `t${turn}-c-team-phone-decision-submitted`);
      await shot(players.russia, `t${turn}-c-team-desktop-decision`);
    }
    await shot(obs, `t${turn}-d-observer-decision`);

    // Odds preview.
    await fac.click('#tab-adjudication');
    await fac.click('#preview-btn');
    await waitText(fac, '#preview-feedback', /Preview ready/, 30000);
    if (turn === 1 || turn === 8) await panelShot(fac, '#adjudication', `t${turn}-e-facilitator-preview`);

    // Close the window.
    log(`turn ${turn}: adjudication`);
    if (turn === 6) {
      await measure(`turn ${turn}: the timer closes the window by itself`, async () => {}, phaseOn(/Adjudication/), 60000);
    } else {
      await measure(
        `turn ${turn}: close the window and roll`,
        async () => {
          await fac.click('#advance-btn');
          if (await fac.locator('#advance-confirm:not([hidden])').count()) await fac.click('#advance-confirm-yes');
        },
        phaseOn(/Adjudication/)
      );
    }
    const total = Object.values(chosen).reduce((a, l) => a + (l ? l.length : 0), 0);
    await until(async () => (await fac.locator('#adj-body tr').count()) === total, `${total} rolled choices`);

    // An override every other turn.
    if (turn % 2 === 0 && total) {
      const rows = await fac.$$eval('#adj-body tr', (trs) => trs.map((tr) => tr.dataset.choice));
      const id = rows[turn % rows.length];
      const before = await text(fac, `#adj-body tr[data-choice="${id}"] .badge`);
      const want = /Success/.test(before) ? 'failure' : 'success';
      await fac.selectOption(`#ovr-res-${id}`, want);
      await fac.fill(`#ovr-note-${id}`, `Turn ${turn}: the White Cell judges the dice implausible given the situation on the ground.`);
      await fac.click(`#adj-body tr[data-choice="${id}"] button`);
      await waitText(fac, `#adj-body tr[data-choice="${id}"]`, /\(override\)/);
      log(`turn ${turn}: overrode ${id} to ${want}`);
      if (turn === 2) await panelShot(fac, '#adjudication', `t${turn}-f-facilitator-override`);
    }

    // Publish.
    log(`turn ${turn}: review`);
    await measure(
      `turn ${turn}: publish the results`,
      () => fac.click('#advance-btn'),
      [
        ['facilitator', fac, '#published', new RegExp(`Published outcomes, turn ${turn}|ended`)],
        ...TEAMS.map((t) => [t, players[t], '#outcome-list', new RegExp(`Turn ${turn}: each roll`)]),
        ['observer', obs, '#phase', /Review|ended/],
      ]
    );
    // Every team reads its outcomes: each of its choices is there, explained.
    for (const team of TEAMS) {
      const page = players[team];
      const mine = chosen[team] || [];
      const cards = await page.$$eval('#outcome-list article.outcome.own', (as) => as.map((a) => a.textContent));
      assert.equal(cards.length, mine.length, `${team} sees ${mine.length} own outcomes in turn ${turn}`);
      for (const c of cards) assert.match(c, /Needed \d+ or less[^;]*; rolled \d+: (success|failure)\./);
    }
    if (await fac.locator('#phase:has-text("ended")').count()) {
      ended = await text(fac, '#phase-help');
    }
    if (turn === 1 || turn === 4 || turn === 8 || ended) {
      await topShot(players.belarus, `t${turn}-g-team-phone-review`);
      await shot(players.ukraine, `t${turn}-g-team-desktop-review`, true);
      await shot(obs, `t${turn}-h-observer-review`);
      await topShot(fac, `t${turn}-i-facilitator-review-top`);
      await fac.click('#tab-board');
      await panelShot(fac, '#charts', `t${turn}-j-facilitator-charts`);
    }
    if (turn === 3) {
      await fac.click('#tab-board');
      await fac.fill('#note-text', 'Public note: the Union State clause is now the centre of gravity.');
      await fac.check('#note-public');
      await fac.click('#note-form button[type=submit]');
      await waitText(obs, '#timeline', /centre of gravity/);
    }
    if (turn === 6) {
      // NATO missed the window: its console says so in words.
      await waitText(players.nato, '#outcome-list', /Your team took no actions/);
      await topShot(players.nato, `t${turn}-g-nato-missed-window`);
    }
    if (turn === 8) await topShot(players.russia, `t${turn}-g-team-desktop-last-review-top`);
    // Phone layout: no sideways scrolling.
    const overflow = await players.belarus.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) notes.push(`turn ${turn}: the phone page scrolls sideways by ${overflow}px`);

    // Record what was published this turn from the facilitator's console.
    const pub = await fac.$$eval('#published > .cards > article.outcome', (as) =>
      as.map((a) => ({ choice: a.dataset.choice, text: a.textContent }))
    );
    for (const p of pub) published.push(Object.assign({ turn }, p));
    const ind = await fac.$$eval('#chart-grid figure', (fs) => fs.map((f) => f.querySelector('figcaption').textContent));
    log(`turn ${turn}: ${pub.length} outcomes published; ${ind.join(' | ')}`);

    if (await fac.locator('#phase:has-text("ended")').count()) {
      ended = await text(fac, '#phase-help');
      turnTimes.push({ turn, s: (Date.now() - tTurn) / 1000 });
      break;
    }
    // Next turn (or the end).
    if (turn < 8) {
      await measure(`turn ${turn}: start turn ${turn + 1}`, () => fac.click('#advance-btn'), phaseOn(/Briefing/));
    } else {
      await waitText(fac, '#advance-btn', /Finish the game/);
      await fac.click('#advance-btn');
      await fac.locator('#advance-confirm:not([hidden])').waitFor();
      await measure('finish the game after turn 8', () => fac.click('#advance-confirm-yes'), phaseOn(/ended/i));
      ended = await text(fac, '#phase-help');
    }
    turnTimes.push({ turn, s: (Date.now() - tTurn) / 1000 });
  }
  const gameSeconds = (Date.now() - gameStart) / 1000;
  log(`game over: ${ended}`);

  // ---------------------------------------------------------------- the end
  await waitText(fac, '#ended-export', /Download JSON/);
  await topShot(fac, 'z1-facilitator-ended-top');
  await shot(fac, 'z1b-facilitator-ended-full', true);
  await fac.click('#tab-board');
  await panelShot(fac, '#charts', 'z2-facilitator-charts-final');
  await topShot(players.belarus, 'z3-team-phone-ended');
  await shot(players.belarus, 'z3b-team-phone-ended-full', true);
  await shot(players.nato, 'z4-team-desktop-ended', true);
  await shot(obs, 'z5-observer-ended');
  await shot(obs, 'z5b-observer-ended-full', true);
  const finalIndicators = await fac.$$eval('#chart-grid figure figcaption', (fs) => fs.map((f) => f.textContent.trim()));
  // The final board shows what the whole game changed, on every console.
  for (const page of [fac, players.belarus, obs]) {
    await waitText(page, page === fac ? '#chart-grid' : '#indicators', /since the start/);
    assert.ok(!/since turn \d/.test(await text(page, page === fac ? '#chart-grid' : '#indicators')), 'no "since turn N" at the end');
  }
  const finalFlags = await text(fac, '#flags .flags-on').catch(() => '');

  // ---------------------------------------------------------------- after the game
  // The hot-wash: every team answers the debrief on its own page; the projector
  // (the observer) keeps its board. The White Cell watches the count, writes a
  // strength and an improvement-plan item, and closes the debrief.
  const REALISM = { belarus: 4, russia: 3, ukraine: 5, nato: 4 };
  for (const team of TEAMS) {
    const page = players[team];
    await waitText(page, '#debrief', /The game is over/);
    await page.check(`#dq-realism-${REALISM[team] - 1}`);
    await page.fill('#dq-went_well', `${team}: the martial-law inject forced a real choice`);
    await page.click('#debrief-send');
    await waitText(page, '#debrief', /Thank you/);
  }
  await shot(players.belarus, 'z0-team-phone-debrief-sent');
  await fac.click('#tab-run');
  await waitText(fac, '#debrief-count', /4 of 5 seated players and observers have answered/);
  assert.equal(await obs.isVisible('#dq-realism-0'), false, 'the projector does not show the survey form');
  await fac.click('#tab-aar');
  await fac.selectOption('#aar-note-category', 'strength');
  await fac.selectOption('#aar-note-about', 'belarus:' + (await fac.$eval('#aar-note-about option[value^="belarus:"]', (o) => o.value.split(':')[1])));
  await fac.fill('#aar-note-text', 'Minsk weighed the Union State clause against its own survival, as the seed suggests');
  await fac.click('#aar-note-form button[type="submit"]');
  await waitText(fac, '#aar-note-feedback', /Observation added/);
  await fac.fill('#aar-plan-issue', 'Teams read the martial-law trigger differently');
  await fac.fill('#aar-plan-recommendation', 'Brief the Union State clause with the defence law text before turn 1');
  await fac.fill('#aar-plan-owner', 'Course director');
  await fac.fill('#aar-plan-due', '2027-01-15');
  await fac.click('#aar-plan-save');
  await waitText(fac, '#aar-plan-feedback', /Item added/);
  await fac.fill('#aar-conclusion-text', 'The syndicate reproduced the escalation path the analysis describes.');
  await fac.click('#aar-conclusion-form button[type="submit"]');
  await waitText(fac, '#aar-conclusion-feedback', /saved/i);
  await shot(fac, 'z0b-facilitator-after-action', true);
  await fac.click('#tab-run');
  await fac.click('#debrief-close');
  await waitText(fac, '#debrief', /The debrief is closed/);
  log('after the game: 4 debriefs, a strength, a plan item, a conclusion; debrief closed');

  // ---------------------------------------------------------------- exports
  const files = {};
  // The end leaves the facilitator at the top of the console: the exports are there.
  await fac.evaluate(() => window.scrollTo(0, 0));
  assert.ok(await fac.locator('#ended-export-buttons button').first().isVisible(), 'export buttons in the Phase panel at the end');
  assert.ok(await fac.locator('#timer-form button[type=submit]').isDisabled(), 'no timer can be set after the end');
  for (const fmt of ['json', 'markdown', 'html', 'csv']) {
    const t0 = Date.now();
    const [download] = await Promise.all([
      fac.waitForEvent('download', { timeout: 20000 }),
      fac.click(`#ended-export-buttons [data-format="${fmt}"]`),
    ]);
    const file = path.join(SHOTS, `export.${download.suggestedFilename().split('.').pop()}`);
    await download.saveAs(file);
    await waitText(fac, '#ended-export-feedback', /Downloaded/);
    files[fmt] = file;
    timings.push({ what: `export ${fmt} (click to file)`, ms: { facilitator: Date.now() - t0 } });
    log(`export ${fmt}: ${download.suggestedFilename()}, ${fs.statSync(file).size} bytes`);
  }
  const report = JSON.parse(fs.readFileSync(files.json, 'utf8'));
  assert.equal(report.schema, 'wargame.aar/1');
  const turnsPlayed = report.session.turn;
  const csv = fs.readFileSync(files.csv, 'utf8').replace(/^\ufeff/, '');
  // The choices table ends at the first blank line (the objectives table follows it).
  const csvRows = csv.split('\r\n\r\n')[0].split('\r\n').filter((l) => l.length);
  // One row per published choice (no rationale here holds a line break).
  assert.equal(csvRows.length - 1, report.choices.length, 'the CSV has one row per published choice');
  assert.equal(report.choices.length, published.length, 'the export holds every choice the console published');
  // The HTML opens, and holds every turn played.
  const viewer = await openPage('report', DESKTOP);
  await viewer.goto(`file://${files.html}`);
  const html = await viewer.content();
  for (let t = 1; t <= turnsPlayed; t++) assert.ok(new RegExp(`Turn ${t}\\b`).test(html), `the HTML report holds turn ${t}`);
  await shot(viewer, 'z6-report-html-top');
  await shot(viewer, 'z6b-report-html-full', true);
  const md = fs.readFileSync(files.markdown, 'utf8');
  for (let t = 1; t <= turnsPlayed; t++) assert.ok(md.includes(`Turn ${t}`), `the Markdown report holds turn ${t}`);
  // The HSEEP parts: the plan item, the strength, the conclusion and the debrief.
  for (const needle of ['## Appendix A: Improvement plan', 'Course director', 'Minsk weighed the Union State clause', 'reproduced the escalation path', '## Appendix B: Participant feedback', '4 answers, mean 4.0 of 5']) {
    assert.ok(md.includes(needle), `the Markdown report holds "${needle}"`);
  }
  assert.ok(html.includes('Appendix B: Participant feedback') && html.includes('<svg'), 'the HTML report charts the debrief');

  // ---------------------------------------------------------------- restart from turn 2
  await fac.click('#tab-session');
  await fac.selectOption('#fork-turn', '2');
  await fac.click('#fork-btn');
  await fac.click('#fork-confirm-yes');
  const forkCode = (await waitText(fac, '#fork-code', /^[A-Z0-9-]{4,}$/)).trim();
  log(`restarted from turn 2: join code ${forkCode}`);

  // ---------------------------------------------------------------- page health
  for (const p of pages) {
    if (p.errors.length) notes.push(`${p.label}: script errors: ${p.errors.slice(0, 5).join(' | ')}`);
    if (p.csp.length) notes.push(`${p.label}: CSP violations: ${p.csp.slice(0, 3).join(' | ')}`);
    if (p.dialogs.length) notes.push(`${p.label}: dialogs: ${p.dialogs.join(' | ')}`);
  }
  const dom = {};
  for (const [label, page] of everyone) dom[label] = await page.evaluate(() => document.getElementsByTagName('*').length);

  // ---------------------------------------------------------------- report
  const summary = {
    seed: SEED,
    binary: BIN,
    turns_played: turnsPlayed,
    ending: report.ending,
    game_seconds: gameSeconds,
    turn_seconds: turnTimes,
    final_indicators: finalIndicators,
    final_flags: finalFlags,
    choices_published: report.choices.length,
    overrides: report.overrides.length,
    injects: report.injects.length,
    dom_elements: dom,
    notes,
    timings,
  };
  fs.writeFileSync(path.join(SHOTS, 'full-game-timings.json'), JSON.stringify(summary, null, 2));
  console.log('\n=== playtest summary ===');
  console.log(`turns played: ${turnsPlayed}; ending: ${report.ending ? `${report.ending.reason}: ${report.ending.title}` : 'none'}`);
  console.log(`whole game: ${gameSeconds.toFixed(1)} s (${turnTimes.map((t) => `T${t.turn} ${t.s.toFixed(1)} s`).join(', ')})`);
  console.log(`published choices: ${report.choices.length}, overrides: ${report.overrides.length}, injects: ${report.injects.length}`);
  console.log('final indicators:');
  for (const i of report.indicators) console.log(`  ${i.name}: ${i.start} -> ${i.end}`);
  console.log(`flags in force: ${report.flags.filter((f) => f.value).map((f) => f.id).join(', ')}`);
  console.log('time for each page to show an event (ms):');
  const labels = ['facilitator', ...TEAMS, 'observer'];
  const agg = {};
  for (const row of timings) {
    const cells = labels.map((l) => (row.ms[l] === undefined ? '' : String(row.ms[l]))).map((c) => c.padStart(6));
    console.log(`  ${row.what.padEnd(52).slice(0, 52)} ${cells.join(' ')}`);
    if (!/ joins /.test(row.what)) for (const [l, v] of Object.entries(row.ms)) (agg[l] = agg[l] || []).push(v);
  }
  console.log(`  ${''.padEnd(52)} ${labels.map((l) => l.slice(0, 6).padStart(6)).join(' ')}`);
  const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  for (const l of labels) {
    const xs = (agg[l] || []).filter((v) => v < 20000).sort((a, b) => a - b);
    if (!xs.length) continue;
    console.log(`  ${l}: median ${q(xs, 0.5)} ms, p90 ${q(xs, 0.9)} ms, max ${xs[xs.length - 1]} ms over ${xs.length} events (the timer wait left out)`);
  }
  console.log('script time each page spent on an event (ms, Chromium ScriptDuration, its own action and the follow-up snapshot included):');
  for (const kind of ['publish the results', 'close the window', 'open the decision window', 'submits']) {
    const rows = timings.filter((r) => r.busy && r.what.includes(kind));
    const cells = labels.map((l) => {
      const xs = rows.map((r) => r.busy[l]).filter((v) => v !== undefined).sort((a, b) => a - b);
      return xs.length ? `${q(xs, 0.5)}/${xs[xs.length - 1]}` : '';
    });
    console.log(`  ${kind.padEnd(30)} median/max ${cells.map((c) => c.padStart(9)).join(' ')}`);
  }
  console.log(`DOM elements at the end: ${JSON.stringify(dom)}`);
  if (notes.length) {
    console.log('noticed:');
    for (const n of notes) console.log(`  - ${n}`);
  }
  console.log(`screenshots and timings: ${SHOTS}`);
}

main()
  .then(
    () => 0,
    (e) => {
      console.error(`\nPLAYTEST FAILED: ${e.stack || e}`);
      for (const p of pages) {
        if (p.errors.length) console.error(`${p.label} script errors: ${p.errors.join(' | ')}`);
      }
      if (serverLog) console.error(`server log:\n${serverLog.slice(-3000)}`);
      return 1;
    }
  )
  .then(async (rc) => {
    if (browser) await browser.close().catch(() => {});
    await stopServer();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(rc);
  });
