#!/usr/bin/env bash
# The runbook's Phase F PR2 load on one machine: simulator and backend together.
#   10,000 connections x 1 msg/s x 60 s, QoS 1, 8 partitions, strict Influx mode, one gateway.
# Reports figures (connection + business summaries, SLO verdicts, gateway CPU); not a test.
# Override with PR2_CONNECTIONS, PR2_PARTITIONS, PR2_PARALLELISM, PR2_MPS, PR2_DURATION,
# PR2_GATEWAY_CONNECTIONS, PR2_MODE (strict|bypass).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tools/stack/env.sh
. tools/stack/wait.sh
eval "$(bash tools/stack/up.sh)"
npx nx run-many -t build -p sim-agent sim-coordinator ingest-gateway --outputStyle=static >/dev/null
# up.sh's broker runs on the host network: no docker-proxy on the route (docs/adr/0012).
export MQTT_URL REDIS_URL INFLUX_URL INFLUX_TOKEN_FILE MQTT_USERNAME MQTT_PASSWORD_FILE MQTT_MONITOR_USERNAME MQTT_MONITOR_PASSWORD_FILE FLEET_SECRET_FILE FLEET_MANIFEST_FILE
artifacts=$(mktemp -d /tmp/pr2-bench.XXXXXX)
gw_log="$artifacts/gateway.log"
GATEWAY_ID=pr2-gw OPS_PORT=9479 INGEST_MQTT_CONNECTIONS="${PR2_GATEWAY_CONNECTIONS:-4}" \
  INGEST_INFLUX_WRITE_MODE="${PR2_MODE:-strict}" node dist/apps/ingest-gateway/main.js >"$gw_log" 2>&1 &
gw=$!
trap 'kill "$gw" 2>/dev/null || true' EXIT
wait_until 60 "$gw" http_ok http://127.0.0.1:9479/health ||
  { cat "$gw_log"; echo "pr2-bench: the gateway did not become healthy within 60 s" >&2; exit 1; }
cpu0=$(awk '{print $14 + $15}' "/proc/$gw/stat")
t0=$(date +%s)
set +e
ARTIFACTS_DIR="$artifacts" MAX_ATTEMPTS=1 RUN_ID="pr2-$(date -u +%Y%m%d-%H%M%S)" BACKEND_LOG_CMD="tail -n0 -F $gw_log" \
  timeout $(( ${PR2_DURATION:-60} + 300 )) scripts/loadtest/run-distributed.sh "${PR2_CONNECTIONS:-10000}" \
  "${PR2_PARTITIONS:-8}" "${PR2_PARALLELISM:-120}" "${PR2_MPS:-1}" "${PR2_DURATION:-60}" 1 2>"$artifacts/progress.log"
rc=$?
set -e
cpu1=$(awk '{print $14 + $15}' "/proc/$gw/stat")
secs=$(( $(date +%s) - t0 ))
echo "gateway CPU: $(( (cpu1 - cpu0) * 100 / $(getconf CLK_TCK) / (secs > 0 ? secs : 1) ))% of one core averaged over ${secs}s (whole run incl. connect and drain)"
echo "coordinator exit: $rc; artifacts: $artifacts"
