#!/usr/bin/env bash
# Installs node-llama-cpp 3.22.1 with its prebuilt Linux x64 CPU binaries (no compiler, no GPU packages) into the
# OliveNet cache, copies our runner script next to it and prints the runner's path. The runner is a second llama.cpp
# build, independent of LLamaSharp's, for the GGUF cross-check tests and the llama.cpp arm of bench/generation.
#   build/fetch-node-llama-cpp.sh     # → ~/.cache/olivenet/node-llama-cpp-3.22.1/greedy.mjs
# Cache root: $OLIVENET_CACHE, else ~/.cache/olivenet. Installed into a temp folder and renamed into place, so a killed
# install leaves only a temp folder behind and concurrent runs each see a whole copy or none.
set -euo pipefail
version="3.22.1"
here="$(cd "$(dirname "$0")" && pwd)"
root="${OLIVENET_CACHE:-$HOME/.cache/olivenet}"
dest="$root/node-llama-cpp-$version"
runner="$dest/greedy.mjs"
if [ -d "$dest/node_modules/@node-llama-cpp/linux-x64" ]; then
  cmp -s "$here/node-llama-cpp/greedy.mjs" "$runner" || { cp "$here/node-llama-cpp/greedy.mjs" "$runner.tmp" && mv "$runner.tmp" "$runner"; }
  printf '%s\n' "$runner"; exit 0
fi
mkdir -p "$root"
tmp="$(mktemp -d "$root/.tmp-node-llama-cpp-$version-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
printf '{"private": true, "type": "module"}\n' >"$tmp/package.json"
# --omit=optional: only the linux-x64 CPU binaries named here, not the CUDA/Vulkan/ARM ones (85 MB instead of 725 MB).
npm install --silent --no-audit --no-fund --ignore-scripts --omit=optional --prefix "$tmp" \
  "node-llama-cpp@$version" "@node-llama-cpp/linux-x64@$version" >"$tmp/npm.log" 2>&1 || {
  echo "error: could not install npm package node-llama-cpp@$version:" >&2; cat "$tmp/npm.log" >&2; exit 1; }
rm -f "$tmp/npm.log"
cp "$here/node-llama-cpp/greedy.mjs" "$tmp/greedy.mjs"
mv -T "$tmp" "$dest" 2>/dev/null || true   # another run may have won the race; either copy is whole
trap - EXIT
rm -rf "$tmp"
[ -f "$runner" ] || { echo "error: node-llama-cpp@$version installed, but $runner is missing" >&2; exit 1; }
printf '%s\n' "$runner"
