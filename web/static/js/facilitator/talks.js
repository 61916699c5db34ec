// The Negotiation panel of the White Cell console: every channel in one feed, filtered
// by channel or by team; posting into any channel, open or closed, optionally in
// character; opening and closing channels (and handing them back to their schedule);
// and every agreement, with voiding (a note is required).
import { el, $, fill, setText, show, drawIfChanged, keepFocus } from '../lib/dom.js';
import { listWords } from '../lib/words.js';
import { teamName } from '../lib/scenario.js';
import { feedback } from '../lib/notify.js';
import { channelHeld } from '../lib/reducer.js';
import { MessageStore, messageItem, drawLog, wireComposer, checkMessage, scheduleWords, agreementCard } from '../lib/negotiation.js';
import { S } from './context.js';

const W = {
  builtFor: '',
  messages: new MessageStore(),
  channelFeedback: new Map(), // channel id -> [kind, text]
  voidNotes: new Map(),
  voidFeedback: new Map(),
  sending: false,
};

const ALL = '';

function channels() {
  return S.state.channels || [];
}

function channelName(id) {
  const c = channels().find((x) => x.id === id);
  return c ? c.name : id;
}

/** The filters and the composer's channel list, built once per scenario. */
function buildForms() {
  const key = S.sc.raw.id;
  if (W.builtFor === key) return;
  W.builtFor = key;
  const opts = channels().map((c) => el('option', { value: c.id, text: `${c.name}${c.public ? ' (public)' : ''}` }));
  fill($('feed-channel'), el('option', { value: ALL, text: 'Every channel' }), ...opts.map((o) => o.cloneNode(true)));
  fill($('feed-team'), el('option', { value: ALL, text: 'Every team' }), ...(S.sc.raw.teams || []).map((t) => el('option', { value: t.id, text: t.name })));
  fill($('wc-channel'), ...opts);
}

/** The messages the filters let through, oldest first. */
function filtered() {
  const ch = $('feed-channel').value;
  const team = $('feed-team').value;
  const ids = channels()
    .filter((c) => (ch === ALL || c.id === ch) && (team === ALL || (c.members || []).includes(team)))
    .map((c) => c.id);
  if (ids.length === 1) return W.messages.list(ids[0]);
  return ids.flatMap((id) => W.messages.list(id)).sort((a, b) => a.seq - b.seq);
}

function renderFeed() {
  W.messages.absorb(S.state);
  const ch = $('feed-channel').value;
  const team = $('feed-team').value;
  const list = filtered();
  const log = $('feed');
  const what = [ch === ALL ? 'every channel' : channelName(ch), team === ALL ? '' : `of ${teamName(S.sc, team)}`].filter(Boolean).join(' ');
  log.setAttribute('aria-label', `Messages on ${what}`);
  drawLog(log, `${ch}|${team}`, list, (m, prev) => messageItem(m, S.sc, { channel: ch === ALL ? channelName(m.channel) : null, prev }), (m) => m.from && m.from.role === 'facilitator');
  show($('feed-empty'), !list.length);
  setText($('feed-empty'), ch === ALL && team === ALL ? 'No messages yet on any channel.' : 'No messages match these filters.');
  show($('feed-earlier'), ch !== ALL && W.messages.mayHaveEarlier(ch));
}

async function post(text) {
  const fb = $('wc-feedback');
  if (!checkMessage(text, fb)) return false;
  const channel = $('wc-channel').value;
  const as = $('wc-as').value.trim();
  const cmd = { type: 'say', channel, text };
  if (as) cmd.as = as;
  W.sending = true;
  $('wc-send').disabled = true;
  feedback(fb, 'busy', 'Posting\u2026');
  try {
    await S.conn.send(cmd);
    feedback(fb, 'ok', `Posted in ${channelName(channel)}${as ? ` as ${as}` : ''}.`);
    return true;
  } catch (e) {
    feedback(fb, 'error', e.message);
    return false;
  } finally {
    W.sending = false;
    $('wc-send').disabled = !!S.state.ended;
  }
}

async function setChannel(c, open, label) {
  W.channelFeedback.set(c.id, ['busy', `${label}\u2026`]);
  renderChannels();
  try {
    await S.conn.send({ type: 'channel', channel: c.id, open });
    W.channelFeedback.set(c.id, ['ok', `${label}: done.`]);
  } catch (e) {
    W.channelFeedback.set(c.id, ['error', e.message]);
  }
  renderChannels();
}

function renderChannels() {
  const data = [channels(), channels().map((c) => channelHeld(S.state, S.sc, c.id)), Array.from(W.channelFeedback.entries()), !!S.state.ended];
  drawIfChanged('wc-channels', data, () =>
    keepFocus(() =>
      fill(
        $('channel-body'),
        ...channels().map((c) => {
          const def = S.sc.channels.get(c.id);
          const isHeld = channelHeld(S.state, S.sc, c.id);
          const fbRow = W.channelFeedback.get(c.id);
          const fbNode = el('p', { class: 'feedback' });
          if (fbRow) feedback(fbNode, fbRow[0], fbRow[1]);
          return el(
            'tr',
            { dataset: { channel: c.id } },
            el(
              'th',
              { scope: 'row' },
              c.name,
              c.public ? el('span', { class: 'tag tag-public', text: 'public' }) : null,
              // Members, unless the name already says who they are.
              (c.members || []).every((t) => c.name.includes(teamName(S.sc, t)))
                ? null
                : el('div', { class: 'hint', text: listWords((c.members || []).map((t) => teamName(S.sc, t))) })
            ),
            el(
              'td',
              null,
              el('span', { class: c.open ? 'channel-state-open' : 'channel-state-closed' }, el('span', { 'aria-hidden': 'true', text: c.open ? '\u25cf ' : '\u25cb ' }), c.open ? 'Open' : 'Closed'),
              el('div', { class: 'hint', text: isHeld ? `held by the White Cell; its schedule: ${scheduleWords(def)}` : `by schedule: ${scheduleWords(def)}` })
            ),
            el(
              'td',
              null,
              el(
                'div',
                { class: 'actions' },
                el('button', { type: 'button', class: 'secondary small', text: 'Open', disabled: c.open && isHeld, 'aria-label': `Open ${c.name}`, onclick: () => setChannel(c, true, `Opening ${c.name}`) }),
                el('button', { type: 'button', class: 'secondary small', text: 'Close', disabled: !c.open && isHeld, 'aria-label': `Close ${c.name}`, onclick: () => setChannel(c, false, `Closing ${c.name}`) }),
                el('button', { type: 'button', class: 'secondary small', text: 'Back to schedule', disabled: !isHeld, 'aria-label': `Return ${c.name} to its schedule`, onclick: () => setChannel(c, null, `${c.name} back to its schedule`) })
              ),
              fbNode
            )
          );
        })
      )
    )
  );
}

async function voidAgreement(a) {
  const note = (W.voidNotes.get(a.agreement) || '').trim();
  if (!note) {
    W.voidFeedback.set(a.agreement, ['error', 'Write why you void it: the note goes into the after-action report.']);
    renderAgreementList();
    const input = $(`void-note-${a.agreement}`);
    if (input) input.focus();
    return;
  }
  W.voidFeedback.set(a.agreement, ['busy', 'Voiding\u2026']);
  renderAgreementList();
  try {
    await S.conn.send({ type: 'void', agreement: a.agreement, note });
    W.voidFeedback.set(a.agreement, ['ok', 'Voided.']);
    W.voidNotes.delete(a.agreement);
  } catch (e) {
    W.voidFeedback.set(a.agreement, ['error', e.message]);
  }
  renderAgreementList();
}

function voidable(a) {
  return a.status === 'open' || (a.status === 'accepted' && !a.applied && !!a.template);
}

function renderAgreementList() {
  const list = (S.state.agreements || []).slice().reverse();
  const data = [list, Array.from(W.voidFeedback.entries()), !!S.state.ended];
  drawIfChanged('wc-agreements', data, () =>
    keepFocus(() =>
      fill(
        $('wc-agreements'),
        ...(list.length
          ? list.map((a) => {
              const nodes = [];
              if (voidable(a) && !S.state.ended) {
                const id = `void-note-${a.agreement}`;
                const input = el('input', { id, maxlength: 4000, autocomplete: 'off' });
                input.value = W.voidNotes.get(a.agreement) || '';
                input.addEventListener('input', () => W.voidNotes.set(a.agreement, input.value));
                nodes.push(
                  el('label', { for: id, text: 'Reason for voiding (required)' }),
                  el('div', { class: 'inline' }, input, el('button', { type: 'button', class: 'danger small', text: 'Void', onclick: () => voidAgreement(a) }))
                );
              }
              const fb = W.voidFeedback.get(a.agreement);
              if (fb) {
                const p = el('p', { class: 'feedback' });
                feedback(p, fb[0], fb[1]);
                nodes.push(p);
              }
              return agreementCard(a, S.sc, nodes);
            })
          : [el('p', { class: 'muted', text: 'No agreement has been proposed yet.' })])
      )
    )
  );
}

export function renderTalks() {
  buildForms();
  renderFeed();
  renderChannels();
  renderAgreementList();
  const ended = !!S.state.ended;
  $('wc-text').disabled = ended;
  $('wc-send').disabled = ended || W.sending;
}

async function earlier() {
  const ch = $('feed-channel').value;
  const fb = $('feed-earlier-feedback');
  feedback(fb, 'busy', 'Loading earlier messages\u2026');
  try {
    const n = await W.messages.loadEarlier(S.conn, ch);
    feedback(fb, 'ok', n ? `${n} earlier message${n === 1 ? '' : 's'} loaded.` : 'There are no earlier messages.');
  } catch (e) {
    feedback(fb, 'error', e.message);
  }
  renderFeed();
  $('feed').scrollTop = 0;
}

export function wireTalks() {
  wireComposer($('wc-composer'), $('wc-text'), $('wc-count'), post);
  $('feed-channel').addEventListener('change', () => {
    const ch = $('feed-channel').value;
    // Posting follows the channel being read.
    if (ch !== ALL) $('wc-channel').value = ch;
    fill($('feed-earlier-feedback'));
    renderFeed();
  });
  $('feed-team').addEventListener('change', renderFeed);
  $('feed-earlier').addEventListener('click', earlier);
}
