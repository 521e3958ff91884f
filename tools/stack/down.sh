#!/usr/bin/env bash
# Stops the local stack started by tools/stack/up.sh. The containers are kept (up.sh restarts
# them) unless --rm is given; then the CPU group up.sh made for each (ADR 0045, cgroupfs driver)
# goes too once it is empty (rmdir refuses a group still in use).
set -euo pipefail
for name in sousvide-redis sousvide-mosquitto sousvide-victoria; do
  if ! docker inspect "$name" >/dev/null 2>&1; then
    echo "[stack] $name: not present"
  elif [ "${1:-}" = --rm ]; then
    docker rm -f "$name" >/dev/null && echo "[stack] $name: removed"
    for group in /sys/fs/cgroup/"$name" /sys/fs/cgroup/*/"$name"; do
      [ -d "$group" ] && rmdir "$group" 2>/dev/null || true
    done
  else
    docker stop -t 5 "$name" >/dev/null && echo "[stack] $name: stopped"
  fi
done
