// Team console: the situation, the briefing feed, the option menu with budget and
// rationales, submit/revise, outcomes explained in words, and earlier turns. The option
// menu and submitting live in team/decide.js, the feed and history in team/feed.js.
import { $, fill, setText, drawIfChanged, onReady } from './lib/dom.js';
import { clock } from './lib/clock.js';
import { PHASE_HELP, phaseLabel, turnLabel, duration, timerText } from './lib/words.js';
import { teamName } from './lib/scenario.js';
import { renderIndicators, renderFlags } from './lib/board.js';
import { announce } from './lib/notify.js';
import { bootConsole, findKey } from './lib/console.js';
import { installCues } from './lib/cues.js';
import { S, myTeam, myTeamDef, playerName } from './team/context.js';
import { syncDraft, buildOptions, updateOptions, renderDraftSummary, submit, showTeammateNotice, sendSubmission } from './team/decide.js';
import { afterSnapshot, teammateEdited, differsFromSubmitted, saveLocal, scheduleLiveSend } from './team/drafts.js';
import { renderObjectives } from './team/objectives.js';
import { feedback } from './lib/notify.js';
import { renderBriefing, renderOutcomes, renderHistory } from './team/feed.js';
import { renderTalks, wireTalks, onMessage, totalUnread } from './team/talks.js';
import { renderAgreements, wireAgreements } from './team/agreements.js';
import { renderSurvey } from './lib/debrief.js';

/** The debrief survey's context: this seat, and whether its answers were taken. */
const survey = { sessionId: null, player: null, conn: null, sent: false };

// ---------------------------------------------------------------- render

function renderHeader() {
  const st = S.state;
  const team = myTeamDef();
  setText($('team-name'), team ? team.name : 'Team console');
  setText($('page-h1'), team ? `${team.name}: team console` : 'Team console');
  setText($('player-name'), S.seat ? S.seat.name || '' : '');
  setText($('session-title'), st.title || '');
  document.body.dataset.phase = st.phase;
  const phaseText = st.ended ? 'Session ended' : `${turnLabel(st)} \u00b7 ${phaseLabel(st.phase)}`;
  setText($('phase'), phaseText);
  const unread = totalUnread();
  document.title = `${unread ? `(${unread}) ` : ''}${team ? team.name : 'Team'} \u00b7 ${phaseText} \u00b7 Wargame`;
  let help = PHASE_HELP[st.phase] || '';
  if (st.ended) help = `${st.ended.title}. ${st.ended.text}`;
  setText($('phase-help'), help);
  let decideHelp = '';
  const mine = (st.teams || []).find((t) => t.team === st.team);
  if (st.ended) decideHelp = 'The session has ended; no more choices.';
  else if (st.phase === 'lobby') decideHelp = 'The option menu is below so you can plan. Choices open in the decision phase.';
  else if (st.phase === 'briefing') decideHelp = 'Plan now: the decision window opens after the briefing.';
  else if (mine && mine.bot)
    decideHelp = `A bot${mine.doctrine ? ` (${mine.doctrine})` : ''} plays your team's seat; ask the White Cell to hand it to you.`;
  else if (st.phase === 'decision')
    decideHelp = mine && mine.submitted
      ? 'Your team has submitted. You may revise until the White Cell closes the window.'
      : 'Choose up to your budget, write a rationale for each, and submit. You may revise until the window closes.';
  else if (st.phase === 'adjudication') decideHelp = 'The window is closed; your last submission is being adjudicated.';
  else if (st.phase === 'review')
    decideHelp =
      st.max_turns && st.turn >= st.max_turns
        ? `Results are published below. Turn ${st.turn} was the last one: the White Cell ends the game next.`
        : 'Results are published below. The next turn starts with a new briefing.';
  setText($('decide-help'), decideHelp);
  setText($('decide-turn'), st.turn ? `(turn ${st.turn})` : '');
}

function renderTimer() {
  const st = S.state;
  if (!st) return;
  const text = timerText(st.timer, st);
  const node = $('timer');
  setText(node, text ? `\u25f7 ${text}` : '');
  node.hidden = !text;
  node.classList.toggle('timer-low', !!st.timer && st.timer.deadline - clock.now() < 60000);
}

function renderAll() {
  if (!S.state || !S.sc) return;
  $('console').hidden = false;
  buildOptions();
  renderTalks();
  renderHeader();
  renderTimer();
  const st = S.state;
  drawIfChanged('indicators', [st.turn, st.indicators, st.history, !!st.ended], () =>
    renderIndicators($('indicators'), st, S.sc, { descriptions: true })
  );
  drawIfChanged('flags', st.flags, () => renderFlags($('flags'), st, S.sc, { showOff: true }));
  drawIfChanged('briefing', [st.turn, st.injects], renderBriefing);
  drawIfChanged('objectives', [st.objectives, st.scores, !!st.ended], renderObjectives);
  updateOptions();
  renderDraftSummary();
  drawIfChanged('outcomes', [st.turn, st.phase, st.choices, st.ended], renderOutcomes);
  drawIfChanged('history', [st.turn, st.history, st.injects, st.choices], renderHistory);
  renderAgreements();
  survey.conn = S.conn;
  renderSurvey(st, survey);
}

// ---------------------------------------------------------------- frames

/** A seat for another kind of console opens that console instead. */
function acceptSnapshot(frame) {
  if (frame.role === 'observer' || frame.role === 'facilitator') {
    location.replace(`/${frame.role}?session=${encodeURIComponent(S.sessionId)}`);
    return false;
  }
  return true;
}

/** After the reducer: what the players hear, and the form kept in step with the draft. */
function onEvent(ev, st, before) {
  switch (ev.kind) {
    case 'phase_changed':
      announce(`${turnLabel(st)}: ${phaseLabel(ev.phase)}. ${PHASE_HELP[ev.phase] || ''}`);
      break;
    case 'draft_edited':
      teammateEdited(ev);
      break;
    case 'lead_changed':
      announce(`${playerName(ev.player)} now leads your team and submits its choices.`);
      break;
    case 'choices_submitted':
      if (ev.team === myTeam() && !ev.redacted) {
        const by = st.draft && st.draft.by;
        if (by !== (S.seat && S.seat.player)) {
          // A teammate's submission never replaces this player's unsent changes.
          S.dirty = differsFromSubmitted();
          if (S.dirty) showTeammateNotice(st.draft, renderAll);
          else syncDraft(true);
          announce(`${playerName(by)} submitted revision ${ev.revision} of your team's choices.`);
        }
      } else if (ev.team !== myTeam()) {
        announce(`${teamName(S.sc, ev.team)} has submitted.`);
      }
      break;
    case 'event_injected':
      if (ev.inject) announce(`New inject: ${ev.inject.title}`);
      break;
    case 'note_added':
      if (ev.public) announce(`White Cell note: ${ev.text}`);
      break;
    case 'timer_set':
      announce(ev.deadline ? `Timer set: ${duration(ev.seconds)} for this phase.` : 'The phase timer was cleared.');
      break;
    case 'timer_expired':
      announce('Time is up for this phase.');
      break;
    case 'session_ended':
      announce(`The session has ended. ${ev.title}.`);
      break;
    case 'message_posted':
      onMessage(ev);
      break;
    case 'agreement_proposed':
      if ((ev.to || []).includes(myTeam())) announce(`${teamName(S.sc, ev.from)} proposes an agreement: ${ev.title}. Answer it under Agreements.`);
      break;
    case 'agreement_resolved': {
      const a = (st.agreements || []).find((x) => x.agreement === ev.agreement);
      announce(`Agreement ${ev.result}${a ? `: ${a.title}` : ''}.`);
      break;
    }
    case 'agreement_applied':
      announce(`Agreement applied: ${ev.title}.`);
      break;
    default:
      break;
  }
  if (before.phase !== st.phase) {
    fill($('submit-feedback'));
    if (st.phase === 'briefing') syncDraft(true);
  }
}

// ---------------------------------------------------------------- start

function noSeat(text) {
  $('console').hidden = true;
  $('noseat').hidden = false;
  if (text) setText($('noseat-text'), text);
}

/** Every snapshot: restore this player's work, settle a submission in flight. */
function onSnapshot() {
  afterSnapshot(
    syncDraft,
    (choices) => sendSubmission(choices),
    (kind, text) => feedback($('submit-feedback'), kind, text)
  );
  if (S.dirty) scheduleLiveSend();
}

/** Leaving with unsent changes asks first (they are kept on this device anyway). */
function warnOnLeave(e) {
  const st = S.state;
  if (!st || st.ended || !(S.dirty || S.outbox)) return;
  if (st.phase !== 'briefing' && st.phase !== 'decision') return;
  e.preventDefault();
  e.returnValue = '';
}

onReady(() => {
  const key = findKey('team', '/team');
  S.sessionId = key.sessionId;
  S.seat = key.rec;
  survey.sessionId = S.sessionId;
  survey.player = S.seat && S.seat.player;
  if (!S.seat) {
    noSeat('This browser has not joined that session as a team player. Join with the code on the projector.');
    return;
  }
  $('decide-form').addEventListener('submit', submit);
  window.addEventListener('beforeunload', warnOnLeave);
  // A phone may discard a background tab without warning: keep the work first.
  window.addEventListener('pagehide', saveLocal);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saveLocal();
  });
  wireTalks(() => S.console.renderSoon && S.console.renderSoon());
  wireAgreements();
  S.console = bootConsole({
    token: S.seat.token,
    accept: acceptSnapshot,
    snapshot: onSnapshot,
    event: onEvent,
    render: renderAll,
    tick: renderTimer,
    rejected: (m) => {
      noSeat(`The server did not accept this browser's seat: ${m} Join again with the code on the projector.`);
    },
  });
  // Chime, vibration and title flash for a new phase, an inject, the last minute.
  installCues(() => S.console.state, {
    mount: document.querySelector('.topbar'),
    phaseText: (st) => (st.ended ? 'Session ended' : `${turnLabel(st)}: ${phaseLabel(st.phase)}`),
  });
});

