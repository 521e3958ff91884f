#!/usr/bin/env bash
# CI job: the whole system through docker/compose.yml on this machine (no container registry).
# Run after tools/stack/ensure-prereqs.sh. Builds every image (tools/images/build-app-images.sh),
# starts the stack with 2 agent containers and the 2 gateways (gw-1, gw-2) under its own project
# name and no fixed host port, runs the smoke load test through the coordinator's CLI in its
# container (partitions go to the agent containers over BullMQ), checks connection-summary.json
# and business-summary.json (published equals received, no failures, both agents used), runs the
# DLQ replayer once, and always tears everything down.
# RESTART=1 (default) adds the restart check: gateway gw-1's container is restarted (SIGTERM, then
# started again with its GATEWAY_ID and volume) mid-run, and the run's accounting must show
# published = stored + DLQ + spool, lost 0.
# OBSERVABILITY=1 (default) starts the `observability` profile's Prometheus (the registry-free
# image, tools/images/build-prometheus-image.sh, which checks the config with promtool) with the
# stack; after the smoke every scrape target must be up (2 gateways, 2 agents, the coordinator,
# the store, Prometheus) and the gateways' ingest_pipeline_success_total must reach what the
# smoke stored.
# Hardening (ADR 0028): once the stack is up, every running container of the project must show
# in `docker inspect` a read-only root file system, CapDrop ALL, no-new-privileges and a memory
# limit, and add back no capability but those HARDENING_CAPS allows its service; a container that
# adds some must hold none once started (its PID 1's CapEff is 0: they were for the start only).
# Broker (issue 15): no anonymous client; the gateways and every simulated device connect with
# the identities tools/stack/secure-broker.sh provisions, and an anonymous client is refused.
# FAULT=1 adds the fault check: an agent container killed mid-run fails its partition and the
# coordinator retries the attempt on the remaining agents.
# Ends with one line: "compose-ci: PASS ..." or "compose-ci: FAIL ...". Bounded: every step has a
# timeout; the whole job takes about 2-4 minutes when the images exist.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$SECONDS
DEVICES="${DEVICES:-200}" DURATION="${DURATION:-10}"
project="${COMPOSE_PROJECT:-sousvide-ci-$$}"
# This job's own app image tag: jobs of other checkouts share the dockerd, and with one tag each
# would run whatever bundles were built last. Removed again at the end.
export APP_IMAGE_TAG="${APP_IMAGE_TAG:-ci-$$}"
work=$(mktemp -d /tmp/sousvide-compose-ci.XXXXXX)
say() { echo "[compose-ci] $*" >&2; }
failed=""
fail() { failed=1; echo "compose-ci: FAIL $* ($((SECONDS - started)) s)"; exit 1; }
# Under set -e a failing command ends the job; record which, for the verdict line (twice a CI
# ended here with exit 1 after the restart run and no FAIL line, 58d7952 and 3bf615a).
exit_line="" exit_command="unknown"
trap 'exit_line=$LINENO exit_command=$BASH_COMMAND' ERR

if [ -n "${COMPOSE:-}" ]; then read -r -a compose_cmd <<<"$COMPOSE"
elif docker compose version >/dev/null 2>&1; then compose_cmd=(docker compose)
else compose_cmd=(docker-compose)
fi
env_file="$work/.env"
# docker-compose 1.29 gives up on one dockerd API call after 60 s ("Read timed out"), which a
# dockerd serving several people's test containers overran during compose up at load 40-58; each
# dc command keeps its own overall bound below.
export COMPOSE_HTTP_TIMEOUT="${COMPOSE_HTTP_TIMEOUT:-180}"
# dc SECONDS ARGS...: one bounded compose command on this job's project.
dc() {
  local secs=$1
  shift
  timeout "$secs" "${compose_cmd[@]}" -p "$project" --env-file "$env_file" -f docker/compose.yml "$@"
}

cleanup() {
  local rc=$?
  # The job ends with one verdict line: an exit that no check named (set -e) still gets one.
  if [ "$rc" != 0 ] && [ -z "$failed" ]; then
    # The command's first line: a $(node - <<'JS' ...) would bring its whole script along.
    echo "compose-ci: FAIL exit $rc at line ${exit_line:-?}: ${exit_command%%$'\n'*} ($((SECONDS - started)) s)"
  fi
  if [ "$rc" != 0 ] && [ -f "$env_file" ]; then
    dc 30 ps >&2 2>/dev/null || true
    dc 30 logs --no-color --tail 30 >"$work/logs.txt" 2>&1 && tail -60 "$work/logs.txt" >&2 || true
  fi
  if [ -f "$env_file" ]; then
    dc 120 --profile tools --profile observability down -v --remove-orphans -t 10 >/dev/null 2>&1 || say "teardown of $project failed"
  fi
  if [ "${APP_IMAGE_TAG#ci-}" != "$APP_IMAGE_TAG" ]; then
    for app in sim-coordinator sim-agent ingest-gateway dlq-replayer; do
      docker image rm "${APP_IMAGE_PREFIX:-sousvide}/$app:$APP_IMAGE_TAG" >/dev/null 2>&1 || true
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prerequisites come first from tools/stack/ensure-prereqs.sh (tools/test.sh runs it).
docker info >/dev/null 2>&1 || fail "docker is not answering: run tools/stack/ensure-prereqs.sh"
"${compose_cmd[@]}" version >/dev/null 2>&1 || fail "${compose_cmd[*]} is missing: run tools/stack/ensure-prereqs.sh"
say "images"
# BUILD=1 (default): rebuild the bundles first; tools/test.sh passes 0, having just built them.
BUILD="${BUILD:-1}" timeout 900 bash tools/images/build-app-images.sh >&2 || fail "image build"
profiles=()
if [ "${OBSERVABILITY:-1}" = 1 ]; then
  timeout 900 bash tools/images/build-prometheus-image.sh >&2 || fail "prometheus image build or promtool check"
  profiles=(--profile observability)
fi

# The env file a user writes from docker/.env.example: random secrets, registry-free images.
api_token=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
{
  echo "INFLUX_ORG=sousvide"
  echo "INFLUX_BUCKET=telemetry"
  echo "INFLUX_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  echo "INFLUX_ADMIN_USER=sousvide"
  echo "INFLUX_ADMIN_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  echo "COORDINATOR_API_TOKEN=$api_token"
  sed -n '/^# Without a registry/,/^$/ s/^# \([A-Z_]*=\)/\1/p' docker/.env.example | sed 's/[[:space:]]\+#.*$//'
  echo "COORDINATOR_PORT=" # a free host port
  echo "PROMETHEUS_PORT="
  echo "APP_IMAGE_TAG=$APP_IMAGE_TAG"
} >"$env_file"
chmod 600 "$env_file"
# The broker's identities (the smoke's devices and the gateway) and TLS material, readable by the
# broker image's user, and the gateway password and fleet secret for the services (ADR 0034).
broker_image=$(sed -n 's/^MOSQUITTO_IMAGE=//p' "$env_file" | tail -n1)
MOSQUITTO_IMAGE="${broker_image:-${MOSQUITTO_IMAGE:-}}" STACK_FLEET_DEVICES="$DEVICES" \
  bash tools/stack/secure-broker.sh --compose "$work/broker" >>"$env_file" || fail "broker identities (tools/stack/secure-broker.sh)"

say "up: project $project with ${compose_cmd[*]}"
up_at=$SECONDS
dc 240 "${profiles[@]}" up -d --scale sim-agent=2 >&2 || fail "compose up"
# The coordinator's health gates nothing in compose; wait for it (and see the API answer).
api=$(dc 60 port sim-coordinator 3000 | tail -n1) || fail "'port sim-coordinator 3000' failed or timed out"
# api_status URL: the HTTP status of a GET, "none" when nothing answers; API_TOKEN (from the
# environment, not the command line, which `ps` shows) as the bearer token when set. The health
# wait compares the printed status too: right after compose up, node once ended with nothing
# printed (its fetch never settled), so an exit code alone is no proof of an answer.
api_status() { node -e "const t = process.env.API_TOKEN; fetch(process.argv[1], { headers: t ? { authorization: 'Bearer ' + t } : {} }).then((r) => console.log(r.status), () => console.log('none'))" "$1"; }
for _ in $(seq 1 60); do
  [ "$(API_TOKEN='' api_status "http://$api/health")" = 200 ] && break
  sleep 1
done
status=$(API_TOKEN='' api_status "http://$api/health")
[ "$status" = 200 ] || fail "coordinator API http://$api/health did not answer 200 (got ${status:-nothing})"
# The API answers only with its token: 401 without, 404 (no such run) with it.
status=$(API_TOKEN='' api_status "http://$api/runs/no-such-run")
[ "$status" = 401 ] || fail "coordinator API answered GET /runs/:id without its token with ${status:-nothing}, not 401"
status=$(API_TOKEN="$api_token" api_status "http://$api/runs/no-such-run")
[ "$status" = 404 ] || fail "coordinator API answered GET /runs/:id with its token with ${status:-nothing}, not 404"
say "stack up in $((SECONDS - up_at)) s; coordinator API on http://$api (401 without its token, 404 with it)"
# The broker refuses a client without credentials (from inside the compose network, with the
# gateway image's MQTT.js).
anonymous=$(dc 60 exec -T ingest-gateway-1 node -e "require('mqtt').connectAsync('mqtt://mosquitto:1883', { reconnectPeriod: 0, connectTimeout: 10000 }, false).then((c) => { console.log('accepted'); c.end(true); }, (e) => console.log(e.message))" 2>&1 || true)
case "$anonymous" in
  *"Not authorized"*) say "broker: an anonymous client is refused ($anonymous)" ;;
  *) fail "the compose broker answered an anonymous client with '${anonymous:-nothing}', not 'Not authorized'" ;;
esac

# Capabilities a service may add back after CapDrop ALL, with the reason in docker/compose.yml:
# the broker starts as root, hands its volume to its user and drops to it.
HARDENING_CAPS="${HARDENING_CAPS:-mosquitto=CHOWN,SETGID,SETUID}"
# shellcheck disable=SC2046 # one id per word
docker inspect $(docker ps -q --filter "label=com.docker.compose.project=$project") >"$work/inspect.json" 2>/dev/null || true
hardening=$(node - "$work/inspect.json" "$HARDENING_CAPS" <<'JS'
const { execFileSync } = require('child_process');
const [inspected, allowedCaps] = process.argv.slice(2);
const allowed = Object.fromEntries(allowedCaps.split(/\s+/).filter(Boolean).map((e) => {
  const [service, caps] = e.split('=');
  return [service, new Set(caps.split(',').map((c) => c.replace(/^CAP_/i, '').toUpperCase()))];
}));
let containers = [];
try { containers = JSON.parse(require('fs').readFileSync(inspected, 'utf8') || '[]'); } catch { /* none */ }
if (containers.length === 0) { console.log('FAIL no running container of the project to inspect'); process.exit(0); }
const problems = [];
for (const c of containers) {
  const name = c.Name.replace(/^\//, '');
  const service = c.Config.Labels['com.docker.compose.service'];
  const h = c.HostConfig;
  const caps = (list) => (list ?? []).map((x) => x.replace(/^CAP_/i, '').toUpperCase());
  const missing = [];
  if (h.ReadonlyRootfs !== true) missing.push('ReadonlyRootfs is not true');
  if (!caps(h.CapDrop).includes('ALL')) missing.push(`CapDrop has no ALL (${JSON.stringify(h.CapDrop)})`);
  const extra = caps(h.CapAdd).filter((x) => !(allowed[service]?.has(x)));
  if (extra.length) missing.push(`CapAdd ${extra.join(',')} not allowed for service ${service}`);
  if (!(h.SecurityOpt ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(o))) missing.push('SecurityOpt has no no-new-privileges');
  if (!(h.Memory > 0)) missing.push('Memory is 0 (no memory limit)');
  if (caps(h.CapAdd).length && missing.length === 0) {
    let status = '';
    try { status = execFileSync('docker', ['exec', c.Id, 'cat', '/proc/1/status'], { encoding: 'utf8', timeout: 20000 }); } catch (err) { status = ''; }
    const eff = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1];
    if (eff === undefined) missing.push('could not read its PID 1 capabilities');
    else if (BigInt(`0x${eff}`) !== 0n) missing.push(`PID 1 still holds capabilities (CapEff ${eff}) after its start`);
  }
  if (missing.length) problems.push(`${name}: ${missing.join('; ')}`);
}
const n = containers.length;
const ok = n - problems.length;
const figures = `${ok}/${n} containers read-only, caps dropped, no-new-privileges, memory-limited`;
console.log(problems.length ? `FAIL ${figures}: ${problems.join(' | ')}` : `OK ${figures}`);
JS
) || hardening="FAIL the check did not finish"
say "hardening: $hardening"
[ "${hardening%% *}" = OK ] || fail "hardening: ${hardening#* }"
hardening=" hardening=(${hardening#OK })"

# run_loadtest RUN_ID MAX_ATTEMPTS: the smoke load test through the coordinator's CLI. Retries
# keep 2 partitions (--max-partitions 2), so the agents left after the fault check can take them.
run_loadtest() {
  dc 240 exec -T sim-coordinator node /app/main.js loadtest run --run-id "$1" \
    --connections "$DEVICES" --partitions 2 --max-partitions 2 --parallelism 40 --mps 1 \
    --duration "$DURATION" --qos 1 --model mqttLoadTest --max-attempts "$2" \
    --require-business-summary 1 --json
}
artifact() { dc 30 exec -T sim-coordinator cat "/app/data/loadtest-runs/$1/$2"; }

run_id="compose-ci-$(date -u +%Y%m%d-%H%M%S)"
say "smoke: $DEVICES devices, 2 partitions, 1 msg/s, ${DURATION} s, QoS 1 (run $run_id)"
run_at=$SECONDS
# A non-zero exit is judged below from the summaries; its code says which kind (EXIT_CODES:
# 1 an attempt failed, 2 refused before start, 3 an SLO or the loss accounting failed).
loadtest_rc=0
run_loadtest "$run_id" 1 >"$work/outcome.json" || loadtest_rc=$?
if [ "$loadtest_rc" != 0 ]; then
  case "$loadtest_rc" in 1) why="an attempt failed" ;; 2) why="refused before start" ;; 3) why="an SLO or the loss accounting failed" ;; *) why="see its output" ;; esac
  say "loadtest run exited $loadtest_rc ($why): $(head -c 600 "$work/outcome.json" | tr '\n' ' ')"
fi
run_secs=$((SECONDS - run_at))
artifact "$run_id" attempt-1/connection-summary.json >"$work/connection-summary.json" || fail "no connection-summary.json"
artifact "$run_id" attempt-1/business-summary.json >"$work/business-summary.json" || fail "no business-summary.json"
# The report is built from files read at run time (uPlot's script and style): the image must carry them.
artifact "$run_id" attempt-1/report.html >"$work/report.html" || fail "no attempt-1/report.html in the coordinator's container"
grep -q 'uPlot' "$work/report.html" || fail "attempt-1/report.html has no inlined uPlot"
verdict=$(node - "$work" "$DEVICES" <<'JS'
const [dir, devices] = process.argv.slice(2);
const read = (f) => JSON.parse(require('fs').readFileSync(`${dir}/${f}`, 'utf8'));
const c = read('connection-summary.json');
const b = read('business-summary.json');
const agents = new Set(c.parts.map((p) => p.agent_id ?? p.agentId).filter(Boolean));
const problems = [];
if (c.status !== 'passed') problems.push(`connection summary ${c.status}: ${c.failure_reasons.join('; ')}`);
if (c.connected_total !== Number(devices)) problems.push(`connected ${c.connected_total}/${devices}`);
if (c.published_total === 0 || c.failed_total !== 0) problems.push(`published ${c.published_total}, failed ${c.failed_total}`);
if (b.recv_total !== c.published_total) problems.push(`received ${b.recv_total} != published ${c.published_total}`);
for (const k of ['parse_fail_total', 'influx_fail_total', 'redis_fail_total', 'dlq_total']) {
  if (b[k]) problems.push(`${k} ${b[k]}`);
}
if (agents.size !== 2) problems.push(`partitions ran on ${agents.size} agent(s), expected the 2 agent containers`);
const figures = `published=${c.published_total} received=${b.recv_total} failed=${c.failed_total} connected=${c.connected_total}/${devices} agents=${agents.size} e2e_p95=${b.e2e_latency_ms.p95}ms`;
console.log(problems.length ? `FAIL ${figures}: ${problems.join('; ')}` : `OK ${figures}`);
JS
) || verdict="FAIL the check did not finish (see its error above)"
say "summaries: $verdict (load test ${run_secs} s)"
[ "${verdict%% *}" = OK ] || fail "${verdict#* }"

observed=""
if [ "${OBSERVABILITY:-1}" = 1 ]; then
  prom=$(dc 60 port prometheus 9090 | tail -n1) || fail "'port prometheus 9090' failed or timed out"
  stored=$(node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')).recv_total)" "$work/business-summary.json") \
    || fail "observability: cannot read recv_total from business-summary.json"
  say "observability: Prometheus on http://$prom: every target up, ingest_pipeline_success_total >= $stored"
  observed=$(timeout 120 node - "http://$prom" "$stored" <<'JS'
const [base, stored] = process.argv.slice(2);
const get = async (path) => (await (await fetch(base + path)).json()).data;
const deadline = Date.now() + 90_000;
(async () => {
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const targets = (await get('/api/v1/targets')).activeTargets;
      const down = targets.filter((t) => t.health !== 'up').map((t) => `${t.labels.job}/${t.labels.instance} ${t.health} ${t.lastError}`);
      const jobs = {};
      for (const t of targets) jobs[t.labels.job] = (jobs[t.labels.job] ?? 0) + 1;
      const result = (await get(`/api/v1/query?query=${encodeURIComponent('sum(ingest_pipeline_success_total)')}`)).result;
      const counted = result.length ? Number(result[0].value[1]) : 0;
      const want = { 'ingest-gateway': 2, 'sim-agent': 2, 'sim-coordinator': 1, influx: 1, prometheus: 1 };
      const missing = Object.entries(want).filter(([j, n]) => (jobs[j] ?? 0) < n).map(([j, n]) => `${j} ${jobs[j] ?? 0}/${n}`);
      last = `targets ${targets.length - down.length}/${targets.length} up (${Object.entries(jobs).map(([j, n]) => `${j} ${n}`).join(', ')}), ingest_pipeline_success_total ${counted}`;
      if (down.length === 0 && missing.length === 0 && counted >= Number(stored)) {
        console.log(`OK ${last}`);
        return;
      }
      last += down.length ? `; down: ${down.join('; ')}` : '';
      last += missing.length ? `; missing: ${missing.join(', ')}` : '';
    } catch (err) {
      last = `Prometheus: ${err.message}`;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  console.log(`FAIL ${last}`);
})();
JS
) || observed="FAIL the check did not finish"
  say "observability: $observed"
  [ "${observed%% *}" = OK ] || fail "observability: ${observed#* }"
  observed=" observability=(${observed#OK })"
fi

say "dlq-replayer: one dry run through 'run --rm'"
# 240 s like the load test's exec (`run` creates a container on a dockerd the integration lanes
# keep busy), and a failure names its exit code and the container's state. The silent exit 124 of
# the CI of 4682fcd was first blamed on this step; it came from the `ps` of the restart check
# below, which the CI of f17ff28 showed.
replay_rc=0
dc 240 run --rm -T dlq-replayer replay --dry-run --json >"$work/replay.json" 2>"$work/replay.err" \
  || replay_rc=$?
if [ "$replay_rc" != 0 ]; then
  cat "$work/replay.err" >&2
  docker ps -a --filter "name=${project}_dlq-replayer" --format '{{.Names}} {{.Status}}' >&2 || true
  fail "dlq-replayer run (exit $replay_rc$([ "$replay_rc" = 124 ] && echo ': timed out after 240 s'))"
fi

# publishing_agent RUN_ID PID: the container of the agent holding part 0 of attempt 1 once it
# reports publishing; empty if it never does (120 s) or once the run (process PID) has ended. Each poll is
# one `docker exec` on the Redis container: a `docker-compose exec` (Python, seconds on a busy host)
# per poll let a whole 20 s run go by unobserved in the CI of cf52a32, and two before it.
publishing_agent() {
  local agent="" redis_cid deadline=$((SECONDS + 120))
  redis_cid=$(dc 60 ps -q redis) || true
  [ -n "$redis_cid" ] || return 0
  while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$2" 2>/dev/null; do
    agent=$(timeout 10 docker exec "$redis_cid" redis-cli --raw hget "bull:loadtest-partitions:${1}__a1__p0" progress 2>/dev/null \
      | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{try{const p=JSON.parse(s);if(p.phase==="publishing")console.log(p.agentId.split("-")[0])}catch{}})') || true
    [ -n "$agent" ] && break
    sleep 0.5
  done
  echo "$agent"
}

restart=""
if [ "${RESTART:-1}" = 1 ]; then
  restart_id="$run_id-restart"
  # Under set -e a bare failing $(...) ends the job with no message: CI of f17ff28 ended here with
  # exit 124, a 10 s bound that docker-compose overran on a host busy with the integration lanes.
  gw1=$(dc 60 ps -q ingest-gateway-1) || fail "restart: 'ps -q ingest-gateway-1' failed or timed out"
  [ -n "$gw1" ] || fail "restart: no ingest-gateway-1 container"
  say "restart: gateway gw-1 restarted mid-run (run $restart_id)"
  DURATION=$((DURATION + 10)) run_loadtest "$restart_id" 1 >"$work/restart.json" &
  loadtest_pid=$!
  # kill may find the run already ended: || true, so the fail line below still names the check.
  [ -n "$(publishing_agent "$restart_id" "$loadtest_pid")" ] \
    || { kill "$loadtest_pid" 2>/dev/null || true; fail "restart: the run's publishing phase was not seen (ended or never began) before the gateway could be restarted in it"; }
  # SIGTERM (the gateway drains), SIGKILL only past the compose stop grace; then the same
  # container starts again with its GATEWAY_ID and volume.
  timeout 60 docker restart -t 30 "$gw1" >/dev/null || fail "restart: docker restart $gw1"
  wait "$loadtest_pid" || true
  artifact "$restart_id" attempt-1/business-summary.json >"$work/restart-business.json" || fail "restart: no business-summary.json"
  restart=$(node - "$work/restart-business.json" <<'JS'
const b = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const a = b.accounting;
if (!a) { console.log('FAIL no accounting in business-summary.json'); process.exit(0); }
const figures = `published=${a.published} stored=${a.stored} dlq=${a.in_dlq} spool=${a.in_spool} duplicates=${a.duplicates} lost=${a.lost}`;
console.log(a.lost === 0 && a.published > 0 ? `OK ${figures}` : `FAIL ${figures}`);
JS
) || restart="FAIL the check did not finish (see its error above)"
  say "restart: $restart"
  [ "${restart%% *}" = OK ] || fail "restart check: ${restart#* }"
  restart=" restart=gw-1(${restart#OK })"
fi

fault=""
if [ "${FAULT:-0}" = 1 ]; then
  # Enough capacity for the retry (it may raise the partitions): 4 agents, then kill one.
  dc 120 up -d --no-recreate --scale sim-agent=3 >&2 || fail "scale agents"
  fault_id="$run_id-fault"
  say "fault: killing an agent container mid-run (run $fault_id)"
  DURATION=20 run_loadtest "$fault_id" 3 >"$work/fault.json" &
  loadtest_pid=$!
  victim=$(publishing_agent "$fault_id" "$loadtest_pid")
  [ -n "$victim" ] || { kill "$loadtest_pid" 2>/dev/null || true; fail "fault: part 0's publishing phase was not seen (ended or never began) before its agent could be killed"; }
  docker kill "$victim" >/dev/null || fail "fault: docker kill $victim"
  wait "$loadtest_pid" || true
  fault=$(node - "$work/fault.json" <<'JS'
const o = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const [first, ...rest] = o.attempts;
const lost = first && first.status === 'failed' && first.reasons.some((r) => /agent lost/.test(r));
const retried = rest.length > 0 && rest[rest.length - 1].status === 'passed';
console.log(lost && retried ? `OK attempts=${o.attempts.length}` : `FAIL attempts=${o.attempts.map((a) => `${a.status}(${a.reasons.join(' | ')})`).join(', ')}`);
JS
) || fault="FAIL the check did not finish (see its error above)"
  say "fault: $fault"
  [ "${fault%% *}" = OK ] || fail "fault check: ${fault#* }"
  fault=" fault=agent-killed-retried-$fault"
fi

echo "compose-ci: PASS ${verdict#OK } load_test=${run_secs}s${hardening}${observed}${restart}${fault} total=$((SECONDS - started))s"
