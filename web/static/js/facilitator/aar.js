// The After-action panel: what the White Cell writes for the HSEEP after-action
// report, during the game or after its end: strengths and areas for improvement
// (tagged to an objective, an inject delivered or a decision published), the
// conclusion, the improvement plan (add, edit, remove) and the report's settings.
// White Cell only: none of it reaches another seat.
import { el, $, fill, drawIfChanged } from '../lib/dom.js';
import { teamName } from '../lib/scenario.js';
import { clockTime } from '../lib/words.js';
import { feedback } from '../lib/notify.js';
import { S, run } from './context.js';

const KIND = { strength: 'Strength', improvement: 'Area for improvement' };

/** Everything a note may be about: objectives, injects delivered, decisions published. */
function subjects() {
  const st = S.state;
  const objectives = (st.objectives || []).map((o) => ({
    value: `${o.team}:${o.id}`,
    label: `${teamName(S.sc, o.team)} objective: ${o.text}`,
  }));
  const injects = (st.injects || []).map((i) => ({
    value: i.id,
    label: `Turn ${i.turn} inject ${i.id}: ${i.title}`,
  }));
  const choices = (st.choices || []).map((c) => ({
    value: c.choice,
    label: `Turn ${c.turn} decision ${c.choice}: ${teamName(S.sc, c.team)}, ${c.title} (${c.result})`,
  }));
  return { objectives, injects, choices };
}

function label(value) {
  const all = subjects();
  const hit = [...all.objectives, ...all.injects, ...all.choices].find((s) => s.value === value);
  return hit ? hit.label : value;
}

/** Fills a select with groups of options, keeping the chosen value when it still exists. */
function fillSelect(select, none, groups) {
  const chosen = select.value;
  const key = JSON.stringify(groups.map(([, list]) => list.map((s) => s.value)));
  if (select.dataset.key !== key) {
    select.dataset.key = key;
    fill(
      select,
      el('option', { value: '', text: none }),
      ...groups
        .filter(([, list]) => list.length)
        .map(([name, list]) =>
          el('optgroup', { label: name }, ...list.map((s) => el('option', { value: s.value, text: s.label })))
        )
    );
  }
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : '';
}

export function renderAar() {
  if (!S.state) return;
  const all = subjects();
  fillSelect($('aar-note-about'), 'General (not tied to anything)', [
    ['Objectives', all.objectives],
    ['Injects', all.injects],
    ['Decisions', all.choices],
  ]);
  fillSelect($('aar-plan-objective'), 'None', [['Objectives', all.objectives]]);
  const notes = (S.state.notes || []).filter((n) => n.category && n.category !== 'note').slice().reverse();
  const aar = S.state.after_action || {};
  const plan = aar.plan || [];
  // Redrawn only when the observations, the plan or the names they use change.
  drawIfChanged('aar-lists', [notes, plan, all], () => drawLists(notes, plan));
  // The editors show what is saved, unless the White Cell is typing in them.
  const keep = (id, v) => {
    const node = $(id);
    if (document.activeElement !== node && !node.dataset.dirty) node.value = v || '';
  };
  keep('aar-conclusion-text', aar.conclusion);
  keep('aar-scope', aar.scope);
  keep('aar-sponsor', aar.sponsor);
  keep('aar-poc', aar.point_of_contact);
}

function drawLists(notes, plan) {
  fill(
    $('aar-note-list'),
    ...(notes.length
      ? notes.map((n) =>
          el(
            'li',
            { class: 'note' },
            el('span', { class: `tag ${n.category === 'strength' ? 'tag-public' : 'tag-private'}`, text: KIND[n.category] || n.category }),
            el('span', { class: 'muted', text: ` turn ${n.turn} \u00b7 ${clockTime(n.at)}${n.about ? ` \u00b7 on ${label(n.about)}` : ''} ` }),
            el('p', { text: n.text })
          )
        )
      : [el('li', { class: 'muted', text: 'No strengths or areas for improvement yet.' })])
  );
  fill(
    $('aar-plan-rows'),
    ...(plan.length
      ? plan.map((p) =>
          el(
            'tr',
            { 'data-item': p.item },
            el('td', { text: p.item }),
            el('td', { text: p.objective ? label(p.objective) : '' }),
            el('td', { text: p.issue }),
            el('td', { text: p.recommendation }),
            el('td', { text: p.owner || '' }),
            el('td', { text: p.due || '' }),
            el(
              'td',
              {},
              el('button', { type: 'button', class: 'secondary', 'data-edit': p.item, text: 'Edit' }),
              el('button', { type: 'button', class: 'danger', 'data-remove': p.item, text: 'Remove' })
            )
          )
        )
      : [el('tr', {}, el('td', { colspan: '7', class: 'muted', text: 'No items yet.' }))])
  );
}

function resetPlanForm() {
  $('aar-plan-form').reset();
  $('aar-plan-item').value = '';
  $('aar-plan-form-h').textContent = 'Add an item';
  $('aar-plan-save').textContent = 'Add item';
  $('aar-plan-cancel').hidden = true;
}

function editItem(id) {
  const p = ((S.state.after_action || {}).plan || []).find((x) => x.item === id);
  if (!p) return;
  $('aar-plan-item').value = p.item;
  $('aar-plan-objective').value = p.objective || '';
  $('aar-plan-issue').value = p.issue;
  $('aar-plan-recommendation').value = p.recommendation;
  $('aar-plan-owner').value = p.owner || '';
  $('aar-plan-due').value = p.due || '';
  $('aar-plan-form-h').textContent = `Edit item ${p.item}`;
  $('aar-plan-save').textContent = 'Save item';
  $('aar-plan-cancel').hidden = false;
  $('aar-plan-issue').focus();
}

export function wireAar() {
  $('aar-note-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fb = $('aar-note-feedback');
    const text = $('aar-note-text').value;
    if (!text.trim()) {
      feedback(fb, 'error', 'Write the observation first.');
      $('aar-note-text').focus();
      return;
    }
    const cmd = { type: 'note', text, category: $('aar-note-category').value };
    const about = $('aar-note-about').value;
    if (about) cmd.about = about;
    if (await run(fb, 'Saving\u2026', cmd, 'Observation added.')) $('aar-note-text').value = '';
  });
  $('aar-conclusion-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const node = $('aar-conclusion-text');
    if (await run($('aar-conclusion-feedback'), 'Saving\u2026', { type: 'conclude', text: node.value }, 'Conclusion saved.')) {
      delete node.dataset.dirty;
    }
  });
  $('aar-settings-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const cmd = {
      type: 'report_info',
      scope: $('aar-scope').value,
      sponsor: $('aar-sponsor').value,
      point_of_contact: $('aar-poc').value,
    };
    if (await run($('aar-settings-feedback'), 'Saving\u2026', cmd, 'Report settings saved.')) {
      for (const id of ['aar-scope', 'aar-sponsor', 'aar-poc']) delete $(id).dataset.dirty;
    }
  });
  for (const id of ['aar-conclusion-text', 'aar-scope', 'aar-sponsor', 'aar-poc']) {
    $(id).addEventListener('input', () => {
      $(id).dataset.dirty = '1';
    });
  }
  $('aar-plan-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const cmd = {
      type: 'plan',
      issue: $('aar-plan-issue').value,
      recommendation: $('aar-plan-recommendation').value,
      owner: $('aar-plan-owner').value,
      due: $('aar-plan-due').value,
    };
    const item = $('aar-plan-item').value;
    if (item) cmd.item = item;
    const objective = $('aar-plan-objective').value;
    if (objective) cmd.objective = objective;
    if (await run($('aar-plan-feedback'), 'Saving\u2026', cmd, item ? `Item ${item} saved.` : 'Item added.')) resetPlanForm();
  });
  $('aar-plan-cancel').addEventListener('click', resetPlanForm);
  $('aar-plan-rows').addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button');
    if (!btn) return;
    if (btn.dataset.edit) editItem(btn.dataset.edit);
    if (btn.dataset.remove) {
      const item = btn.dataset.remove;
      await run($('aar-plan-feedback'), 'Removing\u2026', { type: 'plan', item, remove: true }, `Item ${item} removed.`);
    }
  });
}
