#!/usr/bin/env bash
# Does OnnxDynamicQuantization pay off on a transformer? The BERT-like encoder of tests/fixtures/torch/export_encoder.py
# (4 layers, hidden 256, FFN 1024), FP32 vs the output of a one-pass recipe (OnnxDynamicQuantization, defaults), timed
# with `olivenet bench` at ORT's default session level (All: what users get, with the INT8 MatMuls fused to
# DynamicQuantizeMatMul / MatMulIntegerToFloat), rounds interleaved (fp32, int8, fp32, ...) so machine noise hits both.
# input_ids is int64; bench fills integer inputs with seeded values in [0, 8), valid token ids.
# Prints every round, then median p50s, the speed-up fp32/int8 and the size ratio fp32/int8.
#   bench/quantization/dynamic.sh [rounds=3] [threads=1] [sequence=128]
# FUSE=1 runs OrtTransformersOptimization first (OliveNet's attention fusion → com.microsoft.Attention, then ORT's level-2
# fusions: LayerNormalization, BiasGelu, ...) and times three arms interleaved: the unfused FP32 export, the fused FP32
# model, and the dynamic quantization of the fused model (Attention → QAttention). It prints fused-FP32/INT8 and
# unfused-FP32/INT8.
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
encoder="$fixtures/encoder-$(sha256sum "$script" | cut -c1-16).onnx"
if [ ! -f "$encoder" ]; then
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

field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(process.argv[1].split(".").reduce((o,k)=>o[k],JSON.parse(s))))' "$1"; }
median() { node -e 'const s=process.argv.slice(1).map(Number).sort((a,b)=>a-b),m=s.length>>1;console.log((s.length%2?s[m]:(s[m-1]+s[m])/2).toFixed(3))' "$@"; }

variants=(fp32 int8); [ "${FUSE:-0}" = 1 ] && variants=(unfused fp32 int8)
a=(); b=(); u=()
for r in $(seq "$rounds"); do
  line="round $r"
  for variant in "${variants[@]}"; do
    case "$variant" in unfused) model="$unfused";; fp32) model="$encoder";; int8) model="$int8";; esac
    json=$("$cli" bench "$model" --shape "input_ids=1x$sequence" --threads "$threads" --warmup 10 --runs 100 --json 2>>"$log")
    p50=$(field latency_ms.p50 <<<"$json"); ort=$(field onnx_runtime_version <<<"$json")
    case "$variant" in unfused) u+=("$p50");; fp32) a+=("$p50");; int8) b+=("$p50");; esac
    line+=$(printf '  %s p50 %8.3f ms' "$variant" "$p50")
  done
  echo "$line"
done

ratio() { node -e 'console.log((process.argv[1]/process.argv[2]).toFixed(2))' "$1" "$2"; }
ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
speedup=$(ratio "$ma" "$mb")
size_fp32=$(cat "$encoder"* | wc -c)
size_int8=$(cat "$work/output"/model.onnx* | wc -c)
size_ratio=$(ratio "$size_fp32" "$size_int8")

echo
echo "ONNX Runtime $ort, CPUExecutionProvider, session level All, $threads thread(s), $rounds interleaved rounds, input_ids 1x$sequence, $(nproc) cores"
echo "| model | p50 fp32 (ms) | p50 int8 (ms) | speed-up fp32/int8 | size fp32 (bytes) | size int8 (bytes) | size fp32/int8 |"
echo "|---|---|---|---|---|---|---|"
label="encoder (4x256)"; [ "${FUSE:-0}" = 1 ] && label="encoder (4x256), fused fp32 vs fused int8"
echo "| $label | $ma | $mb | ${speedup}x | $size_fp32 | $size_int8 | ${size_ratio}x |"
if [ "${FUSE:-0}" = 1 ]; then
  mu=$(median "${u[@]}")
  echo "| encoder (4x256), unfused fp32 vs fused int8 | $mu | $mb | $(ratio "$mu" "$mb")x | $(cat "$unfused"* | wc -c) | $size_int8 | $(ratio "$(cat "$unfused"* | wc -c)" "$size_int8")x |"
  echo "unfused fp32 / fused fp32: $(ratio "$mu" "$ma")x"
fi
