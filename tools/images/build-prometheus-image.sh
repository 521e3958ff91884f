#!/usr/bin/env bash
# Builds the Prometheus image of the `observability` compose profile from Debian's `prometheus`
# package, without a container registry (same debootstrap root as build-images.sh), and checks
# the repo's scrape config with the image's own promtool before it reports success.
# Skips the build when the image exists unless FORCE=1; the config check always runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" # debootstrap lives in sbin
PROMETHEUS_IMAGE="${PROMETHEUS_IMAGE:-sousvide/prometheus:debian}"
CONFIG_DIR="docker/prometheus"

if [ "${FORCE:-0}" = 1 ] || ! docker image inspect "$PROMETHEUS_IMAGE" >/dev/null 2>&1; then
  # shellcheck source=rootfs.sh
  . tools/images/rootfs.sh
  root=$(mktemp -d /tmp/sousvide-prometheus-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  make_rootfs "$root" "prometheus,ca-certificates"
  rm -rf "$root"/usr/share/{doc,man,info,locale}/* "$root"/var/log/*
  # The package's postinst made the `prometheus` user; the TSDB directory is its own, so a new
  # named volume mounted there is too.
  uid=$(awk -F: '$1 == "prometheus" { print $3 }' "$root/etc/passwd")
  [ -n "$uid" ] || { echo "the prometheus package created no prometheus user" >&2; exit 1; }
  install -d -o "$uid" -g "$uid" "$root/prometheus"
  tar -C "$root" -c . | docker import \
    --change 'EXPOSE 9090' \
    --change 'USER prometheus' \
    --change 'WORKDIR /prometheus' \
    --change 'ENTRYPOINT ["prometheus"]' \
    --change 'CMD ["--config.file=/etc/sousvide/prometheus.yml","--storage.tsdb.path=/prometheus","--web.listen-address=:9090"]' \
    - "$PROMETHEUS_IMAGE" >/dev/null
  echo "built $PROMETHEUS_IMAGE ($(docker run --rm "$PROMETHEUS_IMAGE" --version 2>&1 | head -n1))"
fi

# The scrape config and its rules as compose mounts them, checked by the promtool of the same
# release (a directory that exists: docker would create a missing one as root).
[ -f "$CONFIG_DIR/prometheus.yml" ] || { echo "$CONFIG_DIR/prometheus.yml is missing" >&2; exit 1; }
docker run --rm --entrypoint promtool -v "$PWD/$CONFIG_DIR:/etc/sousvide:ro" \
  "$PROMETHEUS_IMAGE" check config /etc/sousvide/prometheus.yml
