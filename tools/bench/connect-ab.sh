#!/usr/bin/env bash
# The connect phase alone, PR2's shape, for an A/B of agent builds in one sitting: 10,000 lean
# devices (CP_DEVICES) over 8 partitions (CP_PARTS), local agents (one process, as the runbook
# runs), 1 msg/s for 5 s, the anonymous broker of tools/stack/up.sh. Each run waits (up to 60 s)
# for the broker to be idle first, so no run pays for the previous one's 10k disconnects. Prints
# per run: connect rate, connect latency, and the SYNs this host dropped at full accept queues.
# Not a test.
#
#   bash tools/bench/connect-ab.sh NAME:PARALLELISM [NAME:PARALLELISM ...]
#
# NAME's agent is tmp/ab/agent-NAME/main.js (copy dist/apps/sim-agent/. there after a build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ $# -ge 1 ] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
. tools/stack/env.sh
eval "$(STACK_SECURE=0 bash tools/stack/up.sh)"
export REDIS_URL MQTT_URL
[ -f dist/apps/sim-coordinator/main.js ] || npx nx run sim-coordinator:build --outputStyle=static >&2
work=$(mktemp -d /tmp/connect-ab.XXXXXX)
bash tools/bench/machine-fingerprint.sh
echo "connect-ab: artifacts $work"
broker=$(docker inspect -f '{{.State.Pid}}' sousvide-mosquitto)
ticks() { awk '{print $14 + $15}' "/proc/$broker/stat"; }
for arg in "$@"; do
  name=${arg%%:*} p=${arg#*:}
  [ -f "tmp/ab/agent-$name/main.js" ] || { echo "connect-ab: no agent at tmp/ab/agent-$name/main.js" >&2; exit 2; }
  for _ in $(seq 1 60); do # idle: under 5 % of a core over a second
    a=$(ticks); sleep 1
    [ $(($(ticks) - a)) -lt 5 ] && break
  done
  nstat -n >/dev/null 2>&1 || true
  id="connect-ab-$name-$p-$(date +%H%M%S)"
  AGENT_ENTRY="tmp/ab/agent-$name/main.js" ARTIFACTS_DIR="$work" JUDGE_SLO=0 timeout 300 \
    node dist/apps/sim-coordinator/main.js loadtest run --connections "${CP_DEVICES:-10000}" \
    --partitions "${CP_PARTS:-8}" --parallelism "$p" --mps 1 --duration 5 --qos 1 --model lean \
    --run-id "$id" --max-attempts 1 --broker-url "$MQTT_URL" >"$work/$id.out" 2>&1 || true
  drops=$(nstat 2>/dev/null | awk '/ListenOverflows/ {print $2}')
  node -e '
    const [file, arg, drops] = process.argv.slice(1);
    const s = require(file), l = s.connect_latency_ms;
    console.log(`${arg}: ${s.connect_rate_per_sec} CONNECT/s, latency p50 ${l.p50} p95 ${l.p95} max ${l.max} ms, ` +
      `${drops || 0} SYNs dropped, ${s.connected_total} connected, ${s.failed_total} failed`);' \
    "$work/$id/attempt-1/connection-summary.json" "$arg" "$drops" || echo "$arg: no summary (see $work/$id.out)"
done
