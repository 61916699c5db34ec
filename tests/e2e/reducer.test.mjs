// The consoles' event reducer (web/static/js/lib/reducer.js) under node, no browser:
// it clamps indicators like the engine, keeps what a seat cannot see out of its state,
// and - against a real `wargame serve` - a snapshot with every later event applied
// equals a fresh snapshot, for the White Cell, two teams and an observer, step by step
// through a whole turn and into the next.
//
// Run by tests/e2e/run.sh (with run.mjs), or directly:
//   WARGAME_BIN=path/to/wargame node --test reducer.test.mjs
// (node 20 needs --experimental-websocket for the live part; run.sh adds it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep, waiters } from './lib.mjs';
import { applyEvent, NEEDS_SNAPSHOT, SNAPSHOT_MESSAGES, channelHeld } from '../../web/static/js/lib/reducer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
const BIN = process.env.WARGAME_BIN || path.join(TARGET, 'debug', 'wargame');
const { until } = waiters(15000);

const SCENARIO = {
  indicators: [
    { id: 'escalation', min: 0, max: 10 },
    { id: 'support', min: 0, max: 100 },
  ],
};

function state(extra) {
  return Object.assign(
    {
      seq: 10,
      turn: 1,
      phase: 'briefing',
      role: 'team',
      team: 'belarus',
      indicators: { escalation: 9, support: 3 },
      flags: { martial_law: false },
      history: [{ turn: 0, indicators: { escalation: 2, support: 50 } }],
      teams: [
        { team: 'belarus', name: 'Belarus', submitted: false, players: 1 },
        { team: 'russia', name: 'Russia', submitted: false, players: 0 },
      ],
      players: [],
      choices: [],
      injects: [],
      notes: [],
      timer: null,
      ended: null,
    },
    extra
  );
}

function ev(seq, kind, body, envelope) {
  return Object.assign({ type: 'event', seq, at: 1000 + seq, turn: 1, phase: 'briefing', actor: { role: 'facilitator' }, kind }, envelope, body);
}

function inject(id, effects, set, clear) {
  return { id, turn: 1, title: id, text: '', effects, set: set || [], clear: clear || [], to: [] };
}


test('live drafts, leads, an undone override and a revealed covert choice', () => {
  const st = state({ phase: 'decision' });
  applyEvent(st, ev(11, 'draft_edited', { team: 'belarus', choices: [{ option: 'a', rationale: 'x' }], by: 'p2' }, { phase: 'decision' }), SCENARIO);
  assert.deepEqual(st.live_draft.choices, [{ option: 'a', rationale: 'x' }]);
  assert.equal(st.live_draft.by, 'p2');
  applyEvent(st, ev(12, 'lead_changed', { team: 'belarus', player: 'p2' }, { phase: 'decision' }), SCENARIO);
  assert.equal(st.leads.belarus, 'p2');
  // A new turn clears the live draft.
  applyEvent(st, ev(13, 'phase_changed', { from: 'review', indicators: st.indicators }, { turn: 2, phase: 'briefing' }), SCENARIO);
  assert.equal(st.live_draft, undefined);

  const wc = state({ role: 'facilitator', team: null, phase: 'adjudication', pending: [{ choice: 'c1', result: 'success', overridden: { result: 'failure', note: 'n' } }] });
  applyEvent(wc, ev(11, 'override_undone', { choice: 'c1', team: 'belarus', option: 'a', result: 'success', previous: 'failure' }, { phase: 'adjudication' }), SCENARIO);
  assert.equal(wc.pending[0].overridden, undefined);
  assert.ok(NEEDS_SNAPSHOT.has('covert_revealed'));

  // A revealed covert choice moves the boards that did not hold its effects.
  const other = state({ team: 'ukraine', indicators: { escalation: 2, support: 3 } });
  applyEvent(other, ev(11, 'covert_revealed', { choice: 'c9', team: 'russia', option: 'o', title: 'T', effects: { escalation: 3 } }), SCENARIO);
  assert.equal(other.indicators.escalation, 5);
  const owner = state({ team: 'russia', indicators: { escalation: 5, support: 3 } });
  applyEvent(owner, ev(11, 'covert_revealed', { choice: 'c9', team: 'russia', option: 'o', title: 'T', effects: { escalation: 3 } }), SCENARIO);
  assert.equal(owner.indicators.escalation, 5, 'the team that made it had it all along');
});

test('indicators are clamped to their range, as the engine does', () => {
  const st = state();
  applyEvent(st, ev(11, 'event_injected', { inject: inject('i1', { escalation: 5, support: -7 }) }), SCENARIO);
  assert.deepEqual(st.indicators, { escalation: 10, support: 0 });
  applyEvent(st, ev(12, 'choice_resolved', { choice: 't1-belarus-1', team: 'belarus', result: 'success', effects: { escalation: -25 }, set: [], clear: [] }), SCENARIO);
  assert.equal(st.indicators.escalation, 0);
  // The scenario index the pages build (loadScenario) works as well as its JSON.
  const indexed = { raw: SCENARIO, indicators: new Map() };
  applyEvent(st, ev(13, 'event_injected', { inject: inject('i2', { support: 250 }) }), indexed);
  assert.equal(st.indicators.support, 100);
});

test('an event the state already holds changes nothing', () => {
  const st = state();
  assert.equal(applyEvent(st, ev(10, 'event_injected', { inject: inject('old', { escalation: -1 }) }), SCENARIO), false);
  assert.equal(applyEvent(st, ev(9, 'note_added', { text: 'old', public: true }), SCENARIO), false);
  assert.equal(st.indicators.escalation, 9);
  assert.deepEqual(st.injects, []);
  assert.deepEqual(st.notes, []);
});

test('flags a seat cannot see stay out of its state; visible ones follow the events', () => {
  const st = state();
  applyEvent(st, ev(11, 'event_injected', { inject: inject('i1', {}, ['martial_law', 'secret_plan']) }), SCENARIO);
  assert.deepEqual(st.flags, { martial_law: true });
  applyEvent(st, ev(12, 'phase_changed', { from: 'briefing', lapsed: ['martial_law'], indicators: st.indicators }, { phase: 'decision' }), SCENARIO);
  assert.deepEqual(st.flags, { martial_law: false });
});

test('a team sees its own draft, and only that other teams submitted', () => {
  const st = state({ phase: 'decision' });
  const actor = { role: 'team', team: 'belarus', player: 'p1' };
  applyEvent(st, ev(11, 'choices_submitted', { team: 'belarus', choices: [{ option: 'a', rationale: 'r' }], cost: 1, revision: 1 }, { phase: 'decision', actor }), SCENARIO);
  applyEvent(st, ev(12, 'choices_submitted', { team: 'russia', choices: [], redacted: true }, { phase: 'decision' }), SCENARIO);
  assert.deepEqual(st.draft, { team: 'belarus', turn: 1, choices: [{ option: 'a', rationale: 'r' }], cost: 1, revision: 1, by: 'p1', at: 1011 });
  assert.deepEqual(st.teams.map((t) => [t.team, t.submitted, t.last_submit]), [['belarus', true, 1011], ['russia', true, 1012]]);
  assert.equal(st.drafts, undefined, 'a team has no other teams\' drafts');
});

test('a bot seat: every seat marks it, the doctrine only where the event carries it', () => {
  const mine = state();
  applyEvent(mine, ev(11, 'bot_set', { team: 'belarus', bot: true, doctrine: 'loyal_ally' }), SCENARIO);
  assert.deepEqual([mine.teams[0].bot, mine.teams[0].doctrine], [true, 'loyal_ally']);
  const other = state({ team: 'russia' });
  applyEvent(other, ev(11, 'bot_set', { team: 'belarus', bot: true }), SCENARIO);
  assert.deepEqual([other.teams[0].bot, other.teams[0].doctrine], [true, undefined]);
  const draft = ev(12, 'choices_submitted', { team: 'belarus', choices: [{ option: 'a', rationale: 'Bot' }], cost: 1, revision: 1, bot: true, doctrine: 'loyal_ally' }, { phase: 'decision' });
  applyEvent(mine, draft, SCENARIO);
  assert.equal(mine.draft.doctrine, 'loyal_ally');
  applyEvent(mine, ev(13, 'bot_set', { team: 'belarus', bot: false }), SCENARIO);
  assert.ok(!('bot' in mine.teams[0]) && !('doctrine' in mine.teams[0]), 'handed back: no marks left');
});

test('review records the turn; the next briefing starts it afresh', () => {
  const st = state({ phase: 'adjudication', draft: { team: 'belarus', turn: 1, choices: [] } });
  st.teams[0].submitted = true;
  st.teams[0].last_submit = 5;
  applyEvent(st, ev(11, 'phase_changed', { from: 'adjudication', indicators: { escalation: 4, support: 30 } }, { phase: 'review' }), SCENARIO);
  assert.deepEqual(st.history.map((h) => h.turn), [0, 1]);
  assert.deepEqual(st.history[1].indicators, { escalation: 4, support: 30 });
  applyEvent(st, ev(12, 'event_injected', { inject: inject('late', { escalation: 1 }) }, { phase: 'review' }), SCENARIO);
  applyEvent(st, ev(13, 'phase_changed', { from: 'review', indicators: { escalation: 5, support: 30 } }, { turn: 2, phase: 'briefing' }), SCENARIO);
  assert.equal(st.turn, 2);
  assert.deepEqual(st.history.map((h) => [h.turn, h.indicators.escalation]), [[0, 2], [1, 5]], 'turn 1 ends with the inject of its review');
  assert.equal(st.draft, undefined);
  assert.deepEqual(st.teams.map((t) => [t.submitted, t.last_submit]), [[false, undefined], [false, undefined]]);
});

test('timers and the end of the session', () => {
  const st = state({ phase: 'decision' });
  applyEvent(st, ev(11, 'timer_set', { seconds: 60, deadline: 99999, auto_advance: true }, { phase: 'decision' }), SCENARIO);
  assert.deepEqual(st.timer, { seconds: 60, deadline: 99999, auto_advance: true, turn: 1, phase: 'decision' });
  applyEvent(st, ev(12, 'timer_expired', {}, { phase: 'decision' }), SCENARIO);
  assert.equal(st.timer, null);
  applyEvent(st, ev(13, 'session_ended', { reason: 'facilitator', title: 'Ended', text: 'Over.' }, { phase: 'ended' }), SCENARIO);
  assert.deepEqual(st.ended, { reason: 'facilitator', title: 'Ended', text: 'Over.' });
  assert.deepEqual(st.history.map((h) => h.turn), [0, 1]);
  assert.ok(NEEDS_SNAPSHOT.has('phase_changed') && !NEEDS_SNAPSHOT.has('note_added'));
});

test('messages are kept per channel, oldest first, the last 300 of each', () => {
  const st = state({ channels: [{ id: 'a', name: 'A', members: ['belarus', 'russia'], open: true, public: false }, { id: 'all', name: 'All', members: ['belarus', 'russia'], open: true, public: true }], messages: [] });
  const from = { role: 'team', team: 'belarus', name: 'Alesia' };
  applyEvent(st, ev(11, 'message_posted', { channel: 'all', text: 'first in all', from }), SCENARIO);
  for (let i = 0; i < SNAPSHOT_MESSAGES + 2; i++) {
    applyEvent(st, ev(12 + i, 'message_posted', { channel: 'a', text: `m${i}`, from }), SCENARIO);
  }
  const inA = st.messages.filter((m) => m.channel === 'a');
  assert.equal(inA.length, SNAPSHOT_MESSAGES);
  assert.equal(inA[0].text, 'm2', 'the two oldest of the channel are dropped');
  assert.equal(st.messages[0].text, 'first in all', 'another channel keeps its messages');
  assert.deepEqual(st.messages[1], { seq: 14, at: 1014, turn: 1, channel: 'a', text: 'm2', from });
});

test('channels follow their schedule from phase to phase unless the White Cell holds them', () => {
  const sc = {
    indicators: SCENARIO.indicators,
    channels: [{ id: 'talks', open_in: ['briefing'] }, { id: 'summit', open_in: ['briefing'] }, { id: 'all' }],
  };
  const ch = (id, open) => ({ id, name: id, members: ['belarus', 'russia'], open, public: false });
  const st = state({ channels: [ch('talks', true), ch('summit', true), ch('all', true)] });
  applyEvent(st, ev(11, 'channel_changed', { channel: 'summit', open: true }), sc);
  assert.ok(channelHeld(st, sc, 'summit') && !channelHeld(st, sc, 'talks'));
  applyEvent(st, ev(12, 'phase_changed', { from: 'briefing', indicators: st.indicators }, { phase: 'decision' }), sc);
  assert.deepEqual(st.channels.map((c) => c.open), [false, true, true], 'held open; the schedule closes the other');
  applyEvent(st, ev(13, 'channel_changed', { channel: 'summit', open: false, scheduled: true }, { phase: 'decision' }), sc);
  assert.equal(st.channels[1].open, false);
  applyEvent(st, ev(14, 'session_ended', { reason: 'facilitator', title: 'Ended', text: '' }, { phase: 'ended' }), sc);
  assert.equal(st.channels[2].open, false, 'an ended session takes no messages');
  // A snapshot says which channels the White Cell holds.
  const snap = state({ phase: 'decision', channels: [Object.assign(ch('talks', true), { held: true }), ch('all', true)] });
  applyEvent(snap, ev(11, 'phase_changed', { from: 'decision', indicators: snap.indicators }, { phase: 'adjudication' }), sc);
  assert.equal(snap.channels[0].open, true, 'held open across phases');
});

test('agreements: proposed, answered, resolved and applied to the board', () => {
  const st = state({ flags: { martial_law: false, support_role: false }, agreements: [] });
  const actor = { role: 'team', team: 'belarus', player: 'p1' };
  applyEvent(st, ev(11, 'agreement_proposed', { agreement: 'ag1', template: 'basing', from: 'belarus', to: ['russia'], parties: ['belarus', 'russia'], title: 'Basing', text: 'Bases.', public: false }, { actor }), SCENARIO);
  applyEvent(st, ev(12, 'agreement_proposed', { agreement: 'ag2', from: 'belarus', to: ['russia'], parties: ['belarus', 'russia'], title: 'Ours', text: '', public: false }, { actor }), SCENARIO);
  applyEvent(st, ev(13, 'agreement_responded', { agreement: 'ag1', team: 'russia', accept: true, note: 'Agreed.', parties: ['belarus', 'russia'] }), SCENARIO);
  applyEvent(st, ev(14, 'agreement_resolved', { agreement: 'ag1', result: 'accepted', parties: ['belarus', 'russia'] }), SCENARIO);
  applyEvent(st, ev(15, 'agreement_resolved', { agreement: 'ag2', result: 'voided', note: 'Out of scope.', parties: ['belarus', 'russia'] }), SCENARIO);
  assert.deepEqual(st.agreements[0], {
    agreement: 'ag1', template: 'basing', from: 'belarus', to: ['russia'], parties: ['belarus', 'russia'], title: 'Basing', text: 'Bases.',
    public: false, turn: 1, seq: 11, at: 1011, responses: [{ team: 'russia', accept: true, note: 'Agreed.' }], status: 'accepted', applied: false,
  });
  assert.equal(st.agreements[1].template, undefined, 'a custom agreement has no template');
  assert.deepEqual([st.agreements[1].status, st.agreements[1].note], ['voided', 'Out of scope.']);
  applyEvent(st, ev(16, 'agreement_applied', { agreement: 'ag1', template: 'basing', title: 'Basing', text: '', parties: ['belarus', 'russia'], effects: { escalation: 4 }, set: ['support_role', 'secret'], clear: [] }), SCENARIO);
  assert.equal(st.agreements[0].applied, true);
  assert.equal(st.indicators.escalation, 10, 'clamped to the range');
  assert.deepEqual(st.flags, { martial_law: false, support_role: true }, 'a flag this seat cannot see stays out');
  assert.ok(NEEDS_SNAPSHOT.has('agreement_applied'));
});

test('the White Cell folds debrief answers into its count and summary; closing closes it', () => {
  const st = state({
    role: 'facilitator',
    phase: 'ended',
    debrief: { questions: [{ id: 'realism', text: 'Real?', kind: 'scale' }], open: true, anonymous: false, seated: 2, count: 0, respondents: [], responses: [] },
  });
  const env = { phase: 'ended' };
  assert.ok(applyEvent(st, ev(11, 'debrief_submitted', { player: 'p1', name: 'Ana', team: 'belarus', answers: [{ question: 'realism', value: 4 }] }, env), SCENARIO));
  assert.equal(st.debrief.count, 1);
  assert.deepEqual(st.debrief.respondents, ['p1']);
  assert.deepEqual(st.debrief.responses, [{ player: 'p1', name: 'Ana', team: 'belarus', answers: [{ question: 'realism', value: 4 }] }]);
  // An anonymous answer names nobody and adds nobody to the respondents.
  assert.ok(applyEvent(st, ev(13, 'debrief_submitted', { answers: [{ question: 'realism', value: 2 }] }, env), SCENARIO));
  assert.equal(st.debrief.count, 2);
  assert.deepEqual(st.debrief.respondents, ['p1']);
  assert.ok(applyEvent(st, ev(14, 'debrief_closed', {}, env), SCENARIO));
  assert.equal(st.debrief.open, false);
});

// ------------------------------------------------------------------ against the server

/** The parts of a snapshot the reducer keeps; the rest (options and their odds,
 *  presence, the server's clock, and `seq`, which counts events a seat may not see)
 *  comes only with snapshots. */
const FOLDED = [
  'title', 'turn', 'max_turns', 'phase', 'indicators', 'flags', 'history', 'teams', 'players',
  'draft', 'drafts', 'pending', 'choices', 'injects', 'notes', 'timer', 'script', 'seed',
  'auto_advance', 'private_rationales', 'ended', 'channels', 'messages', 'agreements',
];

function folded(st) {
  const out = {};
  for (const k of FOLDED) if (st[k] !== undefined) out[k] = st[k];
  return JSON.parse(JSON.stringify(out));
}

/** A WebSocket seat: its snapshot with every later event applied, and commands. */
async function openSeat(base, token, label, scenario) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
  const seat = { label, state: null, events: 0, waiting: new Map(), snapshotWaiter: null, errors: [] };
  let ref = 0;
  ws.addEventListener('message', (m) => {
    const f = JSON.parse(m.data);
    if (f.type === 'snapshot') {
      const w = seat.snapshotWaiter;
      seat.snapshotWaiter = null;
      if (!seat.state) seat.state = f;
      if (w) w(f);
    } else if (f.type === 'event') {
      seat.events += 1;
      applyEvent(seat.state, f, scenario);
    } else if ((f.type === 'ack' || f.type === 'error') && seat.waiting.has(f.ref)) {
      seat.waiting.get(f.ref)(f);
      seat.waiting.delete(f.ref);
    } else if (f.type === 'error') seat.errors.push(f);
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', () => reject(new Error(`${label}: the socket did not open`)));
  });
  seat.ws = ws;
  seat.fresh = () =>
    new Promise((resolve) => {
      seat.snapshotWaiter = resolve;
      ws.send(JSON.stringify({ type: 'auth', token }));
    });
  seat.send = (cmd) =>
    new Promise((resolve, reject) => {
      const r = `r${++ref}`;
      seat.waiting.set(r, (f) => (f.type === 'ack' ? resolve(f) : reject(new Error(`${label}: ${cmd.type} refused: ${f.message}`))));
      ws.send(JSON.stringify(Object.assign({ ref: r }, cmd)));
    });
  await seat.fresh();
  return seat;
}

test('a snapshot with the later events applied equals a fresh snapshot, on every seat', { timeout: 120000 }, async (t) => {
  if (typeof WebSocket !== 'function') {
    t.skip('this node has no WebSocket (node 20: --experimental-websocket)');
    return;
  }
  assert.ok(fs.existsSync(BIN), `the wargame binary is missing at ${BIN}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wargame-reducer-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = '';
  const server = spawn(
    BIN,
    ['serve', '--addr', `127.0.0.1:${port}`, '--db', path.join(tmp, 'r.db'), '--scenarios', path.join(ROOT, 'scenarios')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: Object.assign({}, process.env, { RUST_LOG: 'warn' }) }
  );
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  const seats = [];
  try {
    await until(async () => {
      if (server.exitCode !== null) throw new Error(`the server exited: ${log}`);
      return (await fetch(`${base}/healthz`)).ok;
    }, 'the server to answer /healthz', 30000);
    const post = async (p, body) => {
      const res = await fetch(`${base}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      assert.ok(res.ok, `${p}: ${res.status} ${text}`);
      return JSON.parse(text);
    };
    const scenario = await (await fetch(`${base}/api/scenarios/belarus-2025`)).json();
    const created = await post('/api/sessions', { scenario: 'belarus-2025', title: 'Reducer', seed: 7, max_turns: 2 });
    const join = (team, name) => post('/api/join', { join_code: created.join_code, team, name });
    const fac = await openSeat(base, created.facilitator_token, 'facilitator', scenario);
    const by = await openSeat(base, (await join('belarus', 'Alesia')).token, 'belarus', scenario);
    const ru = await openSeat(base, (await join('russia', 'Boris')).token, 'russia', scenario);
    const obs = await openSeat(base, (await join('observer', 'Projector')).token, 'observer', scenario);
    seats.push(fac, by, ru, obs);

    /** Every seat's folded state against a fresh snapshot; the fold goes on from there.
     *  `unseen`: seats that were not sent an event that moved the indicators (an inject
     *  to other teams): theirs differ until the next snapshot, which is why the consoles
     *  ask for one after such events; everything else must still agree. `fromSnapshot`:
     *  seats that learn the named parts only from the fresh snapshot the console asks for
     *  (NEEDS_SNAPSHOT), e.g. an applied agreement's terms for a seat that was no party. */
    async function same(step, unseen = [], fromSnapshot = {}) {
      await sleep(150);
      for (const seat of seats) {
        const fresh = await seat.fresh();
        const mine = folded(seat.state);
        const theirs = folded(fresh);
        if (unseen.includes(seat.label)) {
          assert.notDeepEqual(mine.indicators, theirs.indicators, `${seat.label} cannot know of ${step}`);
          delete mine.indicators;
          delete theirs.indicators;
          seat.state = fresh;
        }
        for (const key of fromSnapshot[seat.label] || []) {
          delete mine[key];
          delete theirs[key];
          seat.state = fresh;
        }
        assert.deepEqual(mine, theirs, `${seat.label}, after ${step}`);
        assert.deepEqual(seat.errors, [], `${seat.label}: errors`);
      }
    }

    await same('joining');
    await join('ukraine', 'Oksana');
    await fac.send({ type: 'start' });
    await same('the start');
    const script = scenario.script.filter((s) => s.turn === 1);
    await fac.send({ type: 'inject', script: script[0].id });
    if (script[1]) await fac.send({ type: 'skip', script: script[1].id });
    await fac.send({ type: 'inject', custom: { title: 'Clash', text: 'Shots.', effects: { by_sovereignty: 100, escalation: 1 } } });
    await same('injects');
    await fac.send({ type: 'inject', custom: { title: 'Quiet word', text: '', effects: { escalation: -1 } }, to: ['russia'] });
    await same('an inject to Russia only', ['belarus', 'observer']);

    // Negotiation: messages on a private and the public channel, the White Cell in
    // character, a channel held closed across phases, agreements proposed and answered.
    await by.send({ type: 'say', channel: 'belarus-russia', text: 'Our airfields are yours.' });
    await ru.send({ type: 'say', channel: 'belarus-russia', text: 'Then sign.' });
    await ru.send({ type: 'say', channel: 'all', text: 'Moscow wants peace.' });
    await fac.send({ type: 'say', channel: 'all', text: 'No comment.', as: 'Kremlin press office' });
    await fac.send({ type: 'say', channel: 'russia-ukraine', text: 'Only Russia and the White Cell read this.' });
    await same('messages');
    assert.ok(!obs.state.messages.some((m) => m.channel !== 'all'), 'the observer reads the public channel only');
    assert.ok(!by.state.messages.some((m) => m.channel === 'russia-ukraine'), 'Belarus does not read Russia-Ukraine');
    await by.send({ type: 'propose', agreement: 'minsk_moscow_basing' });
    await ru.send({ type: 'propose', agreement: 'aid_for_integration', to: ['belarus'] });
    await by.send({ type: 'propose', custom: { title: 'Hotline', text: 'A line between the ministries.' }, to: ['russia', 'ukraine'] });
    await ru.send({ type: 'propose', custom: { title: 'Side deal', text: '' }, to: ['ukraine'] });
    await ru.send({ type: 'respond', agreement: 'ag1', accept: true, note: 'Agreed.' });
    await by.send({ type: 'respond', agreement: 'ag2', accept: false });
    await ru.send({ type: 'respond', agreement: 'ag3', accept: true });
    await ru.send({ type: 'withdraw', agreement: 'ag4' });
    await by.send({ type: 'propose', agreement: 'aid_for_integration' });
    await fac.send({ type: 'channel', channel: 'belarus-russia', open: false });
    await same('proposals and answers');
    assert.deepEqual(by.state.agreements.map((a) => [a.agreement, a.status]), [['ag1', 'accepted'], ['ag2', 'rejected'], ['ag3', 'open'], ['ag5', 'open']]);
    assert.equal(obs.state.agreements.length, 0, 'private agreements stay private');
    const older = await new Promise((resolve) => {
      const onMsg = (m) => {
        const f = JSON.parse(m.data);
        if (f.type === 'messages' && f.ref === 'q1') {
          by.ws.removeEventListener('message', onMsg);
          resolve(f);
        }
      };
      by.ws.addEventListener('message', onMsg);
      by.ws.send(JSON.stringify({ type: 'messages', ref: 'q1', channel: 'belarus-russia', before: by.state.messages.filter((m) => m.channel === 'belarus-russia').at(-1).seq, limit: 1 }));
    });
    assert.deepEqual(older.messages.map((m) => m.text), ['Our airfields are yours.'], 'the messages query: older ones of one channel');
    await fac.send({ type: 'advance' });
    await fac.send({ type: 'timer', seconds: 300, auto_advance: false });
    // Overt options only: an undetected covert outcome moves what other seats see
    // without their seeing it, like the inject above.
    const overt = new Set(scenario.teams.flatMap((x) => x.options).filter((o) => !o.covert).map((o) => o.id));
    const open = (snap) => snap.options.filter((o) => o.available && overt.has(o.option)).map((o) => o.option);
    const byOpts = open(await by.fresh());
    assert.ok(byOpts.length > 0, 'Belarus has an available option');
    const cost = (id) => scenario.teams.flatMap((x) => x.options).find((o) => o.id === id).cost;
    const cheap = byOpts.filter((id) => cost(id) === 1);
    await by.send({ type: 'submit', turn: 1, choices: [{ option: byOpts[0], rationale: 'First thoughts.' }] });
    await by.send({ type: 'submit', turn: 1, choices: cheap.slice(0, 2).map((option) => ({ option, rationale: `Because ${option}.` })) });
    await ru.send({ type: 'submit', turn: 1, choices: open(await ru.fresh()).slice(0, 1).map((option) => ({ option, rationale: 'Keep Minsk close.' })) });
    await same('submissions');
    await fac.send({ type: 'advance' });
    await same('the rolls');
    const rolled = fac.state.pending;
    assert.ok(rolled.length > 0, 'choices were rolled');
    const first = rolled[0];
    await fac.send({ type: 'override', choice: first.choice, result: first.result === 'success' ? 'failure' : 'success', note: 'Implausible.' });
    await fac.send({ type: 'note', text: 'Public note.', public: true });
    await fac.send({ type: 'note', text: 'White Cell only.', public: false });
    await same('the override and notes');
    await fac.send({ type: 'void', agreement: 'ag5', note: 'Not this turn.' });
    await fac.send({ type: 'advance' });
    await same('publishing', [], { observer: ['agreements'] });
    assert.ok(
      obs.state.agreements.some((a) => a.agreement === 'ag1' && a.applied && !a.responses.some((r) => r.note)),
      'an applied agreement reaches every snapshot, without what the parties wrote'
    );
    for (const seat of [by, ru, obs, fac]) assert.equal(seat.state.flags.belarus_support_role, true, `${seat.label} sees the agreement's flag`);
    assert.equal(by.state.agreements[0].applied, true);
    assert.equal(by.state.channels.find((c) => c.id === 'belarus-russia').open, false, 'held closed across phases');
    await fac.send({ type: 'channel', channel: 'belarus-russia', open: null });
    await fac.send({ type: 'inject', custom: { title: 'After the results', text: '', effects: { escalation: 1 } } });
    await fac.send({ type: 'advance' });
    await same('the next briefing');
    assert.equal(by.state.agreements.find((a) => a.agreement === 'ag3').status, 'expired', 'open proposals expire as the next turn begins');
    await fac.send({ type: 'end', reason: 'Time is up.' });
    // The fog lifts at the end: the true board comes with the fresh snapshot the consoles
    // ask for after `session_ended`, not with the event.
    const board = ['indicators', 'history'];
    await same('the end', [], { belarus: board, russia: board, observer: board });
    assert.ok(by.events > 10 && obs.events > 5, 'the seats saw events');
  } finally {
    for (const s of seats) s.ws.close();
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), sleep(8000)]);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
