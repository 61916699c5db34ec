// End-to-end test of bots in the web consoles: a real `wargame serve` whose scenarios
// folder holds the doctrines fixture, headless Chromium, a White Cell and one player.
// The White Cell seats a bot for Ukraine and plays a turn: it sees the bot's
// submission, and after publication the bot's choice is marked as one, for the White
// Cell and for the other team.
//
// Run by tests/e2e/run.sh with run.mjs, or: WARGAME_BIN=path/to/wargame node --test bots.mjs
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

const { until, waitText } = waiters(15000);
let browser;
let base;
const errors = [];

let room;

before(async () => {
  room = await startRoom({ bin: BIN, chromiumPath: CHROMIUM, root: ROOT, name: 'bots', fixtures: ['doctrines.toml'] });
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

test('the White Cell seats a bot, sees its submission, and its published choice is marked', { timeout: 120000 }, async () => {
  const fac = await openPage();
  await fac.goto(`${base}/`);
  await until(async () => (await fac.locator('#scenario option').count()) > 0, 'the scenario list');
  await fac.fill('#title', 'Bot seminar');
  await fac.fill('#seed', '7');
  await fac.click('#create-btn');
  const code = (await waitText(fac, '#created-code', /^[A-Z0-9-]{4,}$/)).trim();
  await fac.click('#created-console');
  await fac.waitForURL(/\/facilitator\?session=/);
  await waitText(fac, '#conn', /Connected/);

  // A person plays Belarus and will read the published outcomes.
  const by = await openPage();
  await by.goto(`${base}/join?code=${code}`);
  await by.locator('#team-belarus').waitFor();
  await by.check('#team-belarus');
  await by.fill('#name', 'Alesia');
  await by.click('#join-btn');
  await by.waitForURL(/\/team\?session=/);
  await waitText(by, '#conn', /Connected/);

  // The bot control lists each team's doctrines; seat "Cautious" for Ukraine.
  await fac.locator('#bots:not([hidden])').waitFor();
  await fac.selectOption('#bot-ukraine', 'cautious');
  await fac.click('form.bot-form[data-team="ukraine"] button[type=submit]');
  await waitText(fac, 'form.bot-form[data-team="ukraine"] .feedback', /Bot seated/);
  await waitText(fac, '#readiness-body tr[data-team="ukraine"] th', /bot/);

  await fac.click('#advance-btn'); // start: briefing
  await waitText(fac, '#advance-btn', /Open the decision window/);
  await fac.click('#advance-btn'); // decision: the bot submits at once
  await waitText(fac, '#advance-btn', /Close the window and roll the dice/);
  const draft = await waitText(fac, '#draft-list [data-team="ukraine"]', /by a bot \(cautious\)/);
  assert.match(draft, /Bot \(doctrine “Cautious”\)/);
  assert.match(await text(fac, '#readiness-body tr[data-team="ukraine"]'), /Submitted/);

  await fac.click('#advance-btn'); // adjudication; the other teams submitted nothing
  await fac.locator('#advance-confirm:not([hidden])').waitFor();
  await fac.click('#advance-confirm-yes');
  await waitText(fac, '#advance-btn', /Publish the results/);
  await waitText(fac, '#adjudication', /bot · cautious/);
  await fac.click('#advance-btn'); // publish: review
  await waitText(fac, '#phase', /Review/);
  await waitText(fac, '#adjudication .outcome .badge-bot', /bot choice · cautious/);
  // Another team reads the published choice, marked as a bot's.
  await waitText(by, '.outcome .badge-bot', /bot choice/);
  assert.deepEqual(errors, [], 'no page errors');
});
