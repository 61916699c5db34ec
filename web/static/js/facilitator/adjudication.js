// The Adjudication panel: the rolls of the closed window with overrides (a result
// and a required note), and the published outcomes of this and earlier turns.
import { el, $, fill, setText, drawIfChanged, keepFocus } from '../lib/dom.js';
import { feedback } from '../lib/notify.js';
import { plural, resultBadge, explainRoll, explainDetection } from '../lib/words.js';
import { teamName } from '../lib/scenario.js';
import { outcomeCard } from '../lib/cards.js';
import { S } from './context.js';

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
    feedback(fb, kept.kind, kept.text);
    fb.setAttribute('role', 'status');
  }
  // The row may be redrawn while a command is in flight, so the message goes to the
  // row on the page now and is remembered for the next redraw.
  const say = (kind, text) => {
    S.overrideFeedback.set(id, { kind, text });
    const row = Array.from($('adj-body').querySelectorAll('tr')).find((tr) => tr.dataset.choice === id);
    feedback((row && row.querySelector('.feedback')) || fb, kind, text);
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
  // An override can be taken back until publication: the dice's result stands again.
  const undo = r.overridden
    ? el('button', {
        type: 'button',
        class: 'secondary small undo-override',
        text: `Undo override (back to the dice: ${r.result})`,
        disabled,
        onclick: async () => {
          say('busy', 'Undoing the override\u2026');
          try {
            await S.conn.send({ type: 'undo_override', choice: id });
            say('ok', `Override undone: the dice's ${r.result} stands.`);
          } catch (err) {
            say('error', err.message);
          }
        },
      })
    : null;
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
    undo,
    fb
  );
}

export function renderAdjudication() {
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
          el('span', { class: 'team-tag', text: teamName(S.sc, r.team) }),
          r.doctrine ? el('span', { class: 'badge badge-bot', text: `bot \u00b7 ${r.doctrine}` }) : null,
          ' ',
          el('strong', { text: r.title }),
          el('div', { class: 'muted', text: `${r.stage} \u00b7 ${plural(r.cost, 'point')}${r.covert ? ' \u00b7 covert' : ''} \u00b7 ${r.choice}` }),
          r.rationale ? el('p', { class: 'rationale' }, el('span', { class: 'label', text: 'Rationale: ' }), r.rationale) : null
        ),
        el(
          'td',
          null,
          el('p', { class: 'odds', text: explainRoll(Object.assign({ rolled: r.result }, r)) }),
          r.detection ? el('p', { class: 'detection', text: explainDetection(r.detection) }) : null
        ),
        el(
          'td',
          null,
          resultBadge(over ? over.result : r.result, over ? '(override)' : ''),
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
        ? el('div', { class: 'cards' }, list.map((c) => outcomeCard(c, S.sc)))
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
            el('div', { class: 'cards' }, earlier.filter((c) => c.turn === t).map((c) => outcomeCard(c, S.sc)))
          )
        )
      )
    );
  }
  fill($('published'), ...nodes);
}
