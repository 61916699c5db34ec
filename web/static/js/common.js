// Shared helpers for every wargame page: DOM building, the HTTP API, local storage,
// the WebSocket connection with reconnect, and the words used to explain the game.
//
// Rules kept everywhere: text from people (names, rationales, notes, injects) only ever
// reaches the page through textContent / createTextNode; no remote URLs; no inline
// styles (the Content-Security-Policy forbids them).
'use strict';

const WG = (() => {
  // ---------------------------------------------------------------------------------
  // DOM
  // ---------------------------------------------------------------------------------

  const SVG_NS = 'http://www.w3.org/2000/svg';

  function append(node, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(node, child);
      else if (child instanceof Node) node.appendChild(child);
      else node.appendChild(document.createTextNode(String(child)));
    }
    return node;
  }

  function setProps(node, props) {
    if (!props) return node;
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.setAttribute('class', value);
      else if (key === 'text') node.textContent = String(value);
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') {
        node.addEventListener(key.slice(2), value);
      } else node.setAttribute(key, value === true ? '' : String(value));
    }
    return node;
  }

  /** el('p', {class: 'x'}, 'text', child, ...) */
  function el(tag, props, ...children) {
    return append(setProps(document.createElement(tag), props), children);
  }

  function svg(tag, props, ...children) {
    return append(setProps(document.createElementNS(SVG_NS, tag), props), children);
  }

  function $(id) {
    return document.getElementById(id);
  }

  function clear(node) {
    if (node) node.replaceChildren();
    return node;
  }

  function fill(node, ...children) {
    if (!node) return node;
    node.replaceChildren();
    return append(node, children);
  }

  const drawn = new Map();

  /** Redraws a part of the page only when the data it shows changed, so an open
   *  <details>, a half-typed note or a message next to a button survives the many
   *  events that do not concern it. */
  function drawIfChanged(part, data, fn) {
    const sig = signature(data);
    if (drawn.get(part) === sig) return false;
    drawn.set(part, sig);
    fn();
    return true;
  }

  /** JSON with object keys sorted: a snapshot (keys sorted by the server) and the same
   *  data built up from live events (keys in struct order) sign alike, so a fresh
   *  snapshot does not redraw a part whose content did not change. */
  function signature(data) {
    return JSON.stringify(data, (key, value) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.keys(value)
            .sort()
            .reduce((o, k) => {
              o[k] = value[k];
              return o;
            }, {})
        : value
    );
  }

  /** A render function that runs at most once per frame however many events arrive:
   *  publishing a turn sends a dozen events at once, and drawing the page for each of
   *  them kept phones busy for half a second. Hidden tabs get no animation frames, so a
   *  timer stands in for them there. */
  function renderer(fn) {
    let queued = false;
    const run = () => {
      if (!queued) return;
      queued = false;
      fn();
    };
    return () => {
      if (queued) return;
      queued = true;
      if (document.visibilityState === 'visible') window.requestAnimationFrame(run);
      window.setTimeout(run, 100);
    };
  }

  function show(node, visible) {
    if (node) node.hidden = !visible;
  }

  // ---------------------------------------------------------------------------------
  // Words
  // ---------------------------------------------------------------------------------

  const PHASES = {
    lobby: 'Lobby',
    briefing: 'Briefing',
    decision: 'Decision',
    adjudication: 'Adjudication',
    review: 'Review',
    ended: 'Ended',
  };

  const PHASE_HELP = {
    lobby: 'Waiting for the White Cell to start the game.',
    briefing: 'Read the briefing. The decision window opens next.',
    decision: 'The decision window is open: choose your actions and submit them.',
    adjudication: 'The decision window is closed. The White Cell is adjudicating.',
    review: 'The results of this turn are published.',
    ended: 'The session has ended.',
  };

  function phaseLabel(phase) {
    return PHASES[phase] || String(phase || '');
  }

  function turnLabel(state) {
    if (!state) return '';
    if (state.phase === 'lobby') return 'Before turn 1';
    const of = state.max_turns ? ` of ${state.max_turns}` : '';
    return `Turn ${state.turn}${of}`;
  }

  /** +3, −2 (a true minus sign), ±0 */
  function signed(n) {
    const v = Number(n) || 0;
    if (v > 0) return `+${v}`;
    if (v < 0) return `\u2212${Math.abs(v)}`;
    return '\u00b10';
  }

  function pad2(n) {
    return String(n).padStart(2, '0');
  }

  function clockTime(ms) {
    if (!ms) return '';
    const d = new Date(ms);
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  }

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    return h > 0 ? `${h}:${pad2(m)}:${pad2(sec)}` : `${m}:${pad2(sec)}`;
  }

  function ago(ms) {
    if (!ms) return 'never';
    const s = Math.round((clock.now() - ms) / 1000);
    if (s < 10) return 'just now';
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    return `at ${clockTime(ms)}`;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many || one + 's'}`;
  }

  function listWords(items) {
    const xs = items.filter(Boolean);
    if (xs.length <= 1) return xs.join('');
    return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
  }

  function resultWord(result) {
    return result === 'success' ? 'success' : 'failure';
  }

  /** A badge that says the result in words and a symbol, never by colour alone. */
  function resultBadge(result, extra) {
    const ok = result === 'success';
    return el(
      'span',
      { class: `badge ${ok ? 'badge-success' : 'badge-failure'}` },
      el('span', { 'aria-hidden': 'true', text: ok ? '\u2713 ' : '\u2717 ' }),
      ok ? 'Success' : 'Failure',
      extra ? ` ${extra}` : ''
    );
  }

  /** A modifier's reason as a sentence of its own: capital first letter, final full stop. */
  function sentence(reason) {
    const r = String(reason || '').trim();
    if (!r) return '';
    const cap = r[0].toUpperCase() + r.slice(1);
    return /[.!?]$/.test(cap) ? cap : `${cap}.`;
  }

  /** How the target was set, after the roll: "Base odds 60. −15: Reason (§5)." */
  function oddsWhy(base, modifiers, target) {
    const mods = modifiers || [];
    if (!mods.length) return '';
    const sum = Number(base) + mods.reduce((a, m) => a + Number(m.delta), 0);
    const parts = [`Base odds ${base}.`].concat(mods.map((m) => `${signed(m.delta)}: ${sentence(m.reason)}`));
    if (sum !== Number(target)) parts.push('Capped to the 0\u2013100 range.');
    return parts.join(' ');
  }

  /** "Needed 45 or less; rolled 38: success. Base odds 60. −15: Reason (§5)."
   *  The roll comes first; the modifiers follow as sentences of their own, so a reason
   *  keeps its own words, capitals and source in brackets. */
  function explainRoll(r) {
    const rolled = r.rolled || r.result;
    const why = oddsWhy(r.base, r.modifiers, r.target);
    const head = `Needed ${r.target} or less${why ? '' : ' (the base odds, no modifiers)'}; rolled ${r.roll}: ${resultWord(rolled)}.`;
    return why ? `${head} ${why}` : head;
  }

  function explainDetection(d) {
    if (!d) return '';
    const why = oddsWhy(d.base, d.modifiers, d.target);
    return (
      `Covert action. Detection: needed ${d.target} or less${why ? '' : ' (the base odds)'}; ` +
      `rolled ${d.roll}: ${d.detected ? 'detected \u2014 the other teams learn of it' : 'not detected'}.` +
      (why ? ` ${why}` : '')
    );
  }

  function explainOverride(r) {
    if (!r.overridden && !r.note) return '';
    if (r.overridden) {
      const why = r.note ? ` Reason: ${r.note}` : '';
      return `The White Cell overrode the dice: ${resultWord(r.rolled)} became ${resultWord(r.result)}.${why}`;
    }
    return r.note ? `White Cell note: ${r.note}` : '';
  }

  // ---------------------------------------------------------------------------------
  // Scenario
  // ---------------------------------------------------------------------------------

  const scenarioCache = new Map();

  async function loadScenario(id) {
    if (scenarioCache.has(id)) return scenarioCache.get(id);
    const s = await api('GET', `/api/scenarios/${encodeURIComponent(id)}`);
    const idx = {
      raw: s,
      indicators: new Map((s.indicators || []).map((i) => [i.id, i])),
      flags: new Map((s.flags || []).map((f) => [f.id, f])),
      teams: new Map((s.teams || []).map((t) => [t.id, t])),
      events: new Map((s.events || []).map((e) => [e.id, e])),
      options: new Map(),
    };
    for (const t of s.teams || []) {
      for (const o of t.options || []) idx.options.set(o.id, Object.assign({ team: t.id }, o));
    }
    scenarioCache.set(id, idx);
    return idx;
  }

  function indicatorName(sc, id) {
    const i = sc && sc.indicators.get(id);
    return i ? i.name : id;
  }

  function flagName(sc, id) {
    const f = sc && sc.flags.get(id);
    return f ? f.name : id;
  }

  function teamName(sc, id) {
    if (id === 'observer') return 'Observers';
    const t = sc && sc.teams.get(id);
    return t ? t.name : id;
  }

  function optionTitle(sc, id) {
    const o = sc && sc.options.get(id);
    return o ? o.title : id;
  }

  /** "Escalation ladder +1, Belarusian sovereignty −5" */
  function effectsText(sc, effects) {
    const parts = Object.entries(effects || {})
      .filter(([, d]) => Number(d) !== 0)
      .map(([id, d]) => `${indicatorName(sc, id)} ${signed(d)}`);
    return parts.join(', ');
  }

  function flagChangesText(sc, set, clearList) {
    const out = [];
    if (set && set.length) out.push(`Now in force: ${listWords(set.map((f) => flagName(sc, f)))}.`);
    if (clearList && clearList.length) {
      out.push(`No longer in force: ${listWords(clearList.map((f) => flagName(sc, f)))}.`);
    }
    return out.join(' ');
  }

  /** The value at the end of the last turn before the current one, for trends; once the
   *  session has ended, the start, so the final board shows what the whole game changed. */
  function baseline(state) {
    const rows = (state.history || []).filter((h) => (state.ended ? h.turn === 0 : h.turn < state.turn));
    if (!rows.length || state.turn === 0) return null;
    return rows.reduce((a, b) => (b.turn > a.turn ? b : a));
  }

  function trendOf(state, id) {
    const base = baseline(state);
    if (!base || base.indicators[id] === undefined) return null;
    return { delta: Number(state.indicators[id]) - Number(base.indicators[id]), turn: base.turn };
  }

  function trendNode(trend) {
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
  function bar(value, min, max, opts) {
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

  /** The indicator board: name, value, bar and trend in words. */
  function renderIndicators(container, state, sc, opts) {
    const o = opts || {};
    const items = [];
    const ids = sc ? (sc.raw.indicators || []).map((i) => i.id) : Object.keys(state.indicators || {});
    for (const id of ids) {
      if (!(id in (state.indicators || {}))) continue;
      const def = sc && sc.indicators.get(id);
      const value = state.indicators[id];
      const min = def ? def.min : 0;
      const max = def ? def.max : 100;
      const trend = trendOf(state, id);
      const ticks = id === 'escalation' ? [3, 5, 7] : null;
      const li = el(
        'li',
        { class: 'ind', dataset: { indicator: id } },
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
    fill(container, ...items);
  }

  /** Flags in force, in words with a symbol; the rest listed as not in force. */
  function renderFlags(container, state, sc, opts) {
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

  /** One inject as a card. opts.choices: the published outcomes this seat can see, so a
   *  follow-on event can name the outcome it follows from. */
  function injectCard(inj, sc, opts) {
    const o = opts || {};
    const meta = [];
    meta.push(`Turn ${inj.turn}`);
    if (inj.from) meta.push(`from ${inj.from}`);
    if (inj.to && inj.to.length) meta.push(`to ${listWords(inj.to.map((t) => teamName(sc, t)))} only`);
    if (inj.trigger) meta.push('triggered by the situation');
    if (inj.cause) {
      const c = o.choices && o.choices.find((x) => x.choice === inj.cause);
      meta.push(c ? `follows from ${teamName(sc, c.team)}: \u201c${c.title}\u201d` : 'follows from an outcome');
    }
    const eff = effectsText(sc, inj.effects);
    const flagsTxt = flagChangesText(sc, inj.set, inj.clear);
    return el(
      'article',
      { class: `card inject${o.fresh ? ' fresh' : ''}`, dataset: { inject: inj.id } },
      el('h4', { class: 'card-title', text: inj.title }),
      el('p', { class: 'meta', text: meta.join(' \u00b7 ') }),
      inj.text ? el('p', { class: 'inject-text', text: inj.text }) : null,
      eff ? el('p', { class: 'effects' }, el('span', { class: 'label', text: 'Effects: ' }), eff) : null,
      flagsTxt ? el('p', { class: 'effects', text: flagsTxt }) : null,
      inj.source ? el('p', { class: 'source', text: `Source: ${inj.source}` }) : null
    );
  }

  /** One published outcome, explained in words. */
  function outcomeCard(r, sc, opts) {
    const o = opts || {};
    const eff = effectsText(sc, r.effects);
    const flagsTxt = flagChangesText(sc, r.set, r.clear);
    const over = explainOverride(r);
    return el(
      'article',
      { class: `card outcome outcome-${r.result}${o.own ? ' own' : ''}`, dataset: { choice: r.choice } },
      el(
        'div',
        { class: 'card-head' },
        el(
          'h4',
          { class: 'card-title' },
          o.showTeam === false ? '' : el('span', { class: 'team-tag', text: teamName(sc, r.team) }),
          ` ${r.title}`
        ),
        resultBadge(r.result, r.overridden ? '(override)' : '')
      ),
      el(
        'p',
        { class: 'meta', text: `${r.stage} \u00b7 ${plural(r.cost, 'point')}${r.covert ? ' \u00b7 covert' : ''}` }
      ),
      el('p', { class: 'odds', text: explainRoll(r) }),
      over ? el('p', { class: 'override', text: over }) : null,
      r.detection ? el('p', { class: 'detection', text: explainDetection(r.detection) }) : null,
      r.text ? el('p', { class: 'narrative', text: r.text }) : null,
      eff ? el('p', { class: 'effects' }, el('span', { class: 'label', text: 'Effects: ' }), eff) : null,
      flagsTxt ? el('p', { class: 'effects', text: flagsTxt }) : null,
      r.rationale
        ? el('p', { class: 'rationale' }, el('span', { class: 'label', text: 'Rationale: ' }), r.rationale)
        : null
    );
  }

  // ---------------------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------------------

  async function api(method, path, body, token) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new Error('The server cannot be reached. Check the network connection, then try again.');
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const msg =
        (data && data.error && data.error.message) ||
        `The server answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}.`;
      const err = new Error(msg);
      err.code = data && data.error && data.error.code;
      err.status = res.status;
      throw err;
    }
    return data;
  }

  // ---------------------------------------------------------------------------------
  // Clock: countdowns use the server's time, not this device's.
  // ---------------------------------------------------------------------------------

  const clock = {
    offset: 0,
    now() {
      return Date.now() + this.offset;
    },
    async sync() {
      try {
        const t0 = Date.now();
        const res = await fetch('/healthz', { cache: 'no-store' });
        const date = res.headers.get('Date');
        if (date) {
          const server = Date.parse(date) + 500;
          const mid = (t0 + Date.now()) / 2;
          if (Number.isFinite(server)) this.offset = server - mid;
        }
      } catch (e) {
        /* keep the local clock */
      }
    },
    /** An event just arrived live: its timestamp is the server's now. */
    observe(at) {
      if (Number.isFinite(at)) this.offset = at - Date.now();
    },
  };

  function timerText(timer, state) {
    if (!timer || !timer.deadline) return '';
    if (state && (timer.turn !== state.turn || timer.phase !== state.phase)) return '';
    const left = (timer.deadline - clock.now()) / 1000;
    if (left <= 0) return 'Time is up';
    return `${duration(left)} left`;
  }

  // ---------------------------------------------------------------------------------
  // Local storage: facilitator keys and player seats stay on this device, never in URLs.
  // ---------------------------------------------------------------------------------

  const store = {
    get(key, fallback) {
      try {
        const v = localStorage.getItem(key);
        return v === null ? fallback : JSON.parse(v);
      } catch (e) {
        return fallback;
      }
    },
    set(key, value) {
      try {
        localStorage.setItem(key, JSON.stringify(value));
        return true;
      } catch (e) {
        return false;
      }
    },
    remove(key) {
      try {
        localStorage.removeItem(key);
      } catch (e) {
        /* ignore */
      }
    },
    facSessions() {
      const list = this.get('wargame.facilitator', []);
      return Array.isArray(list) ? list : [];
    },
    facSession(id) {
      return this.facSessions().find((s) => s.session_id === id) || null;
    },
    saveFacSession(rec) {
      const list = this.facSessions().filter((s) => s.session_id !== rec.session_id);
      list.unshift(Object.assign({ saved_at: Date.now() }, rec));
      return this.set('wargame.facilitator', list);
    },
    forgetFacSession(id) {
      this.set(
        'wargame.facilitator',
        this.facSessions().filter((s) => s.session_id !== id)
      );
    },
    seats() {
      const list = this.get('wargame.seats', []);
      return Array.isArray(list) ? list : [];
    },
    /** role: 'team' or 'observer' */
    seat(sessionId, role) {
      return (
        this.seats().find(
          (s) => s.session_id === sessionId && (s.team === 'observer') === (role === 'observer')
        ) || null
      );
    },
    latestSeat(role) {
      return this.seats().find((s) => (s.team === 'observer') === (role === 'observer')) || null;
    },
    saveSeat(rec) {
      const isObs = rec.team === 'observer';
      const list = this.seats().filter(
        (s) => !(s.session_id === rec.session_id && (s.team === 'observer') === isObs)
      );
      list.unshift(Object.assign({ saved_at: Date.now() }, rec));
      return this.set('wargame.seats', list.slice(0, 50));
    },
    forgetSeat(sessionId, role) {
      this.set(
        'wargame.seats',
        this.seats().filter(
          (s) => !(s.session_id === sessionId && (s.team === 'observer') === (role === 'observer'))
        )
      );
    },
  };

  /** A console key: lets a facilitator open their console on another device. */
  function encodeKey(sessionId, token, joinCode) {
    const obj = { s: sessionId, t: token };
    if (joinCode) obj.c = joinCode;
    const bytes = new TextEncoder().encode(JSON.stringify(obj));
    const b64 = btoa(String.fromCharCode(...bytes));
    return `wg1.${b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
  }

  function decodeKey(key) {
    const k = String(key || '').trim();
    if (!k.startsWith('wg1.')) return null;
    try {
      let b64 = k.slice(4).replace(/-/g, '+').replace(/_/g, '/');
      while (b64.length % 4) b64 += '=';
      const bin = atob(b64);
      const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      const obj = JSON.parse(new TextDecoder().decode(bytes));
      if (typeof obj.s === 'string' && typeof obj.t === 'string' && obj.s && obj.t) {
        return { session_id: obj.s, token: obj.t, join_code: typeof obj.c === 'string' ? obj.c : '' };
      }
    } catch (e) {
      return null;
    }
    return null;
  }

  /** This server's address as players on other devices should type it, or '' when this
   *  page was opened on the server's own machine (localhost, 127.x), an address that
   *  means nothing on a player's phone. */
  function publicHost() {
    const h = location.hostname;
    if (h === 'localhost' || h === '::1' || h === '[::1]' || /^127\./.test(h)) return '';
    return location.host;
  }

  function param(name) {
    return new URLSearchParams(location.search).get(name);
  }

  // ---------------------------------------------------------------------------------
  // Announcements for screen readers, and readable problems for everyone
  // ---------------------------------------------------------------------------------

  function announce(text) {
    const region = $('announcer');
    if (!region || !text) return;
    // Replace, so the same words twice are still read.
    region.textContent = '';
    window.setTimeout(() => {
      region.textContent = text;
    }, 50);
  }

  /** Shows a problem in the page's alert box (role=alert), with a close button. */
  function problem(text) {
    const box = $('problems');
    if (!box) return;
    const item = el(
      'div',
      { class: 'problem' },
      el('span', { class: 'problem-icon', 'aria-hidden': 'true', text: '\u26a0 ' }),
      el('span', { class: 'problem-text', text }),
      el('button', {
        type: 'button',
        class: 'link-button',
        text: 'Dismiss',
        onclick: () => item.remove(),
      })
    );
    box.appendChild(item);
    while (box.children.length > 3) box.firstChild.remove();
  }

  /** Shows a short confirmation next to a control. kind: ok | error | busy */
  function feedback(node, kind, text) {
    if (!node) return;
    node.className = `feedback feedback-${kind}`;
    node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    const icon = kind === 'ok' ? '\u2713 ' : kind === 'error' ? '\u26a0 ' : '\u2026 ';
    fill(node, el('span', { 'aria-hidden': 'true', text: icon }), text);
  }

  // ---------------------------------------------------------------------------------
  // WebSocket connection with automatic reconnect
  // ---------------------------------------------------------------------------------

  const STATUS_TEXT = {
    connecting: ['\u25cc', 'Connecting\u2026'],
    connected: ['\u25cf', 'Connected'],
    reconnecting: ['\u21bb', 'Connection lost'],
    offline: ['\u2717', 'Offline'],
    rejected: ['\u2717', 'Not accepted'],
  };

  /** The connection badge, always visible in the page header. */
  function statusBadge(node, onRetry) {
    return (state, detail) => {
      if (!node) return;
      const [icon, words] = STATUS_TEXT[state] || ['?', state];
      node.className = `conn conn-${state}`;
      const kids = [
        el('span', { class: 'conn-icon', 'aria-hidden': 'true', text: icon }),
        ' ',
        el('span', { class: 'conn-text', text: words }),
      ];
      if (detail) kids.push(el('span', { class: 'conn-detail', text: ` \u2014 ${detail}` }));
      if ((state === 'reconnecting' || state === 'offline') && onRetry) {
        kids.push(' ', el('button', { type: 'button', class: 'link-button', text: 'Retry now', onclick: onRetry }));
      }
      fill(node, ...kids);
    };
  }

  class Connection {
    /**
     * opts: token, onSnapshot(frame), onEvent(frame), onPresence(frame),
     *       onStatus(state, detail), onRejected(message), onProblem(message)
     */
    constructor(opts) {
      this.opts = opts;
      this.ws = null;
      this.attempt = 0;
      this.pending = new Map();
      this.refCounter = 0;
      this.authed = false;
      this.stopped = false;
      this.reconnectTimer = null;
      this.countdownTimer = null;
      this.pingTimer = null;
      this.pongTimer = null;
      this.refreshTimer = null;
      this.refreshDebounce = null;
      window.addEventListener('online', () => this.retryNow());
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible' && !this.isOpen()) this.retryNow();
      });
    }

    isOpen() {
      return this.ws && this.ws.readyState === WebSocket.OPEN;
    }

    status(state, detail) {
      if (this.opts.onStatus) this.opts.onStatus(state, detail);
    }

    start() {
      this.stopped = false;
      this.connect();
    }

    stop() {
      this.stopped = true;
      this.clearTimers();
      if (this.ws) this.ws.close();
    }

    clearTimers() {
      for (const t of ['reconnectTimer', 'pingTimer', 'pongTimer', 'refreshTimer']) {
        if (this[t]) window.clearTimeout(this[t]);
        this[t] = null;
      }
      if (this.countdownTimer) window.clearInterval(this.countdownTimer);
      this.countdownTimer = null;
    }

    retryNow() {
      if (this.stopped || this.isOpen()) return;
      this.clearTimers();
      this.connect();
    }

    connect() {
      if (this.stopped) return;
      this.clearTimers();
      this.authed = false;
      this.status(this.attempt === 0 ? 'connecting' : 'reconnecting', this.attempt ? 'trying again\u2026' : '');
      const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
      let ws;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      ws.addEventListener('open', () => {
        if (this.ws !== ws) return;
        this.sendRaw({ type: 'auth', token: this.opts.token });
        this.schedulePing();
      });
      ws.addEventListener('message', (msg) => {
        if (this.ws !== ws) return;
        let frame;
        try {
          frame = JSON.parse(msg.data);
        } catch (e) {
          return;
        }
        this.handle(frame);
      });
      ws.addEventListener('close', (ev) => {
        if (this.ws !== ws) return;
        this.ws = null;
        this.failPending('The connection dropped before the server confirmed this; check whether it took effect.');
        if (this.stopped) return;
        if (ev.code === 4001 || ev.code === 4003) {
          this.reject(ev.reason || 'The server did not accept this key.');
          return;
        }
        this.scheduleReconnect();
      });
      ws.addEventListener('error', () => {
        /* close follows */
      });
    }

    reject(message) {
      this.stopped = true;
      this.clearTimers();
      this.status('rejected', message);
      if (this.opts.onRejected) this.opts.onRejected(message);
      if (this.ws) this.ws.close();
    }

    scheduleReconnect() {
      if (this.stopped) return;
      this.attempt += 1;
      const base = Math.min(30000, 1000 * 2 ** Math.min(this.attempt - 1, 5));
      const delay = Math.round(base * (0.6 + Math.random() * 0.4));
      const due = Date.now() + delay;
      const offline = navigator.onLine === false;
      const tick = () => {
        const s = Math.max(0, Math.ceil((due - Date.now()) / 1000));
        this.status(offline ? 'offline' : 'reconnecting', `reconnecting in ${s} s`);
      };
      tick();
      this.countdownTimer = window.setInterval(tick, 1000);
      this.reconnectTimer = window.setTimeout(() => this.connect(), delay);
    }

    schedulePing() {
      if (this.pingTimer) window.clearTimeout(this.pingTimer);
      this.pingTimer = window.setTimeout(() => {
        if (!this.isOpen()) return;
        this.sendRaw({ type: 'ping', ref: `ping${++this.refCounter}` });
        this.pongTimer = window.setTimeout(() => {
          // No answer: the link is dead even if the socket looks open.
          if (this.ws) this.ws.close();
        }, 10000);
        this.schedulePing();
      }, 20000);
    }

    sendRaw(obj) {
      if (!this.isOpen()) return false;
      this.ws.send(JSON.stringify(obj));
      return true;
    }

    /** Sends a command; resolves with the ack (or preview) frame, rejects with a readable Error. */
    send(cmd) {
      return new Promise((resolve, reject) => {
        if (!this.isOpen() || !this.authed) {
          reject(new Error('Not connected to the server, so this was not sent. Try again when the status shows Connected.'));
          return;
        }
        const ref = `r${++this.refCounter}`;
        const timer = window.setTimeout(() => {
          if (this.pending.delete(ref)) {
            reject(new Error('The server did not confirm this within 20 seconds; check whether it took effect.'));
          }
        }, 20000);
        this.pending.set(ref, { resolve, reject, timer });
        this.sendRaw(Object.assign({}, cmd, { ref }));
      });
    }

    failPending(message) {
      for (const [, p] of this.pending) {
        window.clearTimeout(p.timer);
        p.reject(new Error(message));
      }
      this.pending.clear();
    }

    /** Asks for a fresh snapshot on the open socket (re-auth); reconnects if none comes. */
    refresh() {
      if (this.refreshDebounce) window.clearTimeout(this.refreshDebounce);
      this.refreshDebounce = window.setTimeout(() => {
        this.refreshDebounce = null;
        if (!this.isOpen()) return;
        this.sendRaw({ type: 'auth', token: this.opts.token });
        if (this.refreshTimer) window.clearTimeout(this.refreshTimer);
        this.refreshTimer = window.setTimeout(() => {
          if (this.ws) this.ws.close();
        }, 8000);
      }, 250);
    }

    handle(frame) {
      switch (frame.type) {
        case 'snapshot':
          this.authed = true;
          this.attempt = 0;
          if (this.refreshTimer) window.clearTimeout(this.refreshTimer);
          this.refreshTimer = null;
          if (this.countdownTimer) window.clearInterval(this.countdownTimer);
          this.countdownTimer = null;
          this.status('connected', '');
          if (this.opts.onSnapshot) this.opts.onSnapshot(frame);
          break;
        case 'event':
          if (this.opts.onEvent) this.opts.onEvent(frame);
          break;
        case 'presence':
          if (this.opts.onPresence) this.opts.onPresence(frame);
          break;
        case 'pong':
          if (this.pongTimer) window.clearTimeout(this.pongTimer);
          this.pongTimer = null;
          break;
        case 'ack':
        case 'preview':
        case 'error': {
          const p = frame.ref !== undefined ? this.pending.get(frame.ref) : null;
          if (p) {
            this.pending.delete(frame.ref);
            window.clearTimeout(p.timer);
            if (frame.type === 'error') {
              const err = new Error(frame.message || `The server refused this (${frame.code}).`);
              err.code = frame.code;
              p.reject(err);
            } else p.resolve(frame);
          } else if (frame.type === 'error') {
            if (!this.authed) {
              this.reject(frame.message || 'The server did not accept this key.');
            } else if (this.opts.onProblem) {
              this.opts.onProblem(frame.message || `The server reported a problem (${frame.code}).`);
            }
          }
          break;
        }
        default:
          break;
      }
    }
  }

  /** Standard page wiring: a badge in #conn, problems to #problems. */
  function connect(token, handlers) {
    let conn;
    const badge = statusBadge($('conn'), () => conn && conn.retryNow());
    conn = new Connection(
      Object.assign(
        {
          token,
          onStatus: badge,
          onProblem: (m) => problem(m),
        },
        handlers
      )
    );
    conn.start();
    return conn;
  }

  /** Downloads a blob as a file. */
  function download(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: filename, class: 'sr-only', text: filename });
    document.body.appendChild(a);
    a.click();
    window.setTimeout(() => {
      URL.revokeObjectURL(url);
      a.remove();
    }, 1000);
  }

  return {
    SVG_NS,
    el,
    svg,
    $,
    clear,
    fill,
    show,
    append,
    drawIfChanged,
    renderer,
    phaseLabel,
    turnLabel,
    PHASE_HELP,
    signed,
    clockTime,
    duration,
    ago,
    plural,
    listWords,
    resultBadge,
    explainRoll,
    explainDetection,
    explainOverride,
    loadScenario,
    indicatorName,
    flagName,
    teamName,
    optionTitle,
    effectsText,
    flagChangesText,
    baseline,
    trendOf,
    trendNode,
    bar,
    renderIndicators,
    renderFlags,
    injectCard,
    outcomeCard,
    api,
    clock,
    timerText,
    store,
    encodeKey,
    decodeKey,
    publicHost,
    param,
    announce,
    problem,
    feedback,
    statusBadge,
    Connection,
    connect,
    download,
  };
})();
