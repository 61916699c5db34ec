// The console's panels as tabs (Run, Injects, Adjudication, Messages, Indicators and
// notes, Session and export), so that no panel is a scroll away: the tabs pattern
// (arrow keys, Home, End), the chosen panel kept in the address (#injects...), and a
// short note on a tab when it needs the White Cell.
import { $, setText } from '../lib/dom.js';
import { S } from './context.js';

const NAMES = ['run', 'injects', 'adjudication', 'messages', 'board', 'session', 'aar'];

function tabs() {
  return NAMES.map((n) => $(`tab-${n}`));
}

/** Shows panel `name`; with `focus`, moves the keyboard to its tab. */
export function showPanel(name, focus) {
  if (!NAMES.includes(name)) name = 'run';
  for (const n of NAMES) {
    const on = n === name;
    const tab = $(`tab-${n}`);
    tab.setAttribute('aria-selected', on ? 'true' : 'false');
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${n}`).hidden = !on;
  }
  if (focus) $(`tab-${name}`).focus();
  const hash = name === 'run' ? '' : `#${name}`;
  if (location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
}

export function wireTabs() {
  const list = tabs();
  for (const tab of list) {
    tab.addEventListener('click', () => showPanel(tab.id.slice(4)));
    tab.addEventListener('keydown', (e) => {
      const i = list.indexOf(tab);
      let j = -1;
      if (e.key === 'ArrowRight') j = (i + 1) % list.length;
      else if (e.key === 'ArrowLeft') j = (i - 1 + list.length) % list.length;
      else if (e.key === 'Home') j = 0;
      else if (e.key === 'End') j = list.length - 1;
      if (j < 0) return;
      e.preventDefault();
      showPanel(list[j].id.slice(4), true);
    });
  }
  showPanel(location.hash.slice(1));
}

/** What waits on the Injects and Adjudication tabs, in words next to their names. */
export function renderTabNotes() {
  const st = S.state;
  const turn = Math.max(1, st.turn);
  const pending = st.ended ? [] : pendingScript(st).filter((i) => i.turn === turn);
  setText($('tab-injects-note'), pending.length ? `(${pending.length} pending)` : '');
  const rolls = (st.pending || []).length;
  setText($('tab-adjudication-note'), st.phase === 'adjudication' ? `(${rolls} to review)` : '');
}

/** Scripted injects not fired or skipped yet whose condition holds now. */
export function pendingScript(st) {
  return (st.script || []).filter((i) => {
    const s = i.status && i.status.status;
    return s !== 'fired' && s !== 'skipped' && i.applies !== false;
  });
}
