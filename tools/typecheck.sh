#!/usr/bin/env bash
# Type-checks every project (apps, libs, specs): the webpack build emits despite type errors and
# ts-jest only transpiles (isolatedModules), so this is the one type gate. tsc is single-threaded:
# TYPECHECK_JOBS (2) configs at a time; every failure is reported, then the exit is non-zero.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
configs=()
for cfg in apps/*/tsconfig.app.json apps/*/tsconfig.spec.json libs/*/tsconfig.lib.json libs/*/tsconfig.spec.json; do
  [ -f "$cfg" ] && configs+=("$cfg")
done
# node_modules/.bin/tsc, not npx: npx costs a second or more per call on a busy machine.
printf '%s\n' "${configs[@]}" | xargs -P "${TYPECHECK_JOBS:-2}" -I{} \
  sh -c 'node_modules/.bin/tsc -p "$1" --noEmit || { echo "typecheck failed: $1" >&2; exit 1; }' _ {}
