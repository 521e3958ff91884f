#!/usr/bin/env bash
# Full verification: prerequisites, then lint/unit tests/build, then the container-backed
# integration tests one project at a time (they share dockerd and 2 cores). Non-zero on failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/env.sh
. tools/stack/env.sh
bash tools/stack/ensure-prereqs.sh
bash tools/typecheck.sh
npx nx run-many -t lint test build --outputStyle=static
npx nx run-many -t int-test --parallel=1 --outputStyle=static
