// The scenario, loaded once per page and indexed by id, and the names it gives things.
import { api } from './api.js';
import { signed, listWords } from './words.js';

const scenarioCache = new Map();

export async function loadScenario(id) {
  if (scenarioCache.has(id)) return scenarioCache.get(id);
  const s = await api('GET', `/api/scenarios/${encodeURIComponent(id)}`);
  const idx = {
    raw: s,
    indicators: new Map((s.indicators || []).map((i) => [i.id, i])),
    flags: new Map((s.flags || []).map((f) => [f.id, f])),
    teams: new Map((s.teams || []).map((t) => [t.id, t])),
    events: new Map((s.events || []).map((e) => [e.id, e])),
    options: new Map(),
    channels: new Map((s.channels || []).map((c) => [c.id, c])),
    agreements: new Map((s.agreements || []).map((a) => [a.id, a])),
  };
  for (const t of s.teams || []) {
    for (const o of t.options || []) idx.options.set(o.id, Object.assign({ team: t.id }, o));
  }
  scenarioCache.set(id, idx);
  return idx;
}

export function indicatorName(sc, id) {
  const i = sc && sc.indicators.get(id);
  return i ? i.name : id;
}

export function flagName(sc, id) {
  const f = sc && sc.flags.get(id);
  return f ? f.name : id;
}

export function teamName(sc, id) {
  if (id === 'observer') return 'Observers';
  const t = sc && sc.teams.get(id);
  return t ? t.name : id;
}

export function optionTitle(sc, id) {
  const o = sc && sc.options.get(id);
  return o ? o.title : id;
}

/** "Escalation ladder +1, Belarusian sovereignty −5" */
export function effectsText(sc, effects) {
  const parts = Object.entries(effects || {})
    .filter(([, d]) => Number(d) !== 0)
    .map(([id, d]) => `${indicatorName(sc, id)} ${signed(d)}`);
  return parts.join(', ');
}

export function flagChangesText(sc, set, clearList) {
  const out = [];
  if (set && set.length) out.push(`Now in force: ${listWords(set.map((f) => flagName(sc, f)))}.`);
  if (clearList && clearList.length) {
    out.push(`No longer in force: ${listWords(clearList.map((f) => flagName(sc, f)))}.`);
  }
  return out.join(' ');
}
