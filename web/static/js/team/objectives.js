// The team's objectives (scenario v2): in the briefing while the game runs, and once
// it has ended which were met and the team's score. The snapshot carries the team's
// own objectives only (`objectives`, with `met` and `scores` after the end).
import { el, $, fill } from '../lib/dom.js';
import { plural } from '../lib/words.js';
import { S } from './context.js';

export function renderObjectives() {
  const st = S.state;
  const box = $('objectives');
  if (!box || !st) return;
  const mine = (st.objectives || []).filter((o) => o.team === st.team);
  box.hidden = !mine.length;
  if (!mine.length) {
    fill(box);
    return;
  }
  const score = st.scores && st.scores[st.team];
  const ended = !!st.ended;
  fill(
    box,
    el('h3', { text: ended ? 'Your objectives: the final board' : 'Your objectives' }),
    ended && score
      ? el('p', { class: 'objective-score', text: `Score: ${score.score} of ${score.max} points.` })
      : el('p', { class: 'hint', text: 'Only your team and the White Cell read these. They are judged on the board when the game ends.' }),
    el(
      'ul',
      { class: 'objectives' },
      mine.map((o) => {
        const met = o.met === true;
        const judged = ended && typeof o.met === 'boolean';
        return el(
          'li',
          { class: judged ? (met ? 'objective met' : 'objective unmet') : 'objective', dataset: { objective: o.id } },
          judged ? el('span', { 'aria-hidden': 'true', text: met ? '\u2713 ' : '\u2717 ' }) : null,
          judged ? el('strong', { text: met ? 'Met: ' : 'Not met: ' }) : null,
          o.text,
          el('span', { class: 'muted', text: ` (${plural(Number(o.weight) || 0, 'point')})` })
        );
      })
    )
  );
}
