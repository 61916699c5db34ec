// Where players reach this server, for the start page and the projector: the address
// of this page when it was opened over the network, else the addresses the server
// lists (GET /api/lan) when it listens on every interface; nothing to scan when it
// listens on 127.0.0.1 only. The QR code is drawn by the server (GET /api/qr).
import { publicHost } from './notify.js';

let cached = null;

/** The server's answer, fetched once per page; null if it cannot be had. */
export async function lanInfo() {
  if (!cached) {
    cached = fetch('/api/lan', { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  }
  return cached;
}

/**
 * Where a phone opens the join page: `{ url, hosts, note }`. `url` is the join link
 * to show and encode (null when no other device can reach the server), `hosts` every
 * address a player may type, `note` a sentence for the White Cell when there is a
 * catch.
 */
export function joinTarget(lan, code) {
  const q = code ? `?code=${encodeURIComponent(code)}` : '';
  const here = publicHost();
  if (here) {
    return { url: `${location.protocol}//${here}/join${q}`, hosts: [here], note: '' };
  }
  if (!lan) {
    return { url: null, hosts: [], note: 'The server did not say where it listens: give players its network address.' };
  }
  if (lan.loopback_only) {
    return {
      url: null,
      hosts: [],
      note: `The server listens on ${lan.bound} only, so other devices cannot reach it and there is nothing to scan. Restart it with --addr 0.0.0.0:${lan.port} to let phones join.`,
    };
  }
  const hosts = (lan.urls || []).map((u) => u.replace(/^https?:\/\//, ''));
  if (!hosts.length) {
    return { url: null, hosts: [], note: 'The server found no network address on this machine: is it connected to the room\u2019s network?' };
  }
  return { url: `${lan.urls[0]}/join${q}`, hosts, note: '' };
}

/** The address of the QR code image for `url`. */
export function qrSrc(url) {
  return `/api/qr?text=${encodeURIComponent(url)}`;
}
