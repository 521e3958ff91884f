#!/usr/bin/env bash
# Prepares what the stack's authenticated broker needs (issue 15, ADR 0034): device identities
# for STACK_FLEET_DEVICES devices, the TLS material, and a directory the broker's own user can read.
# Progress goes to stderr; stdout gets the lines up.sh prints for clients (KEY=VALUE).
#
#   tools/stack/secure-broker.sh [--compose] RUN_DIR
#
# --compose prints what docker/compose.yml reads from its env file instead: BROKER_FILES_DIR,
# MQTT_USERNAME, MQTT_MONITOR_USERNAME and the secrets themselves (MQTT_PASSWORD,
# MQTT_MONITOR_PASSWORD, FLEET_SECRET), since compose passes
# secrets as environment values (as INFLUX_TOKEN); keep that env file 0600. MOSQUITTO_IMAGE names
# the broker image whose user must read the files (the stack's by default).
#
# - Identities: `.secrets/broker` from the provisioner (docs/security.md): fleet.json, the fleet
#   secret (agents), the gateway password, the monitor password (the coordinator's $SYS probe) and
#   mosquitto/ (dynsec JSON: hashes only). Made when missing, when it holds fewer devices than
#   STACK_FLEET_DEVICES (default 10,000, the ladder's PR2), no monitor identity (made before
#   it existed) or device hashes without their own rounds (made before ADR 0059, at 101 rounds
#   each, which the broker pays on every CONNECT); provisioning again keeps the secrets.
# - TLS: `.secrets/tls` from tools/security/make-certs.sh when it has no server certificate.
# - RUN_DIR/auth and RUN_DIR/certs: copies the broker mounts read-only, group-owned by the
#   image's mosquitto user and not readable by others (Mosquitto reads them after dropping root).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
compose=0
if [ "${1:-}" = --compose ]; then compose=1; shift; fi
run_dir="${1:?usage: secure-broker.sh [--compose] RUN_DIR}"
# shellcheck source=env.sh
. "$here/env.sh"
devices="${STACK_FLEET_DEVICES:-10000}"
broker_dir="$repo/.secrets/broker"
tls_dir="$repo/.secrets/tls"
say() { echo "[stack] $*" >&2; }
die() { echo "[stack] ERROR: $*" >&2; exit 1; }
[[ $devices =~ ^[1-9][0-9]*$ ]] || die "STACK_FLEET_DEVICES must be a positive whole number (got '$devices')"

provisioned=0
monitor_user=
device_rounds=
if [ -s "$broker_dir/fleet.json" ]; then
  read -r provisioned monitor_user device_rounds < <(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(m.devices.count, m.monitor?.username ?? "-", m.hash.deviceIterations ?? "")' \
    "$broker_dir/fleet.json" 2>/dev/null || echo 0)
  [ "$monitor_user" = - ] && monitor_user=
fi
if [ "$provisioned" -lt "$devices" ] || [ -z "$monitor_user" ] || [ -z "$device_rounds" ] || [ ! -s "$broker_dir/monitor-password" ]; then
  # Never fewer devices than already provisioned: their agents may still log in.
  [ "$provisioned" -gt "$devices" ] && devices=$provisioned
  say "provisioning $devices device identities and the monitor identity into $broker_dir (secrets kept if present)"
  # The bundle just built when there is one (tools/test.sh builds every app first), else Nx builds it.
  # (never a bundle older than its sources: it would write an older policy).
  bundle="$repo/dist/apps/provisioner/main.js"
  if [ -s "$bundle" ] && [ -z "$(find "$repo/apps/provisioner/src" "$repo/libs/security/src" "$repo/libs/telemetry-schema/src" \
    "$repo/libs/loadtest-contracts/src" "$repo/libs/shared-util/src" -type f -newer "$bundle" -print -quit)" ]; then
    provision=(node "$repo/dist/apps/provisioner/main.js")
  else
    provision=(env NX_DAEMON=false npx nx run provisioner:provision --outputStyle=static --)
  fi
  (cd "$repo" && "${provision[@]}" --devices "$devices" --out "$broker_dir") >&2 || die "provisioning failed (see above)"
fi
if [ ! -s "$tls_dir/server.crt" ]; then
  say "making TLS material in $tls_dir (tools/security/make-certs.sh)"
  bash "$repo/tools/security/make-certs.sh" --out "$tls_dir" >&2
fi

# Updated in place, not replaced: a running broker's mounts keep pointing at these directories
# (its certificates are reloaded from them on SIGHUP).
(umask 027 && mkdir -p "$run_dir/auth" "$run_dir/certs")
cp -r "$broker_dir/mosquitto/." "$run_dir/auth/"
cp "$tls_dir/ca.crt" "$tls_dir/server.crt" "$tls_dir/server.key" "$run_dir/certs/"
chmod -R u=rwX,g=rX,o= "$run_dir"
# The broker reads them as its own user after dropping root: the group becomes the image's
# mosquitto group, set from inside the image (as root there), so this works for a user in the
# docker group too and needs no knowledge of the image's numbers. On the host the files then show
# that numeric group: keep .secrets/ on a host where it names no other group's members.
docker run --rm --network none -v "$(cd "$run_dir" && pwd):/files" --entrypoint chgrp "$MOSQUITTO_IMAGE" -R mosquitto /files \
  || die "cannot hand $run_dir to the mosquitto group of $MOSQUITTO_IMAGE (is docker answering, is the image there?)"

run_dir="$(cd "$run_dir" && pwd)"
gateway_user=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).gateway.username)' "$broker_dir/fleet.json")
monitor_user=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).monitor.username)' "$broker_dir/fleet.json")
echo "MQTT_USERNAME=$gateway_user"
# The coordinator's $SYS probe (broker queue in the in-flight accounting, ADR 0027).
echo "MQTT_MONITOR_USERNAME=$monitor_user"
if [ "$compose" = 1 ]; then
  echo "BROKER_FILES_DIR=$run_dir"
  echo "MQTT_PASSWORD=$(cat "$broker_dir/gateway-password")"
  echo "MQTT_MONITOR_PASSWORD=$(cat "$broker_dir/monitor-password")"
  echo "FLEET_SECRET=$(cat "$broker_dir/fleet-secret")"
else
  echo "MQTT_PASSWORD_FILE=$broker_dir/gateway-password"
  echo "MQTT_MONITOR_PASSWORD_FILE=$broker_dir/monitor-password"
  echo "FLEET_SECRET_FILE=$broker_dir/fleet-secret"
  echo "FLEET_MANIFEST_FILE=$broker_dir/fleet.json"
  # Not MQTT_TLS_CA_FILE: the services refuse a CA next to the plain MQTT_URL printed beside it.
  echo "MQTTS_CA_FILE=$tls_dir/ca.crt"
fi
