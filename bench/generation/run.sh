#!/usr/bin/env bash
# Prefill/decode tokens/s through ONNX Runtime GenAI vs one bare decoder Run, fp32 vs int4, and the memory-bandwidth bound.
#   bash bench/generation/run.sh [GenerationBench options]   e.g. --layers 8 for a quicker, smaller model
# Generated models are cached in bench/generation/.work (fp32 Qwen3-0.6B-shaped: ~2.4 GB on disk).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$here/.work"; mkdir -p "$work"
dotnet build -c Release "$here/GenerationBench" -o "$work/bin" >/dev/null
"$work/bin/GenerationBench" "$work" "$@"
# ModelBuilder export variants (block size, accuracy_level, fused gate/up, pruned head, embedding) through GenAI:
#   bash bench/generation/exports.sh [ROUNDS]
