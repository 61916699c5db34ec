// The Decide part of the team console: the option menu with costs, prerequisites and
// rationales, the budget, the team's stored draft, submitting and revising, and the
// notice when a teammate submits while this player is editing.
import { el, svg, $, fill, setText } from '../lib/dom.js';
import { clock } from '../lib/clock.js';
import { plural, clockTime } from '../lib/words.js';
import { optionTitle, indicatorName } from '../lib/scenario.js';
import { announce, feedback } from '../lib/notify.js';
import { S, myTeam, myTeamDef, playerName, optionStatus, budget, selectedCost, canEdit, leadOf, maySubmit } from './context.js';
import { changed, saveLocal, submitted } from './drafts.js';

// ---------------------------------------------------------------- draft sync

/** Makes the form show the team's stored draft (unless the player has unsent edits). */
export function syncDraft(force) {
  const st = S.state;
  if (!st) return;
  if (S.selectionTurn !== st.turn) force = true;
  if (S.dirty && !force) return;
  const draft = st.draft && st.draft.turn === st.turn ? st.draft : null;
  S.selection = new Map(draft ? draft.choices.map((c) => [c.option, c.rationale || '']) : []);
  S.selectionTurn = st.turn;
  S.dirty = false;
  S.restored = false;
  for (const [id, card] of S.cards) card.rationale.value = S.selection.get(id) || '';
  $('teammate-notice').hidden = true;
  saveLocal();
}

// ---------------------------------------------------------------- option menu

export function buildOptions() {
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
  const odds = el('p', { class: 'odds hint', id: `${id}-odds`, hidden: true });
  const editor = el('p', { class: 'editor hint', hidden: true });
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
          el('span', { class: 'tag tag-cost', text: plural(Number(o.cost) || 0, 'point') }),
          o.covert ? el('span', { class: 'tag tag-covert', text: 'covert' }) : null
        )
      )
    ),
    more,
    odds,
    editor,
    why,
    ratWrap
  );
  input.addEventListener('change', () => {
    if (input.checked) S.selection.set(o.id, rationale.value);
    else S.selection.delete(o.id);
    changed();
    updateOptions();
    renderDraftSummary();
    if (input.checked) rationale.focus();
  });
  rationale.addEventListener('input', () => {
    if (S.selection.has(o.id)) S.selection.set(o.id, rationale.value);
    changed();
    renderDraftSummary();
  });
  S.cards.set(o.id, { root, input, why, odds, editor, rationale, ratWrap, more, open: null, def: o });
  return root;
}

export function updateOptions() {
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
    const oddsText = oddsWords(status.odds, o);
    if (card.oddsText !== oddsText) {
      card.oddsText = oddsText;
      fill(card.odds, ...oddsNodes(status.odds, o));
    }
    card.odds.hidden = !oddsText;
    const ed = S.editors.get(oid);
    const edText = ed && ed.by !== (S.seat && S.seat.player) ? `\u270e ${playerName(ed.by)} changed this at ${clockTime(ed.at)}` : '';
    setText(card.editor, edText);
    card.editor.hidden = !edText;
  }
  renderBudget(total, used);
  renderLiveNote();
  const btn = $('submit-btn');
  const hasDraft = S.state.draft && S.state.draft.turn === S.state.turn;
  btn.disabled = !editable || !maySubmit();
  // Submitting nothing is allowed, but it is not the step the page invites.
  btn.classList.toggle('primary', S.selection.size > 0 && maySubmit());
  if (!maySubmit()) {
    setText(btn, `Only ${playerName(leadOf())} (team lead) submits`);
    return;
  }
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

/** The odds band's cut points (the engine's LIKELY_FROM and RISKY_UPTO). */
const BAND_WORDS = {
  likely: 'likely (a chance of 67% or more: it succeeds at least two times in three)',
  even: 'even (a chance between 34% and 66%)',
  risky: 'risky (a chance of 33% or less: it fails at least two times in three)',
};

/** What a player may know of an option's odds, and what it tends to move. */
export function oddsWords(odds, o) {
  if (!odds) return '';
  let text;
  if (odds.target !== undefined && odds.target !== null) {
    const mods = (odds.modifiers || []).map((m) => `${m.delta >= 0 ? '+' : '\u2212'}${Math.abs(m.delta)} ${m.reason}`);
    text = `Chance of success: ${odds.target}% (base ${odds.base}%${mods.length ? `; ${mods.join('; ')}` : ''}).`;
  } else {
    text = `Odds: ${BAND_WORDS[odds.band] || odds.band}.`;
  }
  const moves = movesWords(o);
  return moves ? `${text} ${moves}` : text;
}

/** The same words as oddsWords, as elements: the band or chance stands out, and what
 *  the option tends to move is a line of its own. */
function oddsNodes(odds, o) {
  if (!odds) return [];
  const nodes = [];
  if (odds.target !== undefined && odds.target !== null) {
    const words = oddsWords(odds, null);
    nodes.push(el('span', { class: 'odds-chance' }, 'Chance of success: ', el('strong', { class: 'odds-band', text: `${odds.target}%` }), words.slice(`Chance of success: ${odds.target}%`.length)));
  } else {
    const full = BAND_WORDS[odds.band] || odds.band;
    const word = String(odds.band);
    nodes.push(
      el(
        'span',
        { class: 'odds-chance' },
        'Odds: ',
        el('strong', { class: `odds-band band-${word}`, text: word }),
        `${full.slice(word.length)}.`
      )
    );
  }
  const moves = movesWords(o);
  if (moves) nodes.push(' ', el('span', { class: 'odds-moves', text: moves }));
  return nodes;
}

function movesWords(o) {
  if (!o) return '';
  const dir = (effects) => new Map(Object.entries(effects || {}).filter(([, d]) => Number(d)).map(([id, d]) => [id, Number(d) > 0 ? 'up' : 'down']));
  const win = dir(o.success && o.success.effects);
  const lose = dir(o.failure && o.failure.effects);
  const ids = Array.from(new Set([...win.keys(), ...lose.keys()]));
  if (!ids.length) return '';
  const parts = ids.map((id) => {
    const bits = [];
    if (win.has(id)) bits.push(`${win.get(id) === 'up' ? '\u2191 up' : '\u2193 down'} on success`);
    if (lose.has(id)) bits.push(`${lose.get(id) === 'up' ? '\u2191 up' : '\u2193 down'} on failure`);
    return `${indicatorName(S.sc, id)} ${bits.join(', ')}`;
  });
  return `Tends to move: ${parts.join('; ')}.`;
}

/** The line above the options: the live team draft, who changed it last, and leads. */
function renderLiveNote() {
  const st = S.state;
  const node = $('live-draft-note');
  if (!node || !st) return;
  const bits = [];
  const live = st.live_draft && st.live_draft.turn === st.turn ? st.live_draft : null;
  if (st.phase === 'briefing' || st.phase === 'decision') {
    bits.push('Your team edits one draft together: every teammate sees each change as it is made.');
    if (live) bits.push(`Last change by ${playerName(live.by)} at ${clockTime(live.at)}.`);
  }
  const lead = leadOf();
  if (lead) {
    bits.push(
      maySubmit()
        ? 'You lead your team: you submit its choices; teammates propose in the draft.'
        : `${playerName(lead)} leads your team and submits its choices; your changes go into the team draft for them.`
    );
  }
  if (S.restored && S.dirty) bits.push('Your unsent changes were restored from this device.');
  setText(node, bits.join(' '));
  node.hidden = !bits.length;
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

export function renderDraftSummary() {
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
          `The White Cell has revision ${draft.revision} of your team's choices, submitted by ${draft.doctrine ? `a bot (${draft.doctrine})` : playerName(draft.by)} at ${clockTime(draft.at)}:`
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
                  el('strong', { text: optionTitle(S.sc, c.option) }),
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

export async function submit(ev) {
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
    feedback(fb, 'error', `Write a rationale for \u201c${optionTitle(S.sc, first)}\u201d: the White Cell reads it at review.`);
    S.cards.get(first).rationale.focus();
    return;
  }
  const total = selectedCost();
  if (total > budget()) {
    feedback(fb, 'error', `These choices cost ${total} points; your budget is ${budget()}. Untick something.`);
    return;
  }
  const choices = chosen.map((id) => ({ option: id, rationale: S.selection.get(id) }));
  if (!maySubmit()) {
    feedback(fb, 'error', `Only ${playerName(leadOf())}, your team's lead, submits; your changes are in the team draft.`);
    return;
  }
  const d = submitted();
  S.outbox = { turn: S.state.turn, choices, base: d ? d.revision : 0 };
  saveLocal();
  await sendSubmission(choices);
}

/** Sends the outbox's choices; a drop keeps it for after reconnecting. */
export async function sendSubmission(choices) {
  const fb = $('submit-feedback');
  const cost = choices.reduce((n, c) => n + ((S.sc.options.get(c.option) || {}).cost || 0), 0);
  S.sending = true;
  updateOptions();
  feedback(fb, 'busy', 'Sending your choices…');
  try {
    await S.conn.send({ type: 'submit', turn: S.state.turn, choices });
    S.outbox = null;
    S.dirty = false;
    S.restored = false;
    saveLocal();
    const what = choices.length ? plural(choices.length, 'action') : 'no actions';
    feedback(
      fb,
      'ok',
      `Submitted at ${clockTime(clock.now())}: ${what}, ${cost} of ${budget()} points. You can revise until the window closes.`
    );
    announce('Your choices were submitted.');
  } catch (e) {
    if (e.code === 'dropped' || e.code === 'not_sent') {
      feedback(fb, 'busy', 'The connection dropped while sending: your choices are kept and will be sent when it is back, unless they already arrived.');
    } else {
      S.outbox = null;
      saveLocal();
      feedback(fb, 'error', `Not submitted: ${e.message}`);
    }
  } finally {
    S.sending = false;
    updateOptions();
    renderDraftSummary();
  }
}

/** A teammate submitted while this player has unsent edits: offer theirs; `redraw`
 *  draws the console after loading them. */
export function showTeammateNotice(draft, redraw) {
  const box = $('teammate-notice');
  box.hidden = false;
  fill(
    box,
    el('span', { 'aria-hidden': 'true', text: '\u2139 ' }),
    `${playerName(draft.by)} submitted revision ${draft.revision} at ${clockTime(draft.at)} while you were editing: ${
      draft.choices.length ? draft.choices.map((c) => optionTitle(S.sc, c.option)).join(', ') : 'no actions'
    }. Your changes below are kept, unsent. `,
    el('button', {
      type: 'button',
      class: 'secondary small',
      text: 'Load their choices',
      onclick: () => {
        syncDraft(true);
        redraw();
      },
    }),
    ' ',
    el('span', { class: 'muted', text: '(replaces your unsent changes)' })
  );
}

