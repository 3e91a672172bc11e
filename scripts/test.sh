#!/usr/bin/env bash
# Runs the whole test suite: sets up the dictionary if needed, then the unit,
# integration and doc tests in the release profile (the one profile we build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-dictionary.sh
cargo test --release "$@"
