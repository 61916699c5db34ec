// Building and updating the page. Text from people (names, rationales, notes, injects)
// only ever reaches the page through textContent / createTextNode, and nothing here
// sets an inline style (the Content-Security-Policy forbids them).

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
  return node;
}

function setProps(node, props) {
  if (!props) return node;
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.setAttribute('class', value);
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? '' : String(value));
  }
  return node;
}

/** el('p', {class: 'x'}, 'text', child, ...) */
export function el(tag, props, ...children) {
  return append(setProps(document.createElement(tag), props), children);
}

export function svg(tag, props, ...children) {
  return append(setProps(document.createElementNS(SVG_NS, tag), props), children);
}

export function $(id) {
  return document.getElementById(id);
}

export function clear(node) {
  if (node) node.replaceChildren();
  return node;
}

export function fill(node, ...children) {
  if (!node) return node;
  node.replaceChildren();
  return append(node, children);
}

export function show(node, visible) {
  if (node) node.hidden = !visible;
}

/** Sets a node's text only when it differs, so screen readers and selections are left alone. */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

/** Runs `fn` once the page is parsed (module scripts usually run just before that). */
export function onReady(fn) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
  else fn();
}

const drawn = new Map();

/** Redraws a part of the page only when the data it shows changed, so an open
 *  <details>, a half-typed note or a message next to a button survives the many
 *  events that do not concern it. */
export function drawIfChanged(part, data, fn) {
  const sig = signature(data);
  if (drawn.get(part) === sig) return false;
  drawn.set(part, sig);
  fn();
  return true;
}

/** JSON with object keys sorted: a snapshot (keys sorted by the server) and the same
 *  data built up from live events (keys in struct order) sign alike, so a fresh
 *  snapshot does not redraw a part whose content did not change. */
export function signature(data) {
  return JSON.stringify(data, (key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.keys(value)
          .sort()
          .reduce((o, k) => {
            o[k] = value[k];
            return o;
          }, {})
      : value
  );
}

const keyed = new WeakMap(); // a child drawn by drawKeyed -> {key, sig}

/** Draws `node`'s children from `entries` ({key, data, build}), keeping the child
 *  already drawn for a key whose `data` signs the same: it is not built, laid out and
 *  painted again, and an arrival animation runs only for what just arrived. Children
 *  that stay are never detached (re-inserting an element restarts its animations). */
export function drawKeyed(node, entries) {
  if (!node) return;
  const before = new Map();
  for (const child of node.children) {
    const k = keyed.get(child);
    if (k) before.set(k.key, [child, k.sig]);
  }
  const next = entries.map(({ key, data, build }) => {
    const sig = signature(data);
    const had = before.get(key);
    if (had && had[1] === sig) {
      before.delete(key);
      return had[0];
    }
    const made = build();
    keyed.set(made, { key, sig });
    return made;
  });
  let cursor = node.firstChild;
  for (const child of next) {
    if (child === cursor) cursor = cursor.nextSibling;
    else node.insertBefore(child, cursor);
  }
  while (cursor) {
    const after = cursor.nextSibling;
    cursor.remove();
    cursor = after;
  }
}

/** A render function that runs at most once per frame however many events arrive:
 *  publishing a turn sends a dozen events at once, and drawing the page for each of
 *  them kept phones busy for half a second. Hidden tabs get no animation frames, so a
 *  timer stands in for them there. */
export function renderer(fn) {
  let queued = false;
  const run = () => {
    if (!queued) return;
    queued = false;
    fn();
  };
  return () => {
    if (queued) return;
    queued = true;
    if (document.visibilityState === 'visible') window.requestAnimationFrame(run);
    window.setTimeout(run, 100);
  };
}

/** Rebuilds part of the page without losing the keyboard focus or a half-typed value. */
export function keepFocus(fn) {
  const a = document.activeElement;
  const id = a && a.id;
  let start = null;
  let end = null;
  try {
    start = a && a.selectionStart;
    end = a && a.selectionEnd;
  } catch (e) {
    start = null;
  }
  fn();
  if (id && document.activeElement !== a) {
    const again = document.getElementById(id);
    if (again) {
      again.focus();
      try {
        if (start !== null && again.setSelectionRange) again.setSelectionRange(start, end);
      } catch (e) {
        /* not a text field */
      }
    }
  }
}

/** Downloads a blob as a file. */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, class: 'sr-only', text: filename });
  document.body.appendChild(a);
  a.click();
  window.setTimeout(() => {
    URL.revokeObjectURL(url);
    a.remove();
  }, 1000);
}
