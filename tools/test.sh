#!/usr/bin/env bash
# Full verification: prerequisites, typecheck, unit tests and builds in one Nx run (each app is
# built once, here), then side by side: the container-backed integration tests in lanes, lint,
# and the compose smoke job (every image built here, 2 agent containers, 2 gateway replicas) on
# the bundles just built. Non-zero on failure.
# Prints each phase's time, and ends with one plain "N passed, N failed" line summed over every
# jest run. ADR 0010 says why it is shaped this way.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/env.sh
. tools/stack/env.sh
export NX_DAEMON=false # several workspaces share this machine; no daemon left behind
started=$SECONDS
# phase NAME CMD...: runs CMD and prints how long it took; returns its status.
phase() {
  local name=$1 at=$SECONDS status=0
  shift
  "$@" || status=$?
  echo "[test] $name: $((SECONDS - at)) s (exit $status)"
  return "$status"
}

log=$(mktemp /tmp/sousvide-test.XXXXXX)
compose_log=$(mktemp /tmp/sousvide-compose.XXXXXX)
lint_log=$(mktemp /tmp/sousvide-lint.XXXXXX)
# Every temporary file of this run (the tests' directories, the spools and logs of the app
# processes they start, jest's own) goes under one directory: removed when the run passes, kept
# and named when it fails or is interrupted. Without it each run left about a thousand
# directories in /tmp. Jest's transform cache goes to one lasting directory outside it, so later
# runs still find it.
export SOUSVIDE_JEST_CACHE_DIR="${TMPDIR:-/tmp}/jest_sousvide_$(id -u)"
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/sousvide-test-run.XXXXXX")
export TMPDIR=$run_tmp
trap 'rm -f "$log" "$compose_log" "$lint_log"
  [ -d "$run_tmp" ] && echo "[test] this run'"'"'s temporary files (the failed tests'"'"' logs among them) are kept in $run_tmp"' EXIT
set +e
{
  phase prerequisites bash tools/stack/ensure-prereqs.sh &&
    phase typecheck bash tools/typecheck.sh &&
    SOUSVIDE_BUILD_TYPECHECK=off phase unit-build \
      npx nx run-many -t test build --outputStyle=static --skip-nx-cache &&
    {
      # After unit-build, three jobs run side by side (ADR 0036): the integration lanes, the
      # compose job (it mostly waits on containers, on the bundles just built: BUILD=0, its own
      # project name) and lint (one ESLint process, one core for ~40 s). Each one's output is
      # printed whole when it ends; the run fails if any of them failed.
      phase compose env BUILD=0 bash tools/compose/ci-compose.sh >"$compose_log" 2>&1 &
      compose_pid=$!
      # Lint (ESLint in one process, then Prettier's check: tools/lint.sh). After an Nx run: the
      # module-boundary rule reads Nx's cached graph (the lanes keep their own Nx workspace data,
      # so they do not rewrite it under lint).
      phase lint bash tools/lint.sh >"$lint_log" 2>&1 &
      lint_pid=$!
      int_status=0
      # The builds they depend on ran above (tools/int-lanes.sh keeps Nx from rebuilding
      # them); INT_LANES projects at a time (default 2, ADR 0035), one suite at a time in each.
      phase integration bash tools/int-lanes.sh || int_status=$?
      lint_status=0
      wait "$lint_pid" || lint_status=$?
      cat "$lint_log"
      compose_status=0
      wait "$compose_pid" || compose_status=$?
      cat "$compose_log"
      [ "$int_status" = 0 ] && [ "$lint_status" = 0 ] && [ "$compose_status" = 0 ]
    }
} 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] && rm -rf "$run_tmp"
echo "[test] phases: $(sed 's/\x1b\[[0-9;]*m//g' "$log" | sed -n 's/^\[test\] \(.*\) s (exit.*/\1 s/p' | paste -sd, -)"
echo "[test] total: $((SECONDS - started)) s"
# Why tests failed: the first lines of each failure's message (the assertion and its diff), so a failure on
# a machine nobody can log in to can still be read.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^ *● .+ › / { n = 14; print "[test] why: " $0; next }
  n > 0 && /^ *● / { n = 0 }
  n > 0 && NF > 0 { print "[test]   " $0; n-- }' | head -120 || true
# Then which tests failed, by name (jest's "● suite › test" headers) and which Nx tasks: CI keeps only
# the tail of this output, so the names go where they are read.
sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *● .+ › |^ *- [a-z-]+:(test|int-test|build)$' | sed 's/^ */[test] failed: /' |
  sort -u | head -40 || true
# Jest prints "Tests: 3 failed, 46 passed, 49 total" per project (with colour codes).
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/^Tests:/ {
    for (i = 2; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  } END { printf "%d passed, %d failed\n", p, f }'
exit "$status"
