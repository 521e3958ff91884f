#!/usr/bin/env bash
# Lean consumer (libs/mqtt-consumer) against the bare MQTT.js subscriber, through one Mosquitto,
# stepping the offered rate. Prints figures; not a test.
#
#   bash tools/bench/consumer-bench.sh
#
# For each rate in CB_RATES (msg/s, total): CB_CONNECTIONS publisher connections (1000) publish
# QoS 1, CB_PAYLOAD bytes (200), for CB_DURATION s (20) to (a) tools/bench/bare-subscriber.js
# (MQTT.js, PUBACK on receipt) and (b) tools/bench/lean-subscriber.js (the lean consumer, acking
# each delivery at once), one after the other, alternating which goes first. Both subscribe to
# the gateway's shared subscription, only count and announce Receive Maximum 65535 (the broker
# treats a client that announces none differently: ADR 0013). Per run: e2e latency from the intended send
# time, loss, the subscriber's CPU from /proc/<pid>/stat over publish window + drain (seconds per
# 1,000 messages), the broker's and the publisher's CPU. "sustained" = nothing lost, e2e p95 <
# 200 ms and the publisher reached 99 % of the offered rate.
#
# The broker is a container of its own (CB_BROKER, default consumer-mosquitto, image
# MOSQUITTO_IMAGE, the stack's docker/mosquitto.conf), reached on its bridge address (no docker-proxy);
# removed at the end. Rows go to CB_OUT (a JSON-lines file) and a Markdown table is printed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tools/stack/env.sh
rates=${CB_RATES:-2000 5000 10000 15000 20000 25000}
connections=${CB_CONNECTIONS:-1000}
duration=${CB_DURATION:-20}
payload=${CB_PAYLOAD:-200}
name=${CB_BROKER:-consumer-mosquitto}
work=$(mktemp -d /tmp/consumer-bench.XXXXXX)
out=${CB_OUT:-$work/rows.jsonl}
tck=$(getconf CLK_TCK)

say() { echo "[consumer-bench] $*" >&2; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sub_pid=""
cleanup() {
  [ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null || true
  docker rm -f "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if docker inspect "$name" >/dev/null 2>&1; then
  say "container $name exists already; remove it or set CB_BROKER"; exit 2
fi
# The stack's limits; logs to stderr, which is unbuffered (stdout holds them back in a pipe).
sed 's/^log_dest stdout/log_dest stderr/' docker/mosquitto.conf >"$work/mosquitto.conf"
docker run -d --name "$name" --ulimit nofile=20000:20000 -v "$work/mosquitto.conf:/sousvide.conf:ro" \
  "$MOSQUITTO_IMAGE" mosquitto -c /sousvide.conf >/dev/null
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
broker_pid=$(docker inspect -f '{{.State.Pid}}' "$name")
url="mqtt://$ip:1883"
until node -e "require('net').connect(1883, '$ip').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"; do sleep 0.2; done
say "broker $name at $url (pid $broker_pid), rows in $out"

run_one() { # <rate> <subscriber: mqttjs|lean>
  local rate=$1 kind=$2
  local log="$work/$kind-$rate.out" pub="$work/pub-$kind-$rate.json"
  if [ "$kind" = mqttjs ]; then
    node tools/bench/bare-subscriber.js "$url" --latency --receive-maximum 65535 >"$log" 2>&1 &
  else
    node tools/bench/lean-subscriber.js "$url" >"$log" 2>&1 &
  fi
  sub_pid=$!
  until grep -q ready "$log"; do kill -0 "$sub_pid" || { cat "$log"; exit 1; }; sleep 0.2; done
  local s0 b0 t0 s1 b1 t1 since drops acked last stable=0
  s0=$(cpu_ticks "$sub_pid"); b0=$(cpu_ticks "$broker_pid"); t0=$(date +%s.%N); since=$(date -u +%Y-%m-%dT%H:%M:%S)
  node tools/bench/bench-publisher.js "$url" "$connections" "$rate" "$duration" "$payload" >"$pub"
  acked=$(node -e "console.log(require('$pub').acked)")
  # Drain: until the subscriber counted every acked message, or its count stood still for 5 s.
  last=-1
  while [ "$stable" -lt 25 ]; do
    local now
    now=$(grep -o '"received":[0-9]*' "$log" | tail -1 | cut -d: -f2)
    [ "${now:-0}" -ge "$acked" ] && break
    if [ "${now:-0}" = "$last" ]; then stable=$((stable + 1)); else stable=0; last=${now:-0}; fi
    sleep 0.2
  done
  s1=$(cpu_ticks "$sub_pid"); b1=$(cpu_ticks "$broker_pid"); t1=$(date +%s.%N)
  kill -TERM "$sub_pid"; wait "$sub_pid" 2>/dev/null || true; sub_pid=""
  # Mosquitto logs this once per episode of dropping a session's messages (max_queued_messages).
  drops=$(docker logs --since "$since" "$name" 2>&1 | grep -c 'being dropped' || true)
  node -e "
    const pub = require('$pub');
    const sub = JSON.parse(require('fs').readFileSync('$log', 'utf8').trim().split('\n').pop());
    const secs = $t1 - $t0, subCpu = ($s1 - $s0) / $tck, brokerCpu = ($b1 - $b0) / $tck;
    const row = { rate: $rate, subscriber: '$kind', offered: pub.offered, published: pub.published,
      achievedRate: pub.achievedRate, received: sub.received, lost: pub.acked - sub.received,
      e2eMs: sub.latencyMs, subCpuSecPer1k: +(subCpu / Math.max(sub.received, 1) * 1000).toFixed(4),
      subCpuPct: +(subCpu / secs * 100).toFixed(1), brokerCpuPct: +(brokerCpu / secs * 100).toFixed(1),
      pubCpuPct: +(pub.cpuSec / $duration * 100).toFixed(1), pubAckP95Ms: pub.ackLatencyMs.p95,
      pubWorstLagMs: pub.worstLagMs, windowSec: +secs.toFixed(1),
      batches: sub.batches, pubackWrites: sub.pubackWrites, brokerDropNotices: $drops };
    row.sustained = row.lost === 0 && row.published >= 0.99 * row.offered && row.e2eMs.p95 !== null && row.e2eMs.p95 < 200;
    console.log(JSON.stringify(row));
  " | tee -a "$out" >&2
}

first=mqttjs second=lean
for rate in $rates; do
  run_one "$rate" "$first"
  run_one "$rate" "$second"
  tmp=$first; first=$second; second=$tmp
done
node tools/bench/consumer-bench-report.js "$out"
