#!/usr/bin/env bash
# Chat with the bundled FAQ corpus: sets up the dictionary if needed, then
# starts `madoguchi chat` on faq-corpus/. Extra arguments go to `chat`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-dictionary.sh
cargo run --release --quiet -- chat "$@"
