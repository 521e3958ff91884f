#!/usr/bin/env bash
# Runs every project's integration tests (`<project>:int-test`) in INT_LANES lanes (default 2):
# each lane takes the next project from one queue, longest first, so the lanes end close together.
# Inside a project, suites still run one at a time, each with its own containers (ADR 0010, 0035).
# Each project's output is printed whole when it ends (never interleaved with another's). Exits
# non-zero when any project failed, and names them. Expects the builds to exist (tools/test.sh
# builds every app first): Nx is told not to rebuild them.
# Each project runs in a session of its own, bounded by INT_PROJECT_TIMEOUT seconds (default
# 1500; the longest project took 531-736 s in loaded CI runs): past it, the processes still running are
# listed, ended, and the project fails with the output it printed so far. Whatever a project
# leaves running after it ends is listed and ended too. (CI of 2df6fe3 ran past its 90 minutes on
# one project that never ended, and printed nothing of it.) INT_PROJECTS="a b" runs only those.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
lanes="${INT_LANES:-2}"
[[ $lanes =~ ^[1-9]$ ]] || { echo "int-lanes: INT_LANES must be 1..9 (got '$lanes')" >&2; exit 2; }
limit="${INT_PROJECT_TIMEOUT:-1500}"
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "int-lanes: INT_PROJECT_TIMEOUT must be a whole number of seconds (got '$limit')" >&2; exit 2; }
export NX_DAEMON=false
work=$(mktemp -d /tmp/sousvide-int-lanes.XXXXXX)
pids=()
# Interrupted: stop the lanes and every project's session under them before their files go.
trap 'for f in "$work"/session.*; do pkill -TERM -s "$(cat "$f")"; done 2>/dev/null; for p in "${pids[@]}"; do kill "$p"; done 2>/dev/null; wait; exit 130' INT TERM
trap 'rm -rf "$work"' EXIT

# Longest first (their suites' time in a CI run, ADR 0035);
# every other project with an int-test target follows in Nx's order.
longest="sim-coordinator ingest-gateway chaos sim-agent"
all=$(npx nx show projects --with-target int-test) || { echo "int-lanes: nx show projects failed" >&2; exit 1; }
if [ -n "${INT_PROJECTS:-}" ]; then
  for p in $INT_PROJECTS; do
    grep -qx "$p" <<<"$all" || { echo "int-lanes: INT_PROJECTS names '$p', which has no int-test target" >&2; exit 2; }
  done
  all=$(tr ' ' '\n' <<<"$INT_PROJECTS" | grep .)
fi
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

# session_ps SID: the processes of session SID (a project's run), as a tree.
session_ps() { ps -o pid=,etimes=,pcpu=,args= --forest -s "$1" 2>/dev/null | cut -c1-220; }

# end_session SID: TERM to every process of the session, KILL to what is left 15 s later.
end_session() {
  local i
  pkill -TERM -s "$1" 2>/dev/null || return 0
  for i in $(seq 30); do pgrep -s "$1" >/dev/null || return 0; sleep 0.5; done
  pkill -KILL -s "$1" 2>/dev/null || true
}

# run_project P LOG: P's integration tests in a session of their own, bounded by $limit s.
run_project() {
  local p=$1 log=$2 sid at=$SECONDS status=0 left
  setsid npx nx run "$p:int-test" --exclude-task-dependencies --outputStyle=static --skip-nx-cache \
    >"$log" 2>&1 &
  sid=$! # setsid runs in this (non-leader) child: the session's id is its pid
  echo "$sid" >"$work/session.$p"
  while kill -0 "$sid" 2>/dev/null && [ $((SECONDS - at)) -lt "$limit" ]; do sleep 2; done
  if kill -0 "$sid" 2>/dev/null; then
    {
      echo "[int-lanes] $p: still running after $limit s (INT_PROJECT_TIMEOUT); its processes, then ended:"
      session_ps "$sid"
    } >>"$log"
    end_session "$sid"
    wait "$sid" 2>/dev/null
    status=124
  else
    wait "$sid" || status=$?
  fi
  # What the project started and left behind (a process a failed test did not stop) would go on
  # holding ports, files and CPU under the next project.
  left=$(session_ps "$sid")
  if [ -n "$left" ]; then
    { echo "[int-lanes] $p: left running after it ended, now ended:"; echo "$left"; } >>"$log"
    end_session "$sid"
  fi
  rm -f "$work/session.$p"
  return "$status"
}

lane() {
  local n=$1 p at status
  # Each lane's Nx keeps its own workspace data (project graph, task database): two Nx processes
  # never write the same files.
  export NX_WORKSPACE_DATA_DIRECTORY="$work/nx-$n"
  while p=$(next_project); do
    at=$SECONDS
    status=0
    run_project "$p" "$work/$p.log" || status=$?
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
