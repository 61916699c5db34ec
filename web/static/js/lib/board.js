// The indicator board (values, bars, trends in words) and the flags in force. On a
// phone the team's board shows only what moved since the last turn, with a button to
// show the rest (the CSS folds `.ind-same` below 1000 px; the projector's large board
// never folds).
import { el, svg, fill } from './dom.js';
import { flagName } from './scenario.js';

/** The value at the end of the last turn before the current one, for trends; once the
 *  session has ended, the start, so the final board shows what the whole game changed. */
export function baseline(state) {
  const rows = (state.history || []).filter((h) => (state.ended ? h.turn === 0 : h.turn < state.turn));
  if (!rows.length || state.turn === 0) return null;
  return rows.reduce((a, b) => (b.turn > a.turn ? b : a));
}

export function trendOf(state, id) {
  const base = baseline(state);
  if (!base || base.indicators[id] === undefined) return null;
  return { delta: Number(state.indicators[id]) - Number(base.indicators[id]), turn: base.turn };
}

export function trendNode(trend) {
  if (!trend) return el('span', { class: 'trend trend-none', text: 'starting value' });
  const { delta, turn } = trend;
  const since = turn === 0 ? 'since the start' : `since turn ${turn}`;
  const arrow = delta > 0 ? '\u25b2' : delta < 0 ? '\u25bc' : '=';
  const cls = delta > 0 ? 'trend-up' : delta < 0 ? 'trend-down' : 'trend-flat';
  const words = delta === 0 ? `no change ${since}` : `${delta > 0 ? 'up' : 'down'} ${Math.abs(delta)} ${since}`;
  return el(
    'span',
    { class: `trend ${cls}` },
    el('span', { class: 'arrow', 'aria-hidden': 'true', text: arrow }),
    ` ${words}`
  );
}

/** A horizontal bar drawn in SVG (no inline styles allowed). */
export function bar(value, min, max, opts) {
  const w = 100;
  const span = Math.max(1, Number(max) - Number(min));
  const frac = Math.min(1, Math.max(0, (Number(value) - Number(min)) / span));
  const g = svg(
    'svg',
    {
      class: `bar ${(opts && opts.class) || ''}`,
      viewBox: `0 0 ${w} 8`,
      preserveAspectRatio: 'none',
      'aria-hidden': 'true',
      focusable: 'false',
    },
    svg('rect', { class: 'bar-track', x: 0, y: 0, width: w, height: 8 }),
    svg('rect', { class: 'bar-fill', x: 0, y: 0, width: (frac * w).toFixed(2), height: 8 })
  );
  if (opts && opts.ticks) {
    for (const t of opts.ticks) {
      const x = ((t - min) / span) * w;
      g.appendChild(svg('rect', { class: 'bar-tick', x: x.toFixed(2), y: 0, width: 0.6, height: 8 }));
    }
  }
  return g;
}

let showAll = false; // the phone board's "show all", kept across redraws

/** The indicator board: name, value, bar and trend in words. */
export function renderIndicators(container, state, sc, opts) {
  const o = opts || {};
  const items = [];
  let same = 0;
  const ids = sc ? (sc.raw.indicators || []).map((i) => i.id) : Object.keys(state.indicators || {});
  for (const id of ids) {
    if (!(id in (state.indicators || {}))) continue;
    const def = sc && sc.indicators.get(id);
    const value = state.indicators[id];
    const min = def ? def.min : 0;
    const max = def ? def.max : 100;
    const trend = trendOf(state, id);
    const ticks = id === 'escalation' ? [3, 5, 7] : null;
    const moved = !trend || trend.delta !== 0;
    if (!moved) same += 1;
    const li = el(
      'li',
      { class: `ind ${moved ? 'ind-changed' : 'ind-same'}`, dataset: { indicator: id } },
      el(
        'div',
        { class: 'ind-head' },
        el('span', { class: 'ind-name', text: def ? def.name : id }),
        el('span', { class: 'ind-value' }, el('strong', { text: String(value) }), ` / ${max}`)
      ),
      bar(value, min, max, { ticks }),
      trendNode(trend)
    );
    if (o.descriptions && def && def.description) {
      li.appendChild(
        el(
          'details',
          { class: 'ind-about' },
          el('summary', { text: 'What this measures' }),
          el('p', { text: def.description }),
          def.source ? el('p', { class: 'source', text: `Source: ${def.source}` }) : null
        )
      );
    }
    items.push(li);
  }
  const foldable = same > 0 && !container.classList.contains('large');
  container.classList.toggle('folded', foldable && !showAll);
  if (foldable) {
    const base = baseline(state);
    const since = base && base.turn > 0 ? `since turn ${base.turn}` : 'since the start';
    const btn = el('button', {
      type: 'button',
      class: 'link-button',
      'aria-expanded': showAll ? 'true' : 'false',
      text: showAll ? 'Show only what changed' : `Show all ${items.length} indicators (${same} unchanged ${since})`,
    });
    btn.addEventListener('click', () => {
      showAll = !showAll;
      renderIndicators(container, state, sc, opts);
      const again = container.querySelector('.ind-toggle button');
      if (again) again.focus();
    });
    const note = same === items.length ? el('span', { class: 'muted', text: `No indicator changed ${since}. ` }) : null;
    items.push(el('li', { class: 'ind-toggle' }, note, btn));
  }
  fill(container, ...items);
}

/** Flags in force, in words with a symbol; the rest listed as not in force. */
export function renderFlags(container, state, sc, opts) {
  const o = opts || {};
  const flags = state.flags || {};
  // Only the flags this seat may see are in the snapshot (secret flags are not).
  const ids = (sc ? (sc.raw.flags || []).map((f) => f.id) : Object.keys(flags)).filter((id) => id in flags);
  const on = ids.filter((id) => flags[id]);
  const off = ids.filter((id) => !flags[id]);
  const nodes = [];
  if (on.length) {
    nodes.push(
      el(
        'ul',
        { class: 'flags flags-on' },
        on.map((id) => {
          const def = sc && sc.flags.get(id);
          return el(
            'li',
            { class: 'flag flag-on', dataset: { flag: id } },
            el('span', { class: 'flag-mark', 'aria-hidden': 'true', text: '\u25cf ' }),
            el('span', { class: 'sr-only', text: 'In force: ' }),
            def ? def.name : id,
            def && def.lapses ? el('span', { class: 'muted', text: ' (lapses)' }) : null
          );
        })
      )
    );
  } else {
    nodes.push(el('p', { class: 'muted', text: 'No flags are in force.' }));
  }
  if (o.showOff && off.length) {
    nodes.push(
      el(
        'details',
        { class: 'flags-off' },
        el('summary', { text: `Not in force (${off.length})` }),
        el(
          'ul',
          { class: 'flags' },
          off.map((id) =>
            el(
              'li',
              { class: 'flag flag-off' },
              el('span', { 'aria-hidden': 'true', text: '\u25cb ' }),
              flagName(sc, id)
            )
          )
        )
      )
    );
  }
  fill(container, ...nodes);
}
