// Team leads, under Readiness (only in sessions with team leads): per team, a select of
// that team's players; Apply hands the lead to the one chosen (the `lead` command,
// docs/PROTOCOL.md, Teamwork). Only the lead's console submits for the team.
import { el, $, fill } from '../lib/dom.js';
import { S, run, playerName } from './context.js';

let builtFor = '';

function build(box, teams) {
  const rows = teams.map((t) => {
    const select = el('select', {
      id: `lead-${t.id}`,
      dataset: { team: t.id },
      onchange: (e) => (e.target.dataset.dirty = '1'),
    });
    const fb = el('span', { class: 'feedback', role: 'status' });
    const submit = async (e) => {
      e.preventDefault();
      const player = select.value;
      if (!player) {
        fb.textContent = 'Nobody plays this team yet.';
        return;
      }
      const res = await run(fb, 'Sending\u2026', { type: 'lead', team: t.id, player }, `${playerName(player)} now leads ${t.name}.`);
      if (res) delete select.dataset.dirty;
    };
    return el(
      'form',
      { class: 'lead-form bot-form', dataset: { team: t.id }, onsubmit: submit },
      el('label', { for: `lead-${t.id}`, text: `${t.name} lead: ` }),
      select,
      ' ',
      el('button', { type: 'submit', class: 'secondary', text: 'Make lead' }),
      ' ',
      fb
    );
  });
  fill(
    box,
    el('h3', { text: 'Team leads' }),
    el('p', { class: 'muted', text: "Only a team's lead submits; the others propose in the team's draft. Hand the lead over when the lead leaves." }),
    rows
  );
}

export function renderLeads() {
  const box = $('leads');
  if (!box || !S.sc || !S.state) return;
  const st = S.state;
  const on = !!st.team_leads;
  box.hidden = !on;
  if (!on) return;
  const teams = (S.sc.raw.teams || []).filter((t) => t.id !== 'observer');
  if (builtFor !== S.sc.raw.id) {
    builtFor = S.sc.raw.id;
    build(box, teams);
  }
  const leads = st.leads || {};
  for (const t of teams) {
    const select = $(`lead-${t.id}`);
    if (!select || select.dataset.dirty || document.activeElement === select) continue;
    const mine = (st.players || []).filter((p) => p.team === t.id);
    const key = JSON.stringify([mine.map((p) => [p.player, p.name]), leads[t.id] || '']);
    if (select.dataset.key === key) continue;
    select.dataset.key = key;
    fill(
      select,
      mine.length
        ? mine.map((p) => el('option', { value: p.player, text: p.player === leads[t.id] ? `${p.name} (lead now)` : p.name }))
        : el('option', { value: '', text: 'Nobody yet' })
    );
    select.value = leads[t.id] || (mine[0] ? mine[0].player : '');
  }
}
