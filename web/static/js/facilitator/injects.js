// The Injects panel: the scripted injects (MSEL) of this turn and of the whole game,
// catalog events and custom injects with their recipients, and the log of injects sent.
import { el, $, fill, setText, drawIfChanged, keepFocus } from '../lib/dom.js';
import { feedback } from '../lib/notify.js';
import { plural, listWords } from '../lib/words.js';
import { indicatorName, teamName, effectsText, flagChangesText } from '../lib/scenario.js';
import { injectCard } from '../lib/cards.js';
import { S, run } from './context.js';

/** "Send to": everyone (the default, said in so many words) or only the teams ticked.
 *  Ticking a team chooses "only these teams"; choosing everyone clears the ticks. */
function recipients(fieldset, prefix) {
  const legend = fieldset.querySelector('legend');
  const all = el('input', { type: 'radio', name: `${prefix}-scope`, id: `${prefix}-all`, value: 'all', checked: true });
  const some = el('input', { type: 'radio', name: `${prefix}-scope`, id: `${prefix}-some`, value: 'some' });
  const boxes = (S.sc.raw.teams || []).map((t) =>
    el('input', { type: 'checkbox', id: `${prefix}-${t.id}`, value: t.id, dataset: { team: t.id } })
  );
  const sync = () => {
    for (const b of boxes) b.closest('.check').classList.toggle('dim', all.checked);
  };
  all.addEventListener('change', () => {
    for (const b of boxes) b.checked = false;
    sync();
  });
  some.addEventListener('change', sync);
  for (const b of boxes) {
    b.addEventListener('change', () => {
      if (b.checked) some.checked = true;
      else if (!boxes.some((x) => x.checked)) all.checked = true;
      sync();
    });
  }
  fill(
    fieldset,
    legend,
    el(
      'div',
      { class: 'scope' },
      el('span', { class: 'check' }, all, el('label', { for: all.id, text: 'Everyone (every team and the public display)' })),
      el('span', { class: 'check' }, some, el('label', { for: some.id, text: 'Only these teams:' }))
    ),
    el(
      'div',
      { class: 'scope-teams' },
      boxes.map((b, i) =>
        el('span', { class: 'check' }, b, el('label', { for: b.id, text: S.sc.raw.teams[i].name }))
      )
    )
  );
  sync();
}

/** The teams picked, [] for everyone, or null when "only these teams" has none ticked. */
function pickedRecipients(fieldset) {
  const some = fieldset.querySelector('input[type=radio][value=some]');
  const teams = Array.from(fieldset.querySelectorAll('input[type=checkbox]:checked')).map((i) => i.value);
  if (some && some.checked && !teams.length) return null;
  return teams;
}

function resetRecipients(fieldset) {
  const all = fieldset.querySelector('input[type=radio][value=all]');
  if (all) {
    all.checked = true;
    all.dispatchEvent(new Event('change'));
  }
}

/** Back to a blank form: after a send, and when a new turn begins. */
function resetCatalog() {
  $('catalog-event').value = '';
  resetRecipients($('catalog-to'));
  $('catalog-repeat').hidden = true;
  describeCatalog();
}

function resetCustom() {
  $('custom-form').reset();
  for (const d of $('custom-form').querySelectorAll('details')) d.open = false;
  resetRecipients($('custom-to'));
  $('custom-repeat').hidden = true;
}

let formsTurn = null;
/** A new turn starts with blank inject forms (and no stale messages under them). */
export function resetInjectFormsOnTurn() {
  const turn = S.state.turn;
  if (formsTurn === null) {
    formsTurn = turn;
    return;
  }
  if (turn === formsTurn) return;
  formsTurn = turn;
  resetCatalog();
  resetCustom();
  fill($('catalog-feedback'));
  fill($('custom-feedback'));
}

/** The injects already sent that `match` picks, newest first. */
function sentBefore(match) {
  return (S.state.injects || []).filter(match).sort((a, b) => b.turn - a.turn);
}

function askRepeat(prefix, text) {
  setText($(`${prefix}-repeat-text`), text);
  $(`${prefix}-repeat`).hidden = false;
  $(`${prefix}-repeat-yes`).focus();
}

/** The catalog and custom-inject forms, built once per scenario. */
export function buildInjectForms() {
  const events = S.sc.raw.events || [];
  fill(
    $('catalog-event'),
    el('option', { value: '', text: 'Choose an event\u2026' }),
    ...events.map((e) => el('option', { value: e.id, text: e.title }))
  );
  recipients($('catalog-to'), 'cat-to');
  recipients($('custom-to'), 'cus-to');
  fill(
    $('custom-effects'),
    ...(S.sc.raw.indicators || []).map((i) =>
      el(
        'div',
        { class: 'effect-input' },
        el('label', { for: `eff-${i.id}`, text: i.name }),
        el('input', {
          type: 'number',
          id: `eff-${i.id}`,
          dataset: { indicator: i.id },
          min: -100,
          max: 100,
          step: 1,
          inputmode: 'numeric',
          placeholder: '0',
          'aria-describedby': `eff-${i.id}-range`,
        }),
        el('span', { class: 'hint', id: `eff-${i.id}-range`, text: `range ${i.min}\u2013${i.max}` })
      )
    )
  );
}

function describeCatalog() {
  const e = S.sc && S.sc.events.get($('catalog-event').value);
  if (!e) {
    fill($('catalog-detail'));
    return;
  }
  const eff = effectsText(S.sc, e.effects);
  const flags = flagChangesText(S.sc, e.set, e.clear);
  fill(
    $('catalog-detail'),
    e.text || '',
    eff ? ` Effects: ${eff}.` : '',
    flags ? ` ${flags}` : '',
    e.source ? ` Source: ${e.source}.` : ''
  );
}

function scriptItem(item, st) {
  const status = item.status && item.status.status;
  const done = status === 'fired' || status === 'skipped';
  const blocked = st.phase === 'adjudication' || !!st.ended;
  const to = item.to && item.to.length ? listWords(item.to.map((t) => teamName(S.sc, t))) : 'everyone';
  const fb = el('p', { class: 'feedback', role: 'status' });
  return el(
    'article',
    { class: `card script${done ? ' done' : ''}`, dataset: { script: item.id } },
    el(
      'div',
      { class: 'card-head' },
      el('h4', { class: 'card-title', text: item.title }),
      el(
        'span',
        { class: `badge ${status === 'fired' ? 'badge-success' : status === 'skipped' ? 'badge-muted' : 'badge-pending'}` },
        status === 'fired' ? '\u2713 Fired' : status === 'skipped' ? '\u2013 Skipped' : 'Pending'
      )
    ),
    el('p', { class: 'meta', text: `Turn ${item.turn} \u00b7 from ${item.from || 'White Cell'} to ${to}` }),
    item.text ? el('p', { text: item.text }) : null,
    item.expected_action ? el('p', { class: 'hint', text: `Expected action: ${item.expected_action}` }) : null,
    item.condition
      ? el('p', { class: 'hint' }, `Only if ${item.condition}: `, el('strong', { text: item.applies === false ? 'not so now' : 'holds now' }))
      : null,
    done
      ? null
      : el(
          'div',
          { class: 'inline' },
          el('button', {
            type: 'button',
            class: 'secondary small',
            text: 'Fire',
            disabled: blocked,
            'aria-label': `Fire scripted inject: ${item.title}`,
            onclick: () => run(fb, 'Firing\u2026', { type: 'inject', script: item.id }, `Fired \u201c${item.title}\u201d.`),
          }),
          el('button', {
            type: 'button',
            class: 'link-button small',
            text: 'Skip',
            disabled: !!st.ended,
            'aria-label': `Skip scripted inject: ${item.title}`,
            onclick: () => run(fb, 'Skipping\u2026', { type: 'skip', script: item.id }, `Skipped \u201c${item.title}\u201d.`),
          })
        ),
    fb
  );
}

export function renderInjects() {
  const st = S.state;
  const script = st.script || [];
  const turn = Math.max(1, st.turn);
  const now = script.filter((i) => i.turn === turn);
  // The lists depend on the phase only through whether firing is blocked: a new phase
  // that changes nothing here redraws nothing.
  const blocked = st.phase === 'adjudication' || !!st.ended;
  drawIfChanged('script', [blocked, st.turn, !!st.ended, script], () => keepFocus(() => {
    fill(
      $('script-list'),
      ...(now.length ? now.map((i) => scriptItem(i, st)) : [el('p', { class: 'muted', text: `Nothing is scripted for turn ${turn}.` })])
    );
    fill(
      $('script-all-list'),
      ...(script.length ? script.map((i) => scriptItem(i, st)) : [el('p', { class: 'muted', text: 'This scenario has no script.' })])
    );
  }));
  // This turn's injects in full; earlier turns folded, so the panels below (charts,
  // notes, export) stay within reach in the last turns of a long game.
  const injects = (st.injects || []).slice().reverse();
  const turnNow = Math.max(0, st.turn);
  const current = injects.filter((i) => i.turn === turnNow);
  const earlier = injects.filter((i) => i.turn !== turnNow);
  const card = (i) => injectCard(i, S.sc, { choices: st.choices });
  drawIfChanged('inject-log', [turnNow, injects, (st.choices || []).length], () =>
    fill(
      $('inject-log'),
      ...(current.length
        ? current.map(card)
        : [el('p', { class: 'muted', text: turnNow ? `No injects yet in turn ${turnNow}.` : 'No injects yet.' })]),
      earlier.length
        ? el(
            'details',
            { class: 'turn-history' },
            el('summary', { text: `Earlier turns (${plural(earlier.length, 'inject')})` }),
            earlier.map(card)
          )
        : null
    )
  );
}

async function fireCatalog(ev, again) {
  if (ev) ev.preventDefault();
  const fb = $('catalog-feedback');
  const id = $('catalog-event').value;
  if (!id) {
    feedback(fb, 'error', 'Choose an event from the catalog first.');
    $('catalog-event').focus();
    return;
  }
  const to = pickedRecipients($('catalog-to'));
  if (to === null) {
    feedback(fb, 'error', 'Tick at least one team, or choose Everyone.');
    $('cat-to-some').focus();
    return;
  }
  const title = (S.sc.events.get(id) || {}).title || id;
  const earlier = sentBefore((i) => i.event === id);
  if (earlier.length && !again) {
    askRepeat('catalog', `\u201c${title}\u201d was already fired in turn ${earlier[0].turn}${earlier.length > 1 ? ` (${earlier.length} times in all)` : ''}. Its effects apply again if you fire it again.`);
    return;
  }
  $('catalog-repeat').hidden = true;
  const cmd = { type: 'inject', event: id };
  if (to.length) cmd.to = to;
  if (await run(fb, 'Injecting\u2026', cmd, `Injected \u201c${title}\u201d${to.length ? ` to ${listWords(to.map((t) => teamName(S.sc, t)))}` : ' to everyone'}.`)) {
    resetCatalog();
  }
}

async function fireCustom(ev, again) {
  if (ev) ev.preventDefault();
  const fb = $('custom-feedback');
  const title = $('custom-title').value.trim();
  const text = $('custom-text').value;
  if (!title) {
    feedback(fb, 'error', 'A custom inject needs a title.');
    $('custom-title').focus();
    return;
  }
  const effects = {};
  for (const input of $('custom-effects').querySelectorAll('input')) {
    const raw = input.value.trim();
    if (!raw) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < -100 || n > 100) {
      feedback(fb, 'error', `The change to ${indicatorName(S.sc, input.dataset.indicator)} must be a whole number from \u2212100 to 100.`);
      input.closest('details').open = true;
      input.focus();
      return;
    }
    if (n !== 0) effects[input.dataset.indicator] = n;
  }
  const to = pickedRecipients($('custom-to'));
  if (to === null) {
    feedback(fb, 'error', 'Tick at least one team, or choose Everyone.');
    $('cus-to-some').focus();
    return;
  }
  const same = title.toLowerCase();
  const earlier = sentBefore((i) => i.custom && (i.title || '').trim().toLowerCase() === same);
  if (earlier.length && !again) {
    askRepeat('custom', `A custom inject titled \u201c${title}\u201d was already sent in turn ${earlier[0].turn}. Send it again?`);
    return;
  }
  $('custom-repeat').hidden = true;
  const cmd = { type: 'inject', custom: { title, text, effects } };
  if (to.length) cmd.to = to;
  if (await run(fb, 'Injecting\u2026', cmd, `Injected \u201c${title}\u201d${to.length ? ` to ${listWords(to.map((t) => teamName(S.sc, t)))}` : ' to everyone'}.`)) {
    resetCustom();
  }
}

/** The injects panel's own controls. */
export function wireInjects() {
  $('catalog-event').addEventListener('change', () => {
    $('catalog-repeat').hidden = true;
    describeCatalog();
  });
  $('catalog-form').addEventListener('submit', (e) => fireCatalog(e, false));
  $('catalog-repeat-yes').addEventListener('click', () => fireCatalog(null, true));
  $('catalog-repeat-no').addEventListener('click', () => {
    $('catalog-repeat').hidden = true;
    $('catalog-event').focus();
  });
  $('custom-form').addEventListener('submit', (e) => fireCustom(e, false));
  $('custom-repeat-yes').addEventListener('click', () => fireCustom(null, true));
  $('custom-repeat-no').addEventListener('click', () => {
    $('custom-repeat').hidden = true;
    $('custom-title').focus();
  });
}
