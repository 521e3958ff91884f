#!/usr/bin/env bash
# Full verification: prerequisites, then typecheck/lint/unit tests/build, then the container-backed
# integration tests one project at a time (they share dockerd and 2 cores), then the compose smoke
# job (every image built here, 2 agent containers, 2 gateway replicas). Non-zero on failure.
# Ends with one plain "N passed, N failed" line summed over every jest run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/env.sh
. tools/stack/env.sh
bash tools/stack/ensure-prereqs.sh
bash tools/typecheck.sh
log=$(mktemp /tmp/sousvide-test.XXXXXX)
trap 'rm -f "$log"' EXIT
set +e
{
  npx nx run-many -t lint test build --outputStyle=static --skip-nx-cache &&
    npx nx run-many -t int-test --parallel=1 --outputStyle=static --skip-nx-cache &&
    bash tools/compose/ci-compose.sh
} 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Jest prints "Tests: 3 failed, 46 passed, 49 total" per project (with colour codes).
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/^Tests:/ {
    for (i = 2; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  } END { printf "%d passed, %d failed\n", p, f }'
exit "$status"
