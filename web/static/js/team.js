// Team console: the situation, the briefing feed, the option menu with budget and
// rationales, submit/revise, outcomes explained in words, and earlier turns.
import { el, svg, $, fill, setText, drawIfChanged, onReady } from './lib/dom.js';
import { clock } from './lib/clock.js';
import { PHASE_HELP, phaseLabel, turnLabel, plural, clockTime, duration, timerText } from './lib/words.js';
import { teamName, optionTitle, indicatorName } from './lib/scenario.js';
import { renderIndicators, renderFlags } from './lib/board.js';
import { injectCard, outcomeCard } from './lib/cards.js';
import { announce, feedback } from './lib/notify.js';
import { bootConsole, findKey } from './lib/console.js';

const S = {
  sessionId: null,
  seat: null,
  selection: new Map(), // option id -> rationale
  selectionTurn: null,
  dirty: false,
  sending: false,
  cards: new Map(),
  builtFor: '',
};

/** The console: {state, sc, conn}, set once this browser's seat is found. */
let C = { state: null, sc: null, conn: null };

// ---------------------------------------------------------------- helpers

function myTeam() {
  return C.state && C.state.team;
}

function myTeamDef() {
  return C.sc && C.sc.teams.get(myTeam());
}

function playerName(id) {
  if (!id) return 'a teammate';
  if (S.seat && id === S.seat.player) return 'you';
  const p = ((C.state && C.state.players) || []).find((x) => x.player === id);
  return p ? p.name : 'a teammate';
}

function optionStatus(id) {
  return ((C.state && C.state.options) || []).find((o) => o.option === id) || { available: true, unmet: [] };
}

function budget() {
  if (C.state && Number.isFinite(C.state.budget)) return C.state.budget;
  const t = myTeamDef();
  return (t && t.budget) || (C.sc && C.sc.raw.budget) || 0;
}

function selectedCost() {
  let total = 0;
  for (const id of S.selection.keys()) {
    const o = C.sc && C.sc.options.get(id);
    total += o ? Number(o.cost) || 0 : 0;
  }
  return total;
}

function canEdit() {
  return !!C.state && C.state.phase === 'decision' && !C.state.ended && !S.sending;
}

// ---------------------------------------------------------------- draft sync

/** Makes the form show the team's stored draft (unless the player has unsent edits). */
function syncDraft(force) {
  const st = C.state;
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
  const key = `${C.sc.raw.id}/${myTeam()}`;
  if (!team || S.builtFor === key) return;
  S.builtFor = key;
  S.cards.clear();
  const stages = (C.sc.raw.stages || []).slice();
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
      : C.state && C.state.private_rationales
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
          el('span', { class: 'tag tag-cost', text: plural(Number(o.cost) || 0, 'point') }),
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
  if (!C.state || !C.sc) return;
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
  const hasDraft = C.state.draft && C.state.draft.turn === C.state.turn;
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
  const pips = svg('svg', {
    class: 'pips',
    viewBox: `0 0 ${Math.max(1, total) * 14} 12`,
    'aria-hidden': 'true',
    focusable: 'false',
  });
  for (let i = 0; i < total; i++) {
    pips.appendChild(
      svg('rect', { class: i < used ? 'pip used' : 'pip', x: i * 14 + 1, y: 1, width: 11, height: 10, rx: 2 })
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
  const st = C.state;
  const box = $('draft-summary');
  if (!st || !C.sc) return;
  const draft = st.draft && st.draft.turn === st.turn ? st.draft : null;
  const nodes = [];
  if (st.phase === 'decision' || draft) {
    if (draft) {
      nodes.push(
        el(
          'p',
          { class: 'draft-head' },
          el('span', { 'aria-hidden': 'true', text: '\u2713 ' }),
          `The White Cell has revision ${draft.revision} of your team's choices, submitted by ${playerName(draft.by)} at ${clockTime(draft.at)}:`
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
                  el('strong', { text: optionTitle(C.sc, c.option) }),
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
    feedback(fb, 'error', 'Choices can be submitted only while the decision window is open.');
    return;
  }
  const order = (myTeamDef().options || []).map((o) => o.id);
  const chosen = order.filter((id) => S.selection.has(id));
  const missing = chosen.filter((id) => !String(S.selection.get(id) || '').trim());
  if (missing.length) {
    const first = missing[0];
    feedback(fb, 'error', `Write a rationale for \u201c${optionTitle(C.sc, first)}\u201d: the White Cell reads it at review.`);
    S.cards.get(first).rationale.focus();
    return;
  }
  const cost = selectedCost();
  if (cost > budget()) {
    feedback(fb, 'error', `These choices cost ${cost} points; your budget is ${budget()}. Untick something.`);
    return;
  }
  const choices = chosen.map((id) => ({ option: id, rationale: S.selection.get(id) }));
  S.sending = true;
  updateOptions();
  feedback(fb, 'busy', 'Sending your choices…');
  try {
    await C.conn.send({ type: 'submit', turn: C.state.turn, choices });
    S.dirty = false;
    const what = choices.length ? plural(choices.length, 'action') : 'no actions';
    feedback(
      fb,
      'ok',
      `Submitted at ${clockTime(clock.now())}: ${what}, ${cost} of ${budget()} points. You can revise until the window closes.`
    );
    announce('Your choices were submitted.');
  } catch (e) {
    feedback(fb, 'error', `Not submitted: ${e.message}`);
  } finally {
    S.sending = false;
    updateOptions();
    renderDraftSummary();
  }
}

// ---------------------------------------------------------------- render

function renderHeader() {
  const st = C.state;
  const team = myTeamDef();
  setText($('team-name'), team ? team.name : 'Team console');
  setText($('player-name'), S.seat ? S.seat.name || '' : '');
  setText($('session-title'), st.title || '');
  document.body.dataset.phase = st.phase;
  const phaseText = st.ended ? 'Session ended' : `${turnLabel(st)} \u00b7 ${phaseLabel(st.phase)}`;
  setText($('phase'), phaseText);
  document.title = `${team ? team.name : 'Team'} \u00b7 ${phaseText} \u00b7 Wargame`;
  let help = PHASE_HELP[st.phase] || '';
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
  const st = C.state;
  if (!st) return;
  const text = timerText(st.timer, st);
  const node = $('timer');
  setText(node, text ? `\u25f7 ${text}` : '');
  node.hidden = !text;
  node.classList.toggle('timer-low', !!st.timer && st.timer.deadline - clock.now() < 60000);
}

function renderBriefing() {
  const st = C.state;
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
  const nodes = injects.map((i) => injectCard(i, C.sc, { fresh: true, choices: st.choices }));
  if (!injects.length) {
    nodes.push(
      el('p', {
        class: 'muted',
        text: st.phase === 'lobby' ? 'No injects yet. New ones appear here during the briefing.' : `No injects yet in turn ${st.turn}.`,
      })
    );
  }
  if (earlier) {
    nodes.push(el('p', { class: 'muted', text: `${plural(earlier, 'inject')} from earlier turns ${earlier === 1 ? 'is' : 'are'} under \u201cEarlier turns\u201d.` }));
  }
  fill($('injects'), ...nodes);
}

function turnChoices(turn) {
  return (C.state.choices || []).filter((c) => c.turn === turn);
}

function choiceCards(list) {
  const mine = list.filter((c) => c.team === myTeam());
  const others = list.filter((c) => c.team !== myTeam());
  const nodes = [];
  nodes.push(el('h3', { text: 'Your team' }));
  nodes.push(
    mine.length
      ? el('div', { class: 'cards' }, mine.map((c) => outcomeCard(c, C.sc, { own: true, showTeam: false })))
      : el('p', { class: 'muted', text: 'Your team took no actions.' })
  );
  nodes.push(el('h3', { text: 'Other teams (as far as you can see)' }));
  nodes.push(
    others.length
      ? el('div', { class: 'cards' }, others.map((c) => outcomeCard(c, C.sc)))
      : el('p', { class: 'muted', text: 'Nothing visible from the other teams.' })
  );
  return nodes;
}

function renderOutcomes() {
  const st = C.state;
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
  const st = C.state;
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
          ? el('div', { class: 'cards' }, injects.map((i) => injectCard(i, C.sc, { choices: st.choices })))
          : el('p', { class: 'muted', text: 'None.' }),
        ...choiceCards(turnChoices(t))
      )
    );
  }
  if (!nodes.length) nodes.push(el('p', { class: 'muted', text: 'No earlier turns yet.' }));
  fill(box, ...nodes);
}

function historyTable(rows) {
  const ids = (C.sc.raw.indicators || []).map((i) => i.id);
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
            el('th', { scope: 'row', text: indicatorName(C.sc, id) }),
            rows.map((r) => el('td', { class: 'num', text: r.indicators[id] === undefined ? '' : String(r.indicators[id]) }))
          )
        )
      )
    )
  );
}

function renderAll() {
  if (!C.state || !C.sc) return;
  $('console').hidden = false;
  buildOptions();
  renderHeader();
  renderTimer();
  const st = C.state;
  drawIfChanged('indicators', [st.turn, st.indicators, st.history, !!st.ended], () =>
    renderIndicators($('indicators'), st, C.sc, { descriptions: true })
  );
  drawIfChanged('flags', st.flags, () => renderFlags($('flags'), st, C.sc, { showOff: true }));
  drawIfChanged('briefing', [st.turn, st.injects], renderBriefing);
  updateOptions();
  renderDraftSummary();
  drawIfChanged('outcomes', [st.turn, st.phase, st.choices, st.ended], renderOutcomes);
  drawIfChanged('history', [st.turn, st.history, st.injects, st.choices], renderHistory);
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
    case 'choices_submitted':
      if (ev.team === myTeam() && !ev.redacted) {
        const by = st.draft && st.draft.by;
        if (by !== (S.seat && S.seat.player)) {
          if (S.dirty) showTeammateNotice(st.draft);
          else syncDraft(true);
          announce(`${playerName(by)} submitted revision ${ev.revision} of your team's choices.`);
        }
      } else if (ev.team !== myTeam()) {
        announce(`${teamName(C.sc, ev.team)} has submitted.`);
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
    default:
      break;
  }
  if (before.phase !== st.phase) {
    fill($('submit-feedback'));
    if (st.phase === 'briefing') syncDraft(true);
  }
}

function showTeammateNotice(draft) {
  const box = $('teammate-notice');
  box.hidden = false;
  fill(
    box,
    el('span', { 'aria-hidden': 'true', text: '\u2139 ' }),
    `${playerName(draft.by)} submitted revision ${draft.revision} at ${clockTime(draft.at)} while you were editing. `,
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

onReady(() => {
  const key = findKey('team', '/team');
  S.sessionId = key.sessionId;
  S.seat = key.rec;
  if (!S.seat) {
    noSeat('This browser has not joined that session as a team player. Join with the code on the projector.');
    return;
  }
  $('decide-form').addEventListener('submit', submit);
  C = bootConsole({
    token: S.seat.token,
    accept: acceptSnapshot,
    snapshot: () => syncDraft(false),
    event: onEvent,
    render: renderAll,
    tick: renderTimer,
    rejected: (m) => {
      noSeat(`The server did not accept this browser's seat: ${m} Join again with the code on the projector.`);
    },
  });
});
