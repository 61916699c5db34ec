// The next step: the sticky bar under the status bar says what comes next and holds the
// one button that moves the session on (with a confirmation when a team would be left
// out, scripted injects of the turn are still pending, or the game would end); the Phase
// panel has the steps and the timer.
import { el, $, fill, setText } from '../lib/dom.js';
import { clock } from '../lib/clock.js';
import { phaseLabel, turnLabel, duration, timerText, listWords } from '../lib/words.js';
import { feedback } from '../lib/notify.js';
import { S, run } from './context.js';
import { pendingScript } from './tabs.js';

function nextStep(st) {
  const n = (st.teams || []).filter((t) => t.submitted).length;
  const total = (st.teams || []).length;
  switch (st.phase) {
    case 'lobby':
      return ['Start the game', 'Opens turn 1 with its briefing. Players who join later can still take part.'];
    case 'briefing':
      return ['Open the decision window', `Teams can then submit their choices for turn ${st.turn}.`];
    case 'decision':
      return [
        'Close the window and roll the dice',
        `Locks each team's last submission (${n} of ${total} teams have submitted) and rolls every choice. Nothing is shown to the teams until you publish.`,
      ];
    case 'adjudication':
      return [
        'Publish the results',
        'Applies every outcome (with your overrides), fires follow-on events and shows the results to the teams.',
      ];
    case 'review':
      return st.turn >= st.max_turns
        ? ['Finish the game', `Turn ${st.turn} was the last one: advancing ends the session.`]
        : [`Start turn ${st.turn + 1}`, `Begins the briefing of turn ${st.turn + 1}. Live triggers that lapse are cleared.`];
    default:
      return ['Session ended', 'Nothing more can be played. Export the after-action report:'];
  }
}

/** What the step just taken did, in the past tense, for the line beside the button. */
const DONE = {
  lobby: 'The game has started.',
  briefing: 'The decision window is open.',
  decision: 'The window is closed and the dice are rolled.',
  adjudication: 'The results are published.',
  review: 'The next turn has begun.',
};

function buildPhaseSteps() {
  const box = $('phase-steps');
  if (box.childElementCount) return;
  for (const p of ['lobby', 'briefing', 'decision', 'adjudication', 'review', 'ended']) {
    box.appendChild(el('span', { class: 'step', dataset: { phase: p }, text: phaseLabel(p) }));
  }
}

export function renderControls() {
  const st = S.state;
  buildPhaseSteps();
  for (const step of $('phase-steps').children) {
    const on = step.dataset.phase === st.phase;
    step.classList.toggle('current', on);
    setText(step, `${on ? '\u25b6 ' : ''}${phaseLabel(step.dataset.phase)}`);
  }
  const [label, what] = nextStep(st);
  const over = !!st.ended || st.phase === 'ended';
  $('ended-export').hidden = !over;
  const btn = $('advance-btn');
  setText(btn, label);
  btn.hidden = over;
  btn.disabled = over;
  setText($('next-label'), over ? 'Session ended.' : 'Next:');
  setText($('advance-what'), what);
  if (over) {
    $('advance-confirm').hidden = true;
    $('pending-confirm').hidden = true;
    fill($('advance-feedback'));
  }
  setText($('phase-help'), st.ended ? `${st.ended.title}. ${st.ended.text}` : `${turnLabel(st)}, ${phaseLabel(st.phase).toLowerCase()}.`);
  // Default the auto-advance box once per phase, never over the facilitator's own choice.
  const phaseKey = `${st.turn}/${st.phase}`;
  if (S.timerDefaultFor !== phaseKey) {
    S.timerDefaultFor = phaseKey;
    $('timer-auto').checked = st.phase === 'decision' ? !!st.auto_advance : false;
  }
  for (const c of $('timer-form').querySelectorAll('input, button')) c.disabled = st.phase === 'lobby' || !!st.ended;
}

/** Scripted injects of this turn still pending when the briefing ends. */
function pendingNow(st) {
  return st.phase === 'briefing' ? pendingScript(st).filter((i) => i.turn === st.turn) : [];
}

function askPending(list) {
  setText(
    $('pending-confirm-text'),
    `${list.length === 1 ? 'One scripted inject' : `${list.length} scripted injects`} of turn ${S.state.turn} ${list.length === 1 ? 'is' : 'are'} still pending:`
  );
  fill($('pending-list'), ...list.map((i) => el('li', { text: i.title })));
  fill($('pending-feedback'));
  $('advance-confirm').hidden = true;
  $('pending-confirm').hidden = false;
  $('pending-fire').focus();
}

/** Fires (or skips) every pending entry of the turn, then opens the window. */
async function settlePending(type) {
  const fb = $('pending-feedback');
  const list = pendingNow(S.state);
  for (const [n, i] of list.entries()) {
    const verb = type === 'inject' ? 'Firing' : 'Skipping';
    const ok = await run(fb, `${verb} ${n + 1} of ${list.length}: \u201c${i.title}\u201d\u2026`, { type, script: i.id });
    if (!ok) return;
  }
  $('pending-confirm').hidden = true;
  await advance(false, true);
}

async function advance(confirmed, scriptSettled) {
  const st = S.state;
  if (!st) return;
  const pending = scriptSettled ? [] : pendingNow(st);
  if (pending.length) {
    askPending(pending);
    return;
  }
  const missing = (st.teams || []).filter((t) => !t.submitted);
  let warn = '';
  if (st.phase === 'decision' && missing.length) {
    warn = `${listWords(missing.map((t) => t.name))} ${missing.length === 1 ? 'has' : 'have'} not submitted; ${missing.length === 1 ? 'it takes' : 'they take'} no actions this turn if you close the window now.`;
  } else if (st.phase === 'review' && st.turn >= st.max_turns) {
    warn = 'This was the last turn: advancing ends the session.';
  }
  if (warn && !confirmed) {
    setText($('advance-confirm-text'), warn);
    $('advance-confirm').hidden = false;
    $('advance-confirm-yes').focus();
    return;
  }
  $('advance-confirm').hidden = true;
  const cmd = st.phase === 'lobby' ? { type: 'start' } : { type: 'advance' };
  const [label] = nextStep(st);
  const done = DONE[st.phase] || '';
  $('advance-btn').disabled = true;
  await run($('advance-feedback'), `${label}\u2026`, cmd, done);
  $('advance-btn').disabled = !!S.state.ended || S.state.phase === 'ended';
  if (S.state.ended) fill($('advance-feedback'));
}

export function renderTimer() {
  const st = S.state;
  if (!st) return;
  const text = timerText(st.timer, st);
  const node = $('timer');
  setText(node, text ? `\u25f7 ${text}${st.timer.auto_advance ? ' (then auto-advance)' : ''}` : '');
  node.hidden = !text;
  node.classList.toggle('timer-low', !!st.timer && st.timer.deadline - clock.now() < 60000);
}

async function setTimer(ev) {
  ev.preventDefault();
  const fb = $('timer-feedback');
  const minutes = Number($('timer-minutes').value);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 1440) {
    feedback(fb, 'error', 'Give the timer a length from 0.5 to 1440 minutes (a day).');
    $('timer-minutes').focus();
    return;
  }
  const seconds = Math.round(minutes * 60);
  await run(
    fb,
    'Setting the timer\u2026',
    { type: 'timer', seconds, auto_advance: $('timer-auto').checked },
    `Timer set: ${duration(seconds)}.`
  );
}

/** The phase panel's own controls. */
export function wirePhase() {
  $('advance-btn').addEventListener('click', () => advance(false));
  $('advance-confirm-yes').addEventListener('click', () => advance(true));
  $('advance-confirm-no').addEventListener('click', () => {
    $('advance-confirm').hidden = true;
    $('advance-btn').focus();
  });
  $('pending-fire').addEventListener('click', () => settlePending('inject'));
  $('pending-skip').addEventListener('click', () => settlePending('skip'));
  $('pending-cancel').addEventListener('click', () => {
    $('pending-confirm').hidden = true;
    $('advance-btn').focus();
  });
  $('timer-form').addEventListener('submit', setTimer);
  $('timer-clear').addEventListener('click', () =>
    run($('timer-feedback'), 'Clearing the timer\u2026', { type: 'timer', seconds: 0 }, 'Timer cleared.')
  );
}
