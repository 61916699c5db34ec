// The boot every console shares (team, facilitator, public display): find this
// browser's key for the session, connect, load the scenario, take each snapshot, fold
// each live event into the state with the one reducer, redraw at most once a frame,
// ask for a fresh snapshot after events that change derived state, and tick the timer.
import { renderer } from './dom.js';
import { clock } from './clock.js';
import { store } from './storage.js';
import { param, problem } from './notify.js';
import { loadScenario } from './scenario.js';
import { connect } from './connection.js';
import { applyEvent, NEEDS_SNAPSHOT } from './reducer.js';

/** The session in the address, or else the latest one this browser knows (and the
 *  address is corrected to name it). `role`: 'team', 'observer' or 'facilitator'. */
export function findKey(role, path) {
  let sessionId = param('session');
  let rec;
  if (role === 'facilitator') {
    if (!sessionId) sessionId = (store.facSessions()[0] || {}).session_id || null;
    rec = sessionId ? store.facSession(sessionId) : null;
  } else {
    rec = sessionId ? store.seat(sessionId, role) : store.latestSeat(role);
    if (rec && !sessionId) sessionId = rec.session_id;
  }
  if (sessionId && sessionId !== param('session')) {
    history.replaceState(null, '', `${path}?session=${encodeURIComponent(sessionId)}`);
  }
  return { sessionId, rec: rec && rec.token ? rec : null };
}

/**
 * Starts a console. `page`:
 *   token             the seat's or facilitator's token
 *   accept(frame)     false to ignore a snapshot (a key for another kind of console)
 *   snapshot(state)   after a snapshot is taken, before it is drawn
 *   event(ev, state, before)  after an event is applied: announcements and the like;
 *                     `before` is {turn, phase} as they were
 *   presence(frame), rejected(message)
 *   render()          draws the whole console (called at most once per frame)
 *   tick()            every second while there is a state (countdowns)
 * Returns the console: {state, sc, conn, renderSoon, applied}; `state` is the current
 * snapshot with every later event applied, `sc` the scenario index, `applied` every
 * `agreement_applied` event this page has seen (a seat that is no party to a private
 * agreement sees its effect on the board, but its snapshot does not list it).
 */
export function bootConsole(page) {
  const C = { state: null, sc: null, conn: null, renderSoon: null, applied: [] };
  C.renderSoon = renderer(() => {
    if (C.state && C.sc) page.render();
  });

  async function onSnapshot(frame) {
    if (page.accept && !page.accept(frame)) return;
    C.state = frame;
    if (!C.sc || C.sc.raw.id !== frame.scenario) {
      try {
        C.sc = await loadScenario(frame.scenario);
      } catch (e) {
        problem(`The scenario could not be loaded: ${e.message}`);
        return;
      }
    }
    if (C.state !== frame) return; // a newer snapshot arrived meanwhile
    if (page.snapshot) page.snapshot(frame);
    page.render();
  }

  function onEvent(ev) {
    const st = C.state;
    if (!st || !C.sc) return;
    const before = { turn: st.turn, phase: st.phase };
    if (!applyEvent(st, ev, C.sc)) return;
    if (ev.kind === 'timer_set') clock.observe(ev.at);
    if (ev.kind === 'agreement_applied' && !C.applied.some((a) => a.agreement === ev.agreement)) {
      C.applied.push(Object.assign({}, ev));
    }
    if (page.event) page.event(ev, st, before);
    C.renderSoon();
    if (NEEDS_SNAPSHOT.has(ev.kind)) C.conn.refresh();
  }

  clock.sync();
  C.conn = connect(page.token, {
    onSnapshot,
    onEvent,
    onPresence: page.presence,
    onRejected: page.rejected,
  });
  window.setInterval(() => {
    if (C.state && page.tick) page.tick();
  }, 1000);
  return C;
}
