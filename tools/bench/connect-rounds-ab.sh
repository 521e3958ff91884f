#!/usr/bin/env bash
# The connect phase on the default (authenticated) broker with the device identities hashed at
# different PBKDF2 rounds, alternated in one sitting (ADR 0059). Each ROUNDS gets the stack's fleet
# (its secrets kept, so the agents' derived passwords are the same) provisioned into this
# sitting's artifacts with --device-iterations ROUNDS; each run starts a new broker on those
# identities (every run on a fresh broker, none resuming the previous run's sessions), then one
# connect phase of PR2's shape (tools/bench/connect-run.sh: 10,000 lean devices, 8 partitions,
# parallelism CP_PARALLELISM, default the runbook's 120). At the end the stack's own identities
# are provisioned again (secrets kept) and its broker restarted on them. Not a test.
#
#   bash tools/bench/connect-rounds-ab.sh ROUNDS [ROUNDS ...]      e.g. 101 1 1 101 101 1 1 101
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ $# -ge 1 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
for r in "$@"; do [[ $r =~ ^[1-9][0-9]*$ ]] || { echo "connect-rounds-ab: ROUNDS must be a positive whole number (got '$r')" >&2; exit 2; }; done
. tools/stack/env.sh
export STACK_SECURE=1
work=$(mktemp -d /tmp/connect-rounds-ab.XXXXXX)
stack_up() { # up.sh's KEY=VALUE lines into this shell; its progress into the artifacts
  local out
  out=$(bash tools/stack/up.sh 2>>"$work/up.log") || { echo "connect-rounds-ab: tools/stack/up.sh failed, see $work/up.log" >&2; exit 1; }
  set -a && eval "$out" && set +a
}
stack_up # provisions the stack's fleet when it has none
for f in dist/apps/sim-coordinator/main.js dist/apps/sim-agent/main.js dist/apps/provisioner/main.js; do
  [ -f "$f" ] || npx nx run "$(basename "$(dirname "$f")"):build" --outputStyle=static >&2
done
fleet=.secrets/broker
devices=$(node -e 'console.log(require(process.argv[1]).devices.count)' "$PWD/$fleet/fleet.json")
provision() { # OUT [provisioner options]: the stack's fleet, its secrets kept
  local out=$1
  shift
  node dist/apps/provisioner/main.js --devices "$devices" --out "$out" "$@" \
    --fleet-secret-file "$fleet/fleet-secret" --gateway-password-file "$fleet/gateway-password" \
    --monitor-password-file "$fleet/monitor-password" >/dev/null
}
restore() {
  provision "$fleet" && docker rm -f sousvide-mosquitto >/dev/null 2>&1 && bash tools/stack/up.sh >/dev/null 2>>"$work/up.log"
}
trap restore EXIT
bash tools/bench/machine-fingerprint.sh
echo "connect-rounds-ab: $devices devices provisioned, artifacts $work"
# shellcheck source=connect-run.sh
. tools/bench/connect-run.sh
for r in "$@"; do
  [ -s "$work/rounds-$r/fleet.json" ] || provision "$work/rounds-$r" --device-iterations "$r"
  rm -rf "$fleet/mosquitto" && cp -r "$work/rounds-$r/mosquitto" "$fleet/mosquitto"
  docker rm -f sousvide-mosquitto >/dev/null # a new broker for every run, whatever the last one held
  stack_up
  connect_run "rounds-$r" "${CP_PARALLELISM:-120}" "$work"
done
