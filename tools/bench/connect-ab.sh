#!/usr/bin/env bash
# The connect phase alone, PR2's shape, for an A/B of agent builds in one sitting: 10,000 lean
# devices (CP_DEVICES) over 8 partitions (CP_PARTS), local agents (one process, as the runbook
# runs), 1 msg/s for 5 s, the anonymous broker of tools/stack/up.sh. Each run waits (up to 60 s)
# for the broker to be idle first, so no run pays for the previous one's 10k disconnects. Prints
# per run: connect rate, connect latency, the SYNs this host dropped at full accept queues and the
# broker's CPU over the run (tools/bench/connect-run.sh).
# Not a test.
#
#   bash tools/bench/connect-ab.sh NAME:PARALLELISM [NAME:PARALLELISM ...]
#
# NAME's agent is tmp/ab/agent-NAME/main.js (copy dist/apps/sim-agent/. there after a build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ $# -ge 1 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
. tools/stack/env.sh
eval "$(STACK_SECURE=0 bash tools/stack/up.sh)"
export REDIS_URL MQTT_URL
[ -f dist/apps/sim-coordinator/main.js ] || npx nx run sim-coordinator:build --outputStyle=static >&2
work=$(mktemp -d /tmp/connect-ab.XXXXXX)
bash tools/bench/machine-fingerprint.sh
echo "connect-ab: artifacts $work"
# shellcheck source=connect-run.sh
. tools/bench/connect-run.sh
for arg in "$@"; do
  name=${arg%%:*} p=${arg#*:}
  [ -f "tmp/ab/agent-$name/main.js" ] || { echo "connect-ab: no agent at tmp/ab/agent-$name/main.js" >&2; exit 2; }
  AGENT_ENTRY="tmp/ab/agent-$name/main.js" connect_run "$name" "$p" "$work"
done
