#!/usr/bin/env bash
# Runs every project's integration tests (`<project>:int-test`) in INT_LANES lanes (default 2):
# each lane takes the next project from one queue, longest first, so the lanes end close together.
# Inside a project, suites still run one at a time, each with its own containers (ADR 0010, 0035).
# Each project's output is printed whole when it ends (never interleaved with another's). Exits
# non-zero when any project failed, and names them. Expects the builds to exist (tools/test.sh
# builds every app first): Nx is told not to rebuild them.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
lanes="${INT_LANES:-2}"
[[ $lanes =~ ^[1-9]$ ]] || { echo "int-lanes: INT_LANES must be 1..9 (got '$lanes')" >&2; exit 2; }
export NX_DAEMON=false
work=$(mktemp -d /tmp/sousvide-int-lanes.XXXXXX)
pids=()
# Interrupted: stop the lanes (and the Nx runs under them) before their files go.
# (Nx passes the signal on to its task.)
trap 'for p in "${pids[@]}"; do pkill -TERM -P "$p"; kill "$p"; done 2>/dev/null; wait; exit 130' INT TERM
trap 'rm -rf "$work"' EXIT

# Longest first (their suites' time in a CI run, ADR 0035);
# every other project with an int-test target follows in Nx's order.
longest="sim-coordinator ingest-gateway chaos sim-agent"
all=$(npx nx show projects --with-target int-test) || { echo "int-lanes: nx show projects failed" >&2; exit 1; }
{
  for p in $longest; do grep -qx "$p" <<<"$all" && echo "$p"; done
  grep -vxF -f <(tr ' ' '\n' <<<"$longest") <<<"$all"
} >"$work/queue"
cp "$work/queue" "$work/queue.all"
total=$(grep -c . "$work/queue" || true)
[ "$total" -gt 0 ] || { echo "int-lanes: no project has an int-test target (nx show projects printed none)" >&2; exit 1; }
: >"$work/done"

# next_project: pops the queue's first line under a lock; fails when the queue is empty.
next_project() {
  flock "$work/queue.lock" bash -c 'p=$(head -n1 "$1") && [ -n "$p" ] && sed -i 1d "$1" && echo "$p"' _ "$work/queue"
}

lane() {
  local n=$1 p at status
  # Each lane's Nx keeps its own workspace data (project graph, task database): two Nx processes
  # never write the same files.
  export NX_WORKSPACE_DATA_DIRECTORY="$work/nx-$n"
  while p=$(next_project); do
    at=$SECONDS
    status=0
    npx nx run "$p:int-test" --exclude-task-dependencies --outputStyle=static --skip-nx-cache \
      >"$work/$p.log" 2>&1 || status=$?
    {
      flock 9
      cat "$work/$p.log"
      echo "[int-lanes] lane $n: $p $((SECONDS - at)) s (exit $status)"
      echo "$p" >>"$work/done"
      [ "$status" = 0 ] || echo "$p" >>"$work/failed"
    } 9>"$work/out.lock"
  done
}

for n in $(seq 1 "$lanes"); do
  lane "$n" &
  pids+=($!)
done
lane_status=0
for pid in "${pids[@]}"; do wait "$pid" || lane_status=$?; done
# Every project must have run: a lane that stopped early (a failed lock or queue edit looks like
# an empty queue to it) would otherwise leave projects out of a green result.
ran=$(grep -c . "$work/done" || true)
if [ "$ran" != "$total" ] || [ "$lane_status" != 0 ]; then
  echo "[int-lanes] only $ran of $total projects ran (lane exit $lane_status); not run: $(grep -vxF -f "$work/done" "$work/queue.all" | paste -sd' ')"
  exit 1
fi
if [ -s "$work/failed" ]; then
  echo "[int-lanes] failed projects: $(sort "$work/failed" | paste -sd' ')"
  sed 's/^/ - /; s/$/:int-test/' "$work/failed"
  exit 1
fi
