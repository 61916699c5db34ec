// What the team console's parts share: the console (state, scenario, socket), this
// browser's seat, the selection being edited, and small questions about the team.

export const S = {
  sessionId: null,
  seat: null,
  console: { state: null, sc: null, conn: null },
  selection: new Map(), // option id -> rationale
  selectionTurn: null,
  dirty: false,
  sending: false,
  /** A submission sent but not confirmed: {turn, choices, base (the revision it
   *  was sent over)}; resent after reconnecting unless it arrived. */
  outbox: null,
  /** Who changed each option of the live draft last: option id -> {by, at}. */
  editors: new Map(),
  lastLive: null,
  restoredTurn: null,
  /** The form was restored from this device after a reload. */
  restored: false,
  cards: new Map(),
  builtFor: '',
  /** The session as this seat sees it: the last snapshot with later events applied. */
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

export function myTeam() {
  return S.state && S.state.team;
}

export function myTeamDef() {
  return S.sc && S.sc.teams.get(myTeam());
}

export function playerName(id) {
  if (!id) return 'a teammate';
  if (S.seat && id === S.seat.player) return 'you';
  const p = ((S.state && S.state.players) || []).find((x) => x.player === id);
  return p ? p.name : 'a teammate';
}

export function optionStatus(id) {
  return ((S.state && S.state.options) || []).find((o) => o.option === id) || { available: true, unmet: [] };
}

export function budget() {
  if (S.state && Number.isFinite(S.state.budget)) return S.state.budget;
  const t = myTeamDef();
  return (t && t.budget) || (S.sc && S.sc.raw.budget) || 0;
}

export function selectedCost() {
  let total = 0;
  for (const id of S.selection.keys()) {
    const o = S.sc && S.sc.options.get(id);
    total += o ? Number(o.cost) || 0 : 0;
  }
  return total;
}

export function canEdit() {
  return !!S.state && S.state.phase === 'decision' && !S.state.ended && !S.sending;
}

/** The team's lead (player id), in a session with team leads. */
export function leadOf() {
  const st = S.state;
  if (!st || !st.team_leads) return null;
  return (st.leads && st.leads[st.team]) || null;
}

/** Whether this player may submit: always, unless the session has team leads and
 *  another player leads this team. */
export function maySubmit() {
  const lead = leadOf();
  return !lead || lead === (S.seat && S.seat.player);
}
