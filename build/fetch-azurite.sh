#!/usr/bin/env bash
# Installs Azurite (Microsoft's Azure Storage emulator, with its npm dependencies) into the OliveNet cache and prints
# the path of its blob-service launcher, for the shared-cache tests and bench/cache/blob.sh.
#   build/fetch-azurite.sh            # → ~/.cache/olivenet/azurite-3.37.0/node_modules/azurite/dist/src/blob/main.js
# Cache root: $OLIVENET_CACHE, else ~/.cache/olivenet. Installed into a temp folder and renamed into place, so a killed
# install leaves only a temp folder behind and concurrent runs each see a whole copy or none.
set -euo pipefail
version="3.37.0"
root="${OLIVENET_CACHE:-$HOME/.cache/olivenet}"
dest="$root/azurite-$version"
main="$dest/node_modules/azurite/dist/src/blob/main.js"
if [ -f "$main" ]; then printf '%s\n' "$main"; exit 0; fi
mkdir -p "$root"
tmp="$(mktemp -d "$root/.tmp-azurite-$version-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$tmp" "azurite@$version" >"$tmp/npm.log" 2>&1 || {
  echo "error: could not install npm package azurite@$version:" >&2; cat "$tmp/npm.log" >&2; exit 1; }
rm -f "$tmp/npm.log"
mv -T "$tmp" "$dest" 2>/dev/null || true   # another run may have won the race; either copy is whole
trap - EXIT
rm -rf "$tmp"
[ -f "$main" ] || { echo "error: azurite@$version installed, but $main is missing" >&2; exit 1; }
printf '%s\n' "$main"
