#!/usr/bin/env bash
# The agent beside emqtt-bench (EMQX's MQTT load generator), same broker, same run: N connections
# x 1 msg/s, QoS 1, ~200-byte payloads, one process per contender, one after the other with only
# PEER_GAP_SEC between them (on purpose: each starts right after a 10k-connection client exited).
# Every contender is watched from outside the same way (tools/bench/proc-watch.js): connect rate
# from its descriptor ramp, CPU and RSS over a steady publish window. Prints figures; not a test.
#
#   bash tools/bench/peer-bench.sh
#
# Knobs: PEER_CONNECTIONS (10000), PEER_WINDOW (40 s of steady publishing measured),
# PEER_ORDER ("emqtt-bench lean mqttjs"; `lean:2` or `mqttjs:2` runs that model as 2 agent
# processes, one partition of N/2 each, as local agents ran one per core before ADR 0055; their
# CPU, RSS and descriptors are summed; `lean+NAME` runs the agent with the node flags in
# PEER_NODE_FLAGS_NAME, for an A/B of V8 settings in one sitting), PEER_PARALLELISM (120, each process's
# connect parallelism),
# PEER_EBENCH_RATE (5000, emqtt-bench's -R connect rate), PEER_GAP_SEC (5), PEER_CONNECT_WINDOW
# (the agents' AGENT_CONNECT_WINDOW; default the broker's listen backlog, as local agents get it),
# PEER_AGENT_HOST (127.0.0.1; `localhost` makes the agents connect from the kernel's one source
# address instead of loopback aliases, for comparison), PEER_AGENT_MAIN (the agent bundle,
# dist/apps/sim-agent/main.js; another build's for an A/B of the agents), EMQTT_BENCH (/tmp/peers/emqtt-bench/bin/emqtt_bench: emqtt-bench 0.5.0 built from source, see
# docs/benchmarks.md). Without that binary the peer is skipped with a message and the agents
# still run. Uses the fixed local stack (tools/stack/up.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tools/stack/env.sh
n=${PEER_CONNECTIONS:-10000}
window=${PEER_WINDOW:-40}
order=${PEER_ORDER:-emqtt-bench lean mqttjs}
parallelism=${PEER_PARALLELISM:-120}
ebench=${EMQTT_BENCH:-/tmp/peers/emqtt-bench/bin/emqtt_bench}
gap=${PEER_GAP_SEC:-5}
say() { echo "[peer-bench] $*" >&2; }

# emqtt-bench connects every client with one password: it needs the anonymous broker.
eval "$(STACK_SECURE=0 bash tools/stack/up.sh)"
export REDIS_URL MQTT_URL
port=${MQTT_URL##*:}
if [ ! -f dist/apps/sim-agent/main.js ] || [ -n "$(find apps/sim-agent/src apps/sim-coordinator/src libs/*/src -newer dist/apps/sim-agent/main.js -print -quit)" ]; then
  say "building sim-agent and sim-coordinator"
  npx nx run-many -t build -p sim-agent sim-coordinator --outputStyle=static >&2
fi
# The agents' CONNECT window fitted to the broker's listen backlog, as local agents get it (ADR 0056).
connect_window=$(ss -ltnH "sport = :$port" 2>/dev/null | awk '{print $3; exit}')
connect_window=${PEER_CONNECT_WINDOW:-${connect_window:-0}}
work=$(mktemp -d /tmp/peer-bench.XXXXXX)
stamp=$(date -u +%Y%m%d-%H%M%S)
bash tools/bench/machine-fingerprint.sh | tee "$work/machine.txt" >&2
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

tw_now() { awk -v p="$(printf ':%04X' "$port")" '$3 ~ p"$" && $4 == "06"' /proc/net/tcp | wc -l; }
# Waits until the watched process holds N descriptors more than at its start (or 180 s passed).
wait_connected() { # WATCHFILE
  local deadline=$((SECONDS + 180))
  until node -e '
    const l=require("fs").readFileSync(process.argv[1],"utf8").trim().split("\n").map(JSON.parse);
    process.exit(l.length>1 && l[l.length-1].fds-l[0].fds >= 0.99*Number(process.argv[2]) ? 0 : 1)' "$1" "$n" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { say "not connected within 180 s"; return 1; }
    sleep 0.5
  done
}

# The broker, watched the same way for the whole bench: its share while each contender connects.
node tools/bench/proc-watch.js "$(docker inspect -f '{{.State.Pid}}' sousvide-mosquitto)" "$work/broker.watch" cpu &
pids+=($!)
# SIGTERM, then SIGKILL after 15 s: a loaded emqtt-bench said "shutting down" and ran on for minutes.
stop_process() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$1" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
specs=()
round=0
for who in $order; do
  round=$((round + 1))
  # A contender may come twice (e.g. "lean emqtt-bench lean"): each round keeps its own files.
  procs=1 flags=()
  case "$who" in *:*) procs=${who#*:}; who=${who%%:*} ;; esac
  tag=$who
  case "$who" in *+*)
    var="PEER_NODE_FLAGS_${who#*+}"
    read -r -a flags <<<"${!var:-}"
    [ ${#flags[@]} -gt 0 ] || { say "$who: $var is empty"; continue; }
    tag="${who%%+*}-${who#*+}" who=${who%%+*} ;;
  esac
  [ "$procs" = 1 ] || tag="$who-x$procs"
  [ ! -e "$work/$tag.watch" ] || tag="$tag-$round"
  note="TIME_WAIT at start $(tw_now), load $(cut -d' ' -f1-3 /proc/loadavg)"
  nstat -n >/dev/null 2>&1 || true
  case "$who" in
    emqtt-bench)
      if [ ! -x "$ebench" ]; then
        say "SKIPPING emqtt-bench: $ebench is not built (emqtt-bench 0.5.0, built from source as docs/benchmarks.md says; set EMQTT_BENCH)"
        continue
      fi
      say "emqtt-bench: $n connections, -R ${PEER_EBENCH_RATE:-5000}, 1 msg/s, QoS 1 ($note)"
      "$ebench" pub -h 127.0.0.1 -p "$port" -c "$n" -I 1000 -t 'sousvide/%i/telemetry' -s 200 -q 1 \
        -R "${PEER_EBENCH_RATE:-5000}" -V 4 -C false -k 60 --prefix "peer-$stamp-" >"$work/$tag.out" 2>&1 &
      pid=$!
      pids+=("$pid")
      node tools/bench/proc-watch.js "$pid" "$work/$tag.watch" &
      wait_connected "$work/$tag.watch" || true
      sleep $((window + 7))
      stop_process "$pid"
      # Its own per-second publish rate, averaged over the last $window lines. It separates some
      # lines with a bare CR; a run with no such line must not end the bench (pipefail).
      rate=$(tr '\r' '\n' <"$work/$tag.out" | grep -E '^[0-9hms]+ pub total=' | tail -n "$window" \
        | sed 's/.*rate=\([0-9.]*\).*/\1/' | awk '{s += $1; n++} END {if (n) printf "%.0f", s / n}' || true)
      ;;
    lean | mqttjs)
      say "$who: $n connections, $procs agent process(es), one partition each, parallelism $parallelism each, connect window ${connect_window}, 1 msg/s, QoS 1, node flags [${flags[*]}] ($note)"
      agents=()
      for i in $(seq 1 "$procs"); do
        REDIS_URL=$REDIS_URL AGENT_CONNECT_WINDOW=$connect_window AGENT_MAX_JOBS=1 AGENT_ID="peer-$tag-$i" OPS_PORT=0 LOG_LEVEL=warn \
          node ${flags[@]+"${flags[@]}"} "${PEER_AGENT_MAIN:-dist/apps/sim-agent/main.js}" >"$work/$tag.agent-$i.log" 2>&1 &
        agents+=($!)
        pids+=($!)
      done
      node tools/bench/proc-watch.js "$(IFS=,; echo "${agents[*]}")" "$work/$tag.watch" &
      ARTIFACTS_DIR="$work" timeout $((window + 240)) node dist/apps/sim-coordinator/main.js loadtest run \
        --agents external --model "$who" --connections "$n" --partitions "$procs" --parallelism "$parallelism" \
        --mps 1 --duration $((window + 10)) --qos 1 --max-attempts 1 --run-id "peer-$tag-$stamp" \
        --broker-url "mqtt://${PEER_AGENT_HOST:-127.0.0.1}:$port" \
        >"$work/$tag.out" 2>&1 || say "$tag: coordinator exit $? (see $work/$tag.out)"
      # Each agent exits after its one job; one that does not is stopped.
      for pid in "${agents[@]}"; do
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        stop_process "$pid"
      done
      own=$(node -e 'const s=require(process.argv[1]);const cpu=s.parts.map((p)=>p.generator?.cpuPercent).join(" + ");console.log(`own count: ${s.connect_rate_per_sec} CONNECT/s, publish CPU ${cpu}%, ${s.published_total} published / ${s.failed_total} failed`)' \
        "$work/peer-$tag-$stamp/attempt-1/connection-summary.json" 2>/dev/null || echo 'no summary')
      note="$note; $own"
      rate=$(node -e 'console.log(require(process.argv[1]).throughput_total)' \
        "$work/peer-$tag-$stamp/attempt-1/connection-summary.json" 2>/dev/null || true)
      ;;
    *) say "unknown contender $who (emqtt-bench, lean, mqttjs)"; continue ;;
  esac
  # SYNs the broker's full accept queue dropped, and their retransmissions, during this contender.
  note="$note; $(nstat 2>/dev/null | awk '/ListenOverflows|TCPSynRetrans/ {printf "%s %s ", $1, $2}')"
  specs+=("$tag=$work/$tag.watch=$note=${rate:-}")
  sleep "$gap"
done

echo
echo "Peer bench $stamp: $n connections x 1 msg/s, QoS 1, broker $MQTT_URL (Mosquitto, host network), steady window ${window}s; $(nproc) cores"
echo "Artifacts: $work"
echo
node tools/bench/peer-report.js --broker "$work/broker.watch" "$n" "$window" "${specs[@]}"
