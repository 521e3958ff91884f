#!/usr/bin/env bash
# Single-agent bench: ONE agent process (1 partition) per client model against the local stack,
# then one table of figures per model from its connection-summary.json.
#
#   bash tools/bench/agent-bench.sh          (or: npx nx run sim-agent:bench)
#
# Knobs (environment): BENCH_MODELS ("mqttjs lean"), BENCH_CONNECTIONS (10000),
# BENCH_PARALLELISM (120), BENCH_MPS (1), BENCH_DURATION (30 s), BENCH_QOS (1),
# BENCH_REDIS_PORT (16380), BENCH_MQTT_PORT (11884), BENCH_BUILD (auto | always | never),
# BENCH_BROKER_ROUTE (direct | proxy).
#
# BENCH_BROKER_ROUTE: "direct" (default) starts the stack on the host network (up.sh's default), so
# the MQTT_URL it prints (127.0.0.1:<port>) reaches the broker with no proxy; "proxy" starts it with
# STACK_NETWORK=bridge, where that URL goes through docker-proxy. docker-proxy spends about 6 file descriptors per proxied connection
# (two sockets plus two splice pipes) and, when accept() fails with EMFILE, exits and drops every
# connection; under a dockerd with nofile 20000 that happens at about 3,300 connections, far
# below the 10k this bench opens. "direct" measures the agent and the broker, not docker-proxy.
#
# The stack runs on its own ports so a user's stack on 6379/1883 is left alone. up.sh uses fixed
# container names (sousvide-redis, sousvide-mosquitto) and recreates one that is bound elsewhere,
# so this script refuses to run while either container exists on other ports. It stops the stack
# (down.sh --rm) at the end only when it started it. Exits 0 when the runs happened, whether or
# not the targets hold (it reports figures; it is not a test); non-zero only when it could not
# bench at all (no docker, a clashing stack, a failed build).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=../stack/env.sh
. tools/stack/env.sh

models="${BENCH_MODELS:-mqttjs lean}"
connections="${BENCH_CONNECTIONS:-10000}"
parallelism="${BENCH_PARALLELISM:-120}"
mps="${BENCH_MPS:-1}"
duration="${BENCH_DURATION:-30}"
qos="${BENCH_QOS:-1}"
redis_port="${BENCH_REDIS_PORT:-16380}"
mqtt_port="${BENCH_MQTT_PORT:-11884}"
build_mode="${BENCH_BUILD:-auto}"
route="${BENCH_BROKER_ROUTE:-direct}"
run_timeout=$((duration + 180))

say() { echo "[bench] $*" >&2; }
die() { echo "[bench] ERROR: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "docker is not answering; run tools/stack/ensure-prereqs.sh"

# 1. The stack. Refuse to touch a sousvide-* container that someone runs on other ports.
started_stack=0
reused=0
case "$route" in direct) stack_network=host ;; proxy) stack_network=bridge ;; *) die "BENCH_BROKER_ROUTE must be direct or proxy (got $route)" ;; esac
export STACK_NETWORK=$stack_network
check_container() { # NAME IMAGE HOST_PORT
  local name=$1 image=$2 hport=$3 running have
  running=$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null || true)
  if [ -z "$running" ]; then
    return 0
  fi
  have=$(docker inspect -f '{{index .Config.Labels "sousvide.stack"}}' "$name")
  if [[ "$have" != "$stack_network:$hport:$image:"* ]]; then
    die "container $name already exists (running=$running, as '${have:-unlabelled}'). tools/stack/up.sh uses fixed container names and would remove and recreate it as $stack_network:$hport, destroying that stack. Remove it yourself when it is no longer needed (tools/stack/down.sh --rm), or point the bench at it with BENCH_REDIS_PORT/BENCH_MQTT_PORT set to its ports."
  fi
  if [ "$running" = true ]; then
    reused=$((reused + 1))
  fi
}
check_container sousvide-redis "$REDIS_IMAGE" "$redis_port"
check_container sousvide-mosquitto "$MOSQUITTO_IMAGE" "$mqtt_port"

cleanup() {
  local rc=$?
  if [ "$started_stack" = 1 ]; then
    say "stopping the stack this script started (tools/stack/down.sh --rm)"
    bash tools/stack/down.sh --rm >&2 || say "down.sh failed; remove sousvide-redis/sousvide-mosquitto by hand"
  fi
  exit "$rc"
}
if [ "$reused" -lt 2 ]; then
  started_stack=1
  trap cleanup EXIT
  trap 'exit 130' INT TERM
else
  say "reusing the running sousvide-redis/sousvide-mosquitto on $redis_port/$mqtt_port (left running)"
fi

say "starting the stack on redis :$redis_port, mqtt :$mqtt_port (tools/stack/up.sh)"
# emqtt-bench connects every client with one password: it needs the anonymous broker.
urls=$(STACK_SECURE=0 REDIS_PORT="$redis_port" MQTT_PORT="$mqtt_port" bash tools/stack/up.sh)
REDIS_URL=$(sed -n 's/^REDIS_URL=//p' <<<"$urls")
MQTT_URL=$(sed -n 's/^MQTT_URL=//p' <<<"$urls")
[ -n "$REDIS_URL" ] && [ -n "$MQTT_URL" ] || die "up.sh printed no REDIS_URL/MQTT_URL: $urls"
case "$MQTT_URL" in
  *":$mqtt_port") ;;
  *) die "up.sh answered MQTT_URL=$MQTT_URL, not port $mqtt_port (does it still honour MQTT_PORT?)" ;;
esac
export REDIS_URL MQTT_URL

# Where the agent connects: up.sh's URL, proxy-free on the host network, through docker-proxy on a bridge.
broker_url() { echo "$MQTT_URL"; }
if [ "$route" = proxy ]; then
  proxy_pid=$(pgrep -f "docker-proxy .*-host-port $mqtt_port " | head -1 || true)
  if [ -n "$proxy_pid" ] && grep -Eq 'Max open files +[0-9]+' "/proc/$proxy_pid/limits"; then
    proxy_nofile=$(awk '/Max open files/ {print $4}' "/proc/$proxy_pid/limits")
    say "route proxy: docker-proxy (pid $proxy_pid) nofile $proxy_nofile, about 6 fds per connection: it fails near $((proxy_nofile / 6)) connections"
  fi
fi

broker_nofile=$(awk '/Max open files/ {print $4 ":" $5}' "/proc/$(docker inspect -f '{{.State.Pid}}' sousvide-mosquitto)/limits")
say "broker nofile (soft:hard) = $broker_nofile"
if [ "${broker_nofile%%:*}" != unlimited ] && [ "${broker_nofile%%:*}" -lt $((connections + 100)) ]; then
  say "WARNING: the broker's nofile limit ${broker_nofile%%:*} is below $connections connections + headroom"
fi

# 2. The build: when missing, or (auto) when a source file is newer than the bundle.
agent_js=dist/apps/sim-agent/main.js
coord_js=dist/apps/sim-coordinator/main.js
need_build=0
case "$build_mode" in
  always) need_build=1 ;;
  never) ;;
  auto)
    if [ ! -f "$agent_js" ] || [ ! -f "$coord_js" ]; then
      need_build=1
    elif [ -n "$(find apps/sim-agent/src apps/sim-coordinator/src libs/*/src -type f -newer "$agent_js" -print -quit)" ] \
      || [ -n "$(find apps/sim-coordinator/src libs/*/src -type f -newer "$coord_js" -print -quit)" ]; then
      need_build=1
    fi
    ;;
  *) die "BENCH_BUILD must be auto, always or never (got $build_mode)" ;;
esac
if [ "$need_build" = 1 ]; then
  say "building sim-agent and sim-coordinator"
  npx nx run-many -t build -p sim-agent sim-coordinator --outputStyle=static >&2
fi
[ -f "$agent_js" ] && [ -f "$coord_js" ] || die "$agent_js or $coord_js missing after the build"

# 3. File descriptors: the agent (a child of the coordinator) holds one socket per connection.
need_fds=$((connections + 1024))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$need_fds" ]; then
  ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
  ulimit -Sn "$need_fds" 2>/dev/null || true
fi
say "agent nofile soft=$(ulimit -Sn) hard=$(ulimit -Hn); ephemeral ports $(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range)"
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$need_fds" ]; then
  say "WARNING: nofile $(ulimit -Sn) < $need_fds: the agent may hit EMFILE"
fi

# 4. One run per model, each bounded by timeout (duration + 180 s).
ARTIFACTS_DIR=$(mktemp -d /tmp/agent-bench.XXXXXX)
export ARTIFACTS_DIR
say "artifacts in $ARTIFACTS_DIR"
stamp=$(date -u +%Y%m%d-%H%M%S)
summaries=()
first=1
for model in $models; do
  run_id="bench-$model-$stamp"
  # A fresh broker per model (and a fresh docker-proxy, which does not survive an EMFILE), when
  # the stack is this script's own; up.sh then re-checks readiness.
  if [ "$first" = 0 ] && [ "$started_stack" = 1 ]; then
    say "restarting sousvide-mosquitto for a fresh broker"
    docker restart -t 5 sousvide-mosquitto >/dev/null
    STACK_SECURE=0 REDIS_PORT="$redis_port" MQTT_PORT="$mqtt_port" bash tools/stack/up.sh >/dev/null
  fi
  first=0
  url=$(broker_url)
  say "model $model: $connections connections, 1 partition, parallelism $parallelism, $mps msg/s, ${duration}s, QoS $qos, broker $url ($route) (timeout ${run_timeout}s)"
  set +e
  timeout --kill-after=30 "$run_timeout" node "$coord_js" loadtest run \
    --model "$model" --connections "$connections" --partitions 1 --parallelism "$parallelism" \
    --mps "$mps" --duration "$duration" --qos "$qos" --max-attempts 1 --run-id "$run_id" \
    --broker-url "$url" 2>&1 | tee "$ARTIFACTS_DIR/$run_id.coordinator.log" >&2
  rc=${PIPESTATUS[0]}
  set -e
  case "$rc" in
    0) say "model $model: coordinator exit 0 (passed)" ;;
    1) say "model $model: coordinator exit 1 (run failed; figures below say why)" ;;
    124 | 137) say "model $model: TIMED OUT after ${run_timeout}s (exit $rc)" ;;
    *) say "model $model: coordinator exit $rc" ;;
  esac
  attempt_dir="$ARTIFACTS_DIR/$run_id/attempt-1"
  summaries+=("$model=$attempt_dir/connection-summary.json")
  # Agent-side errors worth seeing without opening the logs.
  if [ -d "$attempt_dir" ]; then
    grep -h -i -E 'EMFILE|EADDRNOTAVAIL|ENFILE|ECONNRESET|heap|fatal|uncaught|PART FAILED|lost its connection' \
      "$attempt_dir"/agent-*.log "$attempt_dir"/part-*.log 2>/dev/null | head -5 | sed 's/^/[bench]   log: /' >&2 || true
  fi
  # A short pause so the previous run's sockets are closed before the next model connects.
  sleep 5
done

echo
echo "Agent bench: $connections connections, 1 partition (one agent process), parallelism $parallelism, $mps msg/s per connection, ${duration}s, QoS $qos, broker route $route"
echo "Host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), node $(node -v), nofile $(ulimit -Sn), broker nofile $broker_nofile"
echo "Artifacts: $ARTIFACTS_DIR"
echo
node tools/bench/print-bench.js "${summaries[@]}"
exit 0
