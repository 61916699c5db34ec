// Helpers shared by the e2e tests, the whole-game playtest (full-game.mjs) and the room playtest.
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

/**
 * A room for one e2e file: `wargame serve` on a free port with its own database in a
 * temporary folder, and a headless Chromium. `scenarios` is a folder to serve, or
 * `fixtures` names files of tests/fixtures/ copied into a folder of their own; `args`
 * are more serve flags. `stop()` closes the browser, stops the server and removes the
 * folder; `log()` is what the server printed.
 */
export async function startRoom({ bin, chromiumPath, root, name, scenarios, fixtures = [], args = [] }) {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { spawn } = await import('node:child_process');
  const { chromium } = await import('playwright-core');
  if (!fs.existsSync(bin)) throw new Error(`the wargame binary is missing at ${bin}; run cargo build`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `wargame-e2e-${name}-`));
  let dir = scenarios || path.join(root, 'scenarios');
  if (fixtures.length) {
    dir = path.join(tmp, 'scenarios');
    fs.mkdirSync(dir);
    for (const f of fixtures) fs.copyFileSync(path.join(root, 'tests', 'fixtures', f), path.join(dir, f));
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = '';
  const server = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--db', path.join(tmp, `${name}.db`), '--scenarios', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.assign({}, process.env, { RUST_LOG: 'warn' }),
  });
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  const { until } = waiters(30000);
  await until(async () => {
    if (server.exitCode !== null) throw new Error(`the server exited: ${log}`);
    return (await fetch(`${base}/healthz`)).ok;
  }, 'the server to answer /healthz');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
  async function stop() {
    await browser.close().catch(() => {});
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await Promise.race([new Promise((r) => server.once('exit', r)), sleep(8000)]);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { base, browser, server, tmp, log: () => log, stop };
}

/** POSTs JSON to the server at `base`; a refusal fails the test with its body. */
export async function postJson(base, p, body) {
  const res = await fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${p}: ${JSON.stringify(json)}`);
  return json;
}

/** The White Cell over its WebSocket: `cmd` resolves with the ack, rejects on an error. */
export async function whiteCellSocket(base, token) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
  const waiting = new Map();
  let n = 0;
  let authed;
  const snapshot = new Promise((r) => (authed = r));
  ws.addEventListener('message', (m) => {
    const f = JSON.parse(m.data);
    if (f.type === 'snapshot') authed(f);
    const w = f.ref !== undefined ? waiting.get(f.ref) : null;
    if (!w) return;
    waiting.delete(f.ref);
    if (f.type === 'error') w.reject(new Error(`${f.code}: ${f.message}`));
    else w.resolve(f);
  });
  await new Promise((r, j) => {
    ws.addEventListener('open', r);
    ws.addEventListener('error', j);
  });
  const cmd = (c) =>
    new Promise((resolve, reject) => {
      const ref = `w${++n}`;
      waiting.set(ref, { resolve, reject });
      ws.send(JSON.stringify(Object.assign({ ref }, c)));
    });
  ws.send(JSON.stringify({ type: 'auth', token }));
  await snapshot;
  return { cmd, close: () => ws.close() };
}
