#!/usr/bin/env bash
# Where one decode step and one prefill of a ModelBuilder export spend their time, per operator type and node, from
# ONNX Runtime's own profiler (`olivenet bench --profile-runs`), run on the exported model.onnx with the KV-cache shapes
# generation uses (a 64-token prompt; a decode step at 64 cached positions), all-ones attention mask.
#   bench/generation/profile.sh [EXPORT_DIR=bench/.work/export-defaults] [THREADS=2] [PROMPT=64] [RUNS=20]
# EXPORT_DIR is a ModelBuilder output folder (bench/generation/exports.sh writes bench/.work/export-*). Prints the CPU
# flags and the load average first: run it on an idle machine for absolute times; the shares hold under load too.
set -euo pipefail
cd "$(dirname "$0")/../.."
model="${1:-bench/.work/export-defaults}"; threads="${2:-2}"; prompt="${3:-64}"; runs="${4:-20}"
[ -f "$model/model.onnx" ] || { echo "no $model/model.onnx: run bench/generation/exports.sh first, or name an export folder" >&2; exit 2; }
dotnet build src/OliveNet.Cli -c Release -v q -nologo >/dev/null
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); flags: $(grep -o -w 'avx2\|avx512f\|avx512_vnni\|avx_vnni\|avx512_bf16\|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
common=(--dim batch_size=1 --fill attention_mask=1 --threads "$threads" --warmup 3 --runs 5 --profile-runs "$runs")
echo "== decode step (1 token, $prompt cached)"
"$cli" bench "$model" "${common[@]}" --dim sequence_length=1 --dim past_sequence_length="$prompt" --dim total_sequence_length=$((prompt + 1)) 2>/dev/null | sed -n '/^latency/,$p'
echo "== prefill ($prompt tokens, empty cache)"
"$cli" bench "$model" "${common[@]}" --dim sequence_length="$prompt" --dim past_sequence_length=0 --dim total_sequence_length="$prompt" 2>/dev/null | sed -n '/^latency/,$p'
