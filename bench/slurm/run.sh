#!/usr/bin/env bash
# Proof on a real cluster: starts a one-node Slurm cluster on this machine (munged + slurmctld + slurmd, generated
# slurm.conf with this host's name, CPUs and memory, every file in a temp dir), runs the 8-candidate PP-OCRv4 rec
# search (ppocr-rec-search8.yaml) once in one process and once as a 4-task job array plus a gather job
# (examples/slurm/submit.sh), compares the published files byte for byte and prints both wall times. Everything it
# started is stopped on exit, by process id.
#   bench/slurm/run.sh [cache_dir]     cache the workers share (default: a fresh folder in the temp dir; later a blob URL)
# Environment: TASKS (array size, default 4), OLIVENET (the command; default: a Release build of src/OliveNet.Cli),
# KEEP=1 keeps the temp dir (logs, both outputs). Needs root (slurmd), slurm-wlm and munge (Debian packages).
# Exit 0: identical; 1: the published files differ or a job failed; 2: cannot start.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
tasks="${TASKS:-4}"
recipe="$root/bench/slurm/ppocr-rec-search8.yaml"
for tool in munged slurmctld slurmd sbatch scontrol sinfo; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found: apt-get install -y slurm-wlm munge" >&2; exit 2; }
done
if [[ $(id -u) -ne 0 ]]; then echo "error: slurmd must run as root here (it starts jobs as their users)" >&2; exit 2; fi

state="$(mktemp -d /tmp/olivenet-slurm-XXXXXX)"
chmod 700 "$state"
shared_cache="${1:-$state/cache-shared}"
pids=()
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
cleanup() {
  local code=$?
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $state"; else rm -rf "$state"; fi
  exit "$code"
}
trap cleanup EXIT

if [[ -z "${OLIVENET:-}" ]]; then
  echo "building src/OliveNet.Cli (Release) ..."
  dotnet build src/OliveNet.Cli -c Release -v q -nologo >"$state/build.log" 2>&1 || { tail -n 20 "$state/build.log" >&2; exit 2; }
  OLIVENET="$root/src/OliveNet.Cli/bin/Release/net10.0/olivenet"
fi

# --- munge: a fresh key, its own socket; Slurm's auth/munge plugin is pointed at that socket.
mkdir -m 700 "$state/munge"
head -c 1024 /dev/urandom >"$state/munge/munge.key"
chmod 400 "$state/munge/munge.key"
munged --foreground --force --key-file="$state/munge/munge.key" --socket="$state/munge/munge.socket" \
  --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" --seed-file="$state/munge/munged.seed" >"$state/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S "$state/munge/munge.socket" ]] && break; sleep 0.1; done
[[ -S "$state/munge/munge.socket" ]] || { echo "error: munged did not start; see $state/munge/munged.log" >&2; exit 2; }

# --- slurm.conf: this host as the one node, as slurmd -C sees it; ports picked at random so two benches do not meet.
host="$(hostname -s)"
node="$(slurmd -C | head -n 1)"
port=$((20000 + RANDOM % 20000))
mkdir -p "$state/ctld" "$state/spool"
: >"$state/plugstack.conf"
cat >"$state/slurm.conf" <<CONF
ClusterName=olivenet-bench
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
PlugStackConfig=$state/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=3600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=bench Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$state/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >"$state/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$state/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do [[ "$(sinfo -h -o %T 2>/dev/null)" == idle ]] && break; sleep 1; done
if [[ "$(sinfo -h -o %T 2>/dev/null)" != idle ]]; then
  echo "error: the Slurm node did not come up; last lines of slurmctld.log and slurmd.log:" >&2
  tail -n 10 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
  exit 2
fi
echo "slurm: cluster olivenet-bench up: $(sinfo -h -o '%P %D node %N, %c CPUs, %m MB, %T')"

# --- one process
echo "single process: olivenet run $(basename "$recipe") ..."
start=$(date +%s.%N)
"$OLIVENET" run "$recipe" --set "cache_dir=$state/cache-single" --set "output_dir=$state/out-single" >"$state/single.out" 2>"$state/single.err" \
  || { echo "error: the single-process run failed:" >&2; tail -n 20 "$state/single.err" >&2; exit 1; }
single=$(since "$start")

# --- job array + gather
echo "slurm: submitting $tasks workers + gather (cache $shared_cache) ..."
start=$(date +%s.%N)
read -r array gather < <(cd "$state" && OLIVENET="$OLIVENET" "$root/examples/slurm/submit.sh" "$tasks" "$recipe" "$shared_cache" "$state/out-sharded")
echo "slurm: array job $array (tasks 0-$((tasks - 1))), gather job $gather (afterok:$array)"
while true; do
  job_state="$(scontrol show job "$gather" -o | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')"
  case "$job_state" in
    COMPLETED) break ;;
    FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | DEADLINE | BOOT_FAIL | PREEMPTED)
      echo "error: gather job $gather ended $job_state; job logs:" >&2
      tail -n 15 "$state"/olivenet-*.out >&2 || true
      exit 1 ;;
  esac
  sleep 2
done
sharded=$(since "$start")
for task in $(seq 0 $((tasks - 1))); do
  echo "--- worker $task (olivenet-worker-${array}_$task.out):"
  grep -v '^\[' "$state/olivenet-worker-${array}_$task.out" || true
  echo "    $(scontrol show job "${array}_$task" -o | grep -o 'JobState=[A-Z]* .*RunTime=[0-9:-]*' | sed 's/ Reason.*ExitCode/ ExitCode/' | awk '{print $1, $NF}')"
done
echo "--- gather (olivenet-gather-$gather.out, progress lines omitted):"
grep -v '^\[' "$state/olivenet-gather-$gather.out" | tail -n 25 || true

# --- compare: the manifest and every file it lists must be identical; the reports carry timings and may differ.
for out in out-single out-sharded; do
  [[ -f "$state/$out/manifest.json" ]] || { echo "error: nothing was published to $state/$out" >&2; exit 1; }
done
status=0
mapfile -t files < <(node -e 'for (const f of JSON.parse(require("fs").readFileSync(process.argv[1])).files) console.log(f.path)' "$state/out-single/manifest.json")
files+=(manifest.json)
for file in "${files[@]}"; do
  if cmp -s "$state/out-single/$file" "$state/out-sharded/$file"; then
    echo "identical  $file"
  else
    echo "DIFFERENT  $file"; status=1
  fi
done
for file in $(cd "$state/out-single" && ls); do
  [[ " ${files[*]} " == *" $file "* ]] && continue
  cmp -s "$state/out-single/$file" "$state/out-sharded/$file" && echo "identical  $file (report)" || echo "differs    $file (report: timings, cache hits)"
done
echo "model.onnx sha256 single  $(sha256sum "$state/out-single/model.onnx" | cut -d' ' -f1)"
echo "model.onnx sha256 sharded $(sha256sum "$state/out-sharded/model.onnx" | cut -d' ' -f1)"
printf 'wall time: one process %.1f s; %d-task job array + gather %.1f s (ratio %.2f) on %s CPUs, load average %s\n' \
  "$single" "$tasks" "$sharded" "$(awk -v a="$sharded" -v b="$single" 'BEGIN { print a / b }')" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
[[ $status -eq 0 ]] && echo "PASS: the sharded search published byte-identical files" || echo "FAIL: published files differ"
exit "$status"
