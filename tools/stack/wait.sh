# Source me (do not execute): bounded waits for the stack's scripts and benchmarks.
#
# http_ok <url>: the URL answers 2xx within 5 s (a refused, failed or unanswered request is a no,
# never a hang: a port that accepts and never answers would otherwise hold wait_until's loop).
http_ok() {
  node -e "fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$1"
}
# wait_until <seconds> <pid|-> <command...>: runs the command until it succeeds. Fails once the
# time is up, or once process <pid> has exited (- watches no process), so a service that cannot
# start is reported instead of waited for without end.
wait_until() {
  local deadline=$((SECONDS + $1)) pid=$2
  shift 2
  until "$@" 2>/dev/null; do
    if { [ "$pid" != - ] && ! kill -0 "$pid" 2>/dev/null; } || [ $SECONDS -ge $deadline ]; then
      return 1
    fi
    sleep 0.3
  done
}
