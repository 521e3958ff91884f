#!/usr/bin/env bash
# The connect phase on the default (authenticated) broker with the device identities hashed at
# different PBKDF2 rounds, alternated in one sitting (ADR 0059). Each ROUNDS gets the stack's fleet
# (its secrets kept, so the agents' derived passwords are the same) provisioned once into
# tmp/rounds-ab/ROUNDS with --device-iterations ROUNDS; each run starts the broker on those
# identities (up.sh recreates it when they change), then one connect phase of PR2's shape
# (tools/bench/connect-run.sh: 10,000 lean devices, 8 partitions, parallelism CP_PARALLELISM,
# default the runbook's 120). The stack's own identities are put back at the end. Not a test.
#
#   bash tools/bench/connect-rounds-ab.sh ROUNDS [ROUNDS ...]      e.g. 101 1 1 101 101 1 1 101
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ $# -ge 1 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
for r in "$@"; do [[ $r =~ ^[1-9][0-9]*$ ]] || { echo "connect-rounds-ab: ROUNDS must be a positive whole number (got '$r')" >&2; exit 2; }; done
. tools/stack/env.sh
bash tools/stack/up.sh >/dev/null # provisions the stack's fleet when it has none
for f in dist/apps/sim-coordinator/main.js dist/apps/sim-agent/main.js dist/apps/provisioner/main.js; do
  [ -f "$f" ] || npx nx run "$(basename "$(dirname "$f")"):build" --outputStyle=static >&2
done
fleet=.secrets/broker
devices=$(node -e 'console.log(require(process.argv[1]).devices.count)' "$PWD/$fleet/fleet.json")
work=$(mktemp -d /tmp/connect-rounds-ab.XXXXXX)
rm -rf tmp/rounds-ab/stack && mkdir -p tmp/rounds-ab && cp -r "$fleet/mosquitto" tmp/rounds-ab/stack
restore() { rm -rf "$fleet/mosquitto" && cp -r tmp/rounds-ab/stack "$fleet/mosquitto" && bash tools/stack/up.sh >/dev/null; }
trap restore EXIT
bash tools/bench/machine-fingerprint.sh
echo "connect-rounds-ab: $devices devices provisioned, artifacts $work"
# shellcheck source=connect-run.sh
. tools/bench/connect-run.sh
for r in "$@"; do
  if [ ! -s "tmp/rounds-ab/$r/fleet.json" ]; then
    node dist/apps/provisioner/main.js --devices "$devices" --out "tmp/rounds-ab/$r" --device-iterations "$r" \
      --fleet-secret-file "$fleet/fleet-secret" --gateway-password-file "$fleet/gateway-password" \
      --monitor-password-file "$fleet/monitor-password" >/dev/null
  fi
  rm -rf "$fleet/mosquitto" && cp -r "tmp/rounds-ab/$r/mosquitto" "$fleet/mosquitto"
  set -a && eval "$(bash tools/stack/up.sh 2>/dev/null)" && set +a
  connect_run "rounds-$r" "${CP_PARALLELISM:-120}" "$work"
done
