#!/usr/bin/env bash
# What TLS costs (issue 15): the same load test against the stack's authenticated broker over
# plain MQTT (1883) and over TLS (8883, the stack's CA), in alternating pairs, per client model.
# Prints, per run, the connect rate, the agent's CPU while connecting and while publishing, its RSS,
# and the broker's CPU per message (from its process's /proc stat), then the TLS/plain ratio of
# each figure pair by pair. Figures, not a test: exit 0 when the runs happened.
#
#   bash tools/bench/tls-bench.sh
#
# Knobs: TLS_BENCH_MODELS ("lean mqttjs"), TLS_BENCH_CONNECTIONS (2000), TLS_BENCH_PARALLELISM
# (200), TLS_BENCH_DURATION (15 s), TLS_BENCH_MPS (1), TLS_BENCH_ROUNDS (3).
# Every run is bounded (timeout) and uses the stack from tools/stack/up.sh (STACK_SECURE=1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=../stack/env.sh
. tools/stack/env.sh
models="${TLS_BENCH_MODELS:-lean mqttjs}"
connections="${TLS_BENCH_CONNECTIONS:-2000}"
parallelism="${TLS_BENCH_PARALLELISM:-200}"
duration="${TLS_BENCH_DURATION:-15}"
mps="${TLS_BENCH_MPS:-1}"
rounds="${TLS_BENCH_ROUNDS:-3}"
say() { echo "[tls-bench] $*" >&2; }

set -a
eval "$(STACK_SECURE=1 STACK_FLEET_DEVICES="${STACK_FLEET_DEVICES:-$connections}" bash tools/stack/up.sh)"
set +a
# This bench measures the generator and the broker: no gateway, no manifest check needed.
unset FLEET_MANIFEST_FILE
npx nx run-many -t build -p sim-agent sim-coordinator --outputStyle=static >/dev/null
ARTIFACTS_DIR=$(mktemp -d /tmp/tls-bench.XXXXXX)
export ARTIFACTS_DIR
stamp=$(date -u +%Y%m%d-%H%M%S)
say "artifacts in $ARTIFACTS_DIR; $connections connections x $mps msg/s x ${duration}s QoS 1, $rounds rounds per model"

# broker_cpu_ticks: user+system clock ticks of the broker's process so far.
broker_cpu_ticks() {
  local pid
  pid=$(docker inspect -f '{{.State.Pid}}' sousvide-mosquitto)
  awk '{print $14 + $15}' "/proc/$pid/stat"
}

results="$ARTIFACTS_DIR/results.jsonl"
for model in $models; do
  for round in $(seq 1 "$rounds"); do
    for route in plain tls; do
      url=$MQTT_URL ca=()
      if [ "$route" = tls ]; then url=$MQTTS_URL ca=("MQTT_TLS_CA_FILE=$MQTTS_CA_FILE"); fi
      run_id="tls-bench-$stamp-$model-$route-$round"
      before=$(broker_cpu_ticks)
      set +e
      env "${ca[@]}" timeout --kill-after=20 $((duration + 180)) node dist/apps/sim-coordinator/main.js loadtest run \
        --model "$model" --connections "$connections" --partitions 1 --parallelism "$parallelism" \
        --mps "$mps" --duration "$duration" --qos 1 --max-attempts 1 --run-id "$run_id" \
        --broker-url "$url" --no-gate >"$ARTIFACTS_DIR/$run_id.log" 2>&1
      rc=$?
      set -e
      after=$(broker_cpu_ticks)
      node - "$ARTIFACTS_DIR/$run_id/attempt-1/connection-summary.json" "$model" "$route" "$round" \
        "$((after - before))" "$(getconf CLK_TCK)" "$rc" >>"$results" <<'JS'
const [file, model, route, round, ticks, hz, rc] = process.argv.slice(2);
let c;
try { c = JSON.parse(require('fs').readFileSync(file, 'utf8')); } catch { c = undefined; }
const p = c?.parts?.[0] ?? {};
console.log(JSON.stringify({
  model, route, round: Number(round), exit: Number(rc),
  connected: c?.connected_total ?? 0, published: c?.published_total ?? 0, failed: c?.failed_total ?? 0,
  connectRate: c?.connect_rate_per_sec ?? null,
  connectCpuPct: p.connect_generator?.cpuPercent ?? null,
  publishCpuPct: p.generator?.cpuPercent ?? null,
  rssMiB: p.generator ? Math.round(p.generator.rssBytes / 1048576) : null,
  brokerCpuMsPerMsg: c?.published_total ? (Number(ticks) / Number(hz)) * 1000 / c.published_total : null,
}));
JS
      say "$(tail -n1 "$results")"
    done
  done
done

node - "$results" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const figures = ['connectRate', 'connectCpuPct', 'publishCpuPct', 'rssMiB', 'brokerCpuMsPerMsg'];
const fmt = (x) => (x === null || x === undefined ? '-' : Number(x).toFixed(x < 10 ? 3 : 1));
console.log('| model | round | route | connected | published | failed | connect/s | agent CPU connecting % | agent CPU publishing % | agent RSS MiB | broker CPU ms/msg |');
console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.model} | ${r.round} | ${r.route} | ${r.connected} | ${r.published} | ${r.failed} | ${figures.map((f) => fmt(r[f])).join(' | ')} |`);
console.log('\nTLS / plain, pair by pair (min / median / max):\n');
console.log(`| model | ${figures.join(' | ')} |`);
console.log(`| --- |${figures.map(() => ' ---: |').join('')}`);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
for (const model of [...new Set(rows.map((r) => r.model))]) {
  const cells = figures.map((f) => {
    const ratios = [];
    for (const round of new Set(rows.map((r) => r.round))) {
      const plain = rows.find((r) => r.model === model && r.round === round && r.route === 'plain');
      const tls = rows.find((r) => r.model === model && r.round === round && r.route === 'tls');
      if (plain?.[f] > 0 && tls?.[f] !== null && tls?.[f] !== undefined) ratios.push(tls[f] / plain[f]);
    }
    return ratios.length ? `${Math.min(...ratios).toFixed(2)} / ${median(ratios).toFixed(2)} / ${Math.max(...ratios).toFixed(2)}` : '-';
  });
  console.log(`| ${model} | ${cells.join(' | ')} |`);
}
JS
