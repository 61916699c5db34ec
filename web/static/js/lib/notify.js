// Announcements for screen readers, readable problems for everyone, and the address
// bits every page needs.
import { el, $, fill } from './dom.js';

export function announce(text) {
  const region = $('announcer');
  if (!region || !text) return;
  // Replace, so the same words twice are still read.
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** Shows a problem in the page's alert box (role=alert), with a close button. */
export function problem(text) {
  const box = $('problems');
  if (!box) return;
  const item = el(
    'div',
    { class: 'problem' },
    el('span', { class: 'problem-icon', 'aria-hidden': 'true', text: '\u26a0 ' }),
    el('span', { class: 'problem-text', text }),
    el('button', {
      type: 'button',
      class: 'link-button',
      text: 'Dismiss',
      onclick: () => item.remove(),
    })
  );
  box.appendChild(item);
  while (box.children.length > 3) box.firstChild.remove();
}

/** Shows a short confirmation next to a control. kind: ok | error | busy */
export function feedback(node, kind, text) {
  if (!node) return;
  node.className = `feedback feedback-${kind}`;
  node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const icon = kind === 'ok' ? '\u2713 ' : kind === 'error' ? '\u26a0 ' : '\u2026 ';
  fill(node, el('span', { 'aria-hidden': 'true', text: icon }), text);
}

/** This server's address as players on other devices should type it, or '' when this
 *  page was opened on the server's own machine (localhost, 127.x), an address that
 *  means nothing on a player's phone. */
export function publicHost() {
  const h = location.hostname;
  if (h === 'localhost' || h === '::1' || h === '[::1]' || /^127\./.test(h)) return '';
  return location.host;
}

export function param(name) {
  return new URLSearchParams(location.search).get(name);
}
