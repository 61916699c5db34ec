// The words used to explain the game: phases, turns, times, results and rolls.
import { el } from './dom.js';
import { clock } from './clock.js';

const PHASES = {
  lobby: 'Lobby',
  briefing: 'Briefing',
  decision: 'Decision',
  adjudication: 'Adjudication',
  review: 'Review',
  ended: 'Ended',
};

export const PHASE_HELP = {
  lobby: 'Waiting for the White Cell to start the game.',
  briefing: 'Read the briefing. The decision window opens next.',
  decision: 'The decision window is open: choose your actions and submit them.',
  adjudication: 'The decision window is closed. The White Cell is adjudicating.',
  review: 'The results of this turn are published.',
  ended: 'The session has ended.',
};

export function phaseLabel(phase) {
  return PHASES[phase] || String(phase || '');
}

export function turnLabel(state) {
  if (!state) return '';
  if (state.phase === 'lobby') return 'Before turn 1';
  const of = state.max_turns ? ` of ${state.max_turns}` : '';
  return `Turn ${state.turn}${of}`;
}

/** +3, −2 (a true minus sign), ±0 */
export function signed(n) {
  const v = Number(n) || 0;
  if (v > 0) return `+${v}`;
  if (v < 0) return `\u2212${Math.abs(v)}`;
  return '\u00b10';
}

function pad2(n) {
  return String(n).padStart(2, '0');
}

export function clockTime(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${pad2(m)}:${pad2(sec)}` : `${m}:${pad2(sec)}`;
}

export function ago(ms) {
  if (!ms) return 'never';
  const s = Math.round((clock.now() - ms) / 1000);
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `at ${clockTime(ms)}`;
}

/** "4:59 left" while the timer of the current phase runs; '' otherwise. */
export function timerText(timer, state) {
  if (!timer || !timer.deadline) return '';
  if (state && (timer.turn !== state.turn || timer.phase !== state.phase)) return '';
  const left = (timer.deadline - clock.now()) / 1000;
  if (left <= 0) return 'Time is up';
  return `${duration(left)} left`;
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many || one + 's'}`;
}

export function listWords(items) {
  const xs = items.filter(Boolean);
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function resultWord(result) {
  return result === 'success' ? 'success' : 'failure';
}

/** A badge that says the result in words and a symbol, never by colour alone. */
export function resultBadge(result, extra) {
  const ok = result === 'success';
  return el(
    'span',
    { class: `badge ${ok ? 'badge-success' : 'badge-failure'}` },
    el('span', { 'aria-hidden': 'true', text: ok ? '\u2713 ' : '\u2717 ' }),
    ok ? 'Success' : 'Failure',
    extra ? ` ${extra}` : ''
  );
}

/** A modifier's reason as a sentence of its own: capital first letter, final full stop. */
function sentence(reason) {
  const r = String(reason || '').trim();
  if (!r) return '';
  const cap = r[0].toUpperCase() + r.slice(1);
  return /[.!?]$/.test(cap) ? cap : `${cap}.`;
}

/** How the target was set, after the roll: "Base odds 60. −15: Reason (§5)." */
function oddsWhy(base, modifiers, target) {
  const mods = modifiers || [];
  if (!mods.length) return '';
  const sum = Number(base) + mods.reduce((a, m) => a + Number(m.delta), 0);
  const parts = [`Base odds ${base}.`].concat(mods.map((m) => `${signed(m.delta)}: ${sentence(m.reason)}`));
  if (sum !== Number(target)) parts.push('Capped to the 0\u2013100 range.');
  return parts.join(' ');
}

/** "Needed 45 or less; rolled 38: success. Base odds 60. −15: Reason (§5)."
 *  The roll comes first; the modifiers follow as sentences of their own, so a reason
 *  keeps its own words, capitals and source in brackets. */
export function explainRoll(r) {
  const rolled = r.rolled || r.result;
  const why = oddsWhy(r.base, r.modifiers, r.target);
  const head = `Needed ${r.target} or less${why ? '' : ' (the base odds, no modifiers)'}; rolled ${r.roll}: ${resultWord(rolled)}.`;
  return why ? `${head} ${why}` : head;
}

export function explainDetection(d) {
  if (!d) return '';
  const why = oddsWhy(d.base, d.modifiers, d.target);
  return (
    `Covert action. Detection: needed ${d.target} or less${why ? '' : ' (the base odds)'}; ` +
    `rolled ${d.roll}: ${d.detected ? 'detected \u2014 the other teams learn of it' : 'not detected'}.` +
    (why ? ` ${why}` : '')
  );
}

export function explainOverride(r) {
  if (!r.overridden && !r.note) return '';
  if (r.overridden) {
    const why = r.note ? ` Reason: ${r.note}` : '';
    return `The White Cell overrode the dice: ${resultWord(r.rolled)} became ${resultWord(r.result)}.${why}`;
  }
  return r.note ? `White Cell note: ${r.note}` : '';
}
