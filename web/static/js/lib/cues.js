// Attention cues for a room where nobody stares at the screen: a short chime made with
// WebAudio (no audio file), a vibration where the device has one, and a flashing page
// title while the page is in the background, when a new phase begins, an inject arrives
// and the timer enters its last minute (the title only while the page is in the
// background). One switch turns them off, remembered on the
// device (`wargame.cues` in localStorage).
//
// installCues(getState, opts) watches the console's state (the reducer's, read twice a
// second): no page has to call it on each event, and the first state seen only sets the
// baseline, so opening a page makes no noise.
import { el } from './dom.js';
import { clock } from './clock.js';

const KEY = 'wargame.cues';

export function cuesOn() {
  try {
    return localStorage.getItem(KEY) !== 'off';
  } catch (e) {
    return true;
  }
}

function setCues(on) {
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch (e) {
    /* private mode: the switch lasts as long as the page */
  }
}

let audio = null;
function context() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  if (!audio) {
    try {
      audio = new Ctx();
    } catch (e) {
      return null;
    }
  }
  if (audio.state === 'suspended') audio.resume().catch(() => {});
  return audio;
}

/** Two or three soft sine notes; `kind` picks the tune. */
export function chime(kind) {
  const ctx = context();
  if (!ctx || ctx.state !== 'running') return false;
  const tunes = { phase: [660, 880], inject: [880, 660, 880], timer: [523, 523, 523] };
  const notes = tunes[kind] || tunes.phase;
  const t0 = ctx.currentTime + 0.02;
  notes.forEach((f, i) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = f;
    const t = t0 + i * 0.18;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.16);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.18);
  });
  return true;
}

export function vibrate(kind) {
  if (!navigator.vibrate) return false;
  try {
    return navigator.vibrate(kind === 'timer' ? [200, 100, 200, 100, 200] : [150, 80, 150]);
  } catch (e) {
    return false;
  }
}

let flashTimer = null;
let flashBase = '';
const MARK = '\u2605 ';

/** Alternates the title with `text` while the page is in the background, and for a
 *  few seconds once it is back in front. */
export function flashTitle(text) {
  stopFlash();
  flashBase = document.title;
  let on = false;
  let n = 0;
  flashTimer = window.setInterval(() => {
    n += 1;
    if (!on && !document.title.startsWith(MARK)) flashBase = document.title;
    on = !on;
    document.title = on ? `${MARK}${text}` : flashBase;
    if (n >= 4 && !document.hidden) stopFlash();
    if (n >= 120) stopFlash();
  }, 1000);
}

function stopFlash() {
  if (flashTimer === null) return;
  window.clearInterval(flashTimer);
  flashTimer = null;
  if (document.title.startsWith(MARK)) document.title = flashBase;
}

/** Every cue for one happening, when cues are on. Returns what it did, for tests. */
export function cue(kind, text) {
  const done = { kind, text, sound: false, vibration: false, flash: false };
  if (!cuesOn()) return done;
  done.sound = chime(kind);
  done.vibration = vibrate(kind);
  // The title is what a player sees of a tab in the background; in front it would
  // only hide the page's own title (its unread count, the phase).
  if (document.hidden) {
    flashTitle(text);
    done.flash = true;
  }
  window.__wargameCues = (window.__wargameCues || []).concat([done]);
  return done;
}

/** The switch, a toggle button for the page's header. */
export function cueSwitch() {
  const btn = el('button', { type: 'button', class: 'cue-switch link-button', 'aria-pressed': 'true' });
  const draw = () => {
    const on = cuesOn();
    btn.setAttribute('aria-pressed', on ? 'true' : 'false');
    btn.textContent = on ? '\u266a Cues on' : '\u266a Cues off';
    btn.title = on
      ? 'Chime, vibration and a title flash for a new phase, an inject and the last minute: click to turn off'
      : 'Cues are off on this device: click to turn them on';
  };
  btn.addEventListener('click', () => {
    setCues(!cuesOn());
    draw();
    if (cuesOn()) chime('phase');
  });
  draw();
  return btn;
}

/**
 * Watches `getState()` and cues what changed. opts: `mount` (where the switch goes),
 * `phaseText(st)` and `injects` (false: no inject cues, for the White Cell who sends them).
 */
export function installCues(getState, opts) {
  const o = Object.assign({ injects: true }, opts || {});
  if (o.mount) o.mount.appendChild(cueSwitch());
  // Browsers start sound only after a gesture: the first tap or key unlocks it.
  const unlock = () => {
    if (cuesOn()) context();
  };
  window.addEventListener('pointerdown', unlock, { once: true, capture: true });
  window.addEventListener('keydown', unlock, { once: true, capture: true });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && flashTimer !== null) window.setTimeout(stopFlash, 3000);
  });
  let last = null;
  const check = () => {
    const st = getState();
    if (!st) return;
    const timer = st.timer && st.timer.deadline ? st.timer : null;
    const left = timer ? timer.deadline - clock.now() : null;
    const seen = {
      step: `${st.turn}/${st.phase}/${st.ended ? 'ended' : ''}`,
      injects: (st.injects || []).length,
      lastMinute: timer ? `${timer.deadline}` : '',
      low: left !== null && left > 0 && left <= 60000,
    };
    if (last) {
      if (seen.step !== last.step) cue('phase', o.phaseText ? o.phaseText(st) : 'New phase');
      else if (o.injects && seen.injects > last.injects) {
        const i = st.injects[st.injects.length - 1];
        cue('inject', `New inject: ${(i && i.title) || ''}`);
      }
      if (seen.low && !(last.low && last.lastMinute === seen.lastMinute)) cue('timer', 'One minute left');
    }
    last = seen;
  };
  window.setInterval(check, 500);
  check();
}
