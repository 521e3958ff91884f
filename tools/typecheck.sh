#!/usr/bin/env bash
# Type-checks every project (apps, libs, specs): the webpack build emits despite type errors.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
status=0
for cfg in apps/*/tsconfig.app.json apps/*/tsconfig.spec.json libs/*/tsconfig.lib.json libs/*/tsconfig.spec.json; do
  [ -f "$cfg" ] || continue
  npx tsc -p "$cfg" --noEmit || { echo "typecheck failed: $cfg" >&2; status=1; }
done
exit $status
