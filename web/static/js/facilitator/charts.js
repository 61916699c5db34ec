// The Indicators over turns panel: one small SVG chart per indicator (the values at
// the end of each turn and where it stands now), and the flags.
import { el, svg, $, fill, drawIfChanged } from '../lib/dom.js';
import { trendOf, trendNode, renderFlags } from '../lib/board.js';
import { S } from './context.js';

function chart(def, st) {
  const W = 260;
  const H = 110;
  const L = 30;
  const R = 8;
  const T = 10;
  const B = 22;
  const maxTurn = Math.max(1, st.max_turns || 1);
  const min = Number(def.min);
  const max = Number(def.max);
  const span = Math.max(1, max - min);
  const x = (t) => L + (t / maxTurn) * (W - L - R);
  const y = (v) => T + (1 - (Number(v) - min) / span) * (H - T - B);
  const rows = (st.history || []).filter((h) => h.indicators[def.id] !== undefined);
  const pts = rows.map((r) => [r.turn, r.indicators[def.id]]);
  const now = st.indicators[def.id];
  const lastTurn = pts.length ? pts[pts.length - 1][0] : 0;
  const nowTurn = st.phase === 'lobby' ? 0 : st.turn;
  const g = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': `${def.name} over turns: ${pts.map(([t, v]) => `${t === 0 ? 'start' : `turn ${t}`} ${v}`).join(', ')}; now ${now}.`,
  });
  g.appendChild(svg('rect', { class: 'chart-bg', x: L, y: T, width: W - L - R, height: H - T - B }));
  for (const v of [min, Math.round((min + max) / 2), max]) {
    g.appendChild(svg('line', { class: 'chart-rule', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    g.appendChild(svg('text', { class: 'chart-label', x: L - 4, y: y(v) + 3, 'text-anchor': 'end' }, String(v)));
  }
  for (let t = 0; t <= maxTurn; t++) {
    g.appendChild(svg('text', { class: 'chart-label', x: x(t), y: H - 6, 'text-anchor': 'middle' }, t === 0 ? 'S' : String(t)));
  }
  if (pts.length) {
    g.appendChild(svg('polyline', { class: 'chart-line', points: pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ') }));
    for (const [t, v] of pts) g.appendChild(svg('circle', { class: 'chart-dot', cx: x(t), cy: y(v), r: 2.5 }));
  }
  if (nowTurn > lastTurn || (pts.length && Number(pts[pts.length - 1][1]) !== Number(now) && nowTurn >= lastTurn)) {
    const from = pts.length ? pts[pts.length - 1] : [0, now];
    const tx = Math.max(nowTurn, lastTurn);
    g.appendChild(svg('line', { class: 'chart-now-line', x1: x(from[0]), y1: y(from[1]), x2: x(tx), y2: y(now) }));
    g.appendChild(svg('rect', { class: 'chart-now', x: x(tx) - 3, y: y(now) - 3, width: 6, height: 6 }));
  }
  return el(
    'figure',
    { class: 'chart-card', dataset: { indicator: def.id } },
    el(
      'figcaption',
      null,
      el('span', { class: 'ind-name', text: def.name }),
      el('span', { class: 'ind-value' }, el('strong', { text: String(now) }), ` / ${max}`),
      trendNode(trendOf(st, def.id))
    ),
    g
  );
}

export function renderCharts() {
  const st = S.state;
  drawIfChanged('charts', [st.turn, st.phase, st.max_turns, st.indicators, st.history, !!st.ended], () =>
    fill($('chart-grid'), ...(S.sc.raw.indicators || []).map((d) => chart(d, st)))
  );
  drawIfChanged('flags', st.flags, () => renderFlags($('flags'), st, S.sc, { showOff: true }));
}
