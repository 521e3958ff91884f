#!/usr/bin/env bash
# The runbook's validation ladder in one command, on the default stack, as a user runs it: each
# step is the runbook's command verbatim (scripts/loadtest/run-distributed.sh) against
# mqtt://127.0.0.1:1883, with one ingest gateway started as the README says. Passes (LADDER_PASSES,
# default "strict:cold strict:warm bypass:warm"): the gateway's Influx write mode, and whether the
# store is wiped (its container recreated) before the pass. Every attempt records its preflight and
# each component's CPU (agents, broker, gateway, Redis, store) over the publish window.
# At the end the table goes into docs/benchmarks.md between the ladder markers (LADDER_WRITE_DOCS=0:
# print only). A benchmark: it reports every step and exits 0 once the steps ran; not a test.
#
#   bash tools/bench/ladder.sh
#
# Knobs: LADDER_PASSES, LADDER_STEPS (names below, default all), LADDER_GAP_SEC (10, between
# steps), LADDER_ARTIFACTS (a new /tmp/ladder.* directory), LADDER_WRITE_DOCS (1),
# LADDER_MAX_MIN (240: the whole ladder's budget; a step gets at most 900 s and what is left, and
# steps past the budget are listed as not run, so the table is always written).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tools/stack/env.sh
. tools/stack/wait.sh
say() { echo "[ladder] $*" >&2; }

# name|SIM_TASK|runbook arguments. The runbook names SIM_TASK for the smoke step (mqttLoadTest)
# and for Phase F (the Hive client, issue 10); the cross-check runs both models.
ALL_STEPS=(
  "smoke|mqttLoadTest|200 1 40 1 10 1"
  "cross-check-mqttjs|mqttLoadTest|1500 2 120 1 30 1"
  "cross-check-lean|mqttLoadTestHive|1500 2 120 1 30 1"
  "scale-2000|mqttLoadTest|2000 3 120 1 30 1"
  "scale-2500|mqttLoadTest|2500 3 120 1 30 1"
  "scale-3000|mqttLoadTest|3000 4 120 1 30 1"
  "pr1|mqttLoadTestHive|5000 5 120 1 60 1"
  "pr2|mqttLoadTestHive|10000 8 120 1 60 1"
)
passes=${LADDER_PASSES:-strict:cold strict:warm bypass:warm}
wanted=${LADDER_STEPS:-}
gap=${LADDER_GAP_SEC:-10}
budget_end=$((SECONDS + 60 * ${LADDER_MAX_MIN:-240}))
stamp=$(date -u +%Y%m%d-%H%M%S)
artifacts=${LADDER_ARTIFACTS:-$(mktemp -d /tmp/ladder.XXXXXX)}
mkdir -p "$artifacts"
gw_port=${GATEWAY_OPS_PORT:-9470}
gw=""
stop_gateway() {
  if [ -n "$gw" ] && kill -0 "$gw" 2>/dev/null; then
    kill -TERM "$gw" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$gw" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$gw" 2>/dev/null || true
  fi
  gw=""
}
trap stop_gateway EXIT

eval "$(bash tools/stack/up.sh)"
export REDIS_URL MQTT_URL INFLUX_URL INFLUX_TOKEN_FILE MQTT_USERNAME MQTT_PASSWORD_FILE MQTT_MONITOR_USERNAME MQTT_MONITOR_PASSWORD_FILE FLEET_SECRET_FILE FLEET_MANIFEST_FILE
{
  bash tools/bench/machine-fingerprint.sh
  # The stack's CPU groups and their weights (ADR 0045, 0047): a ladder's figures depend on them.
  # shellcheck source=../stack/cpu-group.sh
  . tools/stack/cpu-group.sh
  weights=""
  for name in sousvide-mosquitto sousvide-redis sousvide-victoria; do
    if read -r file _ < <(cpu_weight_file "$(cpu_group_parent "$name")"); then
      weights="$weights, ${name#sousvide-} $(cat "$file") (${file##*/})"
    fi
  done
  echo "stack CPU groups: ${weights#, }"
} | tee "$artifacts/machine.txt" >&2
say "building sim-agent, sim-coordinator and ingest-gateway once"
npx nx run-many -t build -p sim-agent sim-coordinator ingest-gateway --outputStyle=static >"$artifacts/build.log" 2>&1 \
  || { tail -20 "$artifacts/build.log" >&2; exit 1; }

index="$artifacts/ladder.tsv"
: >"$index"
for pass in $passes; do
  mode=${pass%%:*}
  store=${pass##*:}
  case "$mode:$store" in strict:cold | strict:warm | bypass:cold | bypass:warm) ;; *) say "bad pass $pass (mode:store, strict|bypass : cold|warm)"; exit 2 ;; esac
  if [ "$store" = cold ]; then
    say "pass $pass: wiping the store (recreating sousvide-victoria)"
    docker rm -f sousvide-victoria >/dev/null
    eval "$(bash tools/stack/up.sh)"
  fi
  # A fresh broker per pass: a pass that overran leaves hundreds of thousands of messages queued
  # for its gateway's persistent session, and the next gateway would start under that flood.
  say "pass $pass: restarting the broker"
  docker restart -t 5 sousvide-mosquitto >/dev/null
  eval "$(bash tools/stack/up.sh 2>/dev/null)"
  gw_log="$artifacts/gateway-$mode-$store.log"
  started=0
  for try in 1 2 3; do
    # Its own session, as when a user starts it in another terminal: where the kernel groups CPU
    # time by session (autogroup, Debian's default), the gateway then competes with the load
    # generator as a whole, not as one process among the generator's agents.
    GATEWAY_ID="ladder-$mode-$store-$stamp" OPS_PORT="$gw_port" INGEST_INFLUX_WRITE_MODE="$mode" \
      setsid node $GATEWAY_NODE_FLAGS dist/apps/ingest-gateway/main.js >>"$gw_log" 2>&1 &
    gw=$!
    if wait_until 60 "$gw" http_ok "http://127.0.0.1:$gw_port/health"; then
      started=1
      break
    fi
    say "pass $pass: the ingest gateway did not start (try $try): $(tail -1 "$gw_log")"
    stop_gateway
  done
  if [ "$started" = 0 ]; then
    say "pass $pass: skipped, no gateway (see $gw_log)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$store" "(every step)" "-" "-" "no gateway: skipped" \
      "$(cut -d' ' -f1 /proc/loadavg)" >>"$index"
    continue
  fi
  say "pass $pass: gateway pid $gw (log $gw_log)"
  for step in "${ALL_STEPS[@]}"; do
    IFS='|' read -r name task args <<<"$step"
    if [ -n "$wanted" ] && [[ " $wanted " != *" $name "* ]]; then
      continue
    fi
    run_id="ladder-$stamp-$mode-$store-$name"
    cmd="SIM_TASK=$task MAX_ATTEMPTS=1 REQUIRE_BUSINESS_SUMMARY=1 ./scripts/loadtest/run-distributed.sh $args"
    left=$((budget_end - SECONDS))
    if [ "$left" -lt 60 ]; then
      say "$pass $name: not run, the ladder's time budget (LADDER_MAX_MIN) is spent"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$store" "$name" "$cmd" "-" "not run: time budget spent" \
        "$(cut -d' ' -f1 /proc/loadavg)" >>"$index"
      continue
    fi
    say "$pass $name: $cmd (RUN_ID=$run_id, load $(cut -d' ' -f1-3 /proc/loadavg))"
    set +e
    # shellcheck disable=SC2086 # the runbook's six arguments, split on purpose
    RUN_ID="$run_id" ARTIFACTS_DIR="$artifacts" BACKEND_LOG_CMD="tail -n0 -F $gw_log" \
      CPU_BUDGET="broker=container:sousvide-mosquitto,gateway=pid:$gw,redis=container:sousvide-redis,store=container:sousvide-victoria" \
      SIM_TASK="$task" MAX_ATTEMPTS=1 REQUIRE_BUSINESS_SUMMARY=1 \
      timeout $((left < 900 ? left : 900)) ./scripts/loadtest/run-distributed.sh $args >"$artifacts/$run_id.out" 2>"$artifacts/$run_id.err"
    rc=$?
    set -e
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$store" "$name" "$cmd" "$run_id" "$rc" "$(cut -d' ' -f1 /proc/loadavg)" >>"$index"
    say "$pass $name: exit $rc ($(grep -m1 -E '^Run ' "$artifacts/$run_id.out" 2>/dev/null || tail -1 "$artifacts/$run_id.err"))"
    sleep "$gap"
  done
  stop_gateway
done

table=$(node tools/bench/ladder-report.js "$artifacts" "$stamp")
echo "$table"
if [ "${LADDER_WRITE_DOCS:-1}" = 1 ]; then
  node tools/bench/ladder-report.js --write docs/benchmarks.md "$artifacts" "$stamp"
  say "table written into docs/benchmarks.md (ladder section); artifacts in $artifacts"
fi
