#!/usr/bin/env bash
# Runbook-compatible wrapper over the coordinator's CLI:
#   run-distributed <totalConnections> <partitions> <connectParallelism> <mps> <durationSec> <qos>
# Environment as in the runbook: SIM_TASK, RUN_ID, MAX_ATTEMPTS, MIN_PARALLELISM, MAX_PARTITIONS,
# PART_TIMEOUT_SECONDS, REQUIRE_BUSINESS_SUMMARY (plus REDIS_URL, MQTT_URL, ARTIFACTS_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

if [ "$#" -ne 6 ]; then
  echo "usage: $0 <totalConnections> <partitions> <connectParallelism> <mps> <durationSec> <qos>" >&2
  exit 2
fi

# One-time preparation: build the agent and coordinator once; partitions then run plain `node`.
if [ ! -f dist/apps/sim-coordinator/main.js ] || [ ! -f dist/apps/sim-agent/main.js ]; then
  echo "building sim-agent and sim-coordinator once..." >&2
  npx nx run-many -t build -p sim-agent sim-coordinator --outputStyle=static >&2
fi

exec node dist/apps/sim-coordinator/main.js loadtest run \
  --connections="$1" --partitions="$2" --parallelism="$3" --mps="$4" --duration="$5" --qos="$6"
