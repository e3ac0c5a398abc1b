#!/usr/bin/env bash
# Submits a search as a Slurm job array of N workers plus a gather job that starts when all of them succeeded.
#   examples/slurm/submit.sh N RECIPE CACHE_DIR [OUTPUT_DIR]
# CACHE_DIR "-" keeps the recipe's cache_dir (e.g. a [node-local folder, blob URL] list). Prints the two job ids ("<array id> <gather id>"). Extra sbatch options (partition, account, time limit) go in
# SBATCH_WORKER_OPTS / SBATCH_GATHER_OPTS; OLIVENET names the command (default: olivenet on PATH); EXTRA_SETS adds
# --set options to every step.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 N RECIPE CACHE_DIR [OUTPUT_DIR]" >&2
  exit 2
fi
n="$1"; recipe="$2"; cache_dir="$3"; output_dir="${4:-}"
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: N must be a whole number of workers, 1 or more (got '$n')" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
export RECIPE="$recipe" CACHE_DIR="$cache_dir" OUTPUT_DIR="$output_dir" OLIVENET="${OLIVENET:-olivenet}" EXTRA_SETS="${EXTRA_SETS:-}"
# shellcheck disable=SC2086
array=$(sbatch --parsable --array="0-$((n - 1))" --export=ALL ${SBATCH_WORKER_OPTS:-} "$here/worker.sbatch")
array="${array%%;*}"
# afterok on an array job waits for every task and needs each one to exit 0.
# shellcheck disable=SC2086
gather=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes --export=ALL ${SBATCH_GATHER_OPTS:-} "$here/gather.sbatch")
gather="${gather%%;*}"
echo "$array $gather"
