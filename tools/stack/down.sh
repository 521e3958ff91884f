#!/usr/bin/env bash
# Stops the local stack started by tools/stack/up.sh. The containers are kept (up.sh restarts
# them) unless --rm is given; then the CPU group each was made in (ADR 0045, cgroupfs driver)
# goes too once it is empty (rmdir refuses a group still in use).
set -euo pipefail
# shellcheck source=cpu-group.sh
. "$(dirname "${BASH_SOURCE[0]}")/cpu-group.sh"
for name in sousvide-redis sousvide-mosquitto sousvide-victoria; do
  if ! docker inspect "$name" >/dev/null 2>&1; then
    echo "[stack] $name: not present"
  elif [ "${1:-}" = --rm ]; then
    # The group as the container was made with it (up.sh's --cgroup-parent), not named again here:
    # empty under STACK_CGROUP=docker, a systemd slice (not a path) under systemd's driver.
    parent=$(cpu_group_parent "$name")
    docker rm -f "$name" >/dev/null && echo "[stack] $name: removed"
    for group in $(cpu_group_dirs "$parent"); do
      rmdir "$group" 2>/dev/null || true
    done
  else
    docker stop -t 5 "$name" >/dev/null && echo "[stack] $name: stopped"
  fi
done
