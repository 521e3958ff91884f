#!/usr/bin/env bash
# Says, at stack start-up, what limits the route to the broker has: docker-proxy on the port (it
# holds ~6 files per connection and exits when accept() hits EMFILE, dropping every connection)
# and the broker's own file limit. Warnings only; always exits 0.
#   route-check.sh PORT [BROKER_CONTAINER]
set -uo pipefail
port=${1:?port}
container=${2:-}
say() { echo "[stack] $*" >&2; }

nofile_of() { awk '/Max open files/ {print $4 " " $5}' "/proc/$1/limits" 2>/dev/null; }

for pid in $(pgrep -x docker-proxy); do
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
  case "$args" in
    *"-host-port $port "*) ;;
    *) continue ;;
  esac
  read -r soft _ <<<"$(nofile_of "$pid")"
  say "WARNING: 127.0.0.1:$port is served by docker-proxy (pid $pid, nofile $soft): at ~6 files per"
  say "  connection it exits near $((soft / 6)) connections and drops them all (docs/adr/0012)."
  say "  Fix: STACK_NETWORK=host tools/stack/up.sh (the default: no proxy on the route), or a dockerd"
  say "  with \"userland-proxy\": false in /etc/docker/daemon.json (needs a daemon restart), or point"
  say "  MQTT_URL at the container's own address (docker inspect ... IPAddress)."
done

if [ -n "$container" ]; then
  bpid=$(docker inspect -f '{{.State.Pid}}' "$container" 2>/dev/null || echo 0)
  if [ "$bpid" != 0 ] && [ -r "/proc/$bpid/limits" ]; then
    read -r soft hard <<<"$(nofile_of "$bpid")"
    say "broker $container (pid $bpid) nofile $soft/$hard: about $((soft - 64)) client connections at most"
  fi
fi
exit 0
