#!/usr/bin/env bash
# Register the two job definitions, run the shards as an array job of 4 children (Batch sets
# AWS_BATCH_JOB_ARRAY_INDEX, 0 to 3, in each), then the merge once every child has succeeded: Batch
# fails a job whose dependency failed without running it, so each child exits 0 once it has written
# its document (`|| true` in shard-job-definition.json); the merged document and the merge's exit
# code carry the run's outcome, and a child that wrote no document is named as missing.
set -euo pipefail
queue=${1:?usage: submit.sh JOB_QUEUE}
cd "$(dirname "$0")"
aws batch register-job-definition --cli-input-json file://shard-job-definition.json >/dev/null
aws batch register-job-definition --cli-input-json file://merge-job-definition.json >/dev/null
array=$(aws batch submit-job --job-name kms-replicate-shards --job-queue "$queue" \
  --job-definition kms-replicate-shard --array-properties size=4 --query jobId --output text)
aws batch submit-job --job-name kms-replicate-merge --job-queue "$queue" \
  --job-definition kms-replicate-merge --depends-on "jobId=$array" --query jobId --output text
