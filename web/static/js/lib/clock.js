// Countdowns use the server's time, not this device's.

export const clock = {
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
