// Join page: code, team (showing who already plays), name; then on to the console.
// The seat's token is kept in localStorage, never in the address.
import { el, $, fill, onReady } from './lib/dom.js';
import { api } from './lib/api.js';
import { store } from './lib/storage.js';
import { feedback, param } from './lib/notify.js';
import { plural, phaseLabel } from './lib/words.js';

let info = null;
let lookedUp = '';

function normCode(s) {
  return String(s || '')
    .trim()
    .toUpperCase()
    .replace(/\s+/g, '');
}

function seatUrl(seat) {
  const page = seat.team === 'observer' ? '/observer' : '/team';
  return `${page}?session=${encodeURIComponent(seat.session_id)}`;
}

function playersText(players) {
  if (Array.isArray(players)) {
    const names = players
      .map((p) => (typeof p === 'string' ? p : p && (p.name || p.player)))
      .filter(Boolean);
    if (!names.length) return 'no players yet';
    return `${plural(names.length, 'player')}: ${names.join(', ')}`;
  }
  const n = Number(players) || 0;
  return n ? plural(n, 'player') : 'no players yet';
}

function renderSeats() {
  const seats = store.seats().slice(0, 6);
  const box = $('my-seats');
  if (!seats.length) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  fill(
    $('seat-list'),
    ...seats.map((s) =>
      el(
        'li',
        { class: 'seat-item' },
        el(
          'a',
          { href: seatUrl(s), class: 'button secondary small' },
          s.team === 'observer' ? 'Open the public display' : `Continue as ${s.name || 'player'}`
        ),
        el(
          'span',
          { class: 'muted' },
          ` ${s.team === 'observer' ? 'observer' : s.team_name || s.team}`,
          s.title ? ` \u00b7 ${s.title}` : '',
          s.join_code ? ` \u00b7 code ${s.join_code}` : ''
        )
      )
    )
  );
}

async function lookup() {
  const code = normCode($('code').value);
  $('code').value = code;
  const out = $('session-info');
  if (!code) {
    fill(out, 'Enter the join code shown on the projector.');
    return;
  }
  if (code === lookedUp && info) return;
  fill(out, 'Looking up the session…');
  try {
    info = await api('GET', `/api/join/${encodeURIComponent(code)}`);
    lookedUp = code;
  } catch (e) {
    info = null;
    lookedUp = '';
    $('team-field').disabled = true;
    fill($('teams'), el('p', { class: 'muted', text: 'Enter a valid join code to see the teams.' }));
    fill(out, el('span', { class: 'error-text' }, '\u26a0 ', e.message));
    return;
  }
  const phase = phaseLabel(info.phase);
  const turn = info.turn ? `turn ${info.turn}, ` : '';
  fill(out, el('strong', { text: info.title || 'Session' }), ` \u2014 ${turn}${phase.toLowerCase()}`);
  renderTeams();
}

function renderTeams() {
  const box = $('teams');
  const current = (document.querySelector('input[name="team"]:checked') || {}).value;
  const items = (info.teams || []).map((t) =>
    el(
      'div',
      { class: 'team-choice' },
      el('input', {
        type: 'radio',
        name: 'team',
        id: `team-${t.id}`,
        value: t.id,
        checked: current === t.id,
        'aria-describedby': `team-${t.id}-players`,
      }),
      el(
        'label',
        { for: `team-${t.id}` },
        el('span', { class: 'team-choice-name', text: t.name || t.id }),
        el('span', { class: 'team-choice-players', id: `team-${t.id}-players`, text: playersText(t.players) })
      )
    )
  );
  items.push(
    el(
      'div',
      { class: 'team-choice observer-choice' },
      el('input', {
        type: 'radio',
        name: 'team',
        id: 'team-observer',
        value: 'observer',
        checked: current === 'observer',
        'aria-describedby': 'team-observer-hint',
      }),
      el(
        'label',
        { for: 'team-observer' },
        el('span', { class: 'team-choice-name', text: 'Observer / projector' }),
        el('span', { class: 'team-choice-players', id: 'team-observer-hint', text: 'read-only public display' })
      )
    )
  );
  fill(box, ...items);
  $('team-field').disabled = false;
  const existing = info.session_id && (store.seat(info.session_id, 'team') || store.seat(info.session_id, 'observer'));
  if (existing) {
    box.appendChild(
      el(
        'p',
        { class: 'notice' },
        'This browser already has a seat in this session: ',
        el('a', { href: seatUrl(existing), text: existing.team === 'observer' ? 'open the public display' : `continue as ${existing.name}` }),
        '.'
      )
    );
  }
}

async function join(ev) {
  ev.preventDefault();
  const fb = $('join-feedback');
  await lookup();
  if (!info) {
    feedback(fb, 'error', 'Check the join code: no session was found for it.');
    $('code').focus();
    return;
  }
  const picked = document.querySelector('input[name="team"]:checked');
  if (!picked) {
    feedback(fb, 'error', 'Choose your team (or Observer).');
    const first = document.querySelector('input[name="team"]');
    if (first) first.focus();
    return;
  }
  const name = $('name').value.trim();
  if (!name) {
    feedback(fb, 'error', 'Enter your name so the White Cell knows who is playing.');
    $('name').focus();
    return;
  }
  const btn = $('join-btn');
  btn.disabled = true;
  feedback(fb, 'busy', 'Joining…');
  try {
    const res = await api('POST', '/api/join', { join_code: lookedUp, team: picked.value, name });
    const team = (info.teams || []).find((t) => t.id === res.team);
    const seat = {
      session_id: res.session_id,
      team: res.team,
      team_name: team ? team.name : res.team,
      token: res.token,
      player: res.player,
      name,
      join_code: lookedUp,
      title: info.title,
    };
    if (!store.saveSeat(seat)) {
      feedback(fb, 'error', 'This browser refuses to store your seat (private mode or storage disabled); allow site storage and join again.');
      return;
    }
    feedback(fb, 'ok', 'Joined. Opening your console…');
    location.assign(seatUrl(seat));
  } catch (e) {
    feedback(fb, 'error', `Not joined: ${e.message}`);
  } finally {
    btn.disabled = false;
  }
}

onReady(() => {
  $('join-form').addEventListener('submit', join);
  $('lookup').addEventListener('click', lookup);
  $('code').addEventListener('change', lookup);
  $('code').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      lookup();
    }
  });
  renderSeats();
  const code = param('code');
  if (code) {
    $('code').value = normCode(code);
    lookup().then(() => {
      if (info) $('name').focus();
    });
  } else {
    $('code').focus();
  }
});
