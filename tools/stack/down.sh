#!/usr/bin/env bash
# Stops the local stack started by tools/stack/up.sh. The containers are kept (up.sh restarts
# them) unless --rm is given; then the CPU group each was made in (ADR 0045, cgroupfs driver)
# goes too once it is empty (rmdir refuses a group still in use).
set -euo pipefail
for name in sousvide-redis sousvide-mosquitto sousvide-victoria; do
  if ! docker inspect "$name" >/dev/null 2>&1; then
    echo "[stack] $name: not present"
  elif [ "${1:-}" = --rm ]; then
    # The group as the container was made with it (up.sh's --cgroup-parent), not named again here:
    # empty under STACK_CGROUP=docker, a systemd slice (not a path) under systemd's driver.
    parent=$(docker inspect -f '{{.HostConfig.CgroupParent}}' "$name")
    docker rm -f "$name" >/dev/null && echo "[stack] $name: removed"
    if [ "${parent#/}" != "$parent" ]; then
      for group in /sys/fs/cgroup"$parent" /sys/fs/cgroup/*"$parent"; do
        [ -d "$group" ] && rmdir "$group" 2>/dev/null || true
      done
    fi
  else
    docker stop -t 5 "$name" >/dev/null && echo "[stack] $name: stopped"
  fi
done
