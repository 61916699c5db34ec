// The WebSocket connection: auth, commands with their acks, a fresh snapshot on
// demand, a heartbeat, and reconnecting with backoff. The badge in the header
// always says where things stand.
//
// Heartbeat: a `ping` every PING_EVERY ms; a `pong` missing for PONG_WITHIN ms means
// the link is dead even if the socket looks open (a phone that changed networks, a
// laptop that slept): the badge says "Reconnecting…" at once and a new socket is
// opened, without waiting for the browser to notice.
import { el, $, fill } from './dom.js';
import { problem } from './notify.js';

/** How often the console pings, and how long it waits for the answer. */
export const PING_EVERY = 2000;
export const PONG_WITHIN = 5000;

const STATUS_TEXT = {
  connecting: ['\u25cc', 'Connecting\u2026'],
  connected: ['\u25cf', 'Connected'],
  reconnecting: ['\u21bb', 'Reconnecting\u2026'],
  offline: ['\u2717', 'Offline'],
  rejected: ['\u2717', 'Not accepted'],
};

/** The connection badge, always visible in the page header. */
export function statusBadge(node, onRetry) {
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

export class Connection {
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
      this.authed = false;
      this.failPending('The connection dropped before the server confirmed this; check whether it took effect.');
      if (this.opts.onDropped) this.opts.onDropped();
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
      // One deadline for the oldest unanswered ping: any pong clears it.
      if (!this.pongTimer) this.pongTimer = window.setTimeout(() => this.dead(), PONG_WITHIN);
      this.schedulePing();
    }, PING_EVERY);
  }

  /** No pong in time: drop this socket (its close may take long to come) and
   *  reconnect; commands in flight fail with code `dropped`. */
  dead() {
    this.pongTimer = null;
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    this.authed = false;
    try {
      ws.close();
    } catch (e) {
      /* already closing */
    }
    this.failPending('The connection dropped before the server confirmed this; check whether it took effect.');
    if (this.opts.onDropped) this.opts.onDropped();
    if (!this.stopped) this.scheduleReconnect();
  }

  sendRaw(obj) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  /** Sends a command; resolves with the ack (or the answer: a preview or messages
   *  frame), rejects with a readable Error. */
  send(cmd) {
    return new Promise((resolve, reject) => {
      if (!this.isOpen() || !this.authed) {
        const err = new Error('Not connected to the server, so this was not sent. Try again when the status shows Connected.');
        err.code = 'not_sent';
        reject(err);
        return;
      }
      const ref = `r${++this.refCounter}`;
      const timer = window.setTimeout(() => {
        if (this.pending.delete(ref)) {
          const err = new Error('The server did not confirm this within 20 seconds; check whether it took effect.');
          err.code = 'dropped';
          reject(err);
        }
      }, 20000);
      this.pending.set(ref, { resolve, reject, timer });
      this.sendRaw(Object.assign({}, cmd, { ref }));
    });
  }

  failPending(message) {
    for (const [, p] of this.pending) {
      window.clearTimeout(p.timer);
      const err = new Error(message);
      err.code = 'dropped';
      p.reject(err);
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
      case 'messages':
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
export function connect(token, handlers) {
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
