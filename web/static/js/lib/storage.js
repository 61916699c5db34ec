// Local storage: facilitator keys and player seats stay on this device, never in URLs.

export const store = {
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
export function encodeKey(sessionId, token, joinCode) {
  const obj = { s: sessionId, t: token };
  if (joinCode) obj.c = joinCode;
  const bytes = new TextEncoder().encode(JSON.stringify(obj));
  const b64 = btoa(String.fromCharCode(...bytes));
  return `wg1.${b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

export function decodeKey(key) {
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
