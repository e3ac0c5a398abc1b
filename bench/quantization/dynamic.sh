#!/usr/bin/env bash
# Does OnnxDynamicQuantization pay off on a transformer? The BERT-like encoder of tests/fixtures/torch/export_encoder.py
# (4 layers, hidden 256, FFN 1024), FP32 vs the output of a one-pass recipe (OnnxDynamicQuantization, defaults), timed
# at ORT's default session level (All: what users get, with the INT8 MatMuls fused to DynamicQuantizeMatMul /
# MatMulIntegerToFloat), one run of each model in turn inside one process so machine noise hits all arms alike.
# input_ids is int64, filled with seeded values in [0, 8), valid token ids.
# Prints every round, then median p50s, the speed-up fp32/int8 and the size ratio fp32/int8.
#   bench/quantization/dynamic.sh [rounds=3] [threads=1] [sequence=128]
# FUSE=1 runs OrtTransformersOptimization first (OliveNet's attention fusion → com.microsoft.Attention, then ORT's level-2
# fusions: LayerNormalization, BiasGelu, ...) and times three arms interleaved: the unfused FP32 export, the fused FP32
# model, and the dynamic quantization of the fused model (Attention → QAttention). It prints fused-FP32/INT8 and
# unfused-FP32/INT8.
# ENCODER=path/to/encoder.onnx benches another encoder with an input_ids input instead of the fixture.
# Needs Debian's PyTorch for the export: apt-get install -y python3-torch
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"; threads="${2:-1}"; sequence="${3:-128}"

work="bench/.work/quantization-dynamic"
rm -rf "$work"; mkdir -p "$work"
log="$work/bench.log"
trap 'echo "failed; last lines of $log:" >&2; tail -n 20 "$log" >&2' ERR

# The same cache file the tests use: ~/.cache/olivenet/fixtures/encoder-<first 16 hex of the script's SHA-256>.onnx.
script="tests/fixtures/torch/export_encoder.py"
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "needs Debian's PyTorch: apt-get install -y python3-torch" >&2; exit 1; }
fixtures="${OLIVENET_CACHE:-$HOME/.cache/olivenet}/fixtures"
encoder="${ENCODER:-$fixtures/encoder-$(sha256sum "$script" | cut -c1-16).onnx}"
label="encoder (4x256)"; [ -n "${ENCODER:-}" ] && label="$(basename "$ENCODER")"
if [ -z "${ENCODER:-}" ] && [ ! -f "$encoder" ]; then
  mkdir -p "$fixtures"
  tmp="$fixtures/.tmp-encoder-$$.onnx"
  /usr/bin/python3 "$script" "$tmp" >>"$log" 2>&1
  mv -f "$tmp" "$encoder"
fi

dotnet build src/OliveNet.Cli -c Release -v q -nologo >>"$log" 2>&1
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"

cat >"$work/recipe.yaml" <<YAML
workflow_id: encoder_dynamic_int8
input_model:
  type: ONNXModel
  model_path: $encoder
passes:
  quantize: {type: OnnxDynamicQuantization}
cache_dir: cache
output_dir: output
YAML
unfused="$encoder"
if [ "${FUSE:-0}" = 1 ]; then
  sed -i 's/^passes:$/passes:\n  fuse: {type: OrtTransformersOptimization}/' "$work/recipe.yaml"
  sed -e 's/^workflow_id: .*/workflow_id: encoder_fused/' -e '/quantize:/d' -e 's/output_dir: output/output_dir: fused/' "$work/recipe.yaml" >"$work/fused.yaml"
  "$cli" run "$work/fused.yaml" >>"$log" 2>&1
  encoder="$work/fused/model.onnx"
fi
"$cli" run "$work/recipe.yaml" >>"$log" 2>&1
int8="$work/output/model.onnx"

median() { node -e 'const s=process.argv.slice(1).map(Number).sort((a,b)=>a-b),m=s.length>>1;console.log((s.length%2?s[m]:(s[m-1]+s[m])/2).toFixed(3))' "$@"; }

# Timing: bench/OliveNet.Bench interleaved-latency runs the models in one process, one run of each in turn (100 runs
# each per round), so the load of a shared machine, which swings within seconds, hits every arm alike.
dotnet build bench/OliveNet.Bench -c Release -v q -nologo >>"$log" 2>&1
timer="bench/OliveNet.Bench/bin/Release/net10.0/OliveNet.Bench"
models=("$encoder" "$int8"); [ "${FUSE:-0}" = 1 ] && models=("$encoder" "$int8" "$unfused")
a=(); b=(); u=()
for r in $(seq "$rounds"); do
  out=$("$timer" interleaved-latency --input "input_ids=1x$sequence" --runs 100 --warmup 10 --threads "$threads" "${models[@]}" 2>>"$log")
  echo "$out" >>"$log"
  mapfile -t p50s < <(grep '^p50' <<<"$out" | awk '{print $2}')
  ort=$(head -1 <<<"$out" | awk '{print $3}' | tr -d ,)
  a+=("${p50s[0]}"); b+=("${p50s[1]}")
  line=$(printf 'round %d  fp32 p50 %8.3f ms   int8 p50 %8.3f ms' "$r" "${p50s[0]}" "${p50s[1]}")
  if [ "${FUSE:-0}" = 1 ]; then u+=("${p50s[2]}"); line+=$(printf '   unfused fp32 p50 %8.3f ms' "${p50s[2]}"); fi
  echo "$line"
done

ratio() { node -e 'console.log((process.argv[1]/process.argv[2]).toFixed(2))' "$1" "$2"; }
ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
speedup=$(ratio "$ma" "$mb")
size_fp32=$(cat "$encoder"* | wc -c)
size_int8=$(cat "$work/output"/model.onnx* | wc -c)
size_ratio=$(ratio "$size_fp32" "$size_int8")

echo
echo "ONNX Runtime $ort, CPUExecutionProvider, session level All, $threads thread(s), $rounds rounds of 100 runs per model interleaved run by run, input_ids 1x$sequence, $(nproc) cores"
echo "| model | p50 fp32 (ms) | p50 int8 (ms) | speed-up fp32/int8 | size fp32 (bytes) | size int8 (bytes) | size fp32/int8 |"
echo "|---|---|---|---|---|---|---|"
row="$label"; [ "${FUSE:-0}" = 1 ] && row="$label, fused fp32 vs fused int8"
echo "| $row | $ma | $mb | ${speedup}x | $size_fp32 | $size_int8 | ${size_ratio}x |"
if [ "${FUSE:-0}" = 1 ]; then
  mu=$(median "${u[@]}")
  echo "| $label, unfused fp32 vs fused int8 | $mu | $mb | $(ratio "$mu" "$mb")x | $(cat "$unfused"* | wc -c) | $size_int8 | $(ratio "$(cat "$unfused"* | wc -c)" "$size_int8")x |"
  echo "unfused fp32 / fused fp32: $(ratio "$mu" "$ma")x"
fi
