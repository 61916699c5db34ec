// Team console: the situation, the briefing feed, the option menu with budget and
// rationales, submit/revise, outcomes explained in words, and earlier turns.
'use strict';

(() => {
  const { el, $, fill, store, drawIfChanged } = WG;

  const S = {
    sessionId: null,
    seat: null,
    conn: null,
    sc: null,
    state: null,
    selection: new Map(), // option id -> rationale
    selectionTurn: null,
    dirty: false,
    sending: false,
    cards: new Map(),
    builtFor: '',
    loading: null,
  };

  const HEAVY = new Set([
    'phase_changed',
    'event_injected',
    'choice_resolved',
    'trigger_fired',
    'timer_expired',
    'session_ended',
    'script_skipped',
  ]);

  // ---------------------------------------------------------------- helpers

  function myTeam() {
    return S.state && S.state.team;
  }

  function myTeamDef() {
    return S.sc && S.sc.teams.get(myTeam());
  }

  function playerName(id) {
    if (!id) return 'a teammate';
    if (S.seat && id === S.seat.player) return 'you';
    const p = ((S.state && S.state.players) || []).find((x) => x.player === id);
    return p ? p.name : 'a teammate';
  }

  function optionStatus(id) {
    return ((S.state && S.state.options) || []).find((o) => o.option === id) || { available: true, unmet: [] };
  }

  function budget() {
    if (S.state && Number.isFinite(S.state.budget)) return S.state.budget;
    const t = myTeamDef();
    return (t && t.budget) || (S.sc && S.sc.raw.budget) || 0;
  }

  function selectedCost() {
    let total = 0;
    for (const id of S.selection.keys()) {
      const o = S.sc && S.sc.options.get(id);
      total += o ? Number(o.cost) || 0 : 0;
    }
    return total;
  }

  function canEdit() {
    return !!S.state && S.state.phase === 'decision' && !S.state.ended && !S.sending;
  }

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  // ---------------------------------------------------------------- draft sync

  /** Makes the form show the team's stored draft (unless the player has unsent edits). */
  function syncDraft(force) {
    const st = S.state;
    if (!st) return;
    if (S.selectionTurn !== st.turn) force = true;
    if (S.dirty && !force) return;
    const draft = st.draft && st.draft.turn === st.turn ? st.draft : null;
    S.selection = new Map(draft ? draft.choices.map((c) => [c.option, c.rationale || '']) : []);
    S.selectionTurn = st.turn;
    S.dirty = false;
    for (const [id, card] of S.cards) card.rationale.value = S.selection.get(id) || '';
    $('teammate-notice').hidden = true;
  }

  // ---------------------------------------------------------------- option menu

  function buildOptions() {
    const team = myTeamDef();
    const key = `${S.sc.raw.id}/${myTeam()}`;
    if (!team || S.builtFor === key) return;
    S.builtFor = key;
    S.cards.clear();
    const stages = (S.sc.raw.stages || []).slice();
    for (const o of team.options || []) if (!stages.includes(o.stage)) stages.push(o.stage);
    const groups = stages.map((stage) => {
      const opts = (team.options || []).filter((o) => o.stage === stage);
      if (!opts.length) return null;
      return el(
        'fieldset',
        { class: 'option-group' },
        el('legend', { text: `${stage[0].toUpperCase()}${stage.slice(1)} options` }),
        opts.map(buildCard)
      );
    });
    fill($('options'), ...groups);
  }

  function buildCard(o) {
    const id = `opt-${o.id}`;
    const input = el('input', {
      type: 'checkbox',
      id,
      value: o.id,
      'aria-describedby': `${id}-desc ${id}-why`,
    });
    const why = el('p', { class: 'why', id: `${id}-why` });
    const rationale = el('textarea', {
      id: `${id}-rat`,
      rows: 3,
      maxlength: 4000,
      placeholder: 'Why your team takes this action, and what you expect.',
    });
    rationale.value = S.selection.get(o.id) || '';
    // Who reads it: an overt choice is published with its rationale to every team,
    // unless the session keeps rationales private.
    const ratHint = el('p', {
      class: 'hint',
      id: `${id}-rat-hint`,
      text: o.covert
        ? 'Covert: only your team and the White Cell read this.'
        : S.state && S.state.private_rationales
          ? 'Only your team and the White Cell read this, even after the results are published.'
          : 'The White Cell reads it now; every team sees it with the published result.',
    });
    rationale.setAttribute('aria-describedby', ratHint.id);
    const ratWrap = el(
      'div',
      { class: 'rationale-field', hidden: true },
      el('label', { for: `${id}-rat`, text: `Rationale for \u201c${o.title}\u201d` }),
      rationale,
      ratHint
    );
    // Open while the option can be picked; folded (a tap away) while it cannot.
    const more = el(
      'details',
      { class: 'option-body option-more', id: `${id}-desc`, open: true },
      el('summary', { text: 'What it does' }),
      el('p', { class: 'desc', text: o.description || '' }),
      el('p', { class: 'source', text: `Source: ${o.source || 'not given'}` })
    );
    const root = el(
      'div',
      { class: 'option', dataset: { option: o.id } },
      el(
        'div',
        { class: 'option-head' },
        input,
        el(
          'label',
          { for: id, class: 'option-label' },
          el('span', { class: 'option-title', text: o.title }),
          el(
            'span',
            { class: 'option-tags' },
            el('span', { class: 'tag tag-cost', text: WG.plural(Number(o.cost) || 0, 'point') }),
            o.covert ? el('span', { class: 'tag tag-covert', text: 'covert' }) : null
          )
        )
      ),
      more,
      why,
      ratWrap
    );
    input.addEventListener('change', () => {
      if (input.checked) S.selection.set(o.id, rationale.value);
      else S.selection.delete(o.id);
      S.dirty = true;
      updateOptions();
      renderDraftSummary();
      if (input.checked) rationale.focus();
    });
    rationale.addEventListener('input', () => {
      if (S.selection.has(o.id)) S.selection.set(o.id, rationale.value);
      S.dirty = true;
      renderDraftSummary();
    });
    S.cards.set(o.id, { root, input, why, rationale, ratWrap, more, open: null, def: o });
    return root;
  }

  function updateOptions() {
    if (!S.state || !S.sc) return;
    const total = budget();
    const used = selectedCost();
    const left = total - used;
    const editable = canEdit();
    for (const [oid, card] of S.cards) {
      const o = card.def;
      const cost = Number(o.cost) || 0;
      const status = optionStatus(oid);
      const selected = S.selection.has(oid);
      const overBudget = !selected && cost > left;
      const available = status.available !== false;
      card.input.checked = selected;
      card.input.disabled = !editable || (!selected && (!available || overBudget));
      card.rationale.disabled = !editable;
      card.ratWrap.hidden = !selected;
      card.root.classList.toggle('selected', selected);
      card.root.classList.toggle('unavailable', !available);
      // Fold or unfold the description when availability changes, not on every redraw,
      // so a player who opened one keeps it open.
      const shown = available || selected;
      if (card.open !== shown) {
        card.open = shown;
        card.more.open = shown;
      }
      card.root.classList.toggle('over-budget', overBudget && available);
      let why = '';
      if (!available && selected && !editable) {
        why = '';
      } else if (!available) {
        const unmet = (status.unmet || []).join('; ') || 'its prerequisites are not met';
        why = selected
          ? `No longer available (${unmet}): untick it before submitting.`
          : `Unavailable: ${unmet}.`;
      } else if (overBudget) {
        why = `Over budget: it costs ${cost}, and your current selection leaves ${left} of ${total} points.`;
      }
      setText(card.why, why);
      card.why.hidden = !why;
    }
    renderBudget(total, used);
    const btn = $('submit-btn');
    const hasDraft = S.state.draft && S.state.draft.turn === S.state.turn;
    btn.disabled = !editable;
    setText(
      btn,
      S.selection.size === 0
        ? hasDraft
          ? 'Submit revision: no actions'
          : 'Submit: no actions this turn'
        : hasDraft
          ? 'Submit revision'
          : 'Submit choices'
    );
  }

  function renderBudget(total, used) {
    const pips = WG.svg('svg', {
      class: 'pips',
      viewBox: `0 0 ${Math.max(1, total) * 14} 12`,
      'aria-hidden': 'true',
      focusable: 'false',
    });
    for (let i = 0; i < total; i++) {
      pips.appendChild(
        WG.svg('rect', { class: i < used ? 'pip used' : 'pip', x: i * 14 + 1, y: 1, width: 11, height: 10, rx: 2 })
      );
    }
    const left = total - used;
    fill(
      $('budget'),
      el('span', { class: 'budget-label', text: 'Budget ' }),
      pips,
      el('span', { class: 'budget-text', text: ` ${used} of ${total} points chosen, ${left} left` })
    );
  }

  function renderDraftSummary() {
    const st = S.state;
    const box = $('draft-summary');
    if (!st || !S.sc) return;
    const draft = st.draft && st.draft.turn === st.turn ? st.draft : null;
    const nodes = [];
    if (st.phase === 'decision' || draft) {
      if (draft) {
        nodes.push(
          el(
            'p',
            { class: 'draft-head' },
            el('span', { 'aria-hidden': 'true', text: '\u2713 ' }),
            `The White Cell has revision ${draft.revision} of your team's choices, submitted by ${playerName(draft.by)} at ${WG.clockTime(draft.at)}:`
          )
        );
        nodes.push(
          draft.choices.length
            ? el(
                'ul',
                { class: 'draft-choices' },
                draft.choices.map((c) =>
                  el(
                    'li',
                    null,
                    el('strong', { text: WG.optionTitle(S.sc, c.option) }),
                    c.rationale ? el('span', { class: 'muted', text: ` \u2014 ${c.rationale}` }) : null
                  )
                )
              )
            : el('p', { class: 'muted', text: 'No actions this turn.' })
        );
      } else {
        nodes.push(el('p', { class: 'draft-head none', text: `Nothing submitted yet for turn ${st.turn}.` }));
      }
      if (S.dirty && st.phase === 'decision') {
        nodes.push(
          el(
            'p',
            { class: 'unsent' },
            el('span', { 'aria-hidden': 'true', text: '\u270e ' }),
            'You have changes that are not submitted yet.'
          )
        );
      }
    }
    fill(box, ...nodes);
  }

  async function submit(ev) {
    ev.preventDefault();
    const fb = $('submit-feedback');
    if (!canEdit()) {
      WG.feedback(fb, 'error', 'Choices can be submitted only while the decision window is open.');
      return;
    }
    const order = (myTeamDef().options || []).map((o) => o.id);
    const chosen = order.filter((id) => S.selection.has(id));
    const missing = chosen.filter((id) => !String(S.selection.get(id) || '').trim());
    if (missing.length) {
      const first = missing[0];
      WG.feedback(fb, 'error', `Write a rationale for \u201c${WG.optionTitle(S.sc, first)}\u201d: the White Cell reads it at review.`);
      S.cards.get(first).rationale.focus();
      return;
    }
    const cost = selectedCost();
    if (cost > budget()) {
      WG.feedback(fb, 'error', `These choices cost ${cost} points; your budget is ${budget()}. Untick something.`);
      return;
    }
    const choices = chosen.map((id) => ({ option: id, rationale: S.selection.get(id) }));
    S.sending = true;
    updateOptions();
    WG.feedback(fb, 'busy', 'Sending your choices…');
    try {
      await S.conn.send({ type: 'submit', turn: S.state.turn, choices });
      S.dirty = false;
      const what = choices.length ? WG.plural(choices.length, 'action') : 'no actions';
      WG.feedback(
        fb,
        'ok',
        `Submitted at ${WG.clockTime(WG.clock.now())}: ${what}, ${cost} of ${budget()} points. You can revise until the window closes.`
      );
      WG.announce('Your choices were submitted.');
    } catch (e) {
      WG.feedback(fb, 'error', `Not submitted: ${e.message}`);
    } finally {
      S.sending = false;
      updateOptions();
      renderDraftSummary();
    }
  }

  // ---------------------------------------------------------------- render

  function renderHeader() {
    const st = S.state;
    const team = myTeamDef();
    setText($('team-name'), team ? team.name : 'Team console');
    setText($('player-name'), S.seat ? S.seat.name || '' : '');
    setText($('session-title'), st.title || '');
    document.body.dataset.phase = st.phase;
    const phaseText = st.ended ? 'Session ended' : `${WG.turnLabel(st)} \u00b7 ${WG.phaseLabel(st.phase)}`;
    setText($('phase'), phaseText);
    document.title = `${team ? team.name : 'Team'} \u00b7 ${phaseText} \u00b7 Wargame`;
    let help = WG.PHASE_HELP[st.phase] || '';
    if (st.ended) help = `${st.ended.title}. ${st.ended.text}`;
    setText($('phase-help'), help);
    let decideHelp = '';
    const mine = (st.teams || []).find((t) => t.team === st.team);
    if (st.ended) decideHelp = 'The session has ended; no more choices.';
    else if (st.phase === 'lobby') decideHelp = 'The option menu is below so you can plan. Choices open in the decision phase.';
    else if (st.phase === 'briefing') decideHelp = 'Plan now: the decision window opens after the briefing.';
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
    const text = WG.timerText(st.timer, st);
    const node = $('timer');
    setText(node, text ? `\u25f7 ${text}` : '');
    node.hidden = !text;
    node.classList.toggle('timer-low', !!st.timer && st.timer.deadline - WG.clock.now() < 60000);
  }

  function renderBriefing() {
    const st = S.state;
    const team = myTeamDef();
    if (team && team.briefing) {
      $('team-brief').hidden = false;
      setText($('team-brief-text'), team.briefing);
    } else $('team-brief').hidden = true;
    // This turn's injects; earlier ones are under "Earlier turns", so the feed above the
    // option menu stays short however long the game runs.
    const all = st.injects || [];
    const injects = all.filter((i) => i.turn === st.turn).reverse();
    const earlier = all.length - injects.length;
    const nodes = injects.map((i) => WG.injectCard(i, S.sc, { fresh: true, choices: st.choices }));
    if (!injects.length) {
      nodes.push(
        el('p', {
          class: 'muted',
          text: st.phase === 'lobby' ? 'No injects yet. New ones appear here during the briefing.' : `No injects yet in turn ${st.turn}.`,
        })
      );
    }
    if (earlier) {
      nodes.push(el('p', { class: 'muted', text: `${WG.plural(earlier, 'inject')} from earlier turns ${earlier === 1 ? 'is' : 'are'} under \u201cEarlier turns\u201d.` }));
    }
    fill($('injects'), ...nodes);
  }

  function turnChoices(turn) {
    return (S.state.choices || []).filter((c) => c.turn === turn);
  }

  function choiceCards(list) {
    const mine = list.filter((c) => c.team === myTeam());
    const others = list.filter((c) => c.team !== myTeam());
    const nodes = [];
    nodes.push(el('h3', { text: 'Your team' }));
    nodes.push(
      mine.length
        ? el('div', { class: 'cards' }, mine.map((c) => WG.outcomeCard(c, S.sc, { own: true, showTeam: false })))
        : el('p', { class: 'muted', text: 'Your team took no actions.' })
    );
    nodes.push(el('h3', { text: 'Other teams (as far as you can see)' }));
    nodes.push(
      others.length
        ? el('div', { class: 'cards' }, others.map((c) => WG.outcomeCard(c, S.sc)))
        : el('p', { class: 'muted', text: 'Nothing visible from the other teams.' })
    );
    return nodes;
  }

  function renderOutcomes() {
    const st = S.state;
    const box = $('outcome-list');
    const nodes = [];
    if (st.ended) {
      nodes.push(
        el(
          'div',
          { class: 'ended-banner', role: 'status' },
          el('strong', { text: st.ended.title }),
          el('p', { text: st.ended.text })
        )
      );
    }
    if (st.phase === 'review' || st.phase === 'ended') {
      const list = turnChoices(st.turn);
      nodes.push(el('p', { class: 'muted', text: `Turn ${st.turn}: each roll is d100; a roll at or below the target succeeds.` }));
      nodes.push(...choiceCards(list));
    } else if (st.phase === 'adjudication') {
      nodes.push(el('p', { class: 'waiting', text: 'Adjudicating\u2026 the White Cell publishes the results when ready.' }));
    } else {
      nodes.push(
        el('p', {
          class: 'muted',
          text: st.turn > 1 ? 'Results of earlier turns are under “Earlier turns”.' : 'Outcomes appear here once the first turn is adjudicated.',
        })
      );
    }
    fill(box, ...nodes);
  }

  function renderHistory() {
    const st = S.state;
    const box = $('history-list');
    // The current turn's results are under Outcomes; earlier turns are here.
    const turns = [];
    for (let t = st.turn - 1; t >= 1; t--) turns.push(t);
    const nodes = [];
    const rows = st.history || [];
    if (rows.length > 1) nodes.push(historyTable(rows));
    for (const t of turns) {
      const injects = (st.injects || []).filter((i) => i.turn === t);
      nodes.push(
        el(
          'details',
          { class: 'turn-history' },
          el('summary', { text: `Turn ${t}` }),
          el('h3', { text: 'Injects' }),
          injects.length
            ? el('div', { class: 'cards' }, injects.map((i) => WG.injectCard(i, S.sc, { choices: st.choices })))
            : el('p', { class: 'muted', text: 'None.' }),
          ...choiceCards(turnChoices(t))
        )
      );
    }
    if (!nodes.length) nodes.push(el('p', { class: 'muted', text: 'No earlier turns yet.' }));
    fill(box, ...nodes);
  }

  function historyTable(rows) {
    const ids = (S.sc.raw.indicators || []).map((i) => i.id);
    return el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { class: 'table history-table' },
        el('caption', { text: 'Indicator values at the end of each turn (T1: turn 1)' }),
        el(
          'thead',
          null,
          el(
            'tr',
            null,
            el('th', { scope: 'col', text: 'Indicator' }),
            rows.map((r) =>
              el('th', { scope: 'col', class: 'num' }, r.turn === 0 ? 'Start' : el('abbr', { title: `Turn ${r.turn}`, text: `T${r.turn}` }))
            )
          )
        ),
        el(
          'tbody',
          null,
          ids.map((id) =>
            el(
              'tr',
              null,
              el('th', { scope: 'row', text: WG.indicatorName(S.sc, id) }),
              rows.map((r) => el('td', { class: 'num', text: r.indicators[id] === undefined ? '' : String(r.indicators[id]) }))
            )
          )
        )
      )
    );
  }

  function renderAll() {
    if (!S.state || !S.sc) return;
    $('console').hidden = false;
    buildOptions();
    renderHeader();
    renderTimer();
    const st = S.state;
    drawIfChanged('indicators', [st.turn, st.indicators, st.history, !!st.ended], () =>
      WG.renderIndicators($('indicators'), st, S.sc, { descriptions: true })
    );
    drawIfChanged('flags', st.flags, () => WG.renderFlags($('flags'), st, S.sc, { showOff: true }));
    drawIfChanged('briefing', [st.turn, st.injects], renderBriefing);
    updateOptions();
    renderDraftSummary();
    drawIfChanged('outcomes', [st.turn, st.phase, st.choices, st.ended], renderOutcomes);
    drawIfChanged('history', [st.turn, st.history, st.injects, st.choices], renderHistory);
  }

  const renderSoon = WG.renderer(renderAll);

  // ---------------------------------------------------------------- frames

  async function onSnapshot(frame) {
    if (frame.role === 'observer') {
      location.replace(`/observer?session=${encodeURIComponent(S.sessionId)}`);
      return;
    }
    if (frame.role === 'facilitator') {
      location.replace(`/facilitator?session=${encodeURIComponent(S.sessionId)}`);
      return;
    }
    S.state = frame;
    if (!S.sc || S.sc.raw.id !== frame.scenario) {
      try {
        S.sc = await WG.loadScenario(frame.scenario);
      } catch (e) {
        WG.problem(`The scenario could not be loaded: ${e.message}`);
        return;
      }
    }
    if (S.state !== frame) return; // a newer snapshot arrived meanwhile
    syncDraft(false);
    renderAll();
  }

  function applyEffects(effects, set, clearList) {
    const st = S.state;
    for (const [id, d] of Object.entries(effects || {})) {
      if (id in st.indicators) st.indicators[id] = Number(st.indicators[id]) + Number(d);
    }
    // Flags this seat cannot see are absent from its snapshot; keep them so.
    for (const f of set || []) if (f in st.flags) st.flags[f] = true;
    for (const f of clearList || []) if (f in st.flags) st.flags[f] = false;
  }

  function onEvent(ev) {
    const st = S.state;
    if (!st || !S.sc || ev.seq <= st.seq) return;
    st.seq = ev.seq;
    const phaseBefore = st.phase;
    st.turn = ev.turn;
    st.phase = ev.phase;
    switch (ev.kind) {
      case 'phase_changed':
        if (ev.indicators) st.indicators = ev.indicators;
        st.timer = null;
        if (ev.phase === 'briefing') st.draft = null;
        WG.announce(`${WG.turnLabel(st)}: ${WG.phaseLabel(ev.phase)}. ${WG.PHASE_HELP[ev.phase] || ''}`);
        break;
      case 'choices_submitted': {
        const t = (st.teams || []).find((x) => x.team === ev.team);
        if (t) {
          t.submitted = true;
          t.last_submit = ev.at;
        }
        if (ev.team === myTeam() && !ev.redacted) {
          const by = ev.actor && ev.actor.player;
          st.draft = {
            team: ev.team,
            turn: ev.turn,
            choices: ev.choices || [],
            cost: ev.cost,
            revision: ev.revision,
            by,
            at: ev.at,
          };
          if (by !== (S.seat && S.seat.player)) {
            if (S.dirty) showTeammateNotice(st.draft);
            else syncDraft(true);
            WG.announce(`${playerName(by)} submitted revision ${ev.revision} of your team's choices.`);
          }
        } else if (ev.team !== myTeam()) {
          WG.announce(`${WG.teamName(S.sc, ev.team)} has submitted.`);
        }
        break;
      }
      case 'event_injected':
        if (ev.inject) {
          st.injects = (st.injects || []).concat([ev.inject]);
          applyEffects(ev.inject.effects, ev.inject.set, ev.inject.clear);
          WG.announce(`New inject: ${ev.inject.title}`);
        }
        break;
      case 'choice_resolved': {
        const r = Object.assign({}, ev);
        delete r.type;
        st.choices = (st.choices || []).concat([r]);
        applyEffects(ev.effects, ev.set, ev.clear);
        break;
      }
      case 'note_added':
        if (ev.public) WG.announce(`White Cell note: ${ev.text}`);
        break;
      case 'timer_set':
        WG.clock.observe(ev.at);
        st.timer = ev.deadline
          ? { seconds: ev.seconds, deadline: ev.deadline, auto_advance: ev.auto_advance, turn: ev.turn, phase: ev.phase }
          : null;
        WG.announce(ev.deadline ? `Timer set: ${WG.duration(ev.seconds)} for this phase.` : 'The phase timer was cleared.');
        break;
      case 'timer_expired':
        WG.announce('Time is up for this phase.');
        break;
      case 'player_joined':
        st.players = (st.players || []).concat([
          { player: ev.player, team: ev.team, name: ev.name, seat: ev.seat, joined_at: ev.at },
        ]);
        break;
      case 'session_ended':
        st.ended = { reason: ev.reason, title: ev.title, text: ev.text };
        WG.announce(`The session has ended. ${ev.title}.`);
        break;
      default:
        break;
    }
    if (phaseBefore !== st.phase) {
      fill($('submit-feedback'));
      if (st.phase === 'briefing') syncDraft(true);
    }
    renderSoon();
    if (HEAVY.has(ev.kind)) S.conn.refresh();
  }

  function showTeammateNotice(draft) {
    const box = $('teammate-notice');
    box.hidden = false;
    fill(
      box,
      el('span', { 'aria-hidden': 'true', text: '\u2139 ' }),
      `${playerName(draft.by)} submitted revision ${draft.revision} at ${WG.clockTime(draft.at)} while you were editing. `,
      el('button', {
        type: 'button',
        class: 'secondary small',
        text: 'Load their choices',
        onclick: () => {
          syncDraft(true);
          renderAll();
        },
      }),
      ' ',
      el('span', { class: 'muted', text: '(replaces your unsent changes)' })
    );
  }

  // ---------------------------------------------------------------- start

  function noSeat(text) {
    $('console').hidden = true;
    $('noseat').hidden = false;
    if (text) setText($('noseat-text'), text);
  }

  document.addEventListener('DOMContentLoaded', () => {
    S.sessionId = WG.param('session');
    S.seat = S.sessionId ? store.seat(S.sessionId, 'team') : store.latestSeat('team');
    if (S.seat && !S.sessionId) {
      S.sessionId = S.seat.session_id;
      history.replaceState(null, '', `/team?session=${encodeURIComponent(S.sessionId)}`);
    }
    if (!S.seat) {
      noSeat('This browser has not joined that session as a team player. Join with the code on the projector.');
      return;
    }
    $('decide-form').addEventListener('submit', submit);
    WG.clock.sync();
    S.conn = WG.connect(S.seat.token, {
      onSnapshot,
      onEvent,
      onRejected: (m) => {
        noSeat(`The server did not accept this browser's seat: ${m} Join again with the code on the projector.`);
      },
    });
    window.setInterval(renderTimer, 1000);
  });
})();
