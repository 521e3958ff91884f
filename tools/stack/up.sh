#!/usr/bin/env bash
# Starts the local stack for manual runs and the smoke test: sousvide-redis and sousvide-mosquitto
# from the registry-free images (tools/stack/ensure-prereqs.sh builds them). Progress goes to
# stderr, the URLs to stdout, so `eval "$(tools/stack/up.sh)"` sets REDIS_URL and MQTT_URL.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
REDIS_PORT="${REDIS_PORT:-6379}"
MQTT_PORT="${MQTT_PORT:-1883}"
INFLUX_PORT="${INFLUX_PORT:-8428}"
say() { echo "[stack] $*" >&2; }
die() { echo "[stack] ERROR: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "docker is not answering; run tools/stack/ensure-prereqs.sh"

# True when something accepts TCP on 127.0.0.1:$1 (1 s budget).
port_answers() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# ensure_container NAME IMAGE CONTAINER_PORT HOST_PORT VAR [docker run options...]
ensure_container() {
  local name=$1 image=$2 cport=$3 hport=$4 var=$5
  shift 5
  local state bound
  state=$(docker inspect -f '{{.State.Running}} {{.Config.Image}}' "$name" 2>/dev/null || true)
  if [ -n "$state" ]; then
    bound=$(docker inspect -f "{{with index .HostConfig.PortBindings \"$cport/tcp\"}}{{(index . 0).HostPort}}{{end}}" "$name")
    if [ "${state#* }" != "$image" ] || [ "$bound" != "$hport" ]; then
      say "$name exists with image ${state#* } on port $bound; recreating for $image on $hport"
      docker rm -f "$name" >/dev/null
      state=""
    elif [ "${state%% *}" = true ]; then
      say "$name already running on port $hport"
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
  else
    docker image inspect "$image" >/dev/null 2>&1 \
      || die "image $image is missing; run tools/stack/ensure-prereqs.sh (or tools/images/build-images.sh)"
    say "starting $name from $image on 127.0.0.1:$hport"
    docker run -d --name "$name" -p "127.0.0.1:$hport:$cport" "$@" "$image" >/dev/null
  fi
}

ensure_container sousvide-redis "$REDIS_IMAGE" 6379 "$REDIS_PORT" REDIS_PORT
# Load tests open thousands of MQTT connections; the default soft limit of 1024 fds is too low.
ensure_container sousvide-mosquitto "$MOSQUITTO_IMAGE" 1883 "$MQTT_PORT" MQTT_PORT --ulimit nofile=20000:20000
# The Influx v2 write endpoint: VictoriaMetrics here (Debian has no InfluxDB 2), dedup on so a
# rewritten point overwrites as in Influx.
ensure_container sousvide-victoria "$VICTORIA_IMAGE" 8428 "$INFLUX_PORT" INFLUX_PORT

# Readiness, 20 s in total. The host-side check alone is not enough: docker-proxy accepts on the
# host port before the service inside listens, so the broker is also probed from inside.
redis_ready() { [ "$(docker exec sousvide-redis redis-cli ping 2>/dev/null)" = PONG ]; }
mqtt_ready() {
  docker exec sousvide-mosquitto bash -c 'exec 3<>/dev/tcp/127.0.0.1/1883' 2>/dev/null && port_answers "$MQTT_PORT"
}
deadline=$((SECONDS + 20))
influx_ready() { node -e "fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "http://127.0.0.1:$INFLUX_PORT/health"; }
until redis_ready && mqtt_ready && influx_ready; do
  if [ $SECONDS -ge $deadline ]; then
    redis_ready || say "redis: $(docker logs --tail 5 sousvide-redis 2>&1 | tr '\n' ' ')"
    mqtt_ready || say "mosquitto: $(docker logs --tail 5 sousvide-mosquitto 2>&1 | tr '\n' ' ')"
    influx_ready || say "victoria: $(docker logs --tail 5 sousvide-victoria 2>&1 | tr '\n' ' ')"
    die "stack not ready within 20 s (redis PING and/or broker port $MQTT_PORT); see docker logs above"
  fi
  sleep 0.5
done
say "ready"
echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
echo "MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT"
echo "INFLUX_URL=http://127.0.0.1:$INFLUX_PORT"
