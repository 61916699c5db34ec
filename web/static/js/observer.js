// Public display for the projector: read-only board, timeline and the public
// channel's latest messages in large type, laid out to fit a 16:9 screen without
// scrolling (1366x768 up to 1920x1080), with a big countdown, the join code and a QR
// code of the join link (drawn by the server, lib/lan.js).
import { el, $, fill, setText, drawIfChanged, onReady } from './lib/dom.js';
import { clock } from './lib/clock.js';
import { plural, turnLabel, phaseLabel, timerText, resultBadge } from './lib/words.js';
import { teamName, effectsText, flagChangesText } from './lib/scenario.js';
import { speaker } from './lib/negotiation.js';
import { renderIndicators, renderFlags } from './lib/board.js';
import { announce, problem } from './lib/notify.js';
import { lanInfo, joinTarget, qrSrc } from './lib/lan.js';
import { installCues } from './lib/cues.js';
import { bootConsole, findKey } from './lib/console.js';
import { renderSurvey } from './lib/debrief.js';

let seat = null;
let C = null;
let lan = null; // GET /api/lan, once it answers

function renderHead() {
  const st = C.state;
  setText($('session-title'), st.title || 'Public display');
  setText($('turn'), turnLabel(st));
  setText($('phase'), st.ended ? 'Session ended' : phaseLabel(st.phase));
  document.title = `${st.title || 'Wargame'} \u00b7 ${turnLabel(st)} \u00b7 ${phaseLabel(st.phase)}`;
  const code = st.join_code || (seat && seat.join_code);
  const target = joinTarget(lan, code);
  const open = !!code && !st.ended;
  const lobbyNow = open && st.phase === 'lobby';
  // In the game the join box sits in the header, small; before it, the room needs it big.
  $('join-hint').hidden = !open || lobbyNow;
  if (open && !lobbyNow) {
    setText($('join-where'), target.hosts.length ? `Join at ${target.hosts[0]}/join` : 'Join on the join page');
    setText($('join-code'), code);
    drawQr($('join-qr'), target.url, code);
  }
  const lobby = $('lobby-join');
  lobby.hidden = !lobbyNow;
  if (lobbyNow) {
    drawIfChanged('lobby-join', [code, target.url, target.note, target.hosts], () => {
      const qr = el('img', { class: 'obs-lobby-qr', alt: '', hidden: true });
      drawQr(qr, target.url, code);
      fill(
        lobby,
        el(
          'div',
          { class: 'obs-lobby-text' },
          el('p', { class: 'obs-lobby-where', text: target.hosts.length ? 'Scan the code, or open on your phone or laptop:' : 'Open the join page of this server and enter the code' }),
          target.hosts.length ? el('p', { class: 'obs-lobby-host', text: target.hosts.map((h) => `${h}/join`).join('  \u00b7  ') }) : null,
          el('p', { class: 'obs-lobby-label', text: 'Join code' }),
          el('p', { class: 'obs-lobby-code', text: code }),
          target.note ? el('p', { class: 'obs-lobby-note', text: target.note }) : null
        ),
        qr
      );
    });
  }
  const ended = $('ended');
  if (st.ended) {
    ended.hidden = false;
    fill(ended, el('strong', { text: st.ended.title }), ' ', st.ended.text);
  } else ended.hidden = true;
}

/** The QR code of the join link, or nothing when no phone could open it. */
function drawQr(img, url, code) {
  if (!url) {
    img.hidden = true;
    img.removeAttribute('src');
    return;
  }
  const src = qrSrc(url);
  if (img.getAttribute('src') !== src) img.setAttribute('src', src);
  img.alt = `QR code: the join link ${url} with code ${code}`;
  img.hidden = false;
}

function renderTimer() {
  const st = C.state;
  if (!st) return;
  const text = timerText(st.timer, st);
  setText($('timer'), text ? `\u25f7 ${text}` : '');
  $('timer').classList.toggle('timer-low', !!st.timer && st.timer.deadline - clock.now() < 60000);
}

function renderTeams() {
  const st = C.state;
  const show = st.phase === 'decision';
  fill(
    $('teams'),
    ...(st.teams || []).map((t) =>
      el(
        'li',
        { class: `obs-team${show && t.submitted ? ' ready' : ''}` },
        el('span', { class: 'obs-team-name', text: t.name }, t.bot ? el('span', { class: 'badge badge-bot', text: 'bot' }) : null),
        el('span', {
          class: 'obs-team-state',
          text: show
            ? t.submitted
              ? '\u2713 submitted'
              : '\u2026 deciding'
            : `${plural(Number(t.players) || 0, 'player')}`,
        })
      )
    )
  );
}

function outcomeLine(c, full) {
  const covert = c.covert ? (c.detection && c.detection.detected ? ' \u00b7 covert, detected' : ' \u00b7 covert') : '';
  return el(
    'li',
    { class: `obs-outcome outcome-${c.result}` },
    resultBadge(c.result, c.overridden ? '(override)' : ''),
    ' ',
    el('span', { class: 'team-tag', text: teamName(C.sc, c.team) }),
    ' ',
    el('strong', { text: c.title }),
    el('span', { class: 'obs-odds', text: ` \u2014 needed ${c.target} or less, rolled ${c.roll}${covert}${c.bot ? ' \u00b7 bot choice' : ''}` }),
    full && effectsText(C.sc, c.effects) ? el('div', { class: 'obs-effects', text: effectsText(C.sc, c.effects) }) : null
  );
}

/** Agreements applied in turn `t` that this display may name: public ones it read, and
 *  every one whose application it saw (that is public whoever the parties). */
function appliedIn(t) {
  const st = C.state;
  const seen = C.applied.filter((a) => a.turn === t);
  const ids = new Set(seen.map((a) => a.agreement));
  const listed = (st.agreements || []).filter((a) => a.applied && a.turn === t && !ids.has(a.agreement));
  return seen.concat(listed);
}

function appliedLine(a) {
  const def = C.sc.agreements.get(a.template);
  const eff = effectsText(C.sc, a.effects || (def && def.effects));
  const flags = flagChangesText(C.sc, a.set || (def && def.set), a.clear || (def && def.clear));
  return el(
    'p',
    { class: 'obs-agreement', dataset: { agreement: a.agreement } },
    el('span', { class: 'label', text: 'Agreement applied: ' }),
    el('strong', { text: a.title }),
    ` (${(a.parties || []).map((p) => teamName(C.sc, p)).join(', ')})`,
    eff ? el('span', { class: 'obs-effects', text: ` \u2014 ${eff}.` }) : null,
    flags ? el('span', { class: 'obs-effects', text: ` ${flags}` }) : null
  );
}

/** The last few messages of the public channels: the room reads them from afar. */
function renderPublicTalk() {
  const st = C.state;
  const publicIds = (st.channels || []).filter((c) => c.public);
  $('public-talk').hidden = !publicIds.length;
  if (!publicIds.length) return;
  setText($('talk-h'), publicIds.length === 1 ? `${publicIds[0].name} (public channel)` : 'Public channels');
  const ids = new Set(publicIds.map((c) => c.id));
  const msgs = (st.messages || []).filter((m) => ids.has(m.channel)).slice(-5);
  fill(
    $('public-messages'),
    ...(msgs.length
      ? msgs.map((m) => {
          const { who, side } = speaker(m.from, C.sc);
          return el(
            'li',
            { class: 'obs-message', dataset: { seq: String(m.seq) } },
            el('span', { class: 'obs-who', text: side ? `${who} (${side}): ` : `${who}: ` }),
            el('span', { class: 'obs-said', text: m.text })
          );
        })
      : [el('li', { class: 'muted', text: 'Nothing said in public yet.' })])
  );
}

/** A projector cannot scroll: the latest turn with anything in it in full, the one
 *  before in short (outcomes and inject titles), older turns one line each. */
function renderTimeline() {
  const st = C.state;
  const now = Math.max(st.turn, 0);
  const nodes = [];
  let shown = 0;
  for (let t = now; t >= 0; t--) {
    const injects = (st.injects || []).filter((i) => i.turn === t).reverse();
    const choices = (st.choices || []).filter((c) => c.turn === t);
    const notes = (st.notes || []).filter((n) => n.turn === t && n.public).reverse();
    const agreed = appliedIn(t);
    if (!injects.length && !choices.length && !notes.length && !agreed.length) continue;
    const title = t === 0 ? 'Before the game' : `Turn ${t}`;
    const detail = shown === 0 ? 'full' : shown === 1 ? 'short' : 'line';
    shown += 1;
    if (detail === 'line') {
      const ok = choices.filter((c) => c.result === 'success').length;
      const parts = [];
      if (choices.length) parts.push(`${plural(choices.length, 'outcome')} (${ok} succeeded)`);
      if (injects.length) parts.push(plural(injects.length, 'inject'));
      if (notes.length) parts.push(plural(notes.length, 'note'));
      if (agreed.length) parts.push(plural(agreed.length, 'agreement'));
      nodes.push(el('p', { class: 'obs-turn-line' }, el('strong', { text: `${title}: ` }), parts.join(', ')));
      continue;
    }
    const full = detail === 'full';
    nodes.push(
      el(
        'section',
        { class: `obs-turn-block${full ? '' : ' short'}` },
        el('h3', { text: title }),
        choices.length ? el('ul', { class: 'obs-outcomes' }, choices.map((c) => outcomeLine(c, full))) : null,
        agreed.map(appliedLine),
        notes.map((n) => el('p', { class: 'obs-note' }, el('span', { class: 'label', text: 'White Cell: ' }), n.text)),
        injects.map((i) =>
          full
            ? el(
                'article',
                { class: 'obs-inject' },
                el('h4', { text: i.title }),
                i.text ? el('p', { text: i.text }) : null,
                effectsText(C.sc, i.effects) ? el('p', { class: 'obs-effects', text: effectsText(C.sc, i.effects) }) : null
              )
            : el('p', { class: 'obs-inject short' }, el('span', { class: 'label', text: 'Inject: ' }), i.title)
        )
      )
    );
  }
  if (!nodes.length) nodes.push(el('p', { class: 'muted', text: 'Nothing has happened yet.' }));
  fill($('timeline'), ...nodes);
}

function renderAll() {
  $('display').hidden = false;
  renderHead();
  renderTimer();
  const st = C.state;
  drawIfChanged('indicators', [st.turn, st.indicators, st.history, !!st.ended], () => renderIndicators($('indicators'), st, C.sc, {}));
  drawIfChanged('flags', st.flags, () => renderFlags($('flags'), st, C.sc, {}));
  renderTeams();
  drawIfChanged('timeline', [st.turn, st.injects, st.choices, st.notes, st.agreements, C.applied], renderTimeline);
  drawIfChanged('public-talk', [st.channels, (st.messages || []).slice(-20)], renderPublicTalk);
  renderSurvey(st, { collapsed: true, sessionId: seat.session_id, player: seat.player, conn: C.conn, get sent() { return surveySent; }, set sent(v) { surveySent = v; } });
}

/** Whether this observer's debrief answers were taken (until a snapshot says so). */
let surveySent = false;

/** What the room hears when something happens. */
function announceEvent(ev, st) {
  if (ev.kind === 'phase_changed') announce(`${turnLabel(st)}: ${phaseLabel(ev.phase)}.`);
  else if (ev.kind === 'event_injected' && ev.inject) announce(`New inject: ${ev.inject.title}`);
}

function noSeat() {
  $('display').hidden = true;
  $('noseat').hidden = false;
}

onReady(() => {
  const key = findKey('observer', '/observer');
  seat = key.rec;
  if (!seat) {
    noSeat();
    return;
  }
  lanInfo().then((l) => {
    lan = l;
    if (C && C.state) renderAll();
  });
  C = bootConsole({
    token: seat.token,
    render: renderAll,
    event: announceEvent,
    tick: renderTimer,
    rejected: (m) => {
      noSeat();
      problem(`The server did not accept this observer seat: ${m}`);
    },
  });
  installCues(() => C.state, {
    mount: document.querySelector('.topbar'),
    phaseText: (st) => (st.ended ? 'Session ended' : `${turnLabel(st)}: ${phaseLabel(st.phase)}`),
  });
});
