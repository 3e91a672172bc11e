#!/usr/bin/env bash
# Peak resident memory of a served corpus: starts `madoguchi serve` on a free
# port, waits until it listens (it prints its address after loading the
# corpus), sends four messages in one session and prints VmHWM / VmRSS /
# RssAnon / RssFile from /proc (Linux only).
#
# Usage: [SERVE_ARGS="--rules FILE"] scripts/serve-memory.sh [CORPUS]      (default: faq-corpus)
# Needs a release build: cargo build --release
set -euo pipefail
corpus=$(realpath "${1:-faq-corpus}")
cd "$(dirname "$0")/.."
log=$(mktemp)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -f "$log"' EXIT
./target/release/madoguchi serve --corpus "$corpus" --addr 127.0.0.1:0 ${SERVE_ARGS:-} >"$log" 2>&1 &
pid=$!
addr=
for _ in $(seq 1 1500); do
  addr=$(grep -o "http://[0-9.:]*" "$log" | head -1 || true)
  [ -n "$addr" ] && break
  kill -0 $pid 2>/dev/null || { echo "serve exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$addr" ] || { echo "serve did not start within 5 minutes:" >&2; cat "$log" >&2; exit 1; }
sid=$(curl -sf --max-time 10 -X POST "$addr/v1/sessions" | python3 -c 'import sys, json; print(json.load(sys.stdin)["session_id"])')
for q in カードをなくした 支払い方法を変更したい ポイントの有効期限 ふざけるな、何回言わせるんだ; do
  curl -sf --max-time 10 -X POST "$addr/v1/sessions/$sid/messages" -H 'content-type: application/json' \
    -d "{\"text\":\"$q\"}" >/dev/null
done
grep -E "VmHWM|VmRSS|RssAnon|RssFile" /proc/$pid/status
