// The Messages panel of the team console: the team's channels as tabs with unread
// counts, the open channel's messages, the composer (Enter sends, Shift+Enter a new
// line, 2,000 characters), earlier messages on demand, and the cue in the status bar
// and the page title when something new arrives where the player is not looking.
import { el, $, fill, setText, show } from '../lib/dom.js';
import { store } from '../lib/storage.js';
import { listWords } from '../lib/words.js';
import { teamName } from '../lib/scenario.js';
import { announce, feedback } from '../lib/notify.js';
import { channelHeld } from '../lib/reducer.js';
import { MessageStore, messageItem, drawLog, wireComposer, checkMessage, scheduleWords, unreadWords } from '../lib/negotiation.js';
import { S, myTeam } from './context.js';

const T = {
  channel: null, // the open tab
  messages: new MessageStore(),
  read: null, // channel id -> last seq read, kept on this device per session
  logVisible: false,
  sending: false,
};

const READ_KEY = 'wargame.read';

function loadRead() {
  if (T.read) return;
  const all = store.get(READ_KEY, {});
  T.read = (all && all[S.sessionId]) || {};
}

function saveRead() {
  const all = store.get(READ_KEY, {}) || {};
  all[S.sessionId] = T.read;
  // Keep the ten most recent sessions.
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - 10))) if (k !== S.sessionId) delete all[k];
  store.set(READ_KEY, all);
}

function channels() {
  return (S.state && S.state.channels) || [];
}

/** Channels this team can post in (observers' public channels are read-only for
 *  non-members). */
function member(c) {
  return (c.members || []).includes(myTeam());
}

function isMine(m) {
  return !!(m.from && S.seat && m.from.player && m.from.player === S.seat.player);
}

function unread(id) {
  const seen = Number(T.read[id]) || 0;
  let n = 0;
  for (const m of (S.state && S.state.messages) || []) if (m.channel === id && m.seq > seen && !isMine(m)) n += 1;
  return n;
}

/** Unread messages on every channel, for the status bar and the title. */
export function totalUnread() {
  if (!S.state) return 0;
  loadRead();
  return channels().reduce((a, c) => a + unread(c.id), 0);
}

function markRead() {
  if (!T.channel || !T.logVisible || document.visibilityState !== 'visible') return false;
  const list = T.messages.list(T.channel);
  const last = list.length ? list[list.length - 1].seq : 0;
  if ((Number(T.read[T.channel]) || 0) >= last) return false;
  T.read[T.channel] = last;
  saveRead();
  return true;
}

function select(id, focusTab) {
  T.channel = id;
  fill($('msg-feedback'));
  renderTalks();
  if (focusTab) {
    const tab = $(`tab-${id}`);
    if (tab) tab.focus();
  }
}

function tabKeys(e) {
  const tabs = Array.from($('channel-tabs').querySelectorAll('[role=tab]'));
  const i = tabs.indexOf(document.activeElement);
  if (i < 0) return;
  let j = null;
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = (i + 1) % tabs.length;
  else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = (i - 1 + tabs.length) % tabs.length;
  else if (e.key === 'Home') j = 0;
  else if (e.key === 'End') j = tabs.length - 1;
  if (j === null) return;
  e.preventDefault();
  select(tabs[j].dataset.channel, true);
}

function renderTabs() {
  const box = $('channel-tabs');
  const list = channels();
  const sig = JSON.stringify(list.map((c) => [c.id, c.name, c.open, c.id === T.channel, unread(c.id)]));
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('#channel-tabs');
  fill(
    box,
    ...list.map((c) => {
      const n = unread(c.id);
      const on = c.id === T.channel;
      return el(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${c.id}`,
          class: `channel-tab${c.open ? '' : ' closed'}${n ? ' has-unread' : ''}`,
          'aria-selected': on ? 'true' : 'false',
          'aria-controls': 'channel-panel',
          tabindex: on ? '0' : '-1',
          dataset: { channel: c.id },
          onclick: () => select(c.id),
        },
        el('span', { class: 'channel-tab-name', text: c.name }),
        c.open ? null : el('span', { class: 'tag tag-closed' }, el('span', { 'aria-hidden': 'true', text: '\u25cb ' }), 'closed'),
        n ? el('span', { class: 'unread' }, String(n), el('span', { class: 'sr-only', text: ' unread' })) : null
      );
    })
  );
  if (focused) {
    const again = $(`tab-${T.channel}`);
    if (again) again.focus();
  }
}

/** The other channels with unread messages: a line with a button for each. */
function renderNews() {
  const others = channels().filter((c) => c.id !== T.channel && unread(c.id) > 0);
  const box = $('talk-news');
  const sig = JSON.stringify(others.map((c) => [c.id, unread(c.id)]));
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  show(box, others.length > 0);
  fill(
    box,
    el('span', { 'aria-hidden': 'true', text: '\u2709 ' }),
    'New messages in ',
    ...others.flatMap((c, i) => [
      i ? (i === others.length - 1 ? ' and ' : ', ') : null,
      el('button', { type: 'button', class: 'link-button', text: `${c.name} (${unread(c.id)})`, onclick: () => select(c.id, true) }),
    ])
  );
}

function renderChannel() {
  const c = channels().find((x) => x.id === T.channel);
  const panel = $('channel-panel');
  show(panel, !!c);
  if (!c) return;
  panel.setAttribute('aria-labelledby', `tab-${c.id}`);
  const def = S.sc.channels.get(c.id);
  const others = (c.members || []).filter((t) => t !== myTeam()).map((t) => teamName(S.sc, t));
  const about = [];
  about.push(c.public ? `Public: every team and the public display read it; ${listWords((c.members || []).map((t) => teamName(S.sc, t)))} post.` : `Private: your team, ${listWords(others)} and the White Cell read it.`);
  if (c.open) about.push(`Open now (${scheduleWords(def)}).`);
  else {
    const why = channelHeld(S.state, S.sc, c.id) ? 'the White Cell has closed it' : `by schedule it is ${scheduleWords(def)}`;
    about.push(`Closed just now: ${why}. You can read, not post.`);
  }
  setText($('channel-about'), about.join(' '));
  $('channel-about').classList.toggle('closed-note', !c.open);

  const list = T.messages.list(c.id);
  const log = $('message-log');
  log.setAttribute('aria-label', `Messages in ${c.name}`);
  drawLog(log, c.id, list, (m, prev) => messageItem(m, S.sc, { mine: isMine(m), prev }), isMine);
  show($('message-empty'), !list.length);
  show($('earlier-btn'), T.messages.mayHaveEarlier(c.id));

  const canPost = member(c) && c.open && !S.state.ended;
  setText($('msg-to'), c.name);
  $('msg-text').disabled = !canPost;
  $('msg-send').disabled = !canPost || T.sending;
  let hint = 'Enter sends \u00b7 Shift+Enter starts a new line';
  if (S.state.ended) hint = 'The session has ended; the channels are read-only.';
  else if (!member(c)) hint = 'Your team reads this channel but does not post in it.';
  else if (!c.open) hint = `\u201c${c.name}\u201d is closed just now; you can post again when it opens.`;
  setText($('msg-keys'), hint);
}

/** The status bar's cue and the page title: unread messages anywhere. */
function renderCue() {
  const n = totalUnread();
  const cue = $('talk-cue');
  show(cue, n > 0);
  setText(cue, n ? `\u2709 ${unreadWords(n)}` : '');
}

export function renderTalks() {
  if (!S.state || !S.sc) return;
  loadRead();
  T.messages.absorb(S.state);
  const list = channels();
  if (!T.channel || !list.some((c) => c.id === T.channel)) T.channel = list.length ? list[0].id : null;
  show($('talks'), list.length > 0);
  renderChannel();
  markRead();
  renderTabs();
  renderNews();
  renderCue();
}

/** What the player hears of a message where they are not looking. */
export function onMessage(ev) {
  if (ev.kind !== 'message_posted' || isMine(ev)) return;
  if (ev.channel === T.channel && T.logVisible) return;
  const c = channels().find((x) => x.id === ev.channel);
  const who = ev.from && ev.from.role === 'facilitator' ? ev.from.as || 'the White Cell' : (ev.from && ev.from.name) || 'a player';
  announce(`New message in ${c ? c.name : ev.channel} from ${who}.`);
}

async function send(text) {
  const fb = $('msg-feedback');
  if (!checkMessage(text, fb)) return false;
  const c = channels().find((x) => x.id === T.channel);
  if (!c) return false;
  T.sending = true;
  $('msg-send').disabled = true;
  feedback(fb, 'busy', 'Sending\u2026');
  try {
    await S.conn.send({ type: 'say', channel: c.id, text });
    fill(fb);
    return true;
  } catch (e) {
    feedback(fb, 'error', e.message);
    return false;
  } finally {
    T.sending = false;
    renderChannel();
  }
}

async function earlier() {
  const btn = $('earlier-btn');
  const fb = $('earlier-feedback');
  btn.disabled = true;
  feedback(fb, 'busy', 'Loading earlier messages\u2026');
  try {
    const n = await T.messages.loadEarlier(S.conn, T.channel);
    feedback(fb, 'ok', n ? `${n} earlier message${n === 1 ? '' : 's'} loaded.` : 'There are no earlier messages.');
  } catch (e) {
    feedback(fb, 'error', e.message);
  } finally {
    btn.disabled = false;
  }
  const log = $('message-log');
  renderTalks();
  log.scrollTop = 0;
}

export function wireTalks(onChange) {
  wireComposer($('composer'), $('msg-text'), $('msg-count'), send);
  $('channel-tabs').addEventListener('keydown', tabKeys);
  $('earlier-btn').addEventListener('click', earlier);
  // A channel counts as read while its messages are on screen and the page is visible.
  const watch = new IntersectionObserver((entries) => {
    for (const e of entries) T.logVisible = e.isIntersecting;
    if (T.logVisible && markRead()) onChange();
  });
  watch.observe($('message-log'));
  document.addEventListener('visibilitychange', () => {
    if (markRead()) onChange();
  });
}
