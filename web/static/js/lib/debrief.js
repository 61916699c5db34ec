// The hot-wash survey on the team and observer pages, after the session has ended:
// the snapshot's `debrief` (questions, open, anonymous, answered) drawn as a form
// (radio buttons for scales and choices, a text box for text), the unsent answers
// kept on this device (localStorage, as the decision draft is) so a reload loses
// nothing, `debrief` sent once, then a thank-you. Answers are the White Cell's: no
// other seat ever sees them, and the page learns it has answered from the ack and,
// after a reload, from `debrief.answered`.
import { el, $, fill, drawIfChanged } from './dom.js';
import { store } from './storage.js';
import { announce, feedback } from './notify.js';

const SCALE = [1, 2, 3, 4, 5];
const MAX_TEXT = 2000;

function draftKey(ctx) {
  return `wargame.debrief.${ctx.sessionId}.${ctx.player || ''}`;
}

function loadDraft(ctx) {
  const d = store.get(draftKey(ctx), {});
  return d && typeof d === 'object' ? d : {};
}

/** The answers the form holds now, as the `debrief` command takes them. */
function readForm(questions) {
  const out = [];
  for (const q of questions) {
    if (q.kind === 'text') {
      const t = $(`dq-${q.id}`);
      const v = t ? t.value.trim() : '';
      if (v) out.push({ question: q.id, value: v });
    } else {
      const picked = document.querySelector(`input[name="dq-${q.id}"]:checked`);
      if (picked) out.push({ question: q.id, value: q.kind === 'scale' ? Number(picked.value) : picked.value });
    }
  }
  return out;
}

function saveDraft(ctx, questions) {
  const d = {};
  for (const a of readForm(questions)) d[a.question] = a.value;
  store.set(draftKey(ctx), d);
}

function question(q, draft, onChange) {
  const legendId = `dq-${q.id}-legend`;
  if (q.kind === 'text') {
    return el(
      'div',
      { class: 'field debrief-q', dataset: { question: q.id } },
      el('label', { for: `dq-${q.id}`, text: q.text }),
      el('textarea', {
        id: `dq-${q.id}`,
        rows: '3',
        maxlength: String(MAX_TEXT),
        oninput: onChange,
      })
    );
  }
  const values = q.kind === 'scale' ? SCALE.map(String) : q.options || [];
  return el(
    'fieldset',
    { class: `field debrief-q debrief-${q.kind}`, dataset: { question: q.id }, 'aria-labelledby': legendId },
    el('legend', { id: legendId, text: q.text }),
    q.kind === 'scale' ? el('p', { class: 'hint', text: '1 is the lowest, 5 the highest.' }) : null,
    el(
      'div',
      { class: 'debrief-choices', role: 'presentation' },
      values.map((v, i) =>
        el(
          'span',
          { class: 'check' },
          el('input', {
            type: 'radio',
            name: `dq-${q.id}`,
            id: `dq-${q.id}-${i}`,
            value: v,
            checked: String(draft[q.id]) === v,
            onchange: onChange,
          }),
          el('label', { for: `dq-${q.id}-${i}`, text: v })
        )
      )
    )
  );
}

/**
 * Draws the survey into `#debrief`. `ctx`: {sessionId, player, conn, sent} (`sent`
 * is set here once the server has taken the answers).
 */
export function renderSurvey(st, ctx) {
  const box = $('debrief');
  if (!box) return;
  const d = st && st.debrief;
  box.hidden = !d;
  if (!d) return;
  const done = d.answered === true || ctx.sent;
  drawIfChanged('debrief-survey', [d.questions, d.open, done, d.anonymous], () => {
    const heading = el('h2', { id: 'debrief-h', text: 'Debrief' });
    if (done) {
      store.remove(draftKey(ctx));
      fill(
        box,
        heading,
        el('p', {
          class: 'debrief-thanks',
          role: 'status',
          text: `Thank you: your answers reached the White Cell${d.anonymous ? ' without your name' : ''}.`,
        })
      );
      return;
    }
    if (!d.open) {
      fill(box, heading, el('p', { class: 'muted', text: 'The White Cell has closed the debrief.' }));
      return;
    }
    const draft = loadDraft(ctx);
    const onChange = () => saveDraft(ctx, d.questions);
    const status = el('p', { id: 'debrief-feedback', class: 'feedback', role: 'status' });
    const button = el('button', { type: 'submit', class: 'primary', id: 'debrief-send', text: 'Send answers' });
    const form = el(
      'form',
      { id: 'debrief-form', novalidate: true, 'aria-labelledby': 'debrief-h' },
      d.questions.map((q) => question(q, draft, onChange)),
      el('div', { class: 'submit-bar' }, button, status)
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const answers = readForm(d.questions);
      if (!answers.length) {
        feedback(status, 'error', 'Answer at least one question before sending.');
        return;
      }
      button.disabled = true;
      feedback(status, 'busy', 'Sending…');
      try {
        await ctx.conn.send({ type: 'debrief', answers });
        ctx.sent = true;
        announce('Thank you: your debrief answers were sent.');
        renderSurvey(st, ctx);
      } catch (err) {
        button.disabled = false;
        if (err.code === 'already_answered') {
          ctx.sent = true;
          renderSurvey(st, ctx);
          return;
        }
        feedback(status, 'error', err.message);
      }
    });
    // The observer page is often the room's projector: there the survey waits
    // behind a summary, so the screen keeps showing the board.
    const wrap = (...parts) =>
      ctx.collapsed
        ? [el('details', { id: 'debrief-details' }, el('summary', { text: 'Answer the debrief survey (an observer at this screen)' }), ...parts)]
        : parts;
    fill(
      box,
      heading,
      ...wrap(
        el('p', {
          class: 'hint',
          text: `The game is over. A few questions for the White Cell's after-action report; answer any you like and send them once.${
            d.anonymous ? ' Your answers are stored without your name.' : ' The White Cell sees your name with your answers.'
          }`,
        }),
        form
      )
    );
    // Restore typed text after the form is in the page.
    for (const q of d.questions) {
      if (q.kind === 'text' && typeof draft[q.id] === 'string') $(`dq-${q.id}`).value = draft[q.id];
    }
  });
}
