#!/usr/bin/env bash
# ModelBuilder export of a Qwen3-0.6B-shaped checkpoint (596 M random bf16 parameters, 1.19 GB, made by
# make_qwen3_shaped.py) to fp32 and int4 (block 32, symmetric) with `olivenet run`, against a plain copy of the same
# bytes. Reports wall time, the pass's own time (without hashing the input), peak RSS and output size.
#   bench/export/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(pwd)/bench/.work"
mkdir -p "$work"
log="$work/export.log"
: >"$log"
trap 'echo "failed; last lines of $log:" >&2; tail -n 20 "$log" >&2' ERR

ckpt="$work/qwen3-0.6b-shaped"
[ -f "$ckpt/model.safetensors" ] || /usr/bin/python3 bench/export/make_qwen3_shaped.py "$ckpt" >>"$log" 2>&1
dotnet build src/OliveNet.Cli -c Release -v q -nologo >>"$log" 2>&1
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"
size=$(du -sb "$ckpt" | cut -f1)

rm -rf "$work/copy"
start=$(date +%s.%N); cp -r "$ckpt" "$work/copy"; sync; end=$(date +%s.%N)
printf '%-22s %8.1f s  %29s %9.0f MB\n' "plain copy" "$(echo "$end - $start" | bc)" "" "$((size / 1000000))"
rm -rf "$work/copy"

for precision in fp32 int4; do
  recipe="$work/export-$precision.yaml"
  cat >"$recipe" <<YAML
workflow_id: export_$precision
input_model: {type: HfModel, model_path: $ckpt}
passes:
  builder: {type: ModelBuilder, precision: $precision, int4_block_size: 32, int4_is_symmetric: true, int4_accuracy_level: 4}
cache_dir: $work/cache
output_dir: $work/out-$precision
clean_cache: true
YAML
  start=$(date +%s.%N)
  /usr/bin/time -v "$cli" run "$recipe" --json >"$work/run-$precision.json" 2>"$work/time-$precision.txt"
  end=$(date +%s.%N)
  rss=$(grep "Maximum resident" "$work/time-$precision.txt" | awk '{print $NF}')
  pass=$(grep -m1 '"duration_ms"' "$work/run-$precision.json" | tr -dc '0-9.')
  out=$(du -sb "$work/out-$precision" | cut -f1)
  printf '%-22s %8.1f s  (pass %6.1f s)  peak RSS %5d MB  output %6d MB\n' "olivenet $precision" "$(echo "$end - $start" | bc)" \
    "$(echo "$pass / 1000" | bc -l)" "$((rss / 1024))" "$((out / 1000000))"
  rm -rf "$work/cache" "$work/out-$precision"
done
