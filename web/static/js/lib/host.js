// The host password: asked for by the start page when the server needs one (GET
// /api/host), kept in this tab's sessionStorage only, sent as `X-Host-Password`.
import { api } from './api.js';

const KEY = 'wargame.hostPassword';

/** Whether this server asks for the host password (false when it cannot be asked). */
export async function passwordRequired() {
  try {
    const res = await api('GET', '/api/host');
    return !!(res && res.password_required);
  } catch (e) {
    return false;
  }
}

export function hostPassword() {
  try {
    return sessionStorage.getItem(KEY) || '';
  } catch (e) {
    return '';
  }
}

export function rememberHostPassword(value) {
  try {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  } catch (e) {
    /* private mode: the page asks again */
  }
}

/** The header that carries it, when this tab has one. */
export function hostHeaders() {
  const p = hostPassword();
  return p ? { 'X-Host-Password': p } : {};
}
