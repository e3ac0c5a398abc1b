#!/usr/bin/env bash
# Runs a sharded search on Kubernetes: the recipe as a ConfigMap, the Indexed Job of workers, then—once it is
# Complete—the gather Job. Exits non-zero if the workers fail (the gather is not started then).
#   examples/kubernetes/run.sh RECIPE
# The recipe must read its inputs from places every pod reaches (npm:/hf: references, or paths on a mounted volume).
set -euo pipefail
if [[ $# -ne 1 ]]; then echo "usage: $0 RECIPE" >&2; exit 2; fi
here="$(cd "$(dirname "$0")" && pwd)"
kubectl create configmap olivenet-recipe --from-file=recipe.yaml="$1" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f "$here/cache-pvc.yaml"
kubectl delete job olivenet-search-workers olivenet-search-gather --ignore-not-found
kubectl apply -f "$here/workers.yaml"
# Complete and Failed are both terminal; wait for whichever comes first.
while true; do
  status="$(kubectl get job olivenet-search-workers -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')"
  case " $status " in
    *" Complete "*) break ;;
    *" Failed "*) echo "error: the workers failed; kubectl logs -l app.kubernetes.io/component=search-worker" >&2; exit 1 ;;
  esac
  sleep 10
done
kubectl apply -f "$here/gather.yaml"
kubectl wait --for=condition=complete job/olivenet-search-gather --timeout=24h
kubectl logs job/olivenet-search-gather | grep -v '^\['
