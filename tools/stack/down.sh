#!/usr/bin/env bash
# Stops the local stack started by tools/stack/up.sh. The containers are kept (up.sh restarts
# them) unless --rm is given.
set -euo pipefail
for name in sousvide-redis sousvide-mosquitto sousvide-victoria; do
  if ! docker inspect "$name" >/dev/null 2>&1; then
    echo "[stack] $name: not present"
  elif [ "${1:-}" = --rm ]; then
    docker rm -f "$name" >/dev/null && echo "[stack] $name: removed"
  else
    docker stop -t 5 "$name" >/dev/null && echo "[stack] $name: stopped"
  fi
done
