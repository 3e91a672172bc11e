#!/usr/bin/env bash
# Instructions per turn (Engine::respond_at), counted by callgrind, without
# the index build: the probe builds the engine natively-fast under valgrind
# with instrumentation off, runs every message once (so the counts are of
# texts the rules have seen), prints "ready", and only then is it switched on.
# Instruction counts repeat exactly for the same binary and inputs, whatever
# else the machine is doing; wall-clock time on this VM does not.
#
#   scripts/callgrind-turns.sh CORPUS MESSAGE|@FILE[,@FILE…] ITERATIONS
#
# e.g. the 114 bundled dev queries twice each on the 10k synthetic corpus:
#   D=tests/queries/bundled-dev
#   scripts/callgrind-turns.sh /tmp/syn10k @$D/card.jsonl,@$D/mobile.jsonl,@$D/shop_support.jsonl 2
#
# First-sight turns (texts the rules have not seen, as real traffic is):
# warm up on other messages instead, e.g.
#   PROBE_WARM=@$D/card.jsonl scripts/callgrind-turns.sh faq-corpus @tests/decisions/dev/round15-angry.jsonl 1
set -euo pipefail
corpus=$1 message=$2 n=$3
bin=${PROBE:-target/release/examples/latency_probe}
[[ -x $bin ]] || cargo build --release --example latency_probe
out=$(mktemp /tmp/callgrind.XXXXXX) log=$(mktemp /tmp/callgrind-log.XXXXXX)
PROBE_PAUSE=${PROBE_PAUSE:-4} valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
  --toggle-collect='madoguchi::decide::engine::Engine::respond_at' \
  "$bin" "$corpus" "$message" "$n" >"$log" 2>&1 &
pid=$!
until grep -q '^ready' "$log"; do
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 1
done
callgrind_control -i on "$pid" >/dev/null 2>&1
wait "$pid"
total=$(grep -o 'Collected : [0-9]*' "$log" | grep -o '[0-9]*$')
turns=$n
if [[ $message == @* ]]; then
  turns=0
  IFS=, read -ra files <<<"$message"
  for f in "${files[@]}"; do turns=$((turns + $(grep -c '"query"' "${f#@}"))); done
  turns=$((turns * n))
fi
echo "$((total / turns)) instructions per turn ($turns turns; profile: $out, callgrind_annotate $out)"
