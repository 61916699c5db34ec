// Facilitator (White Cell) console: phase controls and timer, readiness, live drafts,
// injects (script, catalog, custom), adjudication with overrides and odds preview,
// indicator charts, notes, export and ending the session.
'use strict';

(() => {
  const { el, svg, $, fill, store, drawIfChanged } = WG;

  const S = {
    sessionId: null,
    rec: null,
    conn: null,
    sc: null,
    state: null,
    seats: [],
    formsBuiltFor: '',
    overrideDrafts: new Map(), // choice id -> {result, note}
    overrideFeedback: new Map(), // choice id -> {kind, text}: survives redraws of the table
    preview: null,
    timerDefaultFor: '',
  };

  const HEAVY = new Set([
    'phase_changed',
    'event_injected',
    'dice_rolled',
    'outcome_overridden',
    'choice_resolved',
    'trigger_fired',
    'timer_expired',
    'session_ended',
    'script_skipped',
  ]);

  const EXPORTS = [
    ['json', 'JSON', 'json'],
    ['markdown', 'Markdown', 'md'],
    ['html', 'HTML report', 'html'],
    ['csv', 'CSV', 'csv'],
  ];

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  /** Rebuilds part of the page without losing the keyboard focus or a half-typed value. */
  function keepFocus(fn) {
    const a = document.activeElement;
    const id = a && a.id;
    let start = null;
    let end = null;
    try {
      start = a && a.selectionStart;
      end = a && a.selectionEnd;
    } catch (e) {
      start = null;
    }
    fn();
    if (id && document.activeElement !== a) {
      const again = document.getElementById(id);
      if (again) {
        again.focus();
        try {
          if (start !== null && again.setSelectionRange) again.setSelectionRange(start, end);
        } catch (e) {
          /* not a text field */
        }
      }
    }
  }

  async function run(fbNode, busyText, cmd, okText) {
    WG.feedback(fbNode, 'busy', busyText);
    try {
      const res = await S.conn.send(cmd);
      if (okText) WG.feedback(fbNode, 'ok', typeof okText === 'function' ? okText(res) : okText);
      return res;
    } catch (e) {
      WG.feedback(fbNode, 'error', e.message);
      return null;
    }
  }

  function seatOf(player) {
    return S.seats.find((s) => s.player === player) || null;
  }

  function seenMs(v) {
    if (typeof v === 'number') return v;
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : 0;
  }

  function teamIds() {
    return (S.sc.raw.teams || []).map((t) => t.id);
  }

  // ---------------------------------------------------------------- phase controls

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

  function buildPhaseSteps() {
    const box = $('phase-steps');
    if (box.childElementCount) return;
    for (const p of ['lobby', 'briefing', 'decision', 'adjudication', 'review', 'ended']) {
      box.appendChild(el('span', { class: 'step', dataset: { phase: p }, text: WG.phaseLabel(p) }));
    }
  }

  function renderControls() {
    const st = S.state;
    buildPhaseSteps();
    for (const step of $('phase-steps').children) {
      const on = step.dataset.phase === st.phase;
      step.classList.toggle('current', on);
      setText(step, `${on ? '\u25b6 ' : ''}${WG.phaseLabel(step.dataset.phase)}`);
    }
    const [label, what] = nextStep(st);
    $('ended-export').hidden = !st.ended;
    const btn = $('advance-btn');
    setText(btn, label);
    btn.disabled = st.phase === 'ended';
    setText($('advance-what'), what);
    setText($('phase-help'), st.ended ? `${st.ended.title}. ${st.ended.text}` : `${WG.turnLabel(st)}, ${WG.phaseLabel(st.phase).toLowerCase()}.`);
    // Default the auto-advance box once per phase, never over the facilitator's own choice.
    const phaseKey = `${st.turn}/${st.phase}`;
    if (S.timerDefaultFor !== phaseKey) {
      S.timerDefaultFor = phaseKey;
      $('timer-auto').checked = st.phase === 'decision' ? !!st.auto_advance : false;
    }
    for (const c of $('timer-form').querySelectorAll('input, button')) c.disabled = st.phase === 'lobby' || !!st.ended;
  }

  async function advance(confirmed) {
    const st = S.state;
    if (!st) return;
    const missing = (st.teams || []).filter((t) => !t.submitted);
    let warn = '';
    if (st.phase === 'decision' && missing.length) {
      warn = `${WG.listWords(missing.map((t) => t.name))} ${missing.length === 1 ? 'has' : 'have'} not submitted; ${missing.length === 1 ? 'it takes' : 'they take'} no actions this turn if you close the window now.`;
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
    $('advance-btn').disabled = true;
    await run($('advance-feedback'), `${label}\u2026`, cmd, `Done: ${label.toLowerCase()}.`);
    $('advance-btn').disabled = S.state.phase === 'ended';
  }

  // ---------------------------------------------------------------- readiness and drafts

  function renderReadiness() {
    const st = S.state;
    const players = st.players || [];
    const rows = (st.teams || []).map((t) => {
      const mine = players.filter((p) => p.team === t.team);
      const draft = st.drafts && st.drafts[t.team];
      let last = t.last_submit || 0;
      const people = mine.map((p) => {
        const seat = seatOf(p.player);
        const online = !!(seat && seat.connected);
        if (seat && seat.last_seen) last = Math.max(last, seenMs(seat.last_seen));
        return el(
          'li',
          { class: online ? 'online' : 'offline' },
          el('span', { 'aria-hidden': 'true', text: online ? '\u25cf ' : '\u25cb ' }),
          p.name,
          el('span', { class: 'muted', text: online ? ' (online)' : ' (offline)' })
        );
      });
      const anyOnline = mine.some((p) => (seatOf(p.player) || {}).connected);
      return el(
        'tr',
        { dataset: { team: t.team }, class: t.submitted ? 'ready' : '' },
        el('th', { scope: 'row', text: t.name }),
        el(
          'td',
          null,
          people.length ? el('ul', { class: 'people' }, people) : el('span', { class: 'muted', text: 'nobody yet' }),
          people.length && !anyOnline ? el('span', { class: 'warn-text', text: 'nobody connected' }) : null
        ),
        el(
          'td',
          { class: 'submission' },
          t.submitted
            ? [
                el('span', { class: 'badge badge-success' }, el('span', { 'aria-hidden': 'true', text: '\u2713 ' }), 'Submitted'),
                draft ? ` revision ${draft.revision} at ${WG.clockTime(draft.at)}` : '',
              ]
            : el('span', { class: 'badge badge-pending' }, el('span', { 'aria-hidden': 'true', text: '\u2013 ' }), 'Not yet')
        ),
        el('td', { text: last ? WG.ago(last) : 'no activity' })
      );
    });
    keepFocus(() => fill($('readiness-body'), ...rows));
    const observers = players.filter((p) => p.team === 'observer');
    setText(
      $('observers'),
      observers.length
        ? `Observers: ${observers.map((p) => `${p.name} (${(seatOf(p.player) || {}).connected ? 'online' : 'offline'})`).join(', ')}`
        : 'No observers have joined.'
    );
  }

  function targetOf(optionId) {
    const o = (S.state.options || []).find((x) => x.option === optionId);
    return o && o.target !== undefined && o.target !== null ? o.target : null;
  }

  function playerName(id) {
    const p = (S.state.players || []).find((x) => x.player === id);
    return p ? p.name : id || 'a player';
  }

  function renderDrafts() {
    const st = S.state;
    setText($('drafts-turn'), st.turn ? `(turn ${st.turn})` : '');
    const drafts = st.drafts || {};
    const cards = (st.teams || []).map((t) => {
      const d = drafts[t.team];
      const body = [];
      if (!d) body.push(el('p', { class: 'muted', text: 'No submission yet.' }));
      else {
        body.push(
          el('p', {
            class: 'meta',
            text: `Revision ${d.revision} by ${playerName(d.by)} at ${WG.clockTime(d.at)} \u00b7 ${d.cost} of ${(S.sc.teams.get(t.team) || {}).budget || S.sc.raw.budget} points`,
          })
        );
        body.push(
          d.choices.length
            ? el(
                'ol',
                { class: 'draft-choices' },
                d.choices.map((c) => {
                  const o = S.sc.options.get(c.option) || {};
                  // Odds on the board as it stands only mean something before the roll.
                  const target = st.phase === 'decision' ? targetOf(c.option) : null;
                  return el(
                    'li',
                    null,
                    el('strong', { text: o.title || c.option }),
                    el(
                      'span',
                      { class: 'muted' },
                      ` \u00b7 ${WG.plural(Number(o.cost) || 0, 'point')}`,
                      target !== null ? ` \u00b7 ${target}% on the current board` : '',
                      o.covert ? ' \u00b7 covert' : ''
                    ),
                    el('p', { class: 'rationale' }, el('span', { class: 'label', text: 'Rationale: ' }), c.rationale || '(none)')
                  );
                })
              )
            : el('p', { class: 'muted', text: 'No actions this turn.' })
        );
      }
      return el('article', { class: 'card draft', dataset: { team: t.team } }, el('h3', { class: 'card-title', text: t.name }), body);
    });
    fill($('draft-list'), ...cards);
  }

  // ---------------------------------------------------------------- injects

  function recipients(fieldset, prefix) {
    const legend = fieldset.querySelector('legend');
    fill(fieldset, legend);
    for (const t of S.sc.raw.teams || []) {
      fieldset.appendChild(
        el(
          'span',
          { class: 'check' },
          el('input', { type: 'checkbox', id: `${prefix}-${t.id}`, value: t.id }),
          el('label', { for: `${prefix}-${t.id}`, text: t.name })
        )
      );
    }
    fieldset.appendChild(el('p', { class: 'hint', text: 'Leave every team unticked to send it to everyone.' }));
  }

  function pickedRecipients(fieldset) {
    return Array.from(fieldset.querySelectorAll('input[type=checkbox]:checked')).map((i) => i.value);
  }

  function buildForms() {
    const key = S.sc.raw.id;
    if (S.formsBuiltFor === key) return;
    S.formsBuiltFor = key;
    const events = S.sc.raw.events || [];
    fill(
      $('catalog-event'),
      el('option', { value: '', text: 'Choose an event\u2026' }),
      ...events.map((e) => el('option', { value: e.id, text: e.title }))
    );
    recipients($('catalog-to'), 'cat-to');
    recipients($('custom-to'), 'cus-to');
    fill(
      $('custom-effects'),
      ...(S.sc.raw.indicators || []).map((i) =>
        el(
          'div',
          { class: 'effect-input' },
          el('label', { for: `eff-${i.id}`, text: i.name }),
          el('input', {
            type: 'number',
            id: `eff-${i.id}`,
            dataset: { indicator: i.id },
            min: -100,
            max: 100,
            step: 1,
            inputmode: 'numeric',
            placeholder: '0',
            'aria-describedby': `eff-${i.id}-range`,
          }),
          el('span', { class: 'hint', id: `eff-${i.id}-range`, text: `range ${i.min}\u2013${i.max}` })
        )
      )
    );
    const exportButtons = (fb) =>
      EXPORTS.map(([fmt, label]) =>
        el('button', {
          type: 'button',
          class: 'secondary',
          dataset: { format: fmt },
          text: `Download ${label}`,
          onclick: () => exportLog(fmt, fb),
        })
      );
    fill($('export-buttons'), ...exportButtons('export-feedback'));
    // The same buttons in the Phase panel once the game is over, where the facilitator
    // is looking, instead of only at the bottom of the Session panel.
    fill($('ended-export-buttons'), ...exportButtons('ended-export-feedback'));
  }

  function describeCatalog() {
    const e = S.sc && S.sc.events.get($('catalog-event').value);
    if (!e) {
      fill($('catalog-detail'));
      return;
    }
    const eff = WG.effectsText(S.sc, e.effects);
    const flags = WG.flagChangesText(S.sc, e.set, e.clear);
    fill(
      $('catalog-detail'),
      e.text || '',
      eff ? ` Effects: ${eff}.` : '',
      flags ? ` ${flags}` : '',
      e.source ? ` Source: ${e.source}.` : ''
    );
  }

  function scriptItem(item, st) {
    const status = item.status && item.status.status;
    const done = status === 'fired' || status === 'skipped';
    const blocked = st.phase === 'adjudication' || !!st.ended;
    const to = item.to && item.to.length ? WG.listWords(item.to.map((t) => WG.teamName(S.sc, t))) : 'everyone';
    const fb = el('p', { class: 'feedback', role: 'status' });
    return el(
      'article',
      { class: `card script${done ? ' done' : ''}`, dataset: { script: item.id } },
      el(
        'div',
        { class: 'card-head' },
        el('h4', { class: 'card-title', text: item.title }),
        el(
          'span',
          { class: `badge ${status === 'fired' ? 'badge-success' : status === 'skipped' ? 'badge-muted' : 'badge-pending'}` },
          status === 'fired' ? '\u2713 Fired' : status === 'skipped' ? '\u2013 Skipped' : 'Pending'
        )
      ),
      el('p', { class: 'meta', text: `Turn ${item.turn} \u00b7 from ${item.from || 'White Cell'} to ${to}` }),
      item.text ? el('p', { text: item.text }) : null,
      item.expected_action ? el('p', { class: 'hint', text: `Expected action: ${item.expected_action}` }) : null,
      done
        ? null
        : el(
            'div',
            { class: 'inline' },
            el('button', {
              type: 'button',
              class: 'secondary small',
              text: 'Fire',
              disabled: blocked,
              'aria-label': `Fire scripted inject: ${item.title}`,
              onclick: () => run(fb, 'Firing\u2026', { type: 'inject', script: item.id }, `Fired \u201c${item.title}\u201d.`),
            }),
            el('button', {
              type: 'button',
              class: 'link-button small',
              text: 'Skip',
              disabled: !!st.ended,
              'aria-label': `Skip scripted inject: ${item.title}`,
              onclick: () => run(fb, 'Skipping\u2026', { type: 'skip', script: item.id }, `Skipped \u201c${item.title}\u201d.`),
            })
          ),
      fb
    );
  }

  function renderInjects() {
    const st = S.state;
    const script = st.script || [];
    const turn = Math.max(1, st.turn);
    const now = script.filter((i) => i.turn === turn);
    drawIfChanged('script', [st.phase, st.turn, !!st.ended, script], () => keepFocus(() => {
      fill(
        $('script-list'),
        ...(now.length ? now.map((i) => scriptItem(i, st)) : [el('p', { class: 'muted', text: `Nothing is scripted for turn ${turn}.` })])
      );
      fill(
        $('script-all-list'),
        ...(script.length ? script.map((i) => scriptItem(i, st)) : [el('p', { class: 'muted', text: 'This scenario has no script.' })])
      );
    }));
    // This turn's injects in full; earlier turns folded, so the panels below (charts,
    // notes, export) stay within reach in the last turns of a long game.
    const injects = (st.injects || []).slice().reverse();
    const turnNow = Math.max(0, st.turn);
    const current = injects.filter((i) => i.turn === turnNow);
    const earlier = injects.filter((i) => i.turn !== turnNow);
    const card = (i) => WG.injectCard(i, S.sc, { choices: st.choices });
    drawIfChanged('inject-log', [turnNow, injects, (st.choices || []).length], () =>
      fill(
        $('inject-log'),
        ...(current.length
          ? current.map(card)
          : [el('p', { class: 'muted', text: turnNow ? `No injects yet in turn ${turnNow}.` : 'No injects yet.' })]),
        earlier.length
          ? el(
              'details',
              { class: 'turn-history' },
              el('summary', { text: `Earlier turns (${WG.plural(earlier.length, 'inject')})` }),
              earlier.map(card)
            )
          : null
      )
    );
  }

  async function fireCatalog(ev) {
    ev.preventDefault();
    const fb = $('catalog-feedback');
    const id = $('catalog-event').value;
    if (!id) {
      WG.feedback(fb, 'error', 'Choose an event from the catalog first.');
      $('catalog-event').focus();
      return;
    }
    const to = pickedRecipients($('catalog-to'));
    const cmd = { type: 'inject', event: id };
    if (to.length) cmd.to = to;
    const title = (S.sc.events.get(id) || {}).title || id;
    if (await run(fb, 'Injecting\u2026', cmd, `Injected \u201c${title}\u201d.`)) {
      $('catalog-event').value = '';
      describeCatalog();
    }
  }

  async function fireCustom(ev) {
    ev.preventDefault();
    const fb = $('custom-feedback');
    const title = $('custom-title').value.trim();
    const text = $('custom-text').value;
    if (!title) {
      WG.feedback(fb, 'error', 'A custom inject needs a title.');
      $('custom-title').focus();
      return;
    }
    const effects = {};
    for (const input of $('custom-effects').querySelectorAll('input')) {
      const raw = input.value.trim();
      if (!raw) continue;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < -100 || n > 100) {
        WG.feedback(fb, 'error', `The change to ${WG.indicatorName(S.sc, input.dataset.indicator)} must be a whole number from \u2212100 to 100.`);
        input.focus();
        return;
      }
      if (n !== 0) effects[input.dataset.indicator] = n;
    }
    const cmd = { type: 'inject', custom: { title, text, effects } };
    const to = pickedRecipients($('custom-to'));
    if (to.length) cmd.to = to;
    if (await run(fb, 'Injecting\u2026', cmd, `Injected \u201c${title}\u201d.`)) {
      $('custom-form').reset();
      for (const d of $('custom-form').querySelectorAll('details')) d.open = false;
    }
  }

  // ---------------------------------------------------------------- adjudication

  function overrideCell(r, st) {
    const id = r.choice;
    const draft = S.overrideDrafts.get(id) || {};
    const current = r.overridden ? r.overridden.result : r.result;
    const selId = `ovr-res-${id}`;
    const noteId = `ovr-note-${id}`;
    const sel = el(
      'select',
      { id: selId },
      el('option', { value: 'success', text: 'Success' }),
      el('option', { value: 'failure', text: 'Failure' })
    );
    sel.value = draft.result || (current === 'success' ? 'failure' : 'success');
    // The note is published with the outcome: to every team for an overt choice,
    // unless the session keeps rationales private.
    const note = el('input', {
      id: noteId,
      maxlength: 4000,
      autocomplete: 'off',
      placeholder: 'Reason (required)',
      'aria-describedby': `${noteId}-who`,
    });
    const who = el('p', {
      class: 'hint',
      id: `${noteId}-who`,
      text:
        r.covert || (S.state && S.state.private_rationales)
          ? 'Goes into the report and to this team.'
          : 'Goes into the report and to every team.',
    });
    note.value = draft.note || '';
    const save = () => S.overrideDrafts.set(id, { result: sel.value, note: note.value });
    sel.addEventListener('change', save);
    note.addEventListener('input', save);
    const fb = el('p', { class: 'feedback', role: 'status' });
    const kept = S.overrideFeedback.get(id);
    if (kept) {
      // Redrawn by a later event or a fresh snapshot: keep the message, without
      // announcing it a second time.
      WG.feedback(fb, kept.kind, kept.text);
      fb.setAttribute('role', 'status');
    }
    // The row may be redrawn while a command is in flight, so the message goes to the
    // row on the page now and is remembered for the next redraw.
    const say = (kind, text) => {
      S.overrideFeedback.set(id, { kind, text });
      const row = Array.from($('adj-body').querySelectorAll('tr')).find((tr) => tr.dataset.choice === id);
      WG.feedback((row && row.querySelector('.feedback')) || fb, kind, text);
    };
    const go = async (e) => {
      e.preventDefault();
      if (!note.value.trim()) {
        say('error', 'Write why you override: the note goes into the after-action report.');
        const live = document.getElementById(noteId);
        (live || note).focus();
        return;
      }
      say('busy', 'Overriding\u2026');
      try {
        await S.conn.send({ type: 'override', choice: id, result: sel.value, note: note.value.trim() });
        S.overrideDrafts.delete(id);
        say('ok', `Overridden to ${sel.value}.`);
      } catch (err) {
        say('error', err.message);
      }
    };
    const disabled = st.phase !== 'adjudication';
    sel.disabled = disabled;
    note.disabled = disabled;
    return el(
      'form',
      { class: 'override-form', novalidate: true, onsubmit: go },
      el('span', { class: 'override-title', 'aria-hidden': 'true', text: 'Override to' }),
      el(
        'div',
        { class: 'override-row' },
        el('label', { for: selId, class: 'sr-only', text: `Override result for ${r.title}` }),
        sel,
        el('button', { type: 'submit', class: 'secondary small', text: 'Override', disabled, 'aria-label': `Override ${r.title}` })
      ),
      el('label', { for: noteId, class: 'sr-only', text: `Override note for ${r.title}` }),
      note,
      who,
      fb
    );
  }

  function renderAdjudication() {
    const st = S.state;
    const pending = st.pending || [];
    const help = {
      lobby: 'Nothing to adjudicate yet.',
      briefing: 'Choices are rolled when you close the decision window.',
      decision: 'Preview the odds of the submitted choices, then close the window to roll them.',
      adjudication: 'These are the rolls. Override any result with a note, then publish.',
      review: 'The results below are published.',
      ended: 'The session has ended.',
    }[st.phase];
    setText($('adj-help'), help || '');
    $('preview-btn').disabled = !(st.phase === 'decision' || st.phase === 'adjudication');
    const table = $('adj-table');
    table.hidden = !(st.phase === 'adjudication' && pending.length);
    drawIfChanged('adjudication', [st.phase, pending], () => drawPending(st, pending, table));
    drawIfChanged('published', [st.phase, st.turn, st.choices, pending.length === 0], () => drawPublished(st, pending));
  }

  function drawPending(st, pending, table) {
    if (!table.hidden) {
      const rows = pending.map((r) => {
        const over = r.overridden;
        return el(
          'tr',
          { dataset: { choice: r.choice } },
          el(
            'td',
            null,
            el('span', { class: 'team-tag', text: WG.teamName(S.sc, r.team) }),
            ' ',
            el('strong', { text: r.title }),
            el('div', { class: 'muted', text: `${r.stage} \u00b7 ${WG.plural(r.cost, 'point')}${r.covert ? ' \u00b7 covert' : ''} \u00b7 ${r.choice}` }),
            r.rationale ? el('p', { class: 'rationale' }, el('span', { class: 'label', text: 'Rationale: ' }), r.rationale) : null
          ),
          el(
            'td',
            null,
            el('p', { class: 'odds', text: WG.explainRoll(Object.assign({ rolled: r.result }, r)) }),
            r.detection ? el('p', { class: 'detection', text: WG.explainDetection(r.detection) }) : null
          ),
          el(
            'td',
            null,
            WG.resultBadge(over ? over.result : r.result, over ? '(override)' : ''),
            over ? el('p', { class: 'override', text: `Rolled ${r.result}; overridden: ${over.note}` }) : null,
            overrideCell(r, st)
          )
          );
      });
      keepFocus(() => fill($('adj-body'), ...rows));
    } else {
      fill($('adj-body'));
    }
  }

  function drawPublished(st, pending) {
    const nodes = [];
    if (st.phase === 'adjudication' && !pending.length) {
      nodes.push(el('p', { class: 'muted', text: 'No team submitted any action this turn: publish to move on.' }));
    }
    if (st.phase === 'review' || st.phase === 'ended') {
      const list = (st.choices || []).filter((c) => c.turn === st.turn);
      nodes.push(el('h3', { text: `Published outcomes, turn ${st.turn}` }));
      nodes.push(
        list.length
          ? el('div', { class: 'cards' }, list.map((c) => WG.outcomeCard(c, S.sc)))
          : el('p', { class: 'muted', text: 'No actions were taken this turn.' })
      );
    }
    const earlier = (st.choices || []).filter((c) => c.turn < st.turn);
    if (earlier.length) {
      const turns = Array.from(new Set(earlier.map((c) => c.turn))).sort((a, b) => b - a);
      nodes.push(
        el(
          'details',
          { class: 'turn-history' },
          el('summary', { text: 'Outcomes of earlier turns' }),
          turns.map((t) =>
            el(
              'section',
              null,
              el('h4', { text: `Turn ${t}` }),
              el('div', { class: 'cards' }, earlier.filter((c) => c.turn === t).map((c) => WG.outcomeCard(c, S.sc)))
            )
          )
        )
      );
    }
    fill($('published'), ...nodes);
  }

  async function runPreview() {
    const fb = $('preview-feedback');
    const res = await run(fb, 'Simulating 1,000 runs\u2026', { type: 'preview', runs: 1000 }, 'Preview ready.');
    if (res && res.preview) {
      S.preview = res.preview;
      renderPreview();
    }
  }

  function pct(x) {
    return `${Math.round(Number(x) * 100)}%`;
  }

  function renderPreview() {
    const p = S.preview;
    const box = $('preview-out');
    if (!p) {
      fill(box);
      return;
    }
    const choices = p.choices || [];
    const order = (S.sc.raw.indicators || []).map((i) => i.id);
    const ind = Object.entries(p.indicators || {}).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
    fill(
      box,
      el('h3', { text: `Odds preview: turn ${p.turn}, ${p.phase}, ${Number(p.runs).toLocaleString('en')} simulated runs` }),
      choices.length ? el('p', { class: 'hint', text: 'In the order the dice will roll them: by stage, then team.' }) : null,
      choices.length
        ? el(
            'div',
            { class: 'table-wrap' },
            el(
              'table',
              { class: 'table' },
              el('caption', { class: 'sr-only', text: 'Success chance of each choice' }),
              el(
                'thead',
                null,
                el(
                  'tr',
                  null,
                  ['Stage', 'Team', 'Choice', 'Target', 'Succeeded in runs', 'Detection'].map((h) => el('th', { scope: 'col', text: h }))
                )
              ),
              el(
                'tbody',
                null,
                choices.map((c) =>
                  el(
                    'tr',
                    null,
                    el('td', { text: (S.sc.options.get(c.option) || {}).stage || '' }),
                    el('td', { text: WG.teamName(S.sc, c.team) }),
                    el('td', { text: c.title }),
                    el('td', { text: c.forced ? `forced ${c.forced}` : `${c.target}%` }),
                    el('td', { text: pct(c.success) }),
                    el('td', { text: c.detection === undefined || c.detection === null ? '\u2014' : `${c.detection}%` })
                  )
                )
              )
            )
          )
        : el('p', { class: 'muted', text: 'No choices are locked yet.' }),
      ind.length
        ? el(
            'div',
            { class: 'table-wrap' },
            el(
              'table',
              { class: 'table' },
              el('caption', { text: 'Indicators after this turn across the runs' }),
              el(
                'thead',
                null,
                el('tr', null, ['Indicator', 'Now', 'Mean', '10%', 'Median', '90%', 'Range'].map((h) => el('th', { scope: 'col', text: h })))
              ),
              el(
                'tbody',
                null,
                ind.map(([id, d]) =>
                  el(
                    'tr',
                    null,
                    el('th', { scope: 'row', text: WG.indicatorName(S.sc, id) }),
                    el('td', { text: String(d.now) }),
                    el('td', { text: Number(d.mean).toFixed(1) }),
                    el('td', { text: String(d.p10) }),
                    el('td', { text: String(d.p50) }),
                    el('td', { text: String(d.p90) }),
                    el('td', { text: `${d.min}\u2013${d.max}` })
                  )
                )
              )
            )
          )
        : null,
      el('p', {
        class: 'muted',
        text:
          `An end condition would end the game in ${pct(p.ends || 0)} of the runs.` +
          (S.state && S.state.max_turns && p.turn >= S.state.max_turns ? ' This is the last turn: the game ends after it anyway.' : ''),
      })
    );
  }

  // ---------------------------------------------------------------- charts

  function chart(def, st) {
    const W = 260;
    const H = 110;
    const L = 30;
    const R = 8;
    const T = 10;
    const B = 22;
    const maxTurn = Math.max(1, st.max_turns || 1);
    const min = Number(def.min);
    const max = Number(def.max);
    const span = Math.max(1, max - min);
    const x = (t) => L + (t / maxTurn) * (W - L - R);
    const y = (v) => T + (1 - (Number(v) - min) / span) * (H - T - B);
    const rows = (st.history || []).filter((h) => h.indicators[def.id] !== undefined);
    const pts = rows.map((r) => [r.turn, r.indicators[def.id]]);
    const now = st.indicators[def.id];
    const lastTurn = pts.length ? pts[pts.length - 1][0] : 0;
    const nowTurn = st.phase === 'lobby' ? 0 : st.turn;
    const g = svg('svg', {
      class: 'chart',
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-label': `${def.name} over turns: ${pts.map(([t, v]) => `${t === 0 ? 'start' : `turn ${t}`} ${v}`).join(', ')}; now ${now}.`,
    });
    g.appendChild(svg('rect', { class: 'chart-bg', x: L, y: T, width: W - L - R, height: H - T - B }));
    for (const v of [min, Math.round((min + max) / 2), max]) {
      g.appendChild(svg('line', { class: 'chart-rule', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      g.appendChild(svg('text', { class: 'chart-label', x: L - 4, y: y(v) + 3, 'text-anchor': 'end' }, String(v)));
    }
    for (let t = 0; t <= maxTurn; t++) {
      g.appendChild(svg('text', { class: 'chart-label', x: x(t), y: H - 6, 'text-anchor': 'middle' }, t === 0 ? 'S' : String(t)));
    }
    if (pts.length) {
      g.appendChild(svg('polyline', { class: 'chart-line', points: pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ') }));
      for (const [t, v] of pts) g.appendChild(svg('circle', { class: 'chart-dot', cx: x(t), cy: y(v), r: 2.5 }));
    }
    if (nowTurn > lastTurn || (pts.length && Number(pts[pts.length - 1][1]) !== Number(now) && nowTurn >= lastTurn)) {
      const from = pts.length ? pts[pts.length - 1] : [0, now];
      const tx = Math.max(nowTurn, lastTurn);
      g.appendChild(svg('line', { class: 'chart-now-line', x1: x(from[0]), y1: y(from[1]), x2: x(tx), y2: y(now) }));
      g.appendChild(svg('rect', { class: 'chart-now', x: x(tx) - 3, y: y(now) - 3, width: 6, height: 6 }));
    }
    return el(
      'figure',
      { class: 'chart-card', dataset: { indicator: def.id } },
      el(
        'figcaption',
        null,
        el('span', { class: 'ind-name', text: def.name }),
        el('span', { class: 'ind-value' }, el('strong', { text: String(now) }), ` / ${max}`),
        WG.trendNode(WG.trendOf(st, def.id))
      ),
      g
    );
  }

  function renderCharts() {
    const st = S.state;
    drawIfChanged('charts', [st.turn, st.phase, st.max_turns, st.indicators, st.history, !!st.ended], () =>
      fill($('chart-grid'), ...(S.sc.raw.indicators || []).map((d) => chart(d, st)))
    );
    drawIfChanged('flags', st.flags, () => WG.renderFlags($('flags'), st, S.sc, { showOff: true }));
  }

  // ---------------------------------------------------------------- notes, session

  function renderNotes() {
    const notes = (S.state.notes || []).slice().reverse();
    fill(
      $('note-list'),
      ...(notes.length
        ? notes.map((n) =>
            el(
              'li',
              { class: 'note' },
              el('span', { class: `tag ${n.public ? 'tag-public' : 'tag-private'}`, text: n.public ? 'public' : 'White Cell only' }),
              el('span', { class: 'muted', text: ` turn ${n.turn} \u00b7 ${WG.clockTime(n.at)} ` }),
              el('p', { text: n.text })
            )
          )
        : [el('li', { class: 'muted', text: 'No notes yet.' })])
    );
  }

  function renderSession() {
    const st = S.state;
    const code = S.rec && S.rec.join_code;
    setText($('join-code'), code || 'unknown on this device');
    const link = $('join-link');
    if (code) {
      link.href = `/join?code=${encodeURIComponent(code)}`;
      setText(link, `${location.origin}/join?code=${code}`);
    } else {
      link.href = '/join';
      setText(link, `${location.origin}/join`);
    }
    $('observer-btn').disabled = !code;
    const seed = st.seed !== undefined && st.seed !== null ? `Dice seed ${st.seed} (only the White Cell sees it). ` : '';
    const rationales = st.private_rationales
      ? ' Rationales are private: each team sees only its own.'
      : ' Rationales of overt choices are published to every team.';
    setText($('seed-line'), `${seed}Automatic close when the decision timer runs out: ${st.auto_advance ? 'on' : 'off'}.${rationales}`);
    $('console-key').value = WG.encodeKey(S.sessionId, S.rec.token, code);
    const ended = !!st.ended;
    $('end-btn').disabled = ended;
    $('end-reason').disabled = ended;
    for (const f of ['catalog-form', 'custom-form']) {
      for (const c of $(f).querySelectorAll('button')) c.disabled = ended || st.phase === 'adjudication';
    }
  }

  function renderHeader() {
    const st = S.state;
    setText($('session-title'), st.title || '');
    setText($('turn'), WG.turnLabel(st));
    setText($('phase'), st.ended ? 'Session ended' : WG.phaseLabel(st.phase));
    document.title = `White Cell \u00b7 ${st.title || ''} \u00b7 ${WG.turnLabel(st)} ${WG.phaseLabel(st.phase)}`;
    if (S.rec && st.title && S.rec.title !== st.title) {
      S.rec.title = st.title;
      store.saveFacSession(S.rec);
    }
  }

  function renderTimer() {
    const st = S.state;
    if (!st) return;
    const text = WG.timerText(st.timer, st);
    const node = $('timer');
    setText(node, text ? `\u25f7 ${text}${st.timer.auto_advance ? ' (then auto-advance)' : ''}` : '');
    node.hidden = !text;
    node.classList.toggle('timer-low', !!st.timer && st.timer.deadline - WG.clock.now() < 60000);
  }

  function renderAll() {
    if (!S.state || !S.sc) return;
    $('console').hidden = false;
    buildForms();
    renderHeader();
    renderTimer();
    renderControls();
    renderReadiness();
    renderDrafts();
    renderInjects();
    renderAdjudication();
    renderCharts();
    renderNotes();
    renderSession();
  }

  const renderSoon = WG.renderer(renderAll);

  // ---------------------------------------------------------------- actions

  async function setTimer(ev) {
    ev.preventDefault();
    const fb = $('timer-feedback');
    const minutes = Number($('timer-minutes').value);
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 1440) {
      WG.feedback(fb, 'error', 'Give the timer a length from 0.5 to 1440 minutes (a day).');
      $('timer-minutes').focus();
      return;
    }
    const seconds = Math.round(minutes * 60);
    await run(
      fb,
      'Setting the timer\u2026',
      { type: 'timer', seconds, auto_advance: $('timer-auto').checked },
      `Timer set: ${WG.duration(seconds)}.`
    );
  }

  async function addNote(ev) {
    ev.preventDefault();
    const fb = $('note-feedback');
    const text = $('note-text').value;
    if (!text.trim()) {
      WG.feedback(fb, 'error', 'Write the note first.');
      $('note-text').focus();
      return;
    }
    if (await run(fb, 'Saving\u2026', { type: 'note', text, public: $('note-public').checked }, 'Note added.')) {
      $('note-form').reset();
    }
  }

  async function endSession(confirmed) {
    if (!confirmed) {
      $('end-confirm').hidden = false;
      $('end-confirm-yes').focus();
      return;
    }
    $('end-confirm').hidden = true;
    const reason = $('end-reason').value.trim();
    const cmd = { type: 'end' };
    if (reason) cmd.reason = reason;
    await run($('end-feedback'), 'Ending the session\u2026', cmd, 'The session has ended. Export the log below.');
  }

  async function exportLog(format, fbId) {
    const fb = $(fbId || 'export-feedback');
    const anon = $('export-anon').checked;
    const [, label, ext] = EXPORTS.find((e) => e[0] === format);
    WG.feedback(fb, 'busy', `Preparing the ${label} export\u2026`);
    let res;
    try {
      res = await fetch(
        `/api/sessions/${encodeURIComponent(S.sessionId)}/export?format=${format}${anon ? '&anonymize=true' : ''}`,
        { headers: { Authorization: `Bearer ${S.rec.token}` }, cache: 'no-store' }
      );
    } catch (e) {
      WG.feedback(fb, 'error', 'The server cannot be reached; the export was not downloaded.');
      return;
    }
    if (!res.ok) {
      let msg = `The server answered ${res.status}.`;
      try {
        const data = await res.json();
        if (data && data.error && data.error.message) msg = data.error.message;
      } catch (e) {
        /* keep the status line */
      }
      WG.feedback(fb, 'error', `Export failed: ${msg}`);
      return;
    }
    const blob = await res.blob();
    const disposition = res.headers.get('Content-Disposition') || '';
    const given = /filename="([^"\\/]+)"/.exec(disposition);
    const slug = (S.state.title || 'session').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'session';
    const name = given ? given[1] : `wargame-${slug}${anon ? '-anonymised' : ''}.${ext}`;
    WG.download(blob, name);
    WG.feedback(fb, 'ok', `Downloaded ${name} (${Math.max(1, Math.round(blob.size / 1024))} KB).`);
  }

  async function openObserver() {
    const fb = $('observer-feedback');
    const code = S.rec && S.rec.join_code;
    if (!code) {
      WG.feedback(fb, 'error', 'The join code is not known on this device; join as an observer from the join page.');
      return;
    }
    let seat = store.seat(S.sessionId, 'observer');
    if (!seat) {
      WG.feedback(fb, 'busy', 'Creating an observer seat\u2026');
      try {
        const res = await WG.api('POST', '/api/join', { join_code: code, team: 'observer', name: 'Projector' });
        seat = {
          session_id: res.session_id,
          team: 'observer',
          token: res.token,
          player: res.player,
          name: 'Projector',
          join_code: code,
          title: S.state.title,
        };
        store.saveSeat(seat);
      } catch (e) {
        WG.feedback(fb, 'error', `No observer seat: ${e.message}`);
        return;
      }
    }
    WG.feedback(fb, 'ok', 'Public display opened in a new tab.');
    window.open(`/observer?session=${encodeURIComponent(S.sessionId)}`, '_blank', 'noopener');
  }

  async function copyKey() {
    const input = $('console-key');
    try {
      await navigator.clipboard.writeText(input.value);
      WG.announce('Console key copied.');
    } catch (e) {
      input.select();
      WG.problem('Copying is blocked here; the key is selected, so press Ctrl+C.');
    }
  }

  // ---------------------------------------------------------------- frames

  async function onSnapshot(frame) {
    if (frame.role !== 'facilitator') {
      WG.problem('This key is not a White Cell key for this session.');
      return;
    }
    S.state = frame;
    if (frame.presence && Array.isArray(frame.presence.seats)) S.seats = frame.presence.seats;
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

  /** A scripted entry's status changes with its event, so its card says Fired at once
   *  instead of offering Fire again until the next snapshot. */
  function markScript(id, status) {
    if (!id) return;
    const item = (S.state.script || []).find((i) => i.id === id);
    if (item) {
      S.state.script = S.state.script.map((i) => (i === item ? Object.assign({}, i, { status }) : i));
    }
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
        S.preview = null;
        renderPreview();
        S.overrideFeedback.clear();
        for (const id of ['preview-feedback', 'timer-feedback', 'catalog-feedback', 'custom-feedback']) fill($(id));
        WG.announce(`${WG.turnLabel(st)}: ${WG.phaseLabel(ev.phase)}.`);
        break;
      case 'choices_submitted': {
        const t = (st.teams || []).find((x) => x.team === ev.team);
        if (t) {
          t.submitted = true;
          t.last_submit = ev.at;
        }
        st.drafts = st.drafts || {};
        st.drafts[ev.team] = {
          team: ev.team,
          turn: ev.turn,
          choices: ev.choices || [],
          cost: ev.cost || 0,
          revision: ev.revision || 1,
          by: ev.actor && ev.actor.player,
          at: ev.at,
        };
        WG.announce(`${WG.teamName(S.sc, ev.team)} submitted revision ${ev.revision || 1}.`);
        break;
      }
      case 'event_injected':
        if (ev.inject) {
          st.injects = (st.injects || []).concat([ev.inject]);
          markScript(ev.inject.script, { status: 'fired', seq: ev.seq });
          WG.announce(`Inject delivered: ${ev.inject.title}`);
        }
        break;
      case 'script_skipped':
        markScript(ev.script, { status: 'skipped', seq: ev.seq });
        break;
      case 'dice_rolled':
        if (ev.rolled) st.pending = (st.pending || []).concat([ev.rolled]);
        break;
      case 'outcome_overridden': {
        const r = (st.pending || []).find((x) => x.choice === ev.choice);
        if (r) r.overridden = { result: ev.result, note: ev.note };
        break;
      }
      case 'note_added':
        st.notes = (st.notes || []).concat([{ seq: ev.seq, at: ev.at, turn: ev.turn, text: ev.text, public: !!ev.public }]);
        break;
      case 'timer_set':
        WG.clock.observe(ev.at);
        st.timer = ev.deadline
          ? { seconds: ev.seconds, deadline: ev.deadline, auto_advance: ev.auto_advance, turn: ev.turn, phase: ev.phase }
          : null;
        break;
      case 'timer_expired':
        WG.announce('The phase timer ran out.');
        break;
      case 'player_joined':
        st.players = (st.players || []).concat([
          { player: ev.player, team: ev.team, name: ev.name, seat: ev.seat, joined_at: ev.at },
        ]);
        {
          const t = (st.teams || []).find((x) => x.team === ev.team);
          if (t) t.players = (Number(t.players) || 0) + 1;
        }
        WG.announce(`${ev.name} joined ${WG.teamName(S.sc, ev.team)}.`);
        break;
      case 'session_ended':
        st.ended = { reason: ev.reason, title: ev.title, text: ev.text };
        WG.announce(`The session has ended: ${ev.title}.`);
        break;
      default:
        break;
    }
    renderSoon();
    if (HEAVY.has(ev.kind)) S.conn.refresh();
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

  document.addEventListener('DOMContentLoaded', () => {
    S.sessionId = WG.param('session');
    if (!S.sessionId) {
      const latest = store.facSessions()[0];
      if (latest) {
        S.sessionId = latest.session_id;
        history.replaceState(null, '', `/facilitator?session=${encodeURIComponent(S.sessionId)}`);
      }
    }
    S.rec = S.sessionId ? store.facSession(S.sessionId) : null;
    if (!S.rec || !S.rec.token) {
      noKey();
      return;
    }
    $('advance-btn').addEventListener('click', () => advance(false));
    $('advance-confirm-yes').addEventListener('click', () => advance(true));
    $('advance-confirm-no').addEventListener('click', () => {
      $('advance-confirm').hidden = true;
      $('advance-btn').focus();
    });
    $('timer-form').addEventListener('submit', setTimer);
    $('timer-clear').addEventListener('click', () =>
      run($('timer-feedback'), 'Clearing the timer\u2026', { type: 'timer', seconds: 0 }, 'Timer cleared.')
    );
    $('catalog-event').addEventListener('change', describeCatalog);
    $('catalog-form').addEventListener('submit', fireCatalog);
    $('custom-form').addEventListener('submit', fireCustom);
    $('preview-btn').addEventListener('click', runPreview);
    $('note-form').addEventListener('submit', addNote);
    $('end-form').addEventListener('submit', (e) => {
      e.preventDefault();
      endSession(false);
    });
    $('end-confirm-yes').addEventListener('click', () => endSession(true));
    $('end-confirm-no').addEventListener('click', () => {
      $('end-confirm').hidden = true;
      $('end-btn').focus();
    });
    $('observer-btn').addEventListener('click', openObserver);
    $('copy-key').addEventListener('click', copyKey);
    WG.clock.sync();
    S.conn = WG.connect(S.rec.token, {
      onSnapshot,
      onEvent,
      onPresence,
      onRejected: (m) => noKey(`The server did not accept the console key stored on this browser: ${m}`),
    });
    window.setInterval(() => {
      renderTimer();
    }, 1000);
    window.setInterval(() => {
      if (S.state && S.sc) renderReadiness();
    }, 15000);
  });
})();
