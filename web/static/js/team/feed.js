// What the team reads: this turn's injects, the published outcomes explained in
// words, and earlier turns with the indicator table.
import { el, $, fill, setText, drawKeyed } from '../lib/dom.js';
import { plural } from '../lib/words.js';
import { indicatorName } from '../lib/scenario.js';
import { injectCard, outcomeCard } from '../lib/cards.js';
import { S, myTeam, myTeamDef } from './context.js';

export function renderBriefing() {
  const st = S.state;
  const team = myTeamDef();
  if (team && team.briefing) {
    $('team-brief').hidden = false;
    setText($('team-brief-text'), team.briefing);
  } else $('team-brief').hidden = true;
  // A restarted session: what came before its first turn here was another game's.
  const from = st.forked_from;
  $('forked-line').hidden = !from;
  if (from) setText($('forked-line'), `This game restarts an earlier session at the briefing of turn ${from.turn}: turns before it were played there.`);
  // This turn's injects; earlier ones are under "Earlier turns", so the feed above the
  // option menu stays short however long the game runs.
  const all = st.injects || [];
  const injects = all.filter((i) => i.turn === st.turn).reverse();
  const earlier = all.length - injects.length;
  // A card already shown stays as it is (its arrival highlight is not replayed when
  // the next inject comes); only a new or changed inject is drawn.
  const entries = injects.map((i) => ({
    key: `inject ${i.id}`,
    data: [i, i.cause ? (st.choices || []).find((c) => c.choice === i.cause) || null : null],
    build: () => injectCard(i, S.sc, { fresh: true, choices: st.choices }),
  }));
  const muted = (text) => ({ key: `muted ${text}`, data: text, build: () => el('p', { class: 'muted', text }) });
  if (!injects.length) {
    entries.push(muted(st.phase === 'lobby' ? 'No injects yet. New ones appear here during the briefing.' : `No injects yet in turn ${st.turn}.`));
  }
  if (earlier) {
    entries.push(muted(`${plural(earlier, 'inject')} from earlier turns ${earlier === 1 ? 'is' : 'are'} under \u201cEarlier turns\u201d.`));
  }
  drawKeyed($('injects'), entries);
}

function turnChoices(turn) {
  return (S.state.choices || []).filter((c) => c.turn === turn);
}

function choiceCards(list) {
  const mine = list.filter((c) => c.team === myTeam());
  const others = list.filter((c) => c.team !== myTeam());
  const nodes = [];
  nodes.push(el('h3', { text: 'Your team' }));
  nodes.push(
    mine.length
      ? el('div', { class: 'cards' }, mine.map((c) => outcomeCard(c, S.sc, { own: true, showTeam: false })))
      : el('p', { class: 'muted', text: 'Your team took no actions.' })
  );
  nodes.push(el('h3', { text: 'Other teams (as far as you can see)' }));
  nodes.push(
    others.length
      ? el('div', { class: 'cards' }, others.map((c) => outcomeCard(c, S.sc)))
      : el('p', { class: 'muted', text: 'Nothing visible from the other teams.' })
  );
  return nodes;
}

export function renderOutcomes() {
  const st = S.state;
  const box = $('outcome-list');
  const nodes = [];
  if (st.ended) {
    nodes.push(
      el(
        'div',
        { class: 'ended-banner', role: 'status' },
        el('strong', { text: st.ended.title }),
        el('p', { text: st.ended.text })
      )
    );
  }
  if (st.phase === 'review' || st.phase === 'ended') {
    const list = turnChoices(st.turn);
    nodes.push(el('p', { class: 'muted', text: `Turn ${st.turn}: each roll is d100; a roll at or below the target succeeds.` }));
    nodes.push(...choiceCards(list));
  } else if (st.phase === 'adjudication') {
    nodes.push(el('p', { class: 'waiting', text: 'Adjudicating\u2026 the White Cell publishes the results when ready.' }));
  } else {
    nodes.push(
      el('p', {
        class: 'muted',
        text: st.turn > 1 ? 'Results of earlier turns are under “Earlier turns”.' : 'Outcomes appear here once the first turn is adjudicated.',
      })
    );
  }
  fill(box, ...nodes);
}

export function renderHistory() {
  const st = S.state;
  const box = $('history-list');
  // The current turn's results are under Outcomes; earlier turns are here.
  const turns = [];
  for (let t = st.turn - 1; t >= 1; t--) turns.push(t);
  const nodes = [];
  const rows = st.history || [];
  if (rows.length > 1) nodes.push(historyTable(rows));
  for (const t of turns) {
    const injects = (st.injects || []).filter((i) => i.turn === t);
    nodes.push(
      el(
        'details',
        { class: 'turn-history' },
        el('summary', { text: `Turn ${t}` }),
        el('h3', { text: 'Injects' }),
        injects.length
          ? el('div', { class: 'cards' }, injects.map((i) => injectCard(i, S.sc, { choices: st.choices })))
          : el('p', { class: 'muted', text: 'None.' }),
        ...choiceCards(turnChoices(t))
      )
    );
  }
  if (!nodes.length) nodes.push(el('p', { class: 'muted', text: 'No earlier turns yet.' }));
  fill(box, ...nodes);
}

function historyTable(rows) {
  const ids = (S.sc.raw.indicators || []).map((i) => i.id);
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'table history-table' },
      el('caption', { text: 'Indicator values at the end of each turn (T1: turn 1)' }),
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          el('th', { scope: 'col', text: 'Indicator' }),
          rows.map((r) =>
            el('th', { scope: 'col', class: 'num' }, r.turn === 0 ? 'Start' : el('abbr', { title: `Turn ${r.turn}`, text: `T${r.turn}` }))
          )
        )
      ),
      el(
        'tbody',
        null,
        ids.map((id) =>
          el(
            'tr',
            null,
            el('th', { scope: 'row', text: indicatorName(S.sc, id) }),
            rows.map((r) => el('td', { class: 'num', text: r.indicators[id] === undefined ? '' : String(r.indicators[id]) }))
          )
        )
      )
    )
  );
}

