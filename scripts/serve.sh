#!/usr/bin/env bash
# Chat in a browser: sets up the dictionary if needed, builds, and starts
# `madoguchi serve` on faq-corpus/. It prints the address to open
# (default http://127.0.0.1:8080/). Extra arguments go to `serve`, e.g.
#   ./scripts/serve.sh --addr 127.0.0.1:3000
#   ./scripts/serve.sh --webhook-url http://127.0.0.1:9000/handoff --webhook-secret s3cret
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-dictionary.sh
cargo build --release --quiet --bin madoguchi
exec ./target/release/madoguchi serve --corpus faq-corpus "$@"
