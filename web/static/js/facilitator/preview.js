// The odds preview in the Adjudication panel: the server simulates the turn many
// times; the table shows each choice's chance and where the indicators may land.
import { el, $, fill } from '../lib/dom.js';
import { teamName, indicatorName } from '../lib/scenario.js';
import { S, run } from './context.js';

export async function runPreview() {
  const fb = $('preview-feedback');
  const res = await run(fb, 'Simulating 1,000 runs\u2026', { type: 'preview', runs: 1000 }, 'Preview ready.');
  if (res && res.preview) {
    S.preview = res.preview;
    renderPreview();
  }
}

function pct(x) {
  return `${Math.round(Number(x) * 100)}%`;
}

export function renderPreview() {
  const p = S.preview;
  const box = $('preview-out');
  if (!p) {
    fill(box);
    return;
  }
  const choices = p.choices || [];
  const order = (S.sc.raw.indicators || []).map((i) => i.id);
  const ind = Object.entries(p.indicators || {}).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  fill(
    box,
    el('h3', { text: `Odds preview: turn ${p.turn}, ${p.phase}, ${Number(p.runs).toLocaleString('en')} simulated runs` }),
    choices.length ? el('p', { class: 'hint', text: 'In the order the dice will roll them: by stage, then team.' }) : null,
    choices.length
      ? el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'table' },
            el('caption', { class: 'sr-only', text: 'Success chance of each choice' }),
            el(
              'thead',
              null,
              el(
                'tr',
                null,
                ['Stage', 'Team', 'Choice', 'Target', 'Succeeded in runs', 'Detection'].map((h) => el('th', { scope: 'col', text: h }))
              )
            ),
            el(
              'tbody',
              null,
              choices.map((c) =>
                el(
                  'tr',
                  null,
                  el('td', { text: (S.sc.options.get(c.option) || {}).stage || '' }),
                  el('td', { text: teamName(S.sc, c.team) }),
                  el('td', { text: c.title }),
                  el('td', { text: c.forced ? `forced ${c.forced}` : `${c.target}%` }),
                  el('td', { text: pct(c.success) }),
                  el('td', { text: c.detection === undefined || c.detection === null ? '\u2014' : `${c.detection}%` })
                )
              )
            )
          )
        )
      : el('p', { class: 'muted', text: 'No choices are locked yet.' }),
    ind.length
      ? el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'table' },
            el('caption', { text: 'Indicators after this turn across the runs' }),
            el(
              'thead',
              null,
              el('tr', null, ['Indicator', 'Now', 'Mean', '10%', 'Median', '90%', 'Range'].map((h) => el('th', { scope: 'col', text: h })))
            ),
            el(
              'tbody',
              null,
              ind.map(([id, d]) =>
                el(
                  'tr',
                  null,
                  el('th', { scope: 'row', text: indicatorName(S.sc, id) }),
                  el('td', { text: String(d.now) }),
                  el('td', { text: Number(d.mean).toFixed(1) }),
                  el('td', { text: String(d.p10) }),
                  el('td', { text: String(d.p50) }),
                  el('td', { text: String(d.p90) }),
                  el('td', { text: `${d.min}\u2013${d.max}` })
                )
              )
            )
          )
        )
      : null,
    el('p', {
      class: 'muted',
      text:
        `An end condition would end the game in ${pct(p.ends || 0)} of the runs.` +
        (S.state && S.state.max_turns && p.turn >= S.state.max_turns ? ' This is the last turn: the game ends after it anyway.' : ''),
    })
  );
}
