#!/usr/bin/env bash
# Type-checks every project (apps, libs, specs): the webpack build emits despite type errors and
# ts-jest only transpiles (isolatedModules), so this is the one type gate. tools/typecheck.js
# checks configs in one process that parses node_modules' declarations once for all of them
# (ADR 0010); apps and libs go to two such processes, one per core.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
configs() { for cfg in "$@"; do [ -f "$cfg" ] && echo "$cfg"; done; }
status=0
# shellcheck disable=SC2046 # one config path per word
node tools/typecheck.js $(configs apps/*/tsconfig.app.json apps/*/tsconfig.spec.json) &
apps=$!
# shellcheck disable=SC2046
node tools/typecheck.js $(configs libs/*/tsconfig.lib.json libs/*/tsconfig.spec.json) || status=1
wait "$apps" || status=1
exit $status
