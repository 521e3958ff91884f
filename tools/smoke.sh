#!/usr/bin/env bash
# The main job end to end on a fresh machine: install what is missing (npm dependencies, Docker
# engine, registry-free service images), start Redis, Mosquitto and the Influx v2 write endpoint,
# build once, start one ingest gateway, then run the smoke load test through the runbook wrapper:
# 200 devices, 1 partition, parallelism 40, 1 msg/s each, 10 s, QoS 1. Both summaries are printed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/env.sh
. tools/stack/env.sh
. tools/stack/wait.sh
bash tools/stack/ensure-prereqs.sh
eval "$(bash tools/stack/up.sh)"
# The secure stack (the default) also gives the gateway its identity and the agents the fleet
# secret and manifest; with STACK_SECURE=0 these stay unset.
export REDIS_URL MQTT_URL INFLUX_URL INFLUX_TOKEN_FILE MQTT_USERNAME MQTT_PASSWORD_FILE MQTT_MONITOR_USERNAME MQTT_MONITOR_PASSWORD_FILE FLEET_SECRET_FILE FLEET_MANIFEST_FILE
npx nx run-many -t build -p sim-agent sim-coordinator ingest-gateway --outputStyle=static

gateway_log="${TMPDIR:-/tmp}/sousvide-gateway.log"
: >"$gateway_log"
GATEWAY_ID=smoke-gateway OPS_PORT="${GATEWAY_OPS_PORT:-9470}" node $GATEWAY_NODE_FLAGS dist/apps/ingest-gateway/main.js >>"$gateway_log" 2>&1 &
gateway_pid=$!
trap 'kill "$gateway_pid" 2>/dev/null; wait "$gateway_pid" 2>/dev/null || true' EXIT
if ! wait_until 60 "$gateway_pid" http_ok "http://127.0.0.1:${GATEWAY_OPS_PORT:-9470}/health"; then
  tail -20 "$gateway_log" >&2
  echo "ingest gateway did not become healthy within 60 s (log: $gateway_log)" >&2
  exit 1
fi
echo "ingest gateway up (log: $gateway_log)" >&2

export BACKEND_LOG_CMD="tail -n0 -F $gateway_log"
SIM_TASK="${SIM_TASK:-mqttLoadTest}" MAX_ATTEMPTS="${MAX_ATTEMPTS:-1}" PART_TIMEOUT_SECONDS="${PART_TIMEOUT_SECONDS:-180}" \
  REQUIRE_BUSINESS_SUMMARY="${REQUIRE_BUSINESS_SUMMARY:-1}" \
  scripts/loadtest/run-distributed.sh 200 1 40 1 10 1
