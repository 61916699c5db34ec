// What the White Cell console's panels share: the console (state, scenario, socket),
// this browser's key for the session, who is connected, and a few small helpers.
import { feedback } from '../lib/notify.js';

export const S = {
  sessionId: null,
  rec: null, // the stored key: {session_id, token, join_code, title}
  console: { state: null, sc: null, conn: null },
  seats: [], // presence: who is connected
  formsBuiltFor: '',
  overrideDrafts: new Map(), // choice id -> {result, note}
  overrideFeedback: new Map(), // choice id -> {kind, text}: survives redraws of the table
  preview: null,
  timerDefaultFor: '',
  /** The session as this console sees it: the last snapshot with later events applied. */
  get state() {
    return this.console.state;
  },
  /** The scenario index (loadScenario). */
  get sc() {
    return this.console.sc;
  },
  get conn() {
    return this.console.conn;
  },
};

/** Sends a command, saying next to the control that it is under way, done or refused. */
export async function run(fbNode, busyText, cmd, okText) {
  feedback(fbNode, 'busy', busyText);
  try {
    const res = await S.conn.send(cmd);
    if (okText) feedback(fbNode, 'ok', typeof okText === 'function' ? okText(res) : okText);
    return res;
  } catch (e) {
    feedback(fbNode, 'error', e.message);
    return null;
  }
}

export function seatOf(player) {
  return S.seats.find((s) => s.player === player) || null;
}

export function seenMs(v) {
  if (typeof v === 'number') return v;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : 0;
}

/** The odds of an option on the board as it stands (facilitator snapshots carry them). */
export function targetOf(optionId) {
  const o = (S.state.options || []).find((x) => x.option === optionId);
  return o && o.target !== undefined && o.target !== null ? o.target : null;
}

export function playerName(id) {
  const p = (S.state.players || []).find((x) => x.player === id);
  return p ? p.name : id || 'a player';
}
