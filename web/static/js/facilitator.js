// Facilitator (White Cell) console: the page's boot and the panels drawn together.
// The next step is in a sticky bar (phase.js); the panels are tabs (tabs.js).
// Each panel lives in facilitator/: phase controls and timer (phase.js), readiness and
// live drafts (teams.js), injects (injects.js), adjudication with overrides
// (adjudication.js) and the odds preview (preview.js), indicator charts (charts.js),
// notes, session, exports and ending the session (session.js), channels, messages and
// agreements (talks.js), the after-action record for the HSEEP report (aar.js),
// and after the end the debrief (debrief.js).
import { $, fill, setText, onReady } from './lib/dom.js';
import { store } from './lib/storage.js';
import { phaseLabel, turnLabel } from './lib/words.js';
import { teamName } from './lib/scenario.js';
import { announce, problem } from './lib/notify.js';
import { bootConsole, findKey } from './lib/console.js';
import { S } from './facilitator/context.js';
import { renderControls, renderTimer, wirePhase } from './facilitator/phase.js';
import { renderReadiness, renderDrafts } from './facilitator/teams.js';
import { buildInjectForms, renderInjects, wireInjects, resetInjectFormsOnTurn } from './facilitator/injects.js';
import { wireTabs, renderTabNotes } from './facilitator/tabs.js';
import { installCues } from './lib/cues.js';
import { renderAdjudication } from './facilitator/adjudication.js';
import { renderPreview, runPreview } from './facilitator/preview.js';
import { renderCharts } from './facilitator/charts.js';
import { buildExportButtons, renderNotes, renderSession, wireSession } from './facilitator/session.js';
import { renderTalks, wireTalks } from './facilitator/talks.js';
import { renderBots } from './facilitator/bots.js';
import { renderLeads } from './facilitator/leads.js';
import { renderDebrief } from './facilitator/debrief.js';
import { renderAar, wireAar } from './facilitator/aar.js';
import { renderFork, wireFork } from './facilitator/fork.js';

function renderHeader() {
  const st = S.state;
  setText($('session-title'), st.title || '');
  setText($('turn'), turnLabel(st));
  setText($('phase'), st.ended ? 'Session ended' : phaseLabel(st.phase));
  document.title = `White Cell \u00b7 ${st.title || ''} \u00b7 ${turnLabel(st)} ${phaseLabel(st.phase)}`;
  if (S.rec && st.title && S.rec.title !== st.title) {
    S.rec.title = st.title;
    store.saveFacSession(S.rec);
  }
}

/** The forms that depend only on the scenario, built once for it. */
function buildForms() {
  const key = S.sc.raw.id;
  if (S.formsBuiltFor === key) return;
  S.formsBuiltFor = key;
  buildInjectForms();
  buildExportButtons();
}

function renderAll() {
  if (!S.state || !S.sc) return;
  $('console').hidden = false;
  buildForms();
  renderHeader();
  renderTimer();
  renderControls();
  renderTabNotes();
  resetInjectFormsOnTurn();
  renderReadiness();
  renderLeads();
  renderBots();
  renderDrafts();
  renderTalks();
  renderInjects();
  renderAdjudication();
  renderCharts();
  renderNotes();
  renderSession();
  renderDebrief();
  renderAar();
  renderFork();
}

// ---------------------------------------------------------------- frames

function acceptSnapshot(frame) {
  if (frame.role !== 'facilitator') {
    problem('This key is not a White Cell key for this session.');
    return false;
  }
  if (frame.presence && Array.isArray(frame.presence.seats)) S.seats = frame.presence.seats;
  return true;
}

/** After the reducer: what the White Cell hears, and what a new phase leaves behind. */
function onEvent(ev, st) {
  switch (ev.kind) {
    case 'phase_changed':
      S.preview = null;
      renderPreview();
      S.overrideFeedback.clear();
      for (const id of ['preview-feedback', 'timer-feedback', 'catalog-feedback', 'custom-feedback']) fill($(id));
      announce(`${turnLabel(st)}: ${phaseLabel(ev.phase)}.`);
      break;
    case 'choices_submitted':
      announce(`${teamName(S.sc, ev.team)} submitted revision ${ev.revision || 1}.`);
      break;
    case 'event_injected':
      if (ev.inject) announce(`Inject delivered: ${ev.inject.title}`);
      break;
    case 'timer_expired':
      announce('The phase timer ran out.');
      break;
    case 'player_joined':
      announce(`${ev.name} joined ${teamName(S.sc, ev.team)}.`);
      break;
    case 'session_ended':
      announce(`The session has ended: ${ev.title}.`);
      break;
    case 'agreement_proposed':
      announce(`${teamName(S.sc, ev.from)} proposes an agreement: ${ev.title}.`);
      break;
    case 'debrief_submitted':
      announce(ev.name ? `${ev.name} answered the debrief.` : 'A debrief answer arrived.');
      break;
    case 'agreement_resolved': {
      const a = (st.agreements || []).find((x) => x.agreement === ev.agreement);
      announce(`Agreement ${ev.result}${a ? `: ${a.title}` : ''}.`);
      break;
    }
    default:
      break;
  }
}

function onPresence(frame) {
  S.seats = frame.seats || [];
  if (S.state && S.sc) renderReadiness();
}

// ---------------------------------------------------------------- start

function noKey(text) {
  $('console').hidden = true;
  $('nokey').hidden = false;
  if (text) setText($('nokey-text'), text);
}

onReady(() => {
  const key = findKey('facilitator', '/facilitator');
  S.sessionId = key.sessionId;
  S.rec = key.rec;
  if (!S.rec) {
    noKey();
    return;
  }
  wireTabs();
  wirePhase();
  wireInjects();
  wireTalks();
  $('preview-btn').addEventListener('click', runPreview);
  wireSession();
  wireAar();
  wireFork();
  S.console = bootConsole({
    token: S.rec.token,
    accept: acceptSnapshot,
    event: onEvent,
    presence: onPresence,
    render: renderAll,
    tick: renderTimer,
    rejected: (m) => noKey(`The server did not accept the console key stored on this browser: ${m}`),
  });
  window.setInterval(() => {
    if (S.state && S.sc) renderReadiness();
  }, 15000);
  // The White Cell sends the injects: its cues are the phase and the timer's last minute.
  installCues(() => S.state, {
    mount: document.querySelector('.topbar'),
    injects: false,
    phaseText: (st) => (st.ended ? 'Session ended' : `${turnLabel(st)}: ${phaseLabel(st.phase)}`),
  });
});
