// The Agreements panel of the team console: propose one of the scenario's agreements
// (its parties and its terms in words) or the team's own, answer proposals made to the
// team (accept or reject, with an optional note), withdraw the team's own, and follow
// every agreement's status to its application at publication.
import { el, $, fill, setText, show, drawIfChanged, keepFocus } from '../lib/dom.js';
import { listWords } from '../lib/words.js';
import { teamName } from '../lib/scenario.js';
import { feedback } from '../lib/notify.js';
import { agreementCard, termsText, appliedElsewhere } from '../lib/negotiation.js';
import { S, myTeam } from './context.js';

const CUSTOM = '__custom';
const A = {
  builtFor: '',
  notes: new Map(), // agreement id -> a half-written note
  feedback: new Map(), // agreement id -> [kind, text], kept across redraws
  busy: false,
};

function templates() {
  return (S.sc.raw.agreements || []).filter((a) => (a.parties || []).includes(myTeam()));
}

/** The propose form, built once per scenario and team. */
function buildForm() {
  const key = `${S.sc.raw.id}/${myTeam()}`;
  if (A.builtFor === key) return;
  A.builtFor = key;
  const others = (p) => listWords(p.filter((t) => t !== myTeam()).map((t) => teamName(S.sc, t)));
  fill(
    $('propose-kind'),
    ...templates().map((a) => el('option', { value: a.id, text: `${a.title} (with ${others(a.parties)})` })),
    el('option', { value: CUSTOM, text: 'Your own agreement (custom)\u2026' })
  );
  const box = $('propose-to');
  fill(box, box.querySelector('legend'));
  for (const t of S.sc.raw.teams || []) {
    if (t.id === myTeam()) continue;
    box.appendChild(
      el(
        'span',
        { class: 'check' },
        el('input', { type: 'checkbox', id: `propose-to-${t.id}`, value: t.id }),
        el('label', { for: `propose-to-${t.id}`, text: t.name })
      )
    );
  }
  describe();
}

/** The chosen template's parties, text and terms, or the custom fields. */
function describe() {
  const id = $('propose-kind').value;
  const custom = id === CUSTOM;
  show($('propose-custom'), custom);
  const def = S.sc.agreements.get(id);
  if (custom || !def) {
    fill($('propose-terms'), el('p', { class: 'muted', text: termsText(S.sc, null) }));
    return;
  }
  fill(
    $('propose-terms'),
    el('p', { text: def.text }),
    el('p', { class: 'terms' }, el('span', { class: 'label', text: 'Terms: ' }), termsText(S.sc, def.id)),
    el('p', { class: 'muted', text: `Parties: ${listWords(def.parties.map((t) => teamName(S.sc, t)))}. ${def.public ? 'Every team sees the proposal.' : 'Only the parties and the White Cell see the proposal; its effect on the board is public once applied.'}` }),
    def.source ? el('p', { class: 'source', text: `Source: ${def.source}` }) : null
  );
}

async function propose(e) {
  e.preventDefault();
  const fb = $('propose-feedback');
  const id = $('propose-kind').value;
  let cmd;
  if (id === CUSTOM) {
    const title = $('propose-title').value.trim();
    const to = Array.from($('propose-to').querySelectorAll('input:checked')).map((i) => i.value);
    if (!title) {
      feedback(fb, 'error', 'Give your agreement a title.');
      $('propose-title').focus();
      return;
    }
    if (!to.length) {
      feedback(fb, 'error', 'Tick at least one team to propose it to.');
      return;
    }
    cmd = { type: 'propose', custom: { title, text: $('propose-text').value.trim() }, to };
  } else {
    cmd = { type: 'propose', agreement: id };
  }
  A.busy = true;
  $('propose-btn').disabled = true;
  feedback(fb, 'busy', 'Proposing\u2026');
  try {
    await S.conn.send(cmd);
    feedback(fb, 'ok', 'Proposed. The other parties see it now.');
    if (id === CUSTOM) {
      $('propose-title').value = '';
      $('propose-text').value = '';
      for (const i of $('propose-to').querySelectorAll('input')) i.checked = false;
    }
  } catch (err) {
    feedback(fb, 'error', err.message);
  } finally {
    A.busy = false;
    renderAgreements();
  }
}

async function act(a, cmd, busyText, okText) {
  A.feedback.set(a.agreement, ['busy', busyText]);
  draw();
  try {
    await S.conn.send(cmd);
    A.feedback.set(a.agreement, ['ok', okText]);
    A.notes.delete(a.agreement);
  } catch (err) {
    A.feedback.set(a.agreement, ['error', err.message]);
  }
  draw();
}

function actions(a) {
  const nodes = [];
  const mine = myTeam();
  const open = a.status === 'open' && !S.state.ended;
  const answered = (a.responses || []).some((r) => r.team === mine);
  if (open && (a.to || []).includes(mine) && !answered) {
    const noteId = `ag-note-${a.agreement}`;
    const note = el('input', { id: noteId, maxlength: 4000, autocomplete: 'off', placeholder: 'e.g. Only if the bases stay Russian-manned' });
    note.value = A.notes.get(a.agreement) || '';
    note.addEventListener('input', () => A.notes.set(a.agreement, note.value));
    const answer = (accept) => () =>
      act(
        a,
        Object.assign({ type: 'respond', agreement: a.agreement, accept }, note.value.trim() ? { note: note.value.trim() } : {}),
        accept ? 'Accepting\u2026' : 'Rejecting\u2026',
        accept ? 'You accepted.' : 'You rejected it.'
      );
    nodes.push(
      el('div', { class: 'field' }, el('label', { for: noteId }, 'Note with your answer ', el('span', { class: 'optional', text: '(optional)' })), note),
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'button', class: 'primary', text: 'Accept', onclick: answer(true) }),
        el('button', { type: 'button', class: 'secondary', text: 'Reject', onclick: answer(false) })
      )
    );
  }
  if (open && a.from === mine) {
    nodes.push(
      el('button', {
        type: 'button',
        class: 'secondary',
        text: 'Withdraw this proposal',
        onclick: () => act(a, { type: 'withdraw', agreement: a.agreement }, 'Withdrawing\u2026', 'Withdrawn.'),
      })
    );
  }
  const fb = A.feedback.get(a.agreement);
  if (fb) {
    const p = el('p', { class: 'feedback' });
    feedback(p, fb[0], fb[1]);
    nodes.push(p);
  }
  return nodes;
}

function draw() {
  const st = S.state;
  const list = (st.agreements || []).concat(appliedElsewhere(st, S.console.applied)).slice().reverse();
  const data = [list, !!st.ended, Array.from(A.feedback.entries())];
  const paint = () =>
    keepFocus(() =>
      fill(
        $('agreement-list'),
        ...(list.length
          ? list.map((a) => agreementCard(a, S.sc, actions(a)))
          : [el('p', { class: 'muted', text: 'No agreements yet. Propose one below; teams may also talk it over under Messages first.' })])
      )
    );
  drawIfChanged('agreements', data, paint);
}

export function renderAgreements() {
  if (!S.state || !S.sc) return;
  buildForm();
  draw(false);
  const pending = (S.state.agreements || []).filter(
    (a) => a.status === 'open' && (a.to || []).includes(myTeam()) && !(a.responses || []).some((r) => r.team === myTeam())
  ).length;
  setText($('agreements-waiting'), pending ? `(${pending} awaiting your answer)` : '');
  $('propose-btn').disabled = A.busy || !!S.state.ended;
}

export function wireAgreements() {
  $('propose-kind').addEventListener('change', describe);
  $('propose-form').addEventListener('submit', propose);
}
