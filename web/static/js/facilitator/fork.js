// "Restart from a turn": a new session from this one's log up to the briefing of a
// turn it has reached (POST /api/sessions with `fork`), and where this one came from.
import { el, $, fill, setText } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { store } from '../lib/storage.js';
import { announce, feedback } from '../lib/notify.js';
import { hostPassword, rememberHostPassword } from '../lib/host.js';
import { S } from './context.js';

/** The turns this session has reached: each one's briefing can be restarted. */
function reached() {
  const st = S.state;
  return st.phase === 'lobby' ? 0 : st.turn || 0;
}

export function renderFork() {
  const st = S.state;
  const n = reached();
  const select = $('fork-turn');
  if (select.options.length !== n) {
    const keep = select.value;
    fill(select, ...Array.from({ length: n }, (_, i) => el('option', { value: String(i + 1), text: `Turn ${i + 1}` })));
    select.value = keep && Number(keep) <= n ? keep : String(n);
  }
  select.disabled = n === 0;
  $('fork-btn').disabled = n === 0;
  $('fork-lobby').hidden = n !== 0;
  const from = st.forked_from;
  const line = $('forked-line');
  line.hidden = !from;
  if (from) setText(line, `Restarted from the briefing of turn ${from.turn} of session ${from.session}.`);
}

function ask(ev) {
  ev.preventDefault();
  const turn = Number($('fork-turn').value);
  if (!turn) return;
  setText(
    $('fork-confirm-text'),
    `Create a new session that starts at the briefing of turn ${turn}, on the board as it stood then? Players join it with its own code; this session stays as it is.`
  );
  $('fork-confirm').hidden = false;
  $('fork-confirm-yes').focus();
}

async function create() {
  const fb = $('fork-feedback');
  const turn = Number($('fork-turn').value);
  const typed = $('fork-password').value;
  const password = typed || hostPassword();
  const headers = password ? { 'X-Host-Password': password } : {};
  $('fork-confirm').hidden = true;
  feedback(fb, 'busy', `Creating the session from turn ${turn}\u2026`);
  let res;
  try {
    res = await api('POST', '/api/sessions', { fork: { session: S.sessionId, turn } }, S.rec.token, headers);
  } catch (e) {
    if (e.code === 'host_password_required' || e.code === 'host_password_wrong') {
      rememberHostPassword('');
      $('fork-password-field').hidden = false;
      $('fork-password').focus();
    }
    feedback(fb, 'error', `No new session: ${e.message}`);
    return;
  }
  if (typed) rememberHostPassword(typed);
  const title = S.state.title || '';
  store.saveFacSession({
    session_id: res.session_id,
    join_code: res.join_code,
    token: res.facilitator_token,
    title,
    scenario: S.state.scenario,
    created_at: Date.now(),
  });
  setText($('fork-code'), res.join_code);
  $('fork-console').href = `/facilitator?session=${encodeURIComponent(res.session_id)}`;
  $('fork-created').hidden = false;
  feedback(fb, 'ok', `New session created from turn ${turn}.`);
  announce(`New session created from turn ${turn}. Join code ${res.join_code.split('').join(' ')}.`);
}

export function wireFork() {
  $('fork-form').addEventListener('submit', ask);
  $('fork-confirm-yes').addEventListener('click', create);
  $('fork-confirm-no').addEventListener('click', () => {
    $('fork-confirm').hidden = true;
    $('fork-btn').focus();
  });
}
