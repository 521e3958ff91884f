#!/usr/bin/env bash
# The main job end to end on a fresh machine: install what is missing (npm dependencies, Docker
# engine, registry-free service images), start Redis and Mosquitto, build the agent and the
# coordinator once, then run the smoke load test through the runbook wrapper:
# 200 devices, 1 partition, parallelism 40, 1 msg/s each, 10 s, QoS 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/env.sh
. tools/stack/env.sh
bash tools/stack/ensure-prereqs.sh
eval "$(bash tools/stack/up.sh)"
export REDIS_URL MQTT_URL
npx nx run-many -t build -p sim-agent sim-coordinator --outputStyle=static
SIM_TASK="${SIM_TASK:-mqttLoadTest}" MAX_ATTEMPTS="${MAX_ATTEMPTS:-1}" PART_TIMEOUT_SECONDS="${PART_TIMEOUT_SECONDS:-180}" \
  exec scripts/loadtest/run-distributed.sh 200 1 40 1 10 1
