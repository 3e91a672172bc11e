#!/usr/bin/env bash
# End-to-end test of the chat widget and the insights report in headless
# Chromium (Debian's package, driven by npm's playwright-core): installs what
# is missing, builds the release binary, writes the scripted day of
# tests/insights/ into an events directory (examples/scripted_day.rs) and
# renders it with `madoguchi report`, starts `madoguchi serve --events` on that
# directory on a free loopback port, runs tests/browser/*.test.mjs with node's
# test runner, and always stops the server. Screenshots go to $TMPDIR
# (default /tmp); MADOGUCHI_DOCS_SHOT=docs/report.png also refreshes the
# README's screenshot of the report.
# tests/browser/suggest.test.mjs covers type-ahead (GET /v1/suggest).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then SUDO="sudo"; fi
if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser-test: installing Debian's chromium (and a Japanese font for screenshots)"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-ipafont-gothic >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser-test: installing node and npm"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

# playwright-core at the locked version (it downloads no browser).
want="$(node -p "require('./tests/browser/package-lock.json').packages['node_modules/playwright-core'].version")"
have="$(node -p "try { require('./tests/browser/node_modules/playwright-core/package.json').version } catch (e) { '' }")"
if [[ "$want" != "$have" ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

bash scripts/setup-dictionary.sh
cargo build --release --quiet --bin madoguchi --example scripted_day

LOGS="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$LOGS"
}
trap cleanup EXIT

# A scripted day of conversations (2026-11-16) as events, and its report.
./target/release/examples/scripted_day tests/insights/scripted-day.jsonl "$LOGS/events"
./target/release/madoguchi report --events "$LOGS/events" --out "$LOGS/report.html"

# Port 0: the server picks a free port and prints the address. Its own
# events (today's) land beside the scripted day's; the report test asks for
# 2026-11-16 only.
./target/release/madoguchi serve --corpus faq-corpus --addr 127.0.0.1:0 --events "$LOGS/events" \
  >"$LOGS/out" 2>"$LOGS/err" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 600); do
  URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$LOGS/out" | head -n1 || true)"
  [[ -n "$URL" ]] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "browser-test: the server exited early" >&2
    cat "$LOGS/err" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$URL" ]]; then
  echo "browser-test: the server printed no address within 60 s" >&2
  tail -n 20 "$LOGS/err" >&2
  exit 1
fi
echo "browser-test: server at $URL"

# One file at a time: each starts its own Chromium, and the machine is small.
status=0
SHOT=""
if [[ -n "${MADOGUCHI_DOCS_SHOT:-}" ]]; then SHOT="$(realpath -m "$MADOGUCHI_DOCS_SHOT")"; fi
(cd tests/browser && MADOGUCHI_URL="$URL" MADOGUCHI_REPORT_HTML="$LOGS/report.html" MADOGUCHI_DOCS_SHOT="$SHOT" \
  node --test widget.test.mjs suggest.test.mjs feedback.test.mjs report.test.mjs) || status=$?
if [[ "$status" -ne 0 ]]; then
  echo "browser-test: failed; last server log lines:" >&2
  tail -n 30 "$LOGS/err" >&2
fi
exit "$status"
