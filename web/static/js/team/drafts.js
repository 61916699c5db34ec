// A player's unsent work and the team's live draft.
//
// - Kept on this device per seat and turn (`wargame.draft.<session>.<player>.<turn>`
//   in localStorage) at every change, so a reload, a crash or a phone dropping a
//   background tab loses nothing; restored when the console loads.
// - A warning on leaving the page (`beforeunload`) while there are unsent changes.
// - The live draft: every change is sent, debounced, as a `draft` command; teammates'
//   changes (`draft_edited`) come into the form, except the rationale this player is
//   typing, and each option shows who changed it last.
// - A submission in flight when the connection dropped (or sent while offline) is
//   kept as the outbox and, after reconnecting, resent unless the fresh snapshot shows
//   it arrived (its draft's revision is newer than the one it was sent over, with the
//   same choices). If a teammate's submission came in meanwhile, nothing is resent and
//   this player's changes stay on screen, unsent.
import { store } from '../lib/storage.js';
import { S, myTeam } from './context.js';

const DEBOUNCE_MS = 700;
let sendTimer = null;
let lastSent = '';

function key(turn) {
  return `wargame.draft.${S.sessionId}.${(S.seat && S.seat.player) || ''}.${turn}`;
}

/** The choices in the form, in the order of the team's menu. */
export function selectionChoices() {
  const team = S.sc && S.sc.teams.get(myTeam());
  const order = team ? (team.options || []).map((o) => o.id) : Array.from(S.selection.keys());
  for (const id of S.selection.keys()) if (!order.includes(id)) order.push(id);
  return order.filter((id) => S.selection.has(id)).map((id) => ({ option: id, rationale: S.selection.get(id) || '' }));
}

export function sameChoices(a, b) {
  const norm = (list) => JSON.stringify((list || []).map((c) => [c.option, c.rationale || '']).sort());
  return norm(a) === norm(b);
}

/** The submitted draft of this turn, if any. */
export function submitted() {
  const st = S.state;
  return st && st.draft && st.draft.turn === st.turn ? st.draft : null;
}

/** Whether the form differs from what the White Cell has. */
export function differsFromSubmitted() {
  const d = submitted();
  return !sameChoices(selectionChoices(), d ? d.choices : []) || (!d && S.selection.size > 0);
}

/** Writes this player's work for the turn to the device (and forgets other turns'). */
export function saveLocal() {
  const st = S.state;
  if (!st || !S.seat) return;
  const prefix = `wargame.draft.${S.sessionId}.${S.seat.player}.`;
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i);
      if (k && k.startsWith(prefix) && k !== key(st.turn)) localStorage.removeItem(k);
    }
  } catch (e) {
    /* storage unavailable: nothing to forget */
  }
  if (!S.dirty && !S.outbox) {
    store.remove(key(st.turn));
    return;
  }
  store.set(key(st.turn), {
    turn: st.turn,
    choices: selectionChoices(),
    dirty: S.dirty,
    outbox: S.outbox || null,
    at: Date.now(),
  });
}

export function loadLocal(turn) {
  const rec = store.get(key(turn), null);
  return rec && rec.turn === turn && Array.isArray(rec.choices) ? rec : null;
}

/** The form changed here: keep it, and share it with the team. */
export function changed() {
  S.dirty = differsFromSubmitted();
  saveLocal();
  scheduleLiveSend();
}

function editable() {
  const st = S.state;
  return !!st && !st.ended && (st.phase === 'briefing' || st.phase === 'decision');
}

/** Sends the form as the team's live draft, at most every DEBOUNCE_MS. */
export function scheduleLiveSend() {
  if (sendTimer) window.clearTimeout(sendTimer);
  sendTimer = window.setTimeout(() => {
    sendTimer = null;
    if (!editable() || !S.conn) return;
    const choices = selectionChoices();
    const body = JSON.stringify([S.state.turn, choices]);
    if (body === lastSent) return;
    lastSent = body;
    S.conn.send({ type: 'draft', turn: S.state.turn, choices }).catch(() => {
      lastSent = ''; // not taken: the next change (or reconnect) sends it again
    });
  }, DEBOUNCE_MS);
}

/** Puts `choices` into the form, keeping the rationale this player is typing. */
function loadChoices(choices) {
  const focused = document.activeElement;
  const typing = Array.from(S.cards.entries()).find(([, c]) => c.rationale === focused);
  const keep = typing && S.selection.has(typing[0]) ? [typing[0], S.selection.get(typing[0])] : null;
  S.selection = new Map((choices || []).map((c) => [c.option, c.rationale || '']));
  if (keep && S.selection.has(keep[0])) S.selection.set(keep[0], keep[1]);
  for (const [id, card] of S.cards) {
    if (card.rationale !== focused) card.rationale.value = S.selection.get(id) || '';
  }
}

/** Which options `next` changes against `prev` (added, removed, rationale edited). */
function changedOptions(prev, next) {
  const a = new Map((prev || []).map((c) => [c.option, c.rationale || '']));
  const b = new Map((next || []).map((c) => [c.option, c.rationale || '']));
  const out = [];
  for (const [id, r] of b) if (!a.has(id) || a.get(id) !== r) out.push(id);
  for (const id of a.keys()) if (!b.has(id)) out.push(id);
  return out;
}

/** A teammate changed the live draft: their change comes into the form. */
export function teammateEdited(ev) {
  const live = S.state && S.state.live_draft;
  if (!live) return;
  const me = S.seat && S.seat.player;
  for (const id of changedOptions(S.lastLive ? S.lastLive.choices : [], live.choices)) {
    S.editors.set(id, { by: live.by, at: live.at });
  }
  S.lastLive = live;
  if (ev.by === me) return;
  loadChoices(live.choices);
  S.selectionTurn = S.state.turn;
  S.dirty = differsFromSubmitted();
  saveLocal();
}

/**
 * After every snapshot. The first for a turn restores this player's work: what this
 * device kept, unless the team's live draft is newer; else the live draft; else the
 * submission. Then a pending submission is settled or resent (`resend(choices)`).
 */
export function afterSnapshot(syncDraft, resend, notice) {
  const st = S.state;
  if (!st) return;
  const live = st.live_draft && st.live_draft.turn === st.turn ? st.live_draft : null;
  if (S.restoredTurn !== st.turn) {
    S.restoredTurn = st.turn;
    S.editors = new Map();
    S.lastLive = live;
    if (live) for (const c of live.choices) S.editors.set(c.option, { by: live.by, at: live.at });
    const local = loadLocal(st.turn);
    const d = submitted();
    if (local && local.dirty && (!live || local.at >= live.at)) {
      syncDraft(true);
      loadChoices(local.choices);
      S.dirty = differsFromSubmitted();
      S.restored = S.dirty;
    } else if (live && (!d || live.at > d.at)) {
      syncDraft(true);
      loadChoices(live.choices);
      S.dirty = differsFromSubmitted();
    } else {
      syncDraft(false);
    }
    if (local && local.outbox && !S.outbox) S.outbox = local.outbox;
    saveLocal();
  } else {
    syncDraft(false);
  }
  settleOutbox(resend, notice);
}

function settleOutbox(resend, notice) {
  const st = S.state;
  const box = S.outbox;
  if (!box || S.sending) return;
  if (box.turn !== st.turn || st.phase !== 'decision' || st.ended) {
    S.outbox = null;
    saveLocal();
    notice('error', 'The decision window closed before your choices reached the server; they were not submitted.');
    return;
  }
  const d = submitted();
  const base = box.base || 0;
  if (d && d.revision > base) {
    S.outbox = null;
    if (sameChoices(d.choices, box.choices)) {
      S.dirty = differsFromSubmitted();
      notice('ok', `Your submission arrived before the connection dropped: revision ${d.revision}.`);
    } else {
      notice('error', 'A teammate submitted while your connection was down; your choices were not sent again and are still on screen, unsent.');
    }
    saveLocal();
    return;
  }
  resend(box.choices);
}
