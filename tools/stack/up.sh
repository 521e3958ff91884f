#!/usr/bin/env bash
# Starts the local stack for manual runs, the smoke test and the ladder: sousvide-redis,
# sousvide-mosquitto and sousvide-victoria from the registry-free images (tools/stack/ensure-prereqs.sh
# builds them). Progress goes to stderr, the URLs to stdout, so `eval "$(tools/stack/up.sh)"` sets
# REDIS_URL, MQTT_URL and INFLUX_URL, COORDINATOR_API_TOKEN_FILE: the coordinator API's bearer
# token (`serve` refuses to start without one), made once in .secrets/coordinator-api-token (0600)
# by tools/security/api-token.sh and kept, so every caller reads the same file, and likewise
# INFLUX_TOKEN_FILE: the Influx write token the gateway and the replayer require (no default;
# VictoriaMetrics ignores it), made once in .secrets/influx-token by tools/security/influx-token.sh.
#
# STACK_SECURE=1 (default): the broker refuses anonymous clients and knows STACK_FLEET_DEVICES
# device identities (default 10,000) and the gateway's (tools/stack/secure-broker.sh makes them and
# the TLS material under .secrets/; docker/mosquitto/secure.conf; ADR 0034): each device may publish
# only its own telemetry and subscribe only to its own control topic. Then up.sh also prints
# MQTT_USERNAME and MQTT_PASSWORD_FILE (the gateway's identity), FLEET_SECRET_FILE (agents derive
# each device's password from it), FLEET_MANIFEST_FILE (the coordinator's preflight),
# MQTTS_URL and MQTTS_CA_FILE (TLS on MQTTS_PORT, default 8883: a client takes them as MQTT_URL
# and MQTT_TLS_CA_FILE; not printed under that name, since a CA next to a plain MQTT_URL is refused;
# mutual TLS on MQTTS_MUTUAL_PORT, default 8884). STACK_SECURE=0 runs the anonymous load-test broker, for peers
# such as emqtt-bench that cannot derive per-device passwords.
#
# STACK_NETWORK=host (default): each service runs in the host's network namespace, listening on
# 127.0.0.1 only, so clients reach it with no docker-proxy on the route (docker-proxy dies near
# 3,300 connections under a 20,000-file cap; docs/adr/0012). STACK_NETWORK=bridge publishes the
# ports on 127.0.0.1 as before and says so when docker-proxy then serves them.
#
# STACK_CGROUP=own (default): each service's container gets a CPU cgroup of its own at the top of
# the hierarchy, so under contention it weighs as much as any other process group on the host (a
# session, a gateway started with setsid), not a third of Docker's one shared group. docker is
# Docker's default: all three services then share one group's weight, and on a 2-core host also
# running the agents and the gateway the broker waited for CPU with everything queued in it
# (ADR 0045, docs/benchmarks.md).
#
# STACK_STORE_CPU_WEIGHT=3 (default; 1-10): the store's group weighs three times a peer's (ADR
# 0047). Its steady demand is below an equal share, so the weight changes nothing then; it lets
# its bursts finish (a cold store registering a fleet's series at a run's start, merges), which at
# an equal share took seconds and held the gateway's batches. 1 gives equal weights (ADR 0045).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=wait.sh
. "$here/wait.sh"
# shellcheck source=cpu-group.sh
. "$here/cpu-group.sh"
REDIS_PORT="${REDIS_PORT:-6379}"
MQTT_PORT="${MQTT_PORT:-1883}"
INFLUX_PORT="${INFLUX_PORT:-8428}"
NETWORK="${STACK_NETWORK:-host}"
SECURE="${STACK_SECURE:-1}"
CGROUP="${STACK_CGROUP:-own}"
STORE_WEIGHT="${STACK_STORE_CPU_WEIGHT:-3}"
MQTTS_PORT="${MQTTS_PORT:-8883}"
MQTTS_MUTUAL_PORT="${MQTTS_MUTUAL_PORT:-8884}"
# The broker holds one file per connection: 20,000 is this machine's hard cap (ulimit -Hn).
BROKER_NOFILE="${BROKER_NOFILE:-20000}"
say() { echo "[stack] $*" >&2; }
die() { echo "[stack] ERROR: $*" >&2; exit 1; }

case "$NETWORK" in host | bridge) ;; *) die "STACK_NETWORK must be host or bridge (got $NETWORK)" ;; esac
case "$SECURE" in 0 | 1) ;; *) die "STACK_SECURE must be 1 (authenticated broker, the default) or 0 (anonymous) (got $SECURE)" ;; esac
case "$CGROUP" in own | docker) ;; *) die "STACK_CGROUP must be own (a CPU cgroup per service, the default) or docker (Docker's shared one) (got $CGROUP)" ;; esac
case "$STORE_WEIGHT" in [1-9] | 10) ;; *) die "STACK_STORE_CPU_WEIGHT must be a whole number from 1 to 10, the store's CPU weight in peers' (got $STORE_WEIGHT)" ;; esac
docker info >/dev/null 2>&1 || die "docker is not answering; run tools/stack/ensure-prereqs.sh"
CGROUP_DRIVER=$(docker info -f '{{.CgroupDriver}}' 2>/dev/null || echo cgroupfs)
# Docker's json-file log keeps every line a container writes unless told otherwise: each container
# up.sh makes keeps at most two files of 10 MiB. Another logging driver is the daemon's choice.
LOG_OPTS=""
[ "$(docker info -f '{{.LoggingDriver}}' 2>/dev/null)" = json-file ] && LOG_OPTS="--log-opt max-size=10m --log-opt max-file=2"

# The --cgroup-parent of service $1: a top-level cgroup (cgroupfs) or slice (systemd) named after
# it; empty with STACK_CGROUP=docker. A dash in a slice's name nests it (a-b.slice is inside
# a.slice), so the slice takes underscores: the three services stay siblings at the top.
cgroup_parent() {
  if [ "$CGROUP" = docker ]; then
    return 0
  fi
  case "$CGROUP_DRIVER" in
    systemd) echo "${1//-/_}.slice" ;;
    *) echo "/$1" ;;
  esac
}

# Gives the CPU group that container $1 was made in (its --cgroup-parent) $2 times the default
# weight: cpu.shares (cgroup v1) or cpu.weight (v2) with the cgroupfs driver, CPUWeight of the
# slice with systemd's (written from systemd's documentation, not run here). Says so and goes on
# when it cannot: the stack works at equal weights, its store's bursts only take longer.
weigh_group() {
  local name=$1 times=$2 parent file unit done=""
  [ "$CGROUP" = own ] || return 0
  parent=$(cpu_group_parent "$name")
  [ -n "$parent" ] || return 0
  if [ "${parent#/}" = "$parent" ]; then
    systemctl set-property --runtime "$parent" "CPUWeight=$((100 * times))" 2>/dev/null && done=1
  elif read -r file unit < <(cpu_weight_file "$parent"); then
    { [ "$(cat "$file")" = $((unit * times)) ] || echo $((unit * times)) 2>/dev/null >"$file"; } && done=1
  fi
  [ -n "$done" ] || say "$name: could not set its CPU group $parent to ${times}x weight (not writable here); it runs at an equal share"
}

# True when something accepts TCP on 127.0.0.1:$1 (1 s budget).
port_answers() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# ensure_container NAME IMAGE CONTAINER_PORT HOST_PORT VAR HOST_CMD [docker run options...]
# HOST_CMD is the service's command line bound to 127.0.0.1:HOST_PORT (host network only). On a
# bridge the image's own command runs, or $BRIDGE_CMD when set.
ensure_container() {
  local name=$1 image=$2 cport=$3 hport=$4 var=$5 host_cmd=$6
  shift 6
  # The label holds what the container was made as; a different wish (or a changed command) recreates it.
  local parent want have state
  parent=$(cgroup_parent "$name")
  want="$NETWORK:$hport:$image:$(echo "$host_cmd${BRIDGE_CMD:-}" | cksum | cut -d' ' -f1)${parent:+:$parent}"
  state=$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null || true)
  if [ -n "$state" ]; then
    have=$(docker inspect -f '{{index .Config.Labels "sousvide.stack"}}' "$name")
    if [ "$have" != "$want" ]; then
      say "$name exists as '${have:-unlabelled}'; recreating as $want"
      docker rm -f "$name" >/dev/null
      state=""
    elif [ "$state" = true ]; then
      say "$name already running ($NETWORK network, 127.0.0.1:$hport)"
      return 0
    fi
  fi
  # Our container is not running, so anything answering on the port is someone else's.
  if port_answers "$hport"; then
    die "port $hport is already served by another process (e.g. a local redis-server/mosquitto); stop it or set $var to a free port"
  fi
  if [ -n "$state" ]; then
    say "restarting stopped container $name"
    docker start "$name" >/dev/null
    return 0
  fi
  docker image inspect "$image" >/dev/null 2>&1 \
    || die "image $image is missing; run tools/stack/ensure-prereqs.sh (or tools/images/build-images.sh)"
  say "starting $name from $image on 127.0.0.1:$hport ($NETWORK network)"
  if [ "$NETWORK" = host ]; then
    docker run -d --name "$name" --label "sousvide.stack=$want" ${parent:+--cgroup-parent "$parent"} \
      $LOG_OPTS --network host "$@" "$image" bash -c "$host_cmd" >/dev/null
  else
    docker run -d --name "$name" --label "sousvide.stack=$want" ${parent:+--cgroup-parent "$parent"} \
      $LOG_OPTS -p "127.0.0.1:$hport:$cport" "$@" "$image" \
      ${BRIDGE_CMD:+bash -c "$BRIDGE_CMD"} >/dev/null
  fi
}

ensure_container sousvide-redis "$REDIS_IMAGE" 6379 "$REDIS_PORT" REDIS_PORT \
  "exec redis-server --bind 127.0.0.1 --port $REDIS_PORT --protected-mode no --save '' --appendonly no --maxmemory-policy noeviction"
# The image's broker config with its listener moved to 127.0.0.1:$MQTT_PORT. Simulated devices keep
# persistent sessions (clean session 0) that nothing ends: without an expiry a morning of runs left
# 90,000 of them in the broker. An hour is the shortest expiry Mosquitto takes. No log line per
# connection (ADR 0058): three per device and run (30,000 for PR2) went through dockerd into the
# container's unrotated log, for nobody. Both are global options, so both brokers get them appended
# to their configuration (after secure.conf's include_dir is as good as before it).
host_settings='persistent_client_expiration 1h\nconnection_messages false\n'
if [ "$SECURE" = 1 ]; then
  # The identities and certificates, in a directory the broker's user can read (mounted read-only).
  broker_run="$here/../../.secrets/broker-run"
  secure_env=$(bash "$here/secure-broker.sh" "$broker_run")
  broker_run="$(cd "$broker_run" && pwd)"
  # The container is recreated when the identities change (dynsec reads them only at start), and
  # when secure.conf does (a bind-mounted file replaced on disk is not the one the broker sees).
  auth_sum=$(cat "$broker_run"/auth/* "$here/../../docker/mosquitto/secure.conf" | cksum | cut -d' ' -f1)
  BRIDGE_CMD="cp /etc/mosquitto/secure.conf /tmp/bridge.conf && printf '$host_settings' >>/tmp/bridge.conf && exec mosquitto -c /tmp/bridge.conf # auth $auth_sum"
  ensure_container sousvide-mosquitto "$MOSQUITTO_IMAGE" 1883 "$MQTT_PORT" MQTT_PORT \
    "sed -e 's/^listener 1883 .*/listener $MQTT_PORT 127.0.0.1/' -e 's/^listener 8883 .*/listener $MQTTS_PORT 127.0.0.1/' -e 's/^listener 8884 .*/listener $MQTTS_MUTUAL_PORT 127.0.0.1/' /etc/mosquitto/secure.conf >/tmp/host.conf && printf '$host_settings' >>/tmp/host.conf && exec mosquitto -c /tmp/host.conf # auth $auth_sum" \
    --ulimit "nofile=$BROKER_NOFILE:$BROKER_NOFILE" \
    -v "$here/../../docker/mosquitto/secure.conf:/etc/mosquitto/secure.conf:ro" \
    -v "$broker_run/auth:/mosquitto/auth:ro" -v "$broker_run/certs:/mosquitto/certs:ro" \
    $([ "$NETWORK" = bridge ] && echo "-p 127.0.0.1:$MQTTS_PORT:8883 -p 127.0.0.1:$MQTTS_MUTUAL_PORT:8884")
  unset BRIDGE_CMD
else
  # Nagle off as in every broker configuration (ADR 0054), also on an image built before it.
  ensure_container sousvide-mosquitto "$MOSQUITTO_IMAGE" 1883 "$MQTT_PORT" MQTT_PORT \
    "sed 's/^listener .*/listener $MQTT_PORT 127.0.0.1/' /etc/mosquitto/sousvide.conf >/tmp/host.conf && printf '${host_settings}set_tcp_nodelay true\n' >>/tmp/host.conf && exec mosquitto -c /tmp/host.conf" \
    --ulimit "nofile=$BROKER_NOFILE:$BROKER_NOFILE"
fi
# The Influx v2 write endpoint: VictoriaMetrics here (Debian has no InfluxDB 2), dedup on so a
# rewritten point overwrites as in Influx.
ensure_container sousvide-victoria "$VICTORIA_IMAGE" 8428 "$INFLUX_PORT" INFLUX_PORT \
  "exec victoria-metrics -storageDataPath=/data -httpListenAddr=127.0.0.1:$INFLUX_PORT -dedup.minScrapeInterval=1ms"
weigh_group sousvide-victoria "$STORE_WEIGHT"

# Readiness, 20 s in total. On a bridge the host-side check alone is not enough: docker-proxy
# accepts on the host port before the service inside listens, so the broker is also probed inside.
redis_ready() { [ "$(docker exec sousvide-redis redis-cli -p "$([ "$NETWORK" = host ] && echo "$REDIS_PORT" || echo 6379)" ping 2>/dev/null)" = PONG ]; }
mqtt_ready() {
  local inner=$([ "$NETWORK" = host ] && echo "$MQTT_PORT" || echo 1883)
  docker exec sousvide-mosquitto bash -c "exec 3<>/dev/tcp/127.0.0.1/$inner" 2>/dev/null && port_answers "$MQTT_PORT"
}
influx_ready() { http_ok "http://127.0.0.1:$INFLUX_PORT/health"; }
stack_ready() { redis_ready && mqtt_ready && influx_ready; }
if ! wait_until 20 - stack_ready; then
  redis_ready || say "redis: $(docker logs --tail 5 sousvide-redis 2>&1 | tr '\n' ' ')"
  mqtt_ready || say "mosquitto: $(docker logs --tail 5 sousvide-mosquitto 2>&1 | tr '\n' ' ')"
  influx_ready || say "victoria: $(docker logs --tail 5 sousvide-victoria 2>&1 | tr '\n' ' ')"
  die "stack not ready within 20 s (redis PING, the broker's port $MQTT_PORT or the store's /health on $INFLUX_PORT); see docker logs above"
fi
bash "$here/route-check.sh" "$MQTT_PORT" sousvide-mosquitto >&2
token_file=$(bash "$here/../security/api-token.sh")
influx_token_file=$(bash "$here/../security/influx-token.sh")
say "ready"
echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
echo "MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT"
echo "INFLUX_URL=http://127.0.0.1:$INFLUX_PORT"
echo "COORDINATOR_API_TOKEN_FILE=$token_file"
echo "INFLUX_TOKEN_FILE=$influx_token_file"
if [ "$SECURE" = 1 ]; then
  echo "$secure_env"
  echo "MQTTS_URL=mqtts://127.0.0.1:$MQTTS_PORT"
fi
