#!/usr/bin/env bash
# Over-temperature reading to heater-off command p95 while the store is down (issue 13, target
# <= 100 ms), beside the bare broker hop in the same run. Starts its own Redis and Mosquitto
# containers (named "$BENCH_NAME-..."; never the local stack's) and one gateway whose Influx URL
# refuses connections, so every batch sits in the store's retries; then tools/bench/
# failsafe-latency.js publishes FS_DEVICES hot readings at FS_RATE/s. Prints figures; not a test.
# Bounded: the publisher gives up after 60 s; containers and gateway are always removed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tools/stack/env.sh
. tools/stack/wait.sh
name="${BENCH_NAME:-fsbench}-$$"
work=$(mktemp -d /tmp/failsafe-bench.XXXXXX)
gw=""
cleanup() {
  [ -n "$gw" ] && kill "$gw" 2>/dev/null && wait "$gw" 2>/dev/null
  docker rm -f "$name-redis" "$name-mqtt" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -f dist/apps/ingest-gateway/main.js ] || npx nx run ingest-gateway:build --outputStyle=static >/dev/null
docker run -d --name "$name-redis" -p 127.0.0.1::6379 "$REDIS_IMAGE" >/dev/null
docker run -d --name "$name-mqtt" -p 127.0.0.1::1883 "$MOSQUITTO_IMAGE" >/dev/null
port_of() { docker port "$1" "$2" | head -n1 | sed 's/.*://'; }
redis_url="redis://127.0.0.1:$(port_of "$name-redis" 6379)"
mqtt_url="mqtt://127.0.0.1:$(port_of "$name-mqtt" 1883)"
ops_port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
for _ in $(seq 1 60); do
  node -e "require('mqtt').connectAsync(process.argv[1],{reconnectPeriod:0,connectTimeout:1000}).then((c)=>c.end(true,()=>process.exit(0)),()=>process.exit(1))" "$mqtt_url" && break
  sleep 0.5
done
# The store is down: port 9 (discard) refuses, and each batch retries for a minute.
GATEWAY_ID="$name" OPS_PORT="$ops_port" MQTT_URL="$mqtt_url" REDIS_URL="$redis_url" \
  INFLUX_URL=http://127.0.0.1:9 INFLUX_TOKEN=bench INFLUX_ORG=bench INFLUX_BUCKET=bench \
  INFLUX_RETRY_BUDGET_MS=60000 AUDIT_LOG_PATH="$work/audit.jsonl" SPOOL_DIR="$work/spool" \
  LOG_LEVEL=warn node dist/apps/ingest-gateway/main.js >"$work/gw.log" 2>&1 &
gw=$!
wait_until 60 "$gw" http_ok "http://127.0.0.1:$ops_port/health" ||
  { cat "$work/gw.log" >&2; echo "failsafe-latency: the gateway did not become healthy within 60 s" >&2; exit 1; }
result=$(node tools/bench/failsafe-latency.js "$mqtt_url" "${FS_DEVICES:-300}" "${FS_RATE:-50}")
echo "$result"
node -e "
const r = JSON.parse(process.argv[1]);
console.log('heater-off p50/p95/p99/max ms: ' + [r.command_ms.p50, r.command_ms.p95, r.command_ms.p99, r.command_ms.max].join('/') +
  '; broker hop p50/p95 ms: ' + r.reference_ms.p50 + '/' + r.reference_ms.p95 + '; commands ' + r.commands + '/' + r.devices);
" "$result"
stored=$(node -e "fetch('http://127.0.0.1:$ops_port/metrics').then((r)=>r.text()).then((t)=>{const l=t.split('\n').find((x)=>x.startsWith('ingest_pipeline_success_total '));console.log(l?l.split(' ')[1]:'0')})")
echo "stored while measuring (the store is down, expect 0): $stored"
echo "audit: $(grep -c '"decision":"sent"' "$work/audit.jsonl" || true) sent of $(wc -l <"$work/audit.jsonl") records"
