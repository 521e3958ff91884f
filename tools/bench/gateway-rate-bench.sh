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
#
# A sustained rate is a steady-state figure, and one run at one rate is a draw on a shared 2-core
# host (docs/benchmarks.md), so: GW_WARMUP (s, default 5) of load at the same rate on the same
# process before each measured run (not counted: a fresh gateway otherwise spends its first seconds
# interpreted and compiling, under full load), and GW_REPEATS (default 1) runs of each side at each
# rate, the side that goes first alternating. A run passes when every published message arrived
# and its p95 < 200 ms (the gateway: its business summary's SLOs); a rate is sustained when most
# of its runs passed, and the summary gives each side's highest rate sustained along with every
# lower rate stepped, and the gateway's as a share of the bare subscriber's. GW_SIDES="bare" (or
# "gateway") runs one side alone: `node tools/bench/gateway-rate-summary.js` on the results.jsonl
# of two runs joined gives the summary of both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tools/stack/env.sh
. tools/stack/wait.sh
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
  redis_pong() { [ "$(docker exec "$stack-redis" redis-cli ping 2>/dev/null)" = PONG ]; }
  wait_until 30 - redis_pong || { echo "gateway-rate: $stack-redis did not answer PING within 30 s" >&2; exit 1; }
  wait_until 30 - http_ok "$INFLUX_URL/health" || { echo "gateway-rate: $INFLUX_URL/health not ok within 30 s" >&2; exit 1; }
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
warmup=${GW_WARMUP:-5}
repeats=${GW_REPEATS:-1}
work=$(mktemp -d /tmp/gw-rate-bench.XXXXXX)
results="$work/results.jsonl"
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Each run's cpu-budget.json has every component's share of the publish window: the agents, the
# broker, the subscriber under test (gateway or bare), and the stack's Redis and store.
load() { # <rate> <runId> <subscriber name> <its pid> [seconds]
  CPU_BUDGET="broker=container:$stack-mosquitto,$3=pid:$4,redis=container:$stack-redis,store=container:$stack-victoria" \
    ARTIFACTS_DIR="$work" node dist/apps/sim-coordinator/main.js loadtest run --connections "$devices" --partitions 2 \
    --parallelism 100 --mps "$(node -e "console.log($1 / $devices)")" --duration "${5:-$duration}" --qos 1 --model lean \
    --run-id "$2" --max-attempts 1 >/dev/null 2>"$work/$2.progress" || true
}
# One line per run: each component's % of one core over the publish window, and the machine's.
budget() { # <runId>
  node -e "const b=require('$work/$1/attempt-1/cpu-budget.json');console.log('  cpu $1: '+b.components.map((c)=>c.name+' '+c.cpuPercent+' %').join(', ')+'; machine '+b.machineBusyPercent+' % of '+b.cores*100)" 2>/dev/null \
    || echo "  cpu $1: no cpu-budget.json"
}
# What the generator published in a run, and whether it flagged itself saturated (then the run
# says nothing of the subscriber).
generator() { # <runId>
  node -e "const c=require('$work/$1/attempt-1/connection-summary.json');console.log(c.published_total,c.generator_saturated?'saturated':'ok')" 2>/dev/null \
    || echo "0 unknown"
}
ROW='%-8s %-4s %-8s %-10s %-10s %-10s %-10s %-10s %-14s %-6s %s\n'
# One run's line in the table and in results.jsonl (gateway-rate-summary.js reads it).
report() { # <rate> <repeat> <side> <published> <received> <p95> <p99> <cpu %> <cpu ms/1k> <pass> <generator> <runId>
  printf "$ROW" "${@:1:11}"
  echo "{\"rate\":$1,\"repeat\":$2,\"side\":\"$3\",\"published\":$4,\"received\":$5,\"p95\":\"$6\",\"pass\":${10},\"generator\":\"${11}\",\"cpuMsPer1k\":\"$9\",\"runId\":\"${12}\"}" >>"$results"
}
# A side that cannot start within its bound is a failed run, not a hang (wait_until, wait.sh).
# received_at_least <bare subscriber's output> <n>: its last progress line counts n or more.
received_at_least() {
  [ "$(grep -o '"received":[0-9]*' "$1" | tail -1 | cut -d: -f2)" -ge "$2" ]
}
run_gateway() { # <rate> <repeat>
  local rate=$1 run="gwrate-$1-$2-$(date +%s)"
  # The gateway and the bare subscriber each in a session of their own, as the ladder starts the
  # gateway (and a user would, in another terminal): under contention each then weighs as much as
  # the generator's session and each stack service's cgroup (ADR 0045), both sides alike.
  # Session expiry 0: its broker sessions end when it stops. With the default (300 s) they outlived
  # each gateway run, the broker queued every message of the bare runs for them, and the next
  # gateway started under that backlog (40-50k messages in its first 5 s).
  GATEWAY_ID="bench-gw" OPS_PORT=9478 INGEST_MQTT_CONNECTIONS=4 INGEST_MQTT_SESSION_EXPIRY_SEC=0 \
    setsid node $GATEWAY_NODE_FLAGS dist/apps/ingest-gateway/main.js >"$work/gw-$rate-$2.log" 2>&1 &
  local gw=$!
  if ! wait_until 60 $gw http_ok http://127.0.0.1:9478/health; then
    echo "  $run: the gateway did not become healthy within 60 s: $(tail -1 "$work/gw-$rate-$2.log")"
    kill $gw 2>/dev/null; wait $gw 2>/dev/null || true
    report "$rate" "$2" gateway 0 0 - - - - false not-started "$run"
    return 0
  fi
  [ "$warmup" = 0 ] || load "$rate" "warm-$run" gateway "$gw" "$warmup"
  node tools/bench/redis-commandstats.js reset
  local c0 t0 c1 t1
  c0=$(cpu_of $gw); t0=$(date +%s.%N)
  load "$rate" "$run" gateway "$gw"
  c1=$(cpu_of $gw); t1=$(date +%s.%N)
  kill $gw; wait $gw 2>/dev/null || true
  local biz="$work/$run/attempt-1/business-summary.json" recv p95 p99 pass published gen
  read -r recv p95 p99 pass < <(node -e "const b=require('$biz');console.log(b.recv_total,b.e2e_latency_ms.p95,b.e2e_latency_ms.p99,b.slo_pass&&b.accounting.lost===0)" 2>/dev/null || echo "0 - - false")
  read -r published gen < <(generator "$run")
  local redis_line
  redis_line=$(node tools/bench/redis-commandstats.js report "$recv" "$work/$run/redis-commandstats.json" 2>&1 || true)
  local cpu per
  cpu=$(node -e "console.log(Math.round(($c1-$c0)/$(getconf CLK_TCK)/($t1-$t0)*1000)/10)")
  per=$(node -e "console.log($recv > 0 ? Math.round(($c1-$c0)/$(getconf CLK_TCK)*1e7/$recv)/10 : '-')")
  report "$rate" "$2" gateway "$published" "$recv" "$p95" "$p99" "$cpu" "$per" "$pass" "$gen" "$run"
  budget "$run"
  echo "  redis $run: $redis_line"
}
run_bare() { # <rate> <repeat>
  local rate=$1 run="bare-gwrate-$1-$2-$(date +%s)" out="$work/bare-$1-$2.out"
  setsid node tools/bench/bare-subscriber.js "$MQTT_URL" --latency >"$out" 2>&1 &
  local bare=$!
  if ! wait_until 30 $bare grep -q ready "$out"; then
    echo "  $run: the bare subscriber did not subscribe within 30 s: $(tail -1 "$out")"
    kill $bare 2>/dev/null; wait $bare 2>/dev/null || true
    report "$rate" "$2" bare 0 0 - - - - false not-started "$run"
    return 0
  fi
  if [ "$warmup" != 0 ]; then
    load "$rate" "warm-$run" bare "$bare" "$warmup"
    # Every warm-up message in before the reset (30 s at most), so none counts in the run.
    local warm_published
    read -r warm_published _ < <(generator "warm-$run")
    wait_until 30 $bare received_at_least "$out" "$warm_published" || true
    kill -USR2 $bare
    wait_until 10 $bare grep -q reset "$out" || echo "  $run: the bare subscriber did not reset its counts"
  fi
  load "$rate" "$run" bare "$bare"
  kill -TERM $bare; wait $bare 2>/dev/null || true
  local recv p95 p99 cpu per published gen pass
  read -r recv p95 p99 cpu per < <(node -e "const l=require('fs').readFileSync('$out','utf8').trim().split('\n').pop();const j=JSON.parse(l);console.log(j.received,j.latencyMs.p95,j.latencyMs.p99,j.cpuPercent,j.received>0?Math.round(j.cpuMs*1e4/j.received)/10:'-')" 2>/dev/null || echo "0 - - - -")
  read -r published gen < <(generator "$run")
  pass=$(node -e "console.log($published > 0 && $recv >= $published && Number('$p95') < 200)")
  report "$rate" "$2" bare "$published" "$recv" "$p95" "$p99" "$cpu" "$per" "$pass" "$gen" "$run"
  budget "$run"
}
bash tools/bench/machine-fingerprint.sh | tee "$work/machine.txt"
echo "warm-up ${warmup} s per run, ${repeats} run(s) per side and rate, ${duration} s measured"
printf "$ROW" rate run side published received p95_ms p99_ms cpu_% cpu_ms/1k pass generator
for rate in ${GW_RATES:-2000 4000 6000 8000}; do
  for repeat in $(seq 1 "$repeats"); do
    # The side that goes first alternates, so a drift of the host weighs on both alike.
    if [ $((repeat % 2)) = 1 ]; then
      order="gateway bare"
    else
      order="bare gateway"
    fi
    for side in $order; do
      # GW_SIDES: one side alone, e.g. to step the bare subscriber's ceiling above the gateway's
      # (its results.jsonl then joins an earlier run's for the summary).
      case " ${GW_SIDES:-gateway bare} " in *" $side "*) "run_$side" "$rate" "$repeat" ;; esac
    done
  done
done
node tools/bench/gateway-rate-summary.js "$results"
echo "artifacts: $work (gateway CPU over the measured run incl. connect and drain; bare CPU from its reset after the warm-up)"
