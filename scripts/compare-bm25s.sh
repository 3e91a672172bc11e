#!/usr/bin/env bash
# Compares madoguchi with bm25s-j (PyPI) on labelled queries: quality and
# speed in one run. Run by hand; not part of CI.
#
#   scripts/compare-bm25s.sh                       # bundled corpus, its dev set
#   scripts/compare-bm25s.sh CORPUS CASES [CORPUS CASES]...
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-dictionary.sh
cargo build --release --quiet --bin madoguchi
VENV=target/bm25s-venv
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "bm25s-j==0.2.0"
fi
"$VENV/bin/python" scripts/compare_bm25s.py . "$@"
