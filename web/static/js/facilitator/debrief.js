// The debrief panel, at the top of the Run tab once the session has ended: how many
// of the seated players and observers have answered (and who, unless the session's
// debrief is anonymous), a button that closes it (`close_debrief`), and a live summary
// of the answers: counts and the mean of each scale, counts of each choice, the texts
// by question. The snapshot's `debrief` and each `debrief_submitted` (folded by the
// reducer) feed it.
import { el, $, fill, drawIfChanged } from '../lib/dom.js';
import { plural } from '../lib/words.js';
import { teamName } from '../lib/scenario.js';
import { S, run } from './context.js';

function counts(q, responses) {
  const values = q.kind === 'scale' ? ['1', '2', '3', '4', '5'] : q.options || [];
  const n = new Map(values.map((v) => [v, 0]));
  let sum = 0;
  let answered = 0;
  for (const r of responses) {
    const a = (r.answers || []).find((x) => x.question === q.id);
    if (!a) continue;
    answered += 1;
    const v = String(a.value);
    if (n.has(v)) n.set(v, n.get(v) + 1);
    if (q.kind === 'scale') sum += Number(a.value) || 0;
  }
  return { n, answered, mean: answered && q.kind === 'scale' ? sum / answered : null };
}

function summary(d) {
  const responses = d.responses || [];
  return d.questions.map((q) => {
    const head = el('h4', { text: q.text });
    if (q.kind === 'text') {
      const texts = [];
      for (const r of responses) {
        const a = (r.answers || []).find((x) => x.question === q.id);
        if (a) texts.push({ text: String(a.value), by: r.name ? `${r.name} (${teamName(S.sc, r.team)})` : '' });
      }
      return el(
        'div',
        { class: 'debrief-sum', dataset: { question: q.id } },
        head,
        texts.length
          ? el('ul', {}, texts.map((t) => el('li', {}, t.by ? el('strong', { text: `${t.by}: ` }) : null, t.text)))
          : el('p', { class: 'muted', text: 'No answers yet.' })
      );
    }
    const c = counts(q, responses);
    const max = Math.max(1, ...c.n.values());
    return el(
      'div',
      { class: 'debrief-sum', dataset: { question: q.id } },
      head,
      el(
        'table',
        { class: 'table debrief-counts' },
        el('caption', { class: 'sr-only', text: `Answers to: ${q.text}` }),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Answer' }), el('th', { scope: 'col', text: 'Count' }))),
        el(
          'tbody',
          {},
          [...c.n.entries()].map(([v, k]) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row', text: v }),
              el('td', {}, el('meter', { min: '0', max: String(max), value: String(k), 'aria-hidden': 'true' }), ` ${k}`)
            )
          )
        )
      ),
      el('p', {
        class: 'muted',
        text: c.mean === null ? plural(c.answered, 'answer') : `${plural(c.answered, 'answer')}, mean ${c.mean.toFixed(1)} of 5`,
      })
    );
  });
}

export function renderDebrief() {
  const box = $('debrief');
  const st = S.state;
  if (!box || !st) return;
  const d = st.debrief;
  box.hidden = !d;
  if (!d) return;
  const players = st.players || [];
  drawIfChanged('fac-debrief', [d, players], () => {
    const seated = Number(d.seated) || players.length;
    const count = Number(d.count) || 0;
    const status = el('p', {
      id: 'debrief-count',
      class: 'debrief-count',
      role: 'status',
      text: `${count} of ${seated} seated players and observers have answered.`,
    });
    let who = null;
    if (d.anonymous) {
      who = el('p', { class: 'hint', text: 'Anonymous debrief: answers carry no names, and this console shows how many have answered, not who.' });
    } else {
      const done = new Set(d.respondents || []);
      who = el(
        'ul',
        { class: 'debrief-who', id: 'debrief-who' },
        players.map((p) =>
          el('li', { dataset: { player: p.player } }, `${p.name} (${teamName(S.sc, p.team)}): `, el('strong', { text: done.has(p.player) ? 'answered' : 'not yet' }))
        )
      );
    }
    const fb = el('span', { id: 'debrief-close-feedback', class: 'feedback', role: 'status' });
    const close = d.open
      ? el('p', {}, el('button', {
        type: 'button',
        class: 'secondary',
        id: 'debrief-close',
        text: 'Close the debrief',
        onclick: () => run(fb, 'Closing\u2026', { type: 'close_debrief' }, 'The debrief is closed.'),
      }), ' ', fb)
      : el('p', { class: 'muted', text: 'The debrief is closed: no more answers are taken.' });
    fill(
      box,
      el('h2', { id: 'debrief-h', text: 'Debrief' }),
      el('p', { class: 'hint', text: "Players and observers answer a short survey on their pages. Their answers are yours and go into the report's participant feedback." }),
      status,
      who,
      close,
      el('h3', { text: 'Answers so far' }),
      summary(d)
    );
  });
}
