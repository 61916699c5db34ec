// Public display for the projector: read-only board and timeline in large type.
'use strict';

(() => {
  const { el, $, fill, store } = WG;

  const S = { sessionId: null, seat: null, conn: null, sc: null, state: null };

  const HEAVY = new Set(['phase_changed', 'event_injected', 'choice_resolved', 'trigger_fired', 'session_ended', 'timer_expired']);

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  function renderHead() {
    const st = S.state;
    setText($('session-title'), st.title || 'Public display');
    setText($('turn'), WG.turnLabel(st));
    setText($('phase'), st.ended ? 'Session ended' : WG.phaseLabel(st.phase));
    document.title = `${st.title || 'Wargame'} \u00b7 ${WG.turnLabel(st)} \u00b7 ${WG.phaseLabel(st.phase)}`;
    const code = st.join_code || (S.seat && S.seat.join_code);
    const host = WG.publicHost();
    const where = host ? `${host}/join` : '/join on this server';
    setText($('join-hint'), code && !st.ended && st.phase !== 'lobby' ? `Join at ${where} \u00b7 code ${code}` : '');
    // Before the game the join code is what the room needs: large.
    const lobby = $('lobby-join');
    lobby.hidden = !(code && st.phase === 'lobby' && !st.ended);
    if (!lobby.hidden) {
      WG.drawIfChanged('lobby-join', [code, host], () =>
        fill(
          lobby,
          el('p', { class: 'obs-lobby-where', text: host ? `Open ${host}/join on your phone or laptop and enter the code` : 'Open the join page of this server and enter the code' }),
          el('p', { class: 'obs-lobby-code', text: code }),
          host ? null : el('p', { class: 'muted', text: 'This display was opened on the server itself: ask the White Cell for its network address.' })
        )
      );
    }
    const ended = $('ended');
    if (st.ended) {
      ended.hidden = false;
      fill(ended, el('strong', { text: st.ended.title }), ' ', st.ended.text);
    } else ended.hidden = true;
  }

  function renderTimer() {
    const st = S.state;
    if (!st) return;
    const text = WG.timerText(st.timer, st);
    setText($('timer'), text ? `\u25f7 ${text}` : '');
    $('timer').classList.toggle('timer-low', !!st.timer && st.timer.deadline - WG.clock.now() < 60000);
  }

  function renderTeams() {
    const st = S.state;
    const show = st.phase === 'decision';
    fill(
      $('teams'),
      ...(st.teams || []).map((t) =>
        el(
          'li',
          { class: `obs-team${show && t.submitted ? ' ready' : ''}` },
          el('span', { class: 'obs-team-name', text: t.name }),
          el('span', {
            class: 'obs-team-state',
            text: show
              ? t.submitted
                ? '\u2713 submitted'
                : '\u2026 deciding'
              : `${WG.plural(Number(t.players) || 0, 'player')}`,
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
      WG.resultBadge(c.result, c.overridden ? '(override)' : ''),
      ' ',
      el('span', { class: 'team-tag', text: WG.teamName(S.sc, c.team) }),
      ' ',
      el('strong', { text: c.title }),
      el('span', { class: 'obs-odds', text: ` \u2014 needed ${c.target} or less, rolled ${c.roll}${covert}` }),
      full && WG.effectsText(S.sc, c.effects) ? el('div', { class: 'obs-effects', text: WG.effectsText(S.sc, c.effects) }) : null
    );
  }

  /** A projector cannot scroll: the latest turn with anything in it in full, the one
   *  before in short (outcomes and inject titles), older turns one line each. */
  function renderTimeline() {
    const st = S.state;
    const now = Math.max(st.turn, 0);
    const nodes = [];
    let shown = 0;
    for (let t = now; t >= 0; t--) {
      const injects = (st.injects || []).filter((i) => i.turn === t).reverse();
      const choices = (st.choices || []).filter((c) => c.turn === t);
      const notes = (st.notes || []).filter((n) => n.turn === t && n.public).reverse();
      if (!injects.length && !choices.length && !notes.length) continue;
      const title = t === 0 ? 'Before the game' : `Turn ${t}`;
      const detail = shown === 0 ? 'full' : shown === 1 ? 'short' : 'line';
      shown += 1;
      if (detail === 'line') {
        const ok = choices.filter((c) => c.result === 'success').length;
        const parts = [];
        if (choices.length) parts.push(`${WG.plural(choices.length, 'outcome')} (${ok} succeeded)`);
        if (injects.length) parts.push(WG.plural(injects.length, 'inject'));
        if (notes.length) parts.push(WG.plural(notes.length, 'note'));
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
          notes.map((n) => el('p', { class: 'obs-note' }, el('span', { class: 'label', text: 'White Cell: ' }), n.text)),
          injects.map((i) =>
            full
              ? el(
                  'article',
                  { class: 'obs-inject' },
                  el('h4', { text: i.title }),
                  i.text ? el('p', { text: i.text }) : null,
                  WG.effectsText(S.sc, i.effects) ? el('p', { class: 'obs-effects', text: WG.effectsText(S.sc, i.effects) }) : null
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
    if (!S.state || !S.sc) return;
    $('display').hidden = false;
    renderHead();
    renderTimer();
    const st = S.state;
    WG.drawIfChanged('indicators', [st.turn, st.indicators, st.history, !!st.ended], () => WG.renderIndicators($('indicators'), st, S.sc, {}));
    WG.drawIfChanged('flags', st.flags, () => WG.renderFlags($('flags'), st, S.sc, {}));
    renderTeams();
    WG.drawIfChanged('timeline', [st.turn, st.injects, st.choices, st.notes], renderTimeline);
  }

  const renderSoon = WG.renderer(renderAll);

  async function onSnapshot(frame) {
    S.state = frame;
    if (!S.sc || S.sc.raw.id !== frame.scenario) {
      try {
        S.sc = await WG.loadScenario(frame.scenario);
      } catch (e) {
        WG.problem(`The scenario could not be loaded: ${e.message}`);
        return;
      }
    }
    if (S.state !== frame) return;
    renderAll();
  }

  function onEvent(ev) {
    const st = S.state;
    if (!st || !S.sc || ev.seq <= st.seq) return;
    st.seq = ev.seq;
    st.turn = ev.turn;
    st.phase = ev.phase;
    switch (ev.kind) {
      case 'phase_changed':
        if (ev.indicators) st.indicators = ev.indicators;
        st.timer = null;
        WG.announce(`${WG.turnLabel(st)}: ${WG.phaseLabel(ev.phase)}.`);
        break;
      case 'choices_submitted': {
        const t = (st.teams || []).find((x) => x.team === ev.team);
        if (t) t.submitted = true;
        break;
      }
      case 'event_injected':
        if (ev.inject) {
          st.injects = (st.injects || []).concat([ev.inject]);
          WG.announce(`New inject: ${ev.inject.title}`);
        }
        break;
      case 'choice_resolved': {
        const r = Object.assign({}, ev);
        delete r.type;
        st.choices = (st.choices || []).concat([r]);
        break;
      }
      case 'note_added':
        if (ev.public) st.notes = (st.notes || []).concat([{ seq: ev.seq, at: ev.at, turn: ev.turn, text: ev.text, public: true }]);
        break;
      case 'timer_set':
        WG.clock.observe(ev.at);
        st.timer = ev.deadline
          ? { seconds: ev.seconds, deadline: ev.deadline, auto_advance: ev.auto_advance, turn: ev.turn, phase: ev.phase }
          : null;
        break;
      case 'player_joined': {
        const t = (st.teams || []).find((x) => x.team === ev.team);
        if (t) t.players = (Number(t.players) || 0) + 1;
        break;
      }
      case 'session_ended':
        st.ended = { reason: ev.reason, title: ev.title, text: ev.text };
        break;
      default:
        break;
    }
    renderSoon();
    if (HEAVY.has(ev.kind)) S.conn.refresh();
  }

  function noSeat() {
    $('display').hidden = true;
    $('noseat').hidden = false;
  }

  document.addEventListener('DOMContentLoaded', () => {
    S.sessionId = WG.param('session');
    S.seat = S.sessionId ? store.seat(S.sessionId, 'observer') : store.latestSeat('observer');
    if (S.seat && !S.sessionId) {
      S.sessionId = S.seat.session_id;
      history.replaceState(null, '', `/observer?session=${encodeURIComponent(S.sessionId)}`);
    }
    if (!S.seat) {
      noSeat();
      return;
    }
    WG.clock.sync();
    S.conn = WG.connect(S.seat.token, {
      onSnapshot,
      onEvent,
      onRejected: (m) => {
        noSeat();
        WG.problem(`The server did not accept this observer seat: ${m}`);
      },
    });
    window.setInterval(renderTimer, 1000);
  });
})();
