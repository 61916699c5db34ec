// Start page: create a session, show its join code, list this browser's sessions,
// open a console with a console key from another device, and compare the stored
// sessions of a scenario (the series report).
import { el, $, fill, onReady } from './lib/dom.js';
import { api } from './lib/api.js';
import { store, encodeKey, decodeKey } from './lib/storage.js';
import { announce, problem, feedback } from './lib/notify.js';
import { lanInfo, joinTarget, qrSrc } from './lib/lan.js';
import { passwordRequired, hostPassword, rememberHostPassword, hostHeaders } from './lib/host.js';

let scenarios = [];

function joinUrl(code) {
  return `${location.origin}/join?code=${encodeURIComponent(code)}`;
}

function consoleUrl(sessionId) {
  return `/facilitator?session=${encodeURIComponent(sessionId)}`;
}

async function loadScenarios() {
  const select = $('scenario');
  try {
    scenarios = (await api('GET', '/api/scenarios')) || [];
  } catch (e) {
    problem(`The scenario list could not be loaded: ${e.message}`);
    return;
  }
  fill(
    select,
    ...scenarios.map((s) => el('option', { value: s.id, text: `${s.title} (${s.id})` }))
  );
  if (!scenarios.length) {
    fill(select, el('option', { value: '', text: 'No scenarios are installed on this server' }));
  }
  describeScenario();
}

function describeScenario() {
  const s = scenarios.find((x) => x.id === $('scenario').value);
  const box = $('scenario-summary');
  if (!s) {
    fill(box);
    return;
  }
  const teams = (s.teams || []).map((t) => t.name).join(', ');
  const parts = [];
  if (teams) parts.push(`Teams: ${teams}.`);
  if (s.max_turns) parts.push(`${s.max_turns} turns.`);
  fill(box, parts.join(' '));
  $('max-turns').placeholder = s.max_turns ? String(s.max_turns) : '';
}

async function create(ev) {
  ev.preventDefault();
  const fb = $('create-feedback');
  const scenario = $('scenario').value;
  const title = $('title').value.trim();
  const seedText = $('seed').value.trim();
  const turnsText = $('max-turns').value.trim();
  if (!scenario) {
    feedback(fb, 'error', 'Choose a scenario first.');
    $('scenario').focus();
    return;
  }
  if (!title) {
    feedback(fb, 'error', 'Give the session a title so you can find it again.');
    $('title').focus();
    return;
  }
  const body = { scenario, title, auto_advance: $('auto-advance').checked };
  if ($('private-rationales').checked) body.private_rationales = true;
  if ($('anonymous-debrief').checked) body.anonymous_debrief = true;
  // The after-action report's settings, when given (White Cell only).
  for (const [id, key] of [['report-scope', 'scope'], ['report-sponsor', 'sponsor'], ['report-poc', 'point_of_contact']]) {
    const v = $(id).value.trim();
    if (v) body[key] = v;
  }
  if (seedText) {
    if (!/^[0-9]{1,15}$/.test(seedText)) {
      feedback(fb, 'error', 'The seed must be a whole number of at most 15 digits, or empty.');
      $('seed').focus();
      return;
    }
    body.seed = Number(seedText);
  }
  if (turnsText) {
    const n = Number(turnsText);
    if (!Number.isInteger(n) || n < 1 || n > 50) {
      feedback(fb, 'error', 'The turn limit must be a whole number from 1 to 50, or empty.');
      $('max-turns').focus();
      return;
    }
    body.max_turns = n;
  }
  const needsPassword = !$('host-password-field').hidden;
  const password = $('host-password').value;
  if (needsPassword && !password) {
    feedback(fb, 'error', 'This server asks for the host password; type it first.');
    $('host-password').focus();
    return;
  }
  const btn = $('create-btn');
  btn.disabled = true;
  feedback(fb, 'busy', 'Creating the session…');
  try {
    const headers = needsPassword ? { 'X-Host-Password': password } : {};
    const res = await api('POST', '/api/sessions', body, undefined, headers);
    if (needsPassword) rememberHostPassword(password);
    const rec = {
      session_id: res.session_id,
      join_code: res.join_code,
      token: res.facilitator_token,
      title,
      scenario,
      created_at: Date.now(),
    };
    if (!store.saveFacSession(rec)) {
      problem('This browser would not store the console key (private mode?). Copy the console key below before leaving this page.');
    }
    feedback(fb, 'ok', 'Session created.');
    showCreated(rec);
    renderMine();
    $('create-form').reset();
    $('host-password').value = hostPassword();
    describeScenario();
  } catch (e) {
    if (e.code === 'host_password_wrong' || e.code === 'host_password_required') {
      rememberHostPassword('');
      $('host-password').focus();
    }
    feedback(fb, 'error', `The session was not created: ${e.message}`);
  } finally {
    btn.disabled = false;
  }
}

/** Where players' devices reach this server, with the QR code of the join link. */
async function showWhere(code) {
  const target = joinTarget(await lanInfo(), code);
  const hosts = $('created-hosts');
  hosts.hidden = !target.hosts.length;
  if (target.hosts.length) {
    fill(
      hosts,
      'Players\u2019 devices reach this server at ',
      ...target.hosts.flatMap((h, i) => [i ? ' or ' : '', el('strong', { class: 'code', text: `${h}/join` })])
    );
  }
  const lan = $('created-lan');
  lan.hidden = !target.note;
  setTextNode(lan, target.note);
  const img = $('created-qr');
  if (target.url) {
    img.src = qrSrc(target.url);
    img.alt = `QR code of the join link ${target.url}`;
    img.hidden = false;
  } else {
    img.hidden = true;
  }
  // The link shown above follows the address phones can use.
  if (target.url) setTextNode($('created-link'), target.url);
}

function setTextNode(node, text) {
  node.textContent = text || '';
}

function showCreated(rec) {
  $('created-title').textContent = rec.title;
  $('created-code').textContent = rec.join_code;
  const link = $('created-link');
  link.href = `/join?code=${encodeURIComponent(rec.join_code)}`;
  link.textContent = joinUrl(rec.join_code);
  showWhere(rec.join_code);
  $('created-console').href = consoleUrl(rec.session_id);
  $('created-key').value = encodeKey(rec.session_id, rec.token, rec.join_code);
  const box = $('created');
  box.hidden = false;
  box.focus();
  announce(`Session created. Join code ${rec.join_code.split('').join(' ')}.`);
}

function renderMine() {
  const list = store.facSessions();
  const box = $('mine');
  if (!list.length) {
    fill(box, el('p', { class: 'muted', text: 'No sessions created on this browser yet.' }));
    return;
  }
  fill(
    box,
    el(
      'ul',
      { class: 'session-list' },
      list.map((s) =>
        el(
          'li',
          { class: 'session-item', dataset: { session: s.session_id } },
          el(
            'div',
            { class: 'session-main' },
            el('strong', { text: s.title || s.session_id }),
            el(
              'span',
              { class: 'muted' },
              ` \u00b7 code `,
              el('span', { class: 'code', text: s.join_code || '?' }),
              s.created_at ? ` \u00b7 created ${new Date(s.created_at).toLocaleString()}` : ''
            )
          ),
          el(
            'div',
            { class: 'session-actions' },
            el('a', { class: 'button primary small', href: consoleUrl(s.session_id), text: 'Open console' }),
            s.join_code
              ? el('button', {
                  type: 'button',
                  class: 'secondary small',
                  text: 'Show join code',
                  onclick: () => showCreated(s),
                })
              : null,
            el('button', {
              type: 'button',
              class: 'link-button small',
              text: 'Forget',
              'aria-label': `Forget ${s.title || s.session_id} on this browser`,
              onclick: () => {
                store.forgetFacSession(s.session_id);
                renderMine();
                announce('Session forgotten on this browser.');
              },
            })
          )
        )
      )
    )
  );
}

function seriesUrl(scenario, format) {
  return `/api/series?scenario=${encodeURIComponent(scenario)}&format=${format}`;
}

/** Whether an API error is the host password's (missing or wrong). */
function passwordRefused(e) {
  return e && (e.code === 'host_password_required' || e.code === 'host_password_wrong');
}

/**
 * Fetches a series report with the host password in its header (never in the
 * address, where it would reach logs), then opens the HTML in the tab opened on
 * the click, or saves the other formats under the server's file name.
 */
async function fetchSeries(scenario, format, tab) {
  const fb = $('series-feedback');
  feedback(fb, 'busy', 'Building the series report (it replays every session and simulates the baselines)…');
  try {
    const res = await fetch(seriesUrl(scenario, format), { headers: hostHeaders() });
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      const err = (body && body.error) || { code: 'http_' + res.status, message: `The server answered ${res.status}.` };
      throw Object.assign(new Error(err.message), { code: err.code });
    }
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    if (tab) {
      tab.location.href = url;
    } else {
      const disposition = res.headers.get('Content-Disposition') || '';
      const m = /filename="([^"]+)"/.exec(disposition);
      const a = el('a', { href: url, download: m ? m[1] : `wargame-series.${format}` });
      document.body.append(a);
      a.click();
      a.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    feedback(fb, 'ok', tab ? 'The series report is open in a new tab.' : 'The series report is saved.');
  } catch (e) {
    if (tab) tab.close();
    if (passwordRefused(e)) rememberHostPassword('');
    feedback(fb, 'error', `The series report could not be made: ${e.message}`);
    if (passwordRefused(e)) loadSeries();
  }
}

/** The series is the host's: a small form for the host password, then the list. */
function askSeriesPassword(box, e) {
  const input = el('input', { id: 'series-password', type: 'password', autocomplete: 'current-password' });
  const form = el(
    'form',
    { class: 'inline-form', id: 'series-password-form' },
    el('p', { class: 'feedback error', role: 'status', text: e.code === 'host_password_wrong' ? 'That host password is wrong.' : 'Comparing sessions is the host’s: enter the host password.' }),
    el('div', { class: 'field' }, el('label', { for: 'series-password', text: 'Host password' }), input),
    el('button', { type: 'submit', class: 'secondary', text: 'Show the stored sessions' })
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    rememberHostPassword(input.value);
    loadSeries();
  });
  fill(box, form);
}

/** The scenarios with stored sessions, each with its series report in every format. */
async function loadSeries() {
  const box = $('series-list');
  // Without a password to present, ask for it rather than be refused.
  if (!hostPassword() && (await passwordRequired())) {
    askSeriesPassword(box, { code: 'host_password_required' });
    return;
  }
  let list;
  try {
    list = (await api('GET', '/api/series', undefined, undefined, hostHeaders())) || [];
  } catch (e) {
    if (passwordRefused(e)) {
      askSeriesPassword(box, e);
      return;
    }
    fill(box, el('p', { class: 'feedback error', text: `The stored sessions could not be listed: ${e.message}` }));
    return;
  }
  if (!list.length) {
    fill(box, el('p', { class: 'muted', text: 'No sessions are stored on this server yet.' }));
    return;
  }
  const open = (id) => (ev) => {
    ev.preventDefault();
    // Opened on the click itself, so no pop-up blocker stops it.
    const tab = window.open('', '_blank');
    fetchSeries(id, 'html', tab);
  };
  const save = (id, f) => (ev) => {
    ev.preventDefault();
    fetchSeries(id, f, null);
  };
  fill(
    box,
    el(
      'ul',
      { class: 'session-list' },
      list.map((s) =>
        el(
          'li',
          { class: 'session-item', dataset: { scenario: s.id } },
          el(
            'div',
            { class: 'session-main' },
            el('strong', { text: s.title || s.id }),
            el(
              'span',
              { class: 'muted' },
              ` \u00b7 ${s.sessions} ${s.sessions === 1 ? 'session' : 'sessions'}`,
              s.older ? ` (and ${s.older} of an older version of the scenario, left out)` : ''
            )
          ),
          el(
            'div',
            { class: 'session-actions' },
            el('button', {
              type: 'button',
              class: 'button primary small',
              text: 'Open the series report',
              'aria-label': `Open the series report of ${s.title || s.id} in a new tab`,
              onclick: open(s.id),
            }),
            ...[
              ['json', 'JSON'],
              ['csv', 'CSV'],
              ['markdown', 'Markdown'],
            ].map(([f, label]) =>
              el('button', {
                type: 'button',
                class: 'button secondary small',
                text: label,
                'aria-label': `Download the series report of ${s.title || s.id} as ${label}`,
                onclick: save(s.id, f),
              })
            )
          )
        )
      )
    )
  );
}

function openWithKey(ev) {
  ev.preventDefault();
  const fb = $('key-feedback');
  const parsed = decodeKey($('key').value);
  if (!parsed) {
    feedback(fb, 'error', 'That is not a console key. It starts with “wg1.”; copy it whole from the other device.');
    $('key').focus();
    return;
  }
  const existing = store.facSession(parsed.session_id);
  store.saveFacSession(
    Object.assign({}, existing || { title: '', join_code: '' }, {
      session_id: parsed.session_id,
      token: parsed.token,
      join_code: parsed.join_code || (existing && existing.join_code) || '',
    })
  );
  feedback(fb, 'ok', 'Key stored on this browser. Opening the console…');
  location.assign(consoleUrl(parsed.session_id));
}

async function copyKey() {
  const input = $('created-key');
  const fb = $('copy-feedback');
  try {
    await navigator.clipboard.writeText(input.value);
    feedback(fb, 'ok', 'Copied.');
  } catch (e) {
    input.select();
    feedback(fb, 'error', 'Copying is blocked here; the key is selected, so press Ctrl+C (or long-press and copy).');
  }
}

onReady(() => {
  $('scenario').addEventListener('change', describeScenario);
  $('create-form').addEventListener('submit', create);
  $('key-form').addEventListener('submit', openWithKey);
  $('copy-key').addEventListener('click', copyKey);
  $('created-dismiss').addEventListener('click', () => {
    $('created').hidden = true;
    $('title').focus();
  });
  renderMine();
  loadScenarios();
  loadSeries();
  passwordRequired().then((required) => {
    $('host-password-field').hidden = !required;
    if (required) $('host-password').value = hostPassword();
  });
});
