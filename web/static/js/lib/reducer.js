// The one event reducer every console uses: applies a live `event` frame to the state a
// `snapshot` frame describes (docs/PROTOCOL.md), as the engine's `evolve` does
// (src/engine/evolve.rs, and negotiation.rs for channels, messages and agreements), for the parts of the state a seat can see. Pure: no page, no
// socket, so it runs under node too (tests/e2e/reducer.test.mjs).
//
// What the page cannot work out from events alone (which options are available, the
// odds on the current board) comes with the fresh snapshot the console asks for after
// the events in NEEDS_SNAPSHOT.

/** Events after which derived state (option availability, odds, follow-on effects)
 *  is taken from a fresh snapshot. */
export const NEEDS_SNAPSHOT = new Set([
  'phase_changed',
  'event_injected',
  'dice_rolled',
  'outcome_overridden',
  'choice_resolved',
  'trigger_fired',
  'timer_expired',
  'session_ended',
  'script_skipped',
  'agreement_applied',
  'covert_revealed',
  'override_undone',
]);

/** Messages per channel a snapshot holds (the server's SNAPSHOT_MESSAGES); older ones
 *  come with the `messages` query. */
export const SNAPSHOT_MESSAGES = 300;

/** The fields of an `event` frame that are its envelope, not its body. */
const ENVELOPE = ['type', 'seq', 'at', 'turn', 'phase', 'actor', 'kind'];

/** An indicator's range from the scenario (its JSON, or the index `loadScenario` makes). */
function range(scenario, id) {
  const defs = (scenario && (scenario.raw || scenario).indicators) || [];
  const def = Array.isArray(defs) ? defs.find((d) => d.id === id) : null;
  return def ? [Number(def.min), Number(def.max)] : null;
}

/** Indicator changes, clamped to each indicator's range like the engine; flags set and
 *  cleared. A flag this seat cannot see is absent from its state and stays absent. */
function changeWorld(state, scenario, effects, set, clear) {
  const ind = state.indicators || (state.indicators = {});
  for (const [id, d] of Object.entries(effects || {})) {
    if (!(id in ind)) continue;
    let v = Number(ind[id]) + Number(d);
    const r = range(scenario, id);
    if (r) v = Math.min(r[1], Math.max(r[0], v));
    ind[id] = v;
  }
  const flags = state.flags || {};
  for (const f of set || []) if (f in flags) flags[f] = true;
  for (const f of clear || []) if (f in flags) flags[f] = false;
}

/** The scenario's channel definition (for its `open_in` schedule). */
function channelDef(scenario, id) {
  const defs = (scenario && (scenario.raw || scenario).channels) || [];
  return Array.isArray(defs) ? defs.find((c) => c.id === id) : null;
}

/** Whether a channel is open by its schedule in `phase`, as the engine reckons it. */
export function openBySchedule(def, phase) {
  if (!def || !Array.isArray(def.open_in)) return phase !== 'ended';
  return def.open_in.includes(phase);
}

/** Channels the White Cell has opened or closed until told otherwise, per state: the
 *  snapshot's `held`, then `channel_changed` events. */
const held = new WeakMap();

function heldChannels(state, scenario) {
  let m = held.get(state);
  if (!m) {
    m = new Map();
    for (const c of state.channels || []) {
      if (c.held) m.set(c.id, c.open);
    }
    held.set(state, m);
  }
  return m;
}

/** Whether the White Cell holds this channel open or closed (else it follows its
 *  schedule). */
export function channelHeld(state, scenario, id) {
  return heldChannels(state, scenario).has(id);
}

/** A new phase: channels that follow their schedule open or close with it. */
function scheduleChannels(state, scenario) {
  const m = heldChannels(state, scenario);
  for (const c of state.channels || []) {
    if (!m.has(c.id)) c.open = openBySchedule(channelDef(scenario, c.id), state.phase);
  }
}

function findAgreement(state, id) {
  return (state.agreements || []).find((a) => a.agreement === id) || null;
}

/** Records (or replaces) the indicator values at the end of `turn`. */
function recordHistory(state, turn) {
  const row = { turn, indicators: Object.assign({}, state.indicators) };
  const history = (state.history || []).slice();
  if (history.length && history[history.length - 1].turn === turn) history[history.length - 1] = row;
  else history.push(row);
  state.history = history;
}

function teamStatus(state, team) {
  return (state.teams || []).find((t) => t.team === team) || null;
}

function markScript(state, id, status, seq) {
  if (!id || !Array.isArray(state.script)) return;
  state.script = state.script.map((i) => (i.id === id ? Object.assign({}, i, { status: { status, seq } }) : i));
}

/** A new turn: nobody has submitted for it, nothing is rolled. */
function clearDrafts(state) {
  for (const t of state.teams || []) {
    t.submitted = false;
    delete t.last_submit;
  }
  delete state.draft;
  if (state.drafts) state.drafts = {};
  delete state.live_draft;
  if (state.live_drafts) state.live_drafts = {};
  if (state.pending) state.pending = [];
}

/**
 * Applies one `event` frame to `state` (a snapshot frame, updated in place).
 * `scenario` gives the indicator ranges. Returns false, changing nothing, for an event
 * the state already holds (seq not after the state's).
 */
export function applyEvent(state, ev, scenario) {
  if (!state || !ev || !(Number(ev.seq) > Number(state.seq))) return false;
  heldChannels(state, scenario); // what the snapshot's phase says, before it changes
  const phaseBefore = state.phase;
  state.seq = ev.seq;
  state.turn = ev.turn;
  state.phase = ev.phase;
  if (phaseBefore !== state.phase) scheduleChannels(state, scenario);
  switch (ev.kind) {
    case 'session_created':
      state.title = ev.title;
      state.max_turns = ev.max_turns;
      state.auto_advance = !!ev.auto_advance;
      state.private_rationales = !!ev.private_rationales;
      if (ev.seed !== undefined) state.seed = ev.seed;
      break;
    case 'player_joined': {
      state.players = (state.players || []).concat([
        { player: ev.player, team: ev.team, name: ev.name, seat: ev.seat, joined_at: ev.at },
      ]);
      const t = teamStatus(state, ev.team);
      if (t) t.players = (Number(t.players) || 0) + 1;
      break;
    }
    case 'phase_changed':
      changeWorld(state, scenario, null, null, (ev.lapsed || []).concat(ev.lapsed_secret || []));
      if (ev.indicators) state.indicators = Object.assign({}, ev.indicators);
      state.timer = null;
      if (ev.phase === 'briefing') {
        clearDrafts(state);
        // The previous turn is over: its final values replace those recorded at review.
        if (ev.turn > 1) recordHistory(state, ev.turn - 1);
      } else if (ev.phase === 'review') {
        recordHistory(state, ev.turn);
      }
      break;
    case 'choices_submitted': {
      const t = teamStatus(state, ev.team);
      if (t) {
        t.submitted = true;
        t.last_submit = ev.at;
      }
      if (ev.redacted) break;
      const draft = {
        team: ev.team,
        turn: ev.turn,
        choices: ev.choices || [],
        cost: ev.cost || 0,
        revision: ev.revision || 1,
        by: (ev.actor && ev.actor.player) || '',
        at: ev.at,
      };
      if (ev.doctrine) draft.doctrine = ev.doctrine;
      if (state.drafts) state.drafts = Object.assign({}, state.drafts, { [ev.team]: draft });
      if (state.role === 'team' && state.team === ev.team) state.draft = draft;
      break;
    }
    case 'event_injected':
      if (!ev.inject) break;
      changeWorld(state, scenario, ev.inject.effects, ev.inject.set, ev.inject.clear);
      state.injects = (state.injects || []).concat([ev.inject]);
      markScript(state, ev.inject.script, 'fired', ev.seq);
      break;
    case 'script_skipped':
      markScript(state, ev.script, 'skipped', ev.seq);
      break;
    case 'dice_rolled':
      if (ev.rolled) state.pending = (state.pending || []).concat([ev.rolled]);
      break;
    case 'override_undone':
      state.pending = (state.pending || []).map((r) => {
        if (r.choice !== ev.choice) return r;
        const x = Object.assign({}, r);
        delete x.overridden;
        return x;
      });
      break;
    case 'draft_edited': {
      // The team's live draft (the team and the White Cell only).
      const live = { team: ev.team, turn: ev.turn, choices: ev.choices || [], by: ev.by || '', at: ev.at, seq: ev.seq };
      if (state.role === 'team' && state.team === ev.team) state.live_draft = live;
      if (state.role === 'facilitator') state.live_drafts = Object.assign({}, state.live_drafts, { [ev.team]: live });
      break;
    }
    case 'lead_changed':
      state.leads = Object.assign({}, state.leads, { [ev.team]: ev.player });
      break;
    case 'covert_revealed': {
      // Its effects reach the boards that did not hold them: every seat but the
      // team that made the choice and the White Cell (who saw them all along).
      const had = state.role === 'facilitator' || (state.role === 'team' && state.team === ev.team) || !!state.ended;
      if (!had) changeWorld(state, scenario, ev.effects, null, null);
      state.choices = (state.choices || []).map((c) => (c.choice === ev.choice ? Object.assign({}, c, { revealed: true }) : c));
      break;
    }
    case 'outcome_overridden':
      state.pending = (state.pending || []).map((r) =>
        r.choice === ev.choice ? Object.assign({}, r, { overridden: { result: ev.result, note: ev.note } }) : r
      );
      break;
    case 'choice_resolved': {
      changeWorld(state, scenario, ev.effects, ev.set, ev.clear);
      const r = Object.assign({}, ev);
      for (const k of ENVELOPE) delete r[k];
      state.choices = (state.choices || []).concat([Object.assign({ turn: ev.turn }, r)]);
      break;
    }
    case 'trigger_fired':
      break;
    case 'note_added':
      state.notes = (state.notes || []).concat([
        {
          seq: ev.seq,
          at: ev.at,
          turn: ev.turn,
          text: ev.text,
          public: !!ev.public,
          ...(ev.category ? { category: ev.category } : {}),
          ...(ev.about ? { about: ev.about } : {}),
        },
      ]);
      break;
    // The White Cell's after-action record (only its console receives these).
    case 'report_info_set': {
      const aar = { ...(state.after_action || {}) };
      for (const k of ['scope', 'sponsor', 'point_of_contact']) {
        if (typeof ev[k] === 'string') {
          if (ev[k]) aar[k] = ev[k];
          else delete aar[k];
        }
      }
      state.after_action = aar;
      break;
    }
    case 'conclusion_set':
      state.after_action = { ...(state.after_action || {}), conclusion: ev.text };
      break;
    case 'plan_item_set': {
      const aar = { ...(state.after_action || {}) };
      const plan = (aar.plan || []).slice();
      const item = { item: ev.item, issue: ev.issue, recommendation: ev.recommendation, owner: ev.owner, due: ev.due };
      if (ev.objective) item.objective = ev.objective;
      const i = plan.findIndex((p) => p.item === ev.item);
      if (i >= 0) plan[i] = item;
      else {
        plan.push(item);
        aar.plan_created = (aar.plan_created || 0) + 1;
      }
      aar.plan = plan;
      state.after_action = aar;
      break;
    }
    case 'plan_item_removed': {
      const aar = { ...(state.after_action || {}) };
      aar.plan = (aar.plan || []).filter((p) => p.item !== ev.item);
      state.after_action = aar;
      break;
    }
    case 'timer_set':
      state.timer = ev.deadline
        ? { seconds: ev.seconds, deadline: ev.deadline, auto_advance: !!ev.auto_advance, turn: ev.turn, phase: ev.phase }
        : null;
      break;
    case 'timer_expired':
      state.timer = null;
      break;
    case 'session_ended':
      state.timer = null;
      if (state.pending) state.pending = [];
      if (state.turn > 0) recordHistory(state, state.turn);
      state.ended = { reason: ev.reason, title: ev.title, text: ev.text };
      break;
    case 'message_posted': {
      const m = { seq: ev.seq, at: ev.at, turn: ev.turn, channel: ev.channel, text: ev.text, from: ev.from };
      const list = (state.messages || []).concat([m]);
      // The snapshot holds the last SNAPSHOT_MESSAGES of each channel: drop the oldest.
      let n = 0;
      for (const x of list) if (x.channel === ev.channel) n += 1;
      if (n > SNAPSHOT_MESSAGES) list.splice(list.findIndex((x) => x.channel === ev.channel), 1);
      state.messages = list;
      break;
    }
    case 'channel_changed': {
      const m = heldChannels(state, scenario);
      if (ev.scheduled) m.delete(ev.channel);
      else m.set(ev.channel, !!ev.open);
      // `held`: the White Cell holds it against its schedule until it hands it back.
      state.channels = (state.channels || []).map((c) =>
        c.id === ev.channel ? Object.assign({}, c, { open: !!ev.open, held: !ev.scheduled }) : c
      );
      break;
    }
    case 'agreement_proposed': {
      const a = {};
      for (const k of ['agreement', 'template', 'from', 'to', 'parties', 'title', 'text']) if (ev[k] !== undefined) a[k] = ev[k];
      Object.assign(a, { public: !!ev.public, turn: ev.turn, seq: ev.seq, at: ev.at, responses: [], status: 'open', applied: false });
      state.agreements = (state.agreements || []).concat([a]);
      break;
    }
    case 'agreement_responded': {
      const a = findAgreement(state, ev.agreement);
      if (!a) break;
      const r = { team: ev.team, accept: !!ev.accept };
      if (ev.note !== undefined && ev.note !== null) r.note = ev.note;
      a.responses = (a.responses || []).concat([r]);
      break;
    }
    case 'agreement_resolved': {
      const a = findAgreement(state, ev.agreement);
      if (!a) break;
      a.status = ev.result;
      if (ev.note !== undefined && ev.note !== null) a.note = ev.note;
      else delete a.note;
      break;
    }
    case 'agreement_applied': {
      changeWorld(state, scenario, ev.effects, ev.set, ev.clear);
      const a = findAgreement(state, ev.agreement);
      if (a) a.applied = true;
      break;
    }
    case 'debrief_submitted': {
      // The White Cell's alone: the live summary and the count.
      const d = state.debrief;
      if (!d) break;
      const r = { answers: ev.answers || [] };
      for (const k of ['player', 'name', 'team']) if (ev[k] !== undefined) r[k] = ev[k];
      if (Array.isArray(d.responses)) d.responses = d.responses.concat([r]);
      if (typeof d.count === 'number') d.count += 1;
      if (Array.isArray(d.respondents) && ev.player && !d.respondents.includes(ev.player)) {
        d.respondents = d.respondents.concat([ev.player]);
      }
      break;
    }
    case 'debrief_closed':
      if (state.debrief) state.debrief.open = false;
      break;
    case 'bot_set': {
      // A bot holds the seat (every seat sees that); its doctrine only the team and the White Cell.
      const t = teamStatus(state, ev.team);
      if (!t) break;
      if (ev.bot) t.bot = true;
      else delete t.bot;
      if (ev.doctrine) t.doctrine = ev.doctrine;
      else delete t.doctrine;
      break;
    }
    default:
      break;
  }
  return true;
}
