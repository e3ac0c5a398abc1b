#!/usr/bin/env bash
# Fetches one npm package tarball (no install scripts, no dependencies) into the OliveNet cache
# and prints the folder that holds its unpacked `package/` contents.
#   build/fetch-npm.sh onnxruntime-node 1.30.0
# Cache root: $OLIVENET_CACHE, else ~/.cache/olivenet. Safe to run concurrently: the unpacked
# folder appears by an atomic rename, so a killed run leaves only a temp folder behind.
set -euo pipefail
name="${1:?package name}"; version="${2:?package version}"
root="${OLIVENET_CACHE:-$HOME/.cache/olivenet}/npm"
safe="$(printf '%s' "$name" | tr '/@' '__')-$version"
dest="$root/$safe"
if [ -d "$dest/package" ]; then printf '%s\n' "$dest/package"; exit 0; fi
mkdir -p "$root"
tmp="$(mktemp -d "$root/.tmp-$safe-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "$name@$version" >/dev/null 2>"$tmp/npm.err" ) || {
  echo "error: could not fetch npm package $name@$version:" >&2; cat "$tmp/npm.err" >&2; exit 1; }
tar -xzf "$tmp"/*.tgz -C "$tmp"
rm -f "$tmp"/*.tgz "$tmp/npm.err"
mkdir -p "$dest"
mv -T "$tmp/package" "$dest/package" 2>/dev/null || true   # another run may have won the race; either copy is whole
trap - EXIT
rm -rf "$tmp"
[ -d "$dest/package" ] || { echo "error: npm package $name@$version could not be moved into $dest/package" >&2; exit 1; }
printf '%s\n' "$dest/package"
