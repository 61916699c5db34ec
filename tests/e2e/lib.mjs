// Helpers shared by the e2e test (run.mjs) and the whole-game playtest (full-game.mjs).
import net from 'node:net';

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `until` and `waitText`, polling every 100 ms up to `defaultTimeout` unless told otherwise. */
export function waiters(defaultTimeout) {
  async function until(fn, what, timeout = defaultTimeout) {
    const t0 = Date.now();
    let last;
    while (Date.now() - t0 < timeout) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await sleep(100);
    }
    throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (${last.message})` : ''}`);
  }

  async function waitText(page, selector, re, timeout) {
    let seen = '';
    try {
      await until(async () => {
        seen = await text(page, selector);
        return re.test(seen);
      }, `${selector} to match ${re}`, timeout);
    } catch (e) {
      throw new Error(`${e.message}; last text: ${JSON.stringify(seen.slice(0, 400))}`);
    }
    return seen;
  }

  return { until, waitText };
}

export async function text(page, selector) {
  return (await page.locator(selector).first().textContent({ timeout: 5000 })) || '';
}
