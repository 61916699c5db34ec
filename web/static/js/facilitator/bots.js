// Bots: the White Cell seats a bot playing one of a team's doctrines, or hands the
// seat back to the team's players (the `bot` command, docs/PROTOCOL.md). Shown only
// when the scenario gives some team a doctrine.
import { el, $, fill } from '../lib/dom.js';
import { S, run } from './context.js';

let builtFor = '';

function teamsWithDoctrines() {
  return (S.sc.raw.teams || []).filter((t) => Array.isArray(t.doctrines) && t.doctrines.length);
}

function build(box, teams) {
  const rows = teams.map((t) => {
    const select = el(
      'select',
      { id: `bot-${t.id}`, dataset: { team: t.id }, onchange: (e) => (e.target.dataset.dirty = '1') },
      el('option', { value: '', text: 'Players (no bot)' }),
      t.doctrines.map((d) => el('option', { value: d.id, text: `Bot: ${d.name}`, title: d.description || '' }))
    );
    const fb = el('span', { class: 'feedback', role: 'status' });
    const submit = async (e) => {
      e.preventDefault();
      const doctrine = select.value || null;
      const res = await run(fb, 'Sending\u2026', { type: 'bot', team: t.id, doctrine }, doctrine ? 'Bot seated.' : 'Seat handed back.');
      if (res) delete select.dataset.dirty;
    };
    return el(
      'form',
      { class: 'bot-form', dataset: { team: t.id }, onsubmit: submit },
      el('label', { for: `bot-${t.id}`, text: `${t.name}: ` }),
      select,
      ' ',
      el('button', { type: 'submit', class: 'secondary', text: 'Apply' }),
      ' ',
      fb
    );
  });
  fill(
    box,
    el('h3', { text: 'Bots' }),
    el('p', { class: 'muted', text: 'A bot submits by its doctrine as each decision window opens; hand the seat back when a person takes it.' }),
    rows
  );
}

export function renderBots() {
  const box = $('bots');
  if (!box || !S.sc || !S.state) return;
  const teams = teamsWithDoctrines();
  box.hidden = !teams.length;
  if (!teams.length) return;
  if (builtFor !== S.sc.raw.id) {
    builtFor = S.sc.raw.id;
    build(box, teams);
  }
  for (const t of teams) {
    const status = (S.state.teams || []).find((x) => x.team === t.id) || {};
    const select = $(`bot-${t.id}`);
    if (!select || select.dataset.dirty || document.activeElement === select) continue;
    select.value = status.bot ? status.doctrine || '' : '';
  }
}
