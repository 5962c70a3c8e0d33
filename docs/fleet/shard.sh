#!/bin/sh
# One shard of a history audit: what each pod of the Kubernetes Indexed Job runs (k8s-indexed-job.yaml holds this
# file in its ConfigMap) and what run-shards.sh starts N times on one machine.
#
# Environment:
#   REPO_DIR              the repository to audit (a clone or a mirror; --mirror also brings pull-request refs)
#   REPO_NAME             its name in the report (e.g. org/app): `leakgate report merge` groups findings by it
#   SHARDS                how many shards the audit is split into (N)
#   JOB_COMPLETION_INDEX  this shard, 0 .. N-1 (Kubernetes sets it in each pod of an Indexed Job)
#   REPORTS               the folder the shard's JSON report is written to
#   LEAKGATE_SECRET_HASH_KEY  optional: the organisation's key, so the merge sees one secret in many repositories
#
# Exit: 0 when the shard's report is written (findings or not), 2 when the scan could not run or read all of its
# input: the job then fails rather than merge an incomplete audit.
set -eu
: "${REPO_DIR:?} ${REPO_NAME:?} ${SHARDS:?} ${JOB_COMPLETION_INDEX:?} ${REPORTS:?}"
shard=$((JOB_COMPLETION_INDEX + 1))
mkdir -p "$REPORTS"
status=0
leakgate scan --history --repo "$REPO_DIR" --repo-name "$REPO_NAME" --shard "$shard/$SHARDS" \
  --format json -o "$REPORTS/shard-$shard-of-$SHARDS.json" --quiet || status=$?
# 1 means findings: the shard did its work, the merge reports them.
if [ "$status" -gt 1 ]; then
  echo "shard $shard/$SHARDS of $REPO_NAME failed (exit $status)" >&2
  exit 2
fi
