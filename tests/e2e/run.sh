#!/usr/bin/env bash
# End-to-end test of the web consoles: builds `wargame`, makes sure Chromium and the
# node dependencies are there, then plays a full turn in headless Chromium and checks
# the consoles' event reducer under node (reducer.test.mjs).
#   bash tests/e2e/run.sh            install what is missing, build, run
#   bash tests/e2e/run.sh --setup    only install what is missing (Chromium, node deps)
# `cargo test` runs it through tests/browser.rs, with WARGAME_BIN set to the binary
# cargo just built.
# Env: WARGAME_BIN (skip the build), CARGO_TARGET_DIR, CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

# Says what is about to happen. `cargo test` captures this script's output, so the
# note also goes to the terminal when there is one: a first run on a fresh machine
# installs for minutes and should not sit silent.
say() {
  echo "e2e: $*" >&2
  if [ ! -t 2 ]; then
    { echo "e2e: $*" >/dev/tty; } 2>/dev/null || true
  fi
}

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "e2e: $* missing and not root; install it with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  say "apt-get update, then apt-get install $* (Debian packages; this can take a few minutes)"
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
  say "installed $*"
}

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  say "no Chromium at $CHROMIUM: installing it with apt (about 100 MB to download)"
  apt_install chromium
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "no node/npm: installing them with apt"
  apt_install nodejs npm
fi

(
  cd "$HERE"
  if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
    say "installing playwright-core and axe-core with npm ci into tests/e2e/node_modules (the browser driver, which uses the Chromium above and downloads no browser; the accessibility checker)"
    npm ci --no-audit --no-fund --loglevel=error
    say "installed playwright-core and axe-core"
  fi
)

if [ "${1:-}" = "--setup" ]; then
  exit 0
fi

if [ -z "${WARGAME_BIN:-}" ]; then
  cargo build --quiet --bin wargame
  TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
  export WARGAME_BIN="$TARGET/debug/wargame"
fi
export CHROMIUM

cd "$HERE"
# The reducer test talks to the server over WebSockets from node itself; node 20 has
# WebSocket only behind a flag.
NODE_FLAGS=()
if ! node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)'; then
  NODE_FLAGS+=(--experimental-websocket)
fi
node "${NODE_FLAGS[@]}" --test run.mjs room.mjs bots.mjs reducer.test.mjs teamwork.mjs debrief.mjs fork.mjs
