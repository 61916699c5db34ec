// The Notes and Session panels: notes (public or White Cell only), the join code and
// console key, the public display, the after-action exports and ending the session.
import { el, $, fill, setText, download } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { store, encodeKey } from '../lib/storage.js';
import { clockTime } from '../lib/words.js';
import { announce, problem, feedback } from '../lib/notify.js';
import { S, run } from './context.js';

const EXPORTS = [
  ['json', 'JSON', 'json'],
  ['markdown', 'Markdown', 'md'],
  ['html', 'HTML report', 'html'],
  ['csv', 'CSV', 'csv'],
  // The debrief answers, one row each (the hot-wash survey after the end).
  ['debrief-csv', 'debrief CSV', 'csv', 'format=csv&table=debrief'],
];

export function renderNotes() {
  const notes = (S.state.notes || []).slice().reverse();
  fill(
    $('note-list'),
    ...(notes.length
      ? notes.map((n) =>
          el(
            'li',
            { class: 'note' },
            el('span', { class: `tag ${n.public ? 'tag-public' : 'tag-private'}`, text: n.public ? 'public' : 'White Cell only' }),
            el('span', { class: 'muted', text: ` turn ${n.turn} \u00b7 ${clockTime(n.at)} ` }),
            el('p', { text: n.text })
          )
        )
      : [el('li', { class: 'muted', text: 'No notes yet.' })])
  );
}

export function renderSession() {
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
  $('console-key').value = encodeKey(S.sessionId, S.rec.token, code);
  const ended = !!st.ended;
  $('end-btn').disabled = ended;
  $('end-reason').disabled = ended;
  for (const f of ['catalog-form', 'custom-form']) {
    for (const c of $(f).querySelectorAll('button')) c.disabled = ended || st.phase === 'adjudication';
  }
}

async function addNote(ev) {
  ev.preventDefault();
  const fb = $('note-feedback');
  const text = $('note-text').value;
  if (!text.trim()) {
    feedback(fb, 'error', 'Write the note first.');
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
  const [, label, ext, query] = EXPORTS.find((e) => e[0] === format);
  feedback(fb, 'busy', `Preparing the ${label} export\u2026`);
  let res;
  try {
    res = await fetch(
      `/api/sessions/${encodeURIComponent(S.sessionId)}/export?${query || `format=${format}`}${anon ? '&anonymize=true' : ''}`,
      { headers: { Authorization: `Bearer ${S.rec.token}` }, cache: 'no-store' }
    );
  } catch (e) {
    feedback(fb, 'error', 'The server cannot be reached; the export was not downloaded.');
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
    feedback(fb, 'error', `Export failed: ${msg}`);
    return;
  }
  const blob = await res.blob();
  const disposition = res.headers.get('Content-Disposition') || '';
  const given = /filename="([^"\\/]+)"/.exec(disposition);
  const slug = (S.state.title || 'session').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'session';
  const name = given ? given[1] : `wargame-${slug}${anon ? '-anonymised' : ''}.${ext}`;
  download(blob, name);
  feedback(fb, 'ok', `Downloaded ${name} (${Math.max(1, Math.round(blob.size / 1024))} KB).`);
}

async function openObserver() {
  const fb = $('observer-feedback');
  const code = S.rec && S.rec.join_code;
  if (!code) {
    feedback(fb, 'error', 'The join code is not known on this device; join as an observer from the join page.');
    return;
  }
  let seat = store.seat(S.sessionId, 'observer');
  if (!seat) {
    feedback(fb, 'busy', 'Creating an observer seat\u2026');
    try {
      const res = await api('POST', '/api/join', { join_code: code, team: 'observer', name: 'Projector' });
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
      feedback(fb, 'error', `No observer seat: ${e.message}`);
      return;
    }
  }
  feedback(fb, 'ok', 'Public display opened in a new tab.');
  window.open(`/observer?session=${encodeURIComponent(S.sessionId)}`, '_blank', 'noopener');
}

async function copyKey() {
  const input = $('console-key');
  try {
    await navigator.clipboard.writeText(input.value);
    announce('Console key copied.');
  } catch (e) {
    input.select();
    problem('Copying is blocked here; the key is selected, so press Ctrl+C.');
  }
}

/** The export buttons: in the Session panel, and again in the Phase panel once the game
 *  is over, where the facilitator is looking. */
export function buildExportButtons() {
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
  fill($('ended-export-buttons'), ...exportButtons('ended-export-feedback'));
}

/** The notes and session panels' own controls. */
export function wireSession() {
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
}
