# Sourced by connect-ab.sh and connect-rounds-ab.sh: one connect phase of PR2's shape and its line.
# Needs MQTT_URL (and the broker's credentials in the environment when it authenticates).
#
#   connect_run LABEL PARALLELISM WORK_DIR   (AGENT_ENTRY may name another agent build)
#
# Waits (up to 60 s) for the broker to be idle first, so no run pays for the previous one's 10k
# disconnects; then 10,000 lean devices (CP_DEVICES) over 8 partitions (CP_PARTS), one local agent
# process (as the runbook runs), 1 msg/s for 5 s. Prints the connect rate, the connect latency, the
# SYNs this host dropped at full accept queues and the broker's CPU over the run.
connect_run() {
  local label=$1 p=$2 work=$3 a id before drops broker
  # The broker of this run (connect-rounds-ab.sh starts a new one before each run).
  broker=$(docker inspect -f '{{.State.Pid}}' sousvide-mosquitto)
  broker_ticks() { awk '{print $14 + $15}' "/proc/$broker/stat"; }
  for _ in $(seq 1 60); do # idle: under 5 % of a core over a second
    a=$(broker_ticks); sleep 1
    [ $(($(broker_ticks) - a)) -lt 5 ] && break
  done
  nstat -n >/dev/null 2>&1 || true
  id="connect-ab-$label-$p-$(date +%H%M%S)"
  before=$(broker_ticks)
  ARTIFACTS_DIR="$work" JUDGE_SLO=0 timeout 300 \
    node dist/apps/sim-coordinator/main.js loadtest run --connections "${CP_DEVICES:-10000}" \
    --partitions "${CP_PARTS:-8}" --parallelism "$p" --mps 1 --duration 5 --qos 1 --model lean \
    --run-id "$id" --max-attempts 1 --broker-url "$MQTT_URL" >"$work/$id.out" 2>&1 || true
  drops=$(nstat 2>/dev/null | awk '/ListenOverflows/ {print $2}' || true)
  node -e '
    const [file, label, drops, ticks] = process.argv.slice(1);
    const s = require(file), l = s.connect_latency_ms;
    console.log(`${label}: ${s.connect_rate_per_sec} CONNECT/s, latency p50 ${l.p50} p95 ${l.p95} max ${l.max} ms, ` +
      `${drops || 0} SYNs dropped, ${s.connected_total} connected, ${s.failed_total} failed, ` +
      `broker CPU ${(ticks / 100).toFixed(2)} s over the run`);' \
    "$work/$id/attempt-1/connection-summary.json" "$label:$p" "$drops" "$(($(broker_ticks) - before))" ||
    echo "$label:$p: no summary (see $work/$id.out)"
}
