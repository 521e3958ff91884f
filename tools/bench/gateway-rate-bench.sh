#!/usr/bin/env bash
# How fast one gateway instance ingests within the p95 < 200 ms SLO, and at what CPU, beside a
# bare MQTT.js subscriber that only counts (the reference). For each rate in GW_RATES (msg/s):
# 1,000 lean devices publish for GW_DURATION s through the broker to (a) one gateway in strict
# mode, (b) the bare subscriber. Prints a table with the CPU each spends per 1,000 messages and
# each one's latency: the gateway's e2e p95/p99 from its business summary, the bare subscriber's
# from each telemetry's `ts` to its receipt (so both are judged by the same p95 < 200 ms); not a
# test. After each gateway run, Redis's time per message by command (INFO commandstats, reset
# before the run). GW_STACK_PREFIX=<name> runs on containers of its own (<name>-redis, -mosquitto,
# -victoria, removed at the end) instead of the local stack (tools/stack/up.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tools/stack/env.sh
stack=${GW_STACK_PREFIX:-sousvide}
if [ -n "${GW_STACK_PREFIX:-}" ]; then
  trap 'docker rm -f "$stack-redis" "$stack-mosquitto" "$stack-victoria" >/dev/null 2>&1 || true' EXIT
  docker run -d --name "$stack-redis" -p 127.0.0.1::6379 "$REDIS_IMAGE" >/dev/null
  docker run -d --name "$stack-mosquitto" --ulimit nofile=20000:20000 -p 127.0.0.1::1883 "$MOSQUITTO_IMAGE" >/dev/null
  docker run -d --name "$stack-victoria" -p 127.0.0.1::8428 "$VICTORIA_IMAGE" >/dev/null
  host_port() { docker port "$1" "$2/tcp" | head -1 | sed 's/.*://'; }
  REDIS_URL="redis://127.0.0.1:$(host_port "$stack-redis" 6379)"
  INFLUX_URL="http://127.0.0.1:$(host_port "$stack-victoria" 8428)"
  INFLUX_TOKEN_FILE=$(bash tools/security/influx-token.sh)
  until [ "$(docker exec "$stack-redis" redis-cli ping 2>/dev/null)" = PONG ] &&
    node -e "fetch('$INFLUX_URL/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; do
    sleep 0.5
  done
else
  # Its publisher and the bare subscriber it compares against connect anonymously.
  eval "$(STACK_SECURE=0 bash tools/stack/up.sh)"
fi
npx nx run-many -t build -p sim-agent sim-coordinator ingest-gateway --outputStyle=static >/dev/null
if [ -n "${GW_STACK_PREFIX:-}" ]; then
  # Its own broker is on the bridge network: its container address keeps docker-proxy off the route.
  MQTT_URL="mqtt://$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$stack-mosquitto"):1883"
fi
# up.sh's broker runs on the host network: no docker-proxy on the route (docs/adr/0012).
export MQTT_URL REDIS_URL INFLUX_URL INFLUX_TOKEN_FILE
devices=${GW_DEVICES:-1000}
duration=${GW_DURATION:-20}
work=$(mktemp -d /tmp/gw-rate-bench.XXXXXX)
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Each run's cpu-budget.json has every component's share of the publish window: the agents, the
# broker, the subscriber under test (gateway or bare), and the stack's Redis and store.
load() { # <rate> <runId> <subscriber name> <its pid>
  CPU_BUDGET="broker=container:$stack-mosquitto,$3=pid:$4,redis=container:$stack-redis,store=container:$stack-victoria" \
    ARTIFACTS_DIR="$work" node dist/apps/sim-coordinator/main.js loadtest run --connections "$devices" --partitions 2 \
    --parallelism 100 --mps "$(node -e "console.log($1 / $devices)")" --duration "$duration" --qos 1 --model lean \
    --run-id "$2" --max-attempts 1 >/dev/null 2>"$work/$2.progress" || true
}
# One line per run: each component's % of one core over the publish window, and the machine's.
budget() { # <runId>
  node -e "const b=require('$work/$1/attempt-1/cpu-budget.json');console.log('  cpu $1: '+b.components.map((c)=>c.name+' '+c.cpuPercent+' %').join(', ')+'; machine '+b.machineBusyPercent+' % of '+b.cores*100)" 2>/dev/null \
    || echo "  cpu $1: no cpu-budget.json"
}
bash tools/bench/machine-fingerprint.sh | tee "$work/machine.txt"
printf '%-8s %-10s %-10s %-10s %-10s %-14s %-10s %-11s %-11s %-10s %-14s\n' rate recv gw_p95_ms gw_p99_ms gw_cpu_% gw_cpu_ms/1k bare_recv bare_p95_ms bare_p99_ms bare_cpu_% bare_cpu_ms/1k
for rate in ${GW_RATES:-2000 4000 6000 8000}; do
  run="gwrate-$rate-$(date +%s)"
  # The gateway and the bare subscriber each in a session of their own, as the ladder starts the
  # gateway (and a user would, in another terminal): under contention each then weighs as much as
  # the generator's session and each stack service's cgroup (ADR 0045), both sides alike.
  GATEWAY_ID="bench-gw" OPS_PORT=9478 INGEST_MQTT_CONNECTIONS=4 setsid node $GATEWAY_NODE_FLAGS dist/apps/ingest-gateway/main.js >"$work/gw-$rate.log" 2>&1 &
  gw=$!
  until node -e "fetch('http://127.0.0.1:9478/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; do sleep 0.3; done
  node tools/bench/redis-commandstats.js reset
  c0=$(cpu_of $gw); t0=$(date +%s.%N)
  load "$rate" "$run" gateway "$gw"
  c1=$(cpu_of $gw); t1=$(date +%s.%N)
  kill $gw; wait $gw 2>/dev/null || true
  biz="$work/$run/attempt-1/business-summary.json"
  read -r recv p95 p99 < <(node -e "const b=require('$biz');console.log(b.recv_total,b.e2e_latency_ms.p95,b.e2e_latency_ms.p99)" 2>/dev/null || echo "0 - -")
  # Before the bare run, whose coordinator and agents use Redis too (BullMQ).
  redis_line=$(node tools/bench/redis-commandstats.js report "$recv" "$work/$run/redis-commandstats.json" 2>&1 || true)
  gwcpu=$(node -e "console.log(Math.round(($c1-$c0)/$(getconf CLK_TCK)/($t1-$t0)*1000)/10)")
  gwper=$(node -e "console.log($recv > 0 ? Math.round(($c1-$c0)/$(getconf CLK_TCK)*1e7/$recv)/10 : '-')")
  # Reference: the same load to a subscriber that only counts.
  setsid node tools/bench/bare-subscriber.js "$MQTT_URL" --latency >"$work/bare-$rate.out" 2>&1 &
  bare=$!
  until grep -q ready "$work/bare-$rate.out" 2>/dev/null; do sleep 0.2; done
  load "$rate" "bare-$run" bare "$bare"
  kill -TERM $bare; wait $bare 2>/dev/null || true
  read -r brecv bp95 bp99 bcpu bper < <(node -e "const l=require('fs').readFileSync('$work/bare-$rate.out','utf8').trim().split('\n').pop();const j=JSON.parse(l);console.log(j.received,j.latencyMs.p95,j.latencyMs.p99,j.cpuPercent,j.received>0?Math.round(j.cpuMs*1e4/j.received)/10:'-')")
  printf '%-8s %-10s %-10s %-10s %-10s %-14s %-10s %-11s %-11s %-10s %-14s\n' "$rate" "$recv" "$p95" "$p99" "$gwcpu" "$gwper" "$brecv" "$bp95" "$bp99" "$bcpu" "$bper"
  budget "$run"
  budget "bare-$run"
  echo "  redis $run: $redis_line"
done
echo "artifacts: $work (gateway CPU over the whole load run incl. connect and drain; bare CPU over its lifetime)"
