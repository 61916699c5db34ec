// End-to-end test of restarting from a turn: a real `wargame serve` with a host
// password, headless Chromium. The start page asks for the password; the White Cell
// plays to turn 2, restarts the session from turn 2 from its console, and the new
// session's console opens at turn 2's briefing, saying where it came from.
//
// Run by tests/e2e/run.sh, or: WARGAME_BIN=path/to/wargame node --test fork.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRoom, text, waiters } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
const BIN = process.env.WARGAME_BIN || path.join(TARGET, 'debug', 'wargame');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DESKTOP = { width: 1440, height: 1000 };

const PASSWORD = 'e2e host secret';
const { until, waitText } = waiters(15000);
let browser;
let base;
const errors = [];

let room;

before(async () => {
  room = await startRoom({ bin: BIN, chromiumPath: CHROMIUM, root: ROOT, name: 'fork', args: ['--host-password', PASSWORD] });
  ({ base, browser } = room);
});

after(async () => {
  if (room) await room.stop();
});

async function openPage() {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 404|WebSocket/i.test(m.text())) errors.push(m.text());
  });
  return page;
}


/** Advances the phase, confirming when the console asks (a window closed with no
 *  submissions, scripted injects due), until the phase reads `phase`. */
async function advanceTo(page, phase) {
  await page.click('#advance-btn');
  const confirm = page.locator('#advance-confirm:not([hidden])');
  const pending = page.locator('#pending-confirm:not([hidden])');
  await until(async () => {
    if (await confirm.isVisible().catch(() => false)) await page.click('#advance-confirm-yes');
    // Scripted injects due before the window opens: skip them.
    if (await pending.isVisible().catch(() => false)) await page.click('#pending-skip');
    return phase.test(await text(page, '#phase'));
  }, `the phase ${phase}`);
}

test('the White Cell restarts the session from turn 2 and the new session opens there', { timeout: 120000 }, async () => {
  const fac = await openPage();
  await fac.goto(`${base}/`);
  await until(async () => (await fac.locator('#scenario option').count()) > 0, 'the scenario list');
  // The server asks for the host password: the start page shows the field.
  await fac.locator('#host-password-field:not([hidden])').waitFor();
  await fac.fill('#title', 'Restart seminar');
  await fac.fill('#seed', '9');
  await fac.click('#create-btn');
  await waitText(fac, '#create-feedback', /host password/);
  await fac.fill('#host-password', PASSWORD);
  await fac.click('#create-btn');
  await waitText(fac, '#created-code', /^[A-Z0-9-]{4,}$/);
  await fac.click('#created-console');
  await fac.waitForURL(/\/facilitator\?session=/);
  const source = new URL(fac.url()).searchParams.get('session');
  await waitText(fac, '#conn', /Connected/);

  await advanceTo(fac, /Briefing/); // start: turn 1
  await advanceTo(fac, /Decision/);
  await advanceTo(fac, /Adjudication/);
  await advanceTo(fac, /Review/);
  await advanceTo(fac, /Briefing/); // turn 2
  await waitText(fac, '#turn', /2/);

  await fac.click('#tab-session');
  await until(async () => (await fac.locator('#fork-turn option').count()) === 2, 'turns 1 and 2 to restart from');
  await fac.selectOption('#fork-turn', '2');
  await fac.click('#fork-btn');
  await fac.locator('#fork-confirm:not([hidden])').waitFor();
  assert.match(await text(fac, '#fork-confirm-text'), /briefing of turn 2/);
  await fac.click('#fork-confirm-yes');
  const code = (await waitText(fac, '#fork-code', /^[A-Z0-9-]{4,}$/)).trim();
  assert.notEqual(code, (await text(fac, '#join-code')).trim());

  await fac.click('#fork-console');
  await until(async () => {
    const s = new URL(fac.url()).searchParams.get('session');
    return s && s !== source;
  }, 'the new session\'s console');
  await waitText(fac, '#conn', /Connected/);
  await waitText(fac, '#turn', /2/);
  await waitText(fac, '#phase', /Briefing/);
  await waitText(fac, '#join-code', new RegExp(`^${code}$`));
  await fac.click('#tab-session');
  await waitText(fac, '#forked-line', new RegExp(`turn 2 of session ${source}`));

  // A player joins the restarted session with its code and is told what it is.
  const player = await openPage();
  await player.goto(`${base}/join`);
  const fork = new URL(fac.url()).searchParams.get('session');
  const joined = await player.evaluate(async ([c]) => {
    const r = await fetch('/api/join', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ join_code: c, team: 'belarus', name: 'Alena' }) });
    return r.json();
  }, [code]);
  assert.equal(joined.session_id, fork);
  await player.evaluate(
    (r) => localStorage.setItem('wargame.seats', JSON.stringify([r])),
    { session_id: joined.session_id, team: 'belarus', team_name: 'Belarus', token: joined.token, player: joined.player, name: 'Alena', join_code: code, title: 'x' }
  );
  await player.goto(`${base}/team?session=${encodeURIComponent(fork)}`);
  await waitText(player, '#conn', /Connected/);
  await waitText(player, '#forked-line', /restarts an earlier session at the briefing of turn 2/);
  assert.deepEqual(errors, [], 'no page errors');
});
