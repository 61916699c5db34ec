// Injects and published outcomes as cards, explained in words.
import { el } from './dom.js';
import { listWords, plural, resultBadge, explainRoll, explainDetection, explainOverride } from './words.js';
import { teamName, effectsText, flagChangesText } from './scenario.js';

/** One inject as a card. opts.choices: the published outcomes this seat can see, so a
 *  follow-on event can name the outcome it follows from. */
export function injectCard(inj, sc, opts) {
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
export function outcomeCard(r, sc, opts) {
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
      { class: 'meta', text: `${r.stage} \u00b7 ${plural(r.cost, 'point')}${r.covert ? ' \u00b7 covert' : ''}` },
      r.bot ? el('span', { class: 'badge badge-bot', text: r.doctrine ? `bot choice \u00b7 ${r.doctrine}` : 'bot choice' }) : null
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
