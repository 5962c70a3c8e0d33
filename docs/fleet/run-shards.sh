#!/bin/sh
# The Indexed Job's logic on one machine: runs N shards of one audit as N processes, as Kubernetes runs N pods
# (each with its JOB_COMPLETION_INDEX), then merges their reports as the merge Job does.
# usage: run-shards.sh REPO_DIR REPO_NAME N REPORTS_DIR
# Exit: `leakgate report merge`'s (0 clean, 1 findings, 2 a shard failed or left input unread).
set -eu
[ $# -eq 4 ] || { echo "usage: run-shards.sh REPO_DIR REPO_NAME N REPORTS_DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
export REPO_DIR="$1" REPO_NAME="$2" SHARDS="$3" REPORTS="$4"
pids=""
i=0
while [ "$i" -lt "$SHARDS" ]; do
  JOB_COMPLETION_INDEX=$i sh "$here/shard.sh" &
  pids="$pids $!"
  i=$((i + 1))
done
failed=0
for pid in $pids; do
  wait "$pid" || failed=1
done
if [ "$failed" -ne 0 ]; then
  echo "a shard failed: not merging an incomplete audit" >&2
  exit 2
fi
exec leakgate report merge --format json -o "$REPORTS/merged.json" "$REPORTS"/shard-*-of-"$SHARDS".json
