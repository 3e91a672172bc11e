#!/usr/bin/env bash
# Builds the IPADIC system dictionary into dictionaries/ipadic, offline except
# for Debian's package archive. Safe to run repeatedly: it does nothing when the
# dictionary is already built from the pinned package.
#
#   1. apt-get download mecab-ipadic (pinned version), check its sha256
#   2. dpkg-deb -x, convert the EUC-JP *.csv / *.def sources to UTF-8
#   3. compile with Lindera's builder (`madoguchi build-dictionary`), which
#      writes to a temp dir and renames, since the dictionary is mmapped.
set -euo pipefail
cd "$(dirname "$0")/.."

PKG_VERSION="2.7.0-20070801+main-3"
PKG_SHA256="2a59bb65193b605cec3e5540e69e7d3ce8db4624744f8686f419aa0cf3f327f2"
OUT="dictionaries/ipadic"
STAMP="$OUT/.built-from"
WORK="target/ipadic-src"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$PKG_SHA256" && -f "$OUT/metadata.json" ]]; then
  echo "setup: dictionary $OUT is up to date"
  exit 0
fi

mkdir -p "$WORK"
DEB="$(ls "$WORK"/mecab-ipadic_*_all.deb 2>/dev/null | head -n1 || true)"
if [[ -z "$DEB" ]] || ! echo "$PKG_SHA256  $DEB" | sha256sum -c --quiet - 2>/dev/null; then
  rm -f "$WORK"/mecab-ipadic_*_all.deb
  echo "setup: downloading mecab-ipadic=$PKG_VERSION from the Debian archive"
  # apt's sandbox user cannot write into our tree; download as the current user.
  if ! (cd "$WORK" && apt-get download -o APT::Sandbox::User=root "mecab-ipadic=$PKG_VERSION" 2>/dev/null); then
    echo "setup: package lists are stale; running apt-get update"
    apt-get update -qq
    (cd "$WORK" && apt-get download -o APT::Sandbox::User=root "mecab-ipadic=$PKG_VERSION")
  fi
  DEB="$(ls "$WORK"/mecab-ipadic_*_all.deb | head -n1)"
fi
echo "$PKG_SHA256  $DEB" | sha256sum -c --quiet - || {
  echo "setup: sha256 mismatch for $DEB (expected $PKG_SHA256)" >&2
  exit 1
}

rm -rf "$WORK/x" "$WORK/utf8"
dpkg-deb -x "$DEB" "$WORK/x"
mkdir -p "$WORK/utf8"
for f in "$WORK"/x/usr/share/mecab/dic/ipadic/*.csv "$WORK"/x/usr/share/mecab/dic/ipadic/*.def; do
  iconv -f EUC-JP -t UTF-8 "$f" > "$WORK/utf8/$(basename "$f")"
done
echo "setup: converted $(ls "$WORK/utf8" | wc -l) source files to UTF-8"

cargo build --release --quiet --bin madoguchi
echo "setup: compiling the dictionary (about a minute)"
./target/release/madoguchi build-dictionary --source "$WORK/utf8" --output "$OUT"
echo "$PKG_SHA256" > "$STAMP"
echo "setup: dictionary ready in $OUT"
