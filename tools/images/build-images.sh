#!/usr/bin/env bash
# Builds the service images the tests and the local stack use, from Debian packages, without a
# container registry (docs/architecture.md section 8): one debootstrap rootfs, imported once per
# service with its own entrypoint. Skips images that already exist unless FORCE=1.
set -euo pipefail

# The image names (REDIS_IMAGE, MOSQUITTO_IMAGE, VICTORIA_IMAGE) are the stack's, with a caller's
# override.
# shellcheck source=../stack/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/../stack/env.sh"
PACKAGES="redis-server,mosquitto,victoria-metrics,ca-certificates"

have() { docker image inspect "$1" >/dev/null 2>&1; }

if [ "${FORCE:-0}" != 1 ] && have "$REDIS_IMAGE" && have "$MOSQUITTO_IMAGE" && have "$VICTORIA_IMAGE"; then
  echo "images present: $REDIS_IMAGE $MOSQUITTO_IMAGE $VICTORIA_IMAGE"
  exit 0
fi

# shellcheck source=rootfs.sh
. "$(dirname "${BASH_SOURCE[0]}")/rootfs.sh"
root=$(mktemp -d /tmp/sousvide-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
make_rootfs "$root" "$PACKAGES"
mkdir -p "$root"/etc/mosquitto/conf.d "$root"/var/lib/redis "$root"/data
cat >"$root"/etc/mosquitto/sousvide.conf <<'CONF'
# Load-test broker: anonymous on 1883, no per-listener connection cap, no persistence by default.
listener 1883 0.0.0.0
allow_anonymous true
max_connections -1
max_queued_messages 100000
max_inflight_messages 0
# No Nagle on the broker's sockets (docker/mosquitto.conf, ADR 0054).
set_tcp_nodelay true
# Telemetry payloads are at most 4 KiB (docker/mosquitto.conf, ADR 0016).
max_packet_size 8192
log_dest stdout
log_type error
log_type warning
log_type notice
CONF

import() {
  local tag=$1; shift
  tar -C "$root" -c . | docker import "$@" - "$tag" >/dev/null
  echo "built $tag"
}
import "$REDIS_IMAGE" \
  --change 'EXPOSE 6379' \
  --change 'CMD ["redis-server","--bind","0.0.0.0","--protected-mode","no","--save","","--appendonly","no","--maxmemory-policy","noeviction"]'
import "$MOSQUITTO_IMAGE" \
  --change 'EXPOSE 1883' \
  --change 'CMD ["mosquitto","-c","/etc/mosquitto/sousvide.conf"]'
import "$VICTORIA_IMAGE" \
  --change 'EXPOSE 8428' \
  --change 'CMD ["victoria-metrics","-storageDataPath=/data","-httpListenAddr=:8428","-dedup.minScrapeInterval=1ms"]'
