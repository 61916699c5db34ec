// Negotiation as every console shows it: who said what on which channel, the
// composer's keys and limit, older messages through the `messages` query, and
// agreements with their terms and status in words (docs/PROTOCOL.md, Negotiation).
import { el, setText } from './dom.js';
import { clockTime, listWords, plural } from './words.js';
import { teamName, flagName, effectsText } from './scenario.js';
import { SNAPSHOT_MESSAGES } from './reducer.js';
import { feedback } from './notify.js';

/** The server's limits: a message, and the White Cell's in-character name. */
export const MAX_MESSAGE = 2000;
export const MAX_AS = 80;
/** How many older messages one "show earlier" asks for. */
const EARLIER_BATCH = 100;

/** Who posted a message, in words: {who, side}. */
export function speaker(from, sc) {
  const f = from || {};
  if (f.role === 'facilitator') return f.as ? { who: f.as, side: 'White Cell' } : { who: 'White Cell', side: '' };
  return { who: f.name || 'A player', side: f.team ? teamName(sc, f.team) : '' };
}

/** Whether two messages come from the same speaker, close enough in time that the
 *  second needs no heading of its own. */
function sameSpeaker(a, b) {
  if (!a || !b || a.channel !== b.channel || Math.abs(b.at - a.at) > 5 * 60 * 1000) return false;
  const x = a.from || {};
  const y = b.from || {};
  return x.role === y.role && x.team === y.team && x.name === y.name && x.as === y.as && x.player === y.player;
}

/** One message as a list item. opts: mine (this player's own), channel (a name to
 *  show, in a feed of several channels), prev (the message above it: a run of one
 *  speaker's messages shows the name once, and to screen readers on each). */
export function messageItem(m, sc, opts) {
  const o = opts || {};
  const { who, side } = speaker(m.from, sc);
  const wc = m.from && m.from.role === 'facilitator';
  const cont = sameSpeaker(o.prev, m);
  return el(
    'li',
    { class: `msg${o.mine ? ' mine' : ''}${wc ? ' msg-wc' : ''}${cont ? ' msg-cont' : ''}`, dataset: { seq: String(m.seq), channel: m.channel } },
    el(
      'p',
      { class: cont ? 'msg-head sr-only' : 'msg-head' },
      o.channel ? el('span', { class: 'tag msg-channel', text: o.channel }) : null,
      o.channel ? ' ' : null,
      el('strong', { class: 'msg-who', text: who }),
      side ? ' ' : null,
      side ? el('span', { class: wc ? 'tag tag-wc' : 'team-tag', text: side }) : null,
      el('span', { class: 'msg-time', text: ` ${o.mine ? 'you, ' : ''}${clockTime(m.at)}` })
    ),
    el('p', { class: 'msg-text', text: m.text })
  );
}

/** Every message this page knows, per channel: the state's (the last 300 of each) and
 *  older ones fetched with the `messages` query, kept by seq so nothing a player was
 *  reading vanishes when the state drops the oldest. */
export class MessageStore {
  constructor() {
    this.channels = new Map(); // id -> {bySeq: Map, done: bool}
  }

  entry(id) {
    let e = this.channels.get(id);
    if (!e) {
      e = { bySeq: new Map(), done: false };
      this.channels.set(id, e);
    }
    return e;
  }

  /** Takes in the state's messages (cheap when nothing is new). */
  absorb(state) {
    for (const m of state.messages || []) {
      const e = this.entry(m.channel);
      if (!e.bySeq.has(m.seq)) e.bySeq.set(m.seq, m);
    }
  }

  /** A channel's messages, oldest first. */
  list(id) {
    const e = this.channels.get(id);
    if (!e) return [];
    return Array.from(e.bySeq.values()).sort((a, b) => a.seq - b.seq);
  }

  /** Whether older messages than these may be on the server: the snapshot holds the
   *  last 300 of a channel, so fewer than that means there are none. */
  mayHaveEarlier(id) {
    const e = this.channels.get(id);
    return !!e && !e.done && e.bySeq.size >= SNAPSHOT_MESSAGES;
  }

  /** Asks the server for the messages before the oldest known. Returns how many came. */
  async loadEarlier(conn, id) {
    const e = this.entry(id);
    const oldest = Math.min(...e.bySeq.keys());
    const res = await conn.send({ type: 'messages', channel: id, before: oldest, limit: EARLIER_BATCH });
    const got = (res && res.messages) || [];
    for (const m of got) e.bySeq.set(m.seq, m);
    // The server says whether older messages remain.
    if (!res || !res.more) e.done = true;
    return got.length;
  }
}

/**
 * Appends a channel's messages to a log, or redraws it when the channel changed or
 * older messages arrived, so a screen reader's log region announces only new ones.
 * Keeps the view at the bottom when it was there (or the new message is one's own).
 * Returns the number of messages appended.
 */
export function drawLog(log, key, messages, itemFor, mineSeqs) {
  const first = messages.length ? messages[0].seq : 0;
  const last = log.dataset.last ? Number(log.dataset.last) : -1;
  const redraw = log.dataset.key !== key || Number(log.dataset.first || 0) !== first;
  let added = 0;
  if (redraw) {
    log.setAttribute('aria-busy', 'true');
    log.replaceChildren(...messages.map((m, i) => itemFor(m, messages[i - 1])));
    log.removeAttribute('aria-busy');
    log.dataset.key = key;
    log.scrollTop = log.scrollHeight;
  } else {
    const from = messages.findIndex((m) => m.seq > last);
    const fresh = from < 0 ? [] : messages.slice(from);
    // Where the view is, read only when something is appended: reading it lays out
    // the whole page in the middle of a redraw, on every event.
    if (fresh.length) {
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      fresh.forEach((m, i) => log.appendChild(itemFor(m, messages[from + i - 1])));
      added = fresh.length;
      if (atBottom || fresh.some((m) => mineSeqs && mineSeqs(m))) log.scrollTop = log.scrollHeight;
    }
  }
  log.dataset.first = String(first);
  log.dataset.last = String(messages.length ? messages[messages.length - 1].seq : 0);
  return added;
}

/**
 * A composer: Enter sends, Shift+Enter starts a new line, the count shows how much of
 * the 2,000 characters is used. `send(text)` returns true when the message went out
 * (the field is then emptied).
 */
export function wireComposer(form, textarea, counter, send) {
  const count = () => {
    const n = Array.from(textarea.value).length;
    setText(counter, `${n} / ${MAX_MESSAGE}`);
    counter.classList.toggle('warn-text', n > MAX_MESSAGE - 200);
  };
  textarea.addEventListener('input', count);
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await send(textarea.value)) {
      textarea.value = '';
      count();
    }
  });
  count();
}

/** Checks a message before sending; says what is wrong next to the composer. */
export function checkMessage(text, fb) {
  if (!text.trim()) {
    feedback(fb, 'error', 'Write a message first.');
    return false;
  }
  if (Array.from(text).length > MAX_MESSAGE) {
    feedback(fb, 'error', `A message holds at most ${MAX_MESSAGE} characters; this one has ${Array.from(text).length}.`);
    return false;
  }
  return true;
}

/** When a channel is open, in words: "open in every phase", "open in briefing and decision". */
export function scheduleWords(def) {
  if (!def || !Array.isArray(def.open_in)) return 'open in every phase';
  if (!def.open_in.length) return 'closed in every phase';
  return `open in ${listWords(def.open_in)}`;
}

// ---------------------------------------------------------------- agreements

/** What an agreement does, in the scenario's words. */
export function termsText(sc, templateId) {
  const def = templateId && sc && sc.agreements.get(templateId);
  if (!def) return 'A custom agreement: it is recorded, but it changes nothing on the board.';
  const parts = [];
  const names = (ids) => listWords((ids || []).map((f) => `\u201c${flagName(sc, f)}\u201d`));
  if ((def.set || []).length) parts.push(`puts ${names(def.set)} in force`);
  if ((def.clear || []).length) parts.push(`ends ${names(def.clear)}`);
  const eff = effectsText(sc, def.effects);
  if (eff) parts.push(`moves ${eff}`);
  if (!parts.length) return 'Once applied it changes nothing on the board.';
  return `Once applied it ${listWords(parts)}.`;
}

const STATUS = {
  open: ['\u2026', 'Open', 'badge-pending'],
  accepted: ['\u2713', 'Accepted', 'badge-success'],
  rejected: ['\u2717', 'Rejected', 'badge-failure'],
  withdrawn: ['\u21a9', 'Withdrawn', 'badge-muted'],
  expired: ['\u231b', 'Expired', 'badge-muted'],
  voided: ['\u2298', 'Voided', 'badge-failure'],
};

/** The status as a badge: a symbol and words, never colour alone. */
export function statusBadge(a) {
  const applied = a.applied;
  const [icon, word, cls] = applied ? ['\u2713', 'Applied', 'badge-success'] : STATUS[a.status] || ['?', a.status, 'badge-muted'];
  return el('span', { class: `badge ${cls}` }, el('span', { 'aria-hidden': 'true', text: `${icon} ` }), word);
}

/** The status as a sentence: who answered, what happens next. */
export function statusText(a, sc) {
  const answered = new Set((a.responses || []).map((r) => r.team));
  const waiting = (a.to || []).filter((t) => !answered.has(t)).map((t) => teamName(sc, t));
  const rejecter = (a.responses || []).find((r) => !r.accept);
  switch (a.status) {
    case 'open':
      return `Waiting for ${listWords(waiting) || 'an answer'}. It expires when the next turn begins.`;
    case 'accepted':
      if (a.applied) return 'Accepted, and applied when the White Cell published the outcomes.';
      return a.template
        ? 'Accepted: it applies when the White Cell next publishes outcomes.'
        : 'Accepted. A custom agreement is recorded; it changes nothing on the board.';
    case 'rejected':
      return `Rejected${rejecter ? ` by ${teamName(sc, rejecter.team)}` : ''}.`;
    case 'withdrawn':
      return `Withdrawn by ${teamName(sc, a.from)}.`;
    case 'expired':
      return 'Expired: not every party accepted before the turn ended.';
    case 'voided':
      return `Voided by the White Cell${a.note ? `: ${a.note}` : '.'}`;
    default:
      return '';
  }
}

function turnWords(t) {
  return t ? `Turn ${t}` : 'Before the game';
}

/** One agreement as a card; `actions`: nodes to add (answer, withdraw, void). */
export function agreementCard(a, sc, actions) {
  const answers = (a.responses || []).map((r) =>
    el(
      'li',
      null,
      el('span', { 'aria-hidden': 'true', text: r.accept ? '\u2713 ' : '\u2717 ' }),
      `${teamName(sc, r.team)} ${r.accept ? 'accepted' : 'rejected'}`,
      r.note ? `: \u201c${r.note}\u201d` : '.'
    )
  );
  return el(
    'article',
    { class: `card agreement agreement-${a.applied ? 'applied' : a.status}`, dataset: { agreement: a.agreement } },
    el('div', { class: 'card-head' }, el('h4', { class: 'card-title', text: a.title }), statusBadge(a)),
    el(
      'p',
      {
        class: 'meta',
        text: a.elsewhere
          ? `${turnWords(a.turn)} \u00b7 between ${listWords((a.parties || []).map((t) => teamName(sc, t)))}`
          : `${turnWords(a.turn)} \u00b7 proposed by ${teamName(sc, a.from)} to ${listWords((a.to || []).map((t) => teamName(sc, t)))}${a.public ? ' \u00b7 public' : ''}`,
      }
    ),
    a.text ? el('p', { class: 'agreement-text', text: a.text }) : null,
    el('p', { class: 'terms' }, el('span', { class: 'label', text: 'Terms: ' }), termsText(sc, a.template)),
    answers.length ? el('ul', { class: 'answers' }, answers) : null,
    el('p', { class: 'agreement-status', text: statusText(a, sc) }),
    actions && actions.length ? el('div', { class: 'agreement-actions' }, actions) : null
  );
}

/** Agreements applied this session that the state does not list (another team's
 *  private agreement: its effect on the board is public), as agreement records. */
export function appliedElsewhere(state, applied) {
  const known = new Set((state.agreements || []).map((a) => a.agreement));
  return (applied || [])
    .filter((ev) => !known.has(ev.agreement))
    .map((ev) => ({
      agreement: ev.agreement,
      template: ev.template,
      from: ev.parties[0],
      to: ev.parties.slice(1),
      parties: ev.parties,
      title: ev.title,
      text: ev.text,
      turn: ev.turn,
      responses: [],
      status: 'accepted',
      applied: true,
      elsewhere: true,
    }));
}

/** "3 unread" */
export function unreadWords(n) {
  return plural(n, 'unread message');
}
