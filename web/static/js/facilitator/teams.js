// The Readiness and Live drafts panels: who plays which team and whether they are
// connected, and every team's current submission with its rationales.
import { el, $, fill, setText, keepFocus, drawIfChanged } from '../lib/dom.js';
import { clockTime, ago, plural } from '../lib/words.js';
import { S, seatOf, seenMs, targetOf, playerName } from './context.js';

/** What the Readiness table shows, as data: it is drawn again only when this changes
 *  (an event, a snapshot, a presence frame or the clock moving "x min ago" on). */
function readinessRows(st) {
  const players = st.players || [];
  return (st.teams || []).map((t) => {
    const mine = players.filter((p) => p.team === t.team);
    const draft = st.drafts && st.drafts[t.team];
    let last = t.last_submit || 0;
    const people = mine.map((p) => {
      const seat = seatOf(p.player);
      if (seat && seat.last_seen) last = Math.max(last, seenMs(seat.last_seen));
      return [p.name, !!(seat && seat.connected)];
    });
    return {
      team: t.team,
      name: t.name,
      bot: !!t.bot,
      submitted: !!t.submitted,
      people,
      revision: t.submitted && draft ? ` revision ${draft.revision} at ${clockTime(draft.at)}` : '',
      last: last ? ago(last) : 'no activity',
    };
  });
}

export function renderReadiness() {
  const st = S.state;
  const players = st.players || [];
  const rows = readinessRows(st);
  drawIfChanged('readiness', rows, () =>
    keepFocus(() =>
      fill(
        $('readiness-body'),
        ...rows.map((r) => {
          const people = r.people.map(([name, online]) =>
            el(
              'li',
              { class: online ? 'online' : 'offline' },
              el('span', { 'aria-hidden': 'true', text: online ? '\u25cf ' : '\u25cb ' }),
              name,
              el('span', { class: 'muted', text: online ? ' (online)' : ' (offline)' })
            )
          );
          const anyOnline = r.people.some(([, online]) => online);
          return el(
            'tr',
            { dataset: { team: r.team }, class: r.submitted ? 'ready' : '' },
            el('th', { scope: 'row' }, r.name, r.bot ? el('span', { class: 'badge badge-bot', text: 'bot' }) : null),
            el(
              'td',
              null,
              people.length ? el('ul', { class: 'people' }, people) : el('span', { class: 'muted', text: 'nobody yet' }),
              people.length && !anyOnline ? el('span', { class: 'warn-text', text: 'nobody connected' }) : null
            ),
            el(
              'td',
              { class: 'submission' },
              r.submitted
                ? [el('span', { class: 'badge badge-success' }, el('span', { 'aria-hidden': 'true', text: '\u2713 ' }), 'Submitted'), r.revision]
                : el('span', { class: 'badge badge-pending' }, el('span', { 'aria-hidden': 'true', text: '\u2013 ' }), 'Not yet')
            ),
            el('td', { text: r.last })
          );
        })
      )
    )
  );
  const observers = players.filter((p) => p.team === 'observer');
  setText(
    $('observers'),
    observers.length
      ? `Observers: ${observers.map((p) => `${p.name} (${(seatOf(p.player) || {}).connected ? 'online' : 'offline'})`).join(', ')}`
      : 'No observers have joined.'
  );
}

export function renderDrafts() {
  const st = S.state;
  setText($('drafts-turn'), st.turn ? `(turn ${st.turn})` : '');
  const drafts = st.drafts || {};
  // Redrawn only when what it shows changes: the teams, their drafts, who wrote them,
  // and the odds on the board while the window is open.
  const shows = [st.teams, drafts, st.players, st.phase === 'decision' ? st.options : null];
  drawIfChanged('drafts', shows, () => drawDrafts(st, drafts));
}

function drawDrafts(st, drafts) {
  const cards = (st.teams || []).map((t) => {
    const d = drafts[t.team];
    const body = [];
    if (!d) body.push(el('p', { class: 'muted', text: 'No submission yet.' }));
    else {
      body.push(
        el('p', {
          class: 'meta',
          text: `Revision ${d.revision} by ${d.doctrine ? `a bot (${d.doctrine})` : playerName(d.by)} at ${clockTime(d.at)} \u00b7 ${d.cost} of ${(S.sc.teams.get(t.team) || {}).budget || S.sc.raw.budget} points`,
        })
      );
      body.push(
        d.choices.length
          ? el(
              'ol',
              { class: 'draft-choices' },
              d.choices.map((c) => {
                const o = S.sc.options.get(c.option) || {};
                // Odds on the board as it stands only mean something before the roll.
                const target = st.phase === 'decision' ? targetOf(c.option) : null;
                return el(
                  'li',
                  null,
                  el('strong', { text: o.title || c.option }),
                  el(
                    'span',
                    { class: 'muted' },
                    ` \u00b7 ${plural(Number(o.cost) || 0, 'point')}`,
                    target !== null ? ` \u00b7 ${target}% on the current board` : '',
                    o.covert ? ' \u00b7 covert' : ''
                  ),
                  el('p', { class: 'rationale' }, el('span', { class: 'label', text: 'Rationale: ' }), c.rationale || '(none)')
                );
              })
            )
          : el('p', { class: 'muted', text: 'No actions this turn.' })
      );
    }
    return el('article', { class: 'card draft', dataset: { team: t.team } }, el('h3', { class: 'card-title', text: t.name }), body);
  });
  fill($('draft-list'), ...cards);
}
