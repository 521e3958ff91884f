#!/usr/bin/env bash
# A/B of gateway builds by CPU per message, with the bare counting subscriber as the reference, in
# rounds on the same local stack: the ratio within a round holds on a noisy machine where the
# absolute figure does not. Not a test.
#
#   tools/bench/gateway-ab.sh NAME=path/to/ingest-gateway/main.js [NAME=...]
#
# Each round runs every build, then the bare subscriber (tools/bench/bare-subscriber.js), each
# under the same load: `loadtest run` with 1,000 lean devices at AB_RATE msg/s in all (default
# 3000) for AB_DURATION s (15), QoS 1, 2 partitions; the gateway on 4 MQTT connections. A build's
# CPU is its process's CPU over the load run (/proc/<pid>/stat), its peak RSS the process's VmHWM;
# AB_NODE_FLAGS_<NAME> gives one build node options of its own. Prints one line per run and a
# table of ms per 1,000 messages, each build's ratio to the bare subscriber and to the first build.
# AB_ROUNDS (3) rounds; artifacts in AB_WORK (a new temporary folder). Builds: `npx nx run
# ingest-gateway:build` writes dist/apps/ingest-gateway/; copy it into tmp/ab/<name>/ of this
# checkout (ignored by git; node_modules resolve from there) before building the other side.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ $# -ge 1 ] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
for arg in "$@"; do
  case $arg in
    *=*) [ -f "${arg#*=}" ] || { echo "gateway-ab: no bundle at ${arg#*=} (from $arg)" >&2; exit 2; } ;;
    *) echo "gateway-ab: '$arg' is not NAME=path/to/main.js" >&2; exit 2 ;;
  esac
done
. tools/stack/env.sh
. tools/stack/wait.sh
# Its publisher and the bare subscriber it compares against connect anonymously.
eval "$(STACK_SECURE=0 bash tools/stack/up.sh)"
export MQTT_URL REDIS_URL INFLUX_URL INFLUX_TOKEN_FILE
npx nx run-many -t build -p sim-agent sim-coordinator --outputStyle=static >/dev/null
rate=${AB_RATE:-3000}
dur=${AB_DURATION:-15}
devices=1000
work=${AB_WORK:-$(mktemp -d /tmp/gateway-ab-XXXXXX)}
results="$work/results.tsv"
mkdir -p "$work"
: >"$results"
tck=$(getconf CLK_TCK)
ops_port=${AB_OPS_PORT:-9478}
bash tools/bench/machine-fingerprint.sh | tee "$work/machine.txt"
echo "gateway-ab: rate $rate msg/s, $dur s, ${AB_ROUNDS:-3} rounds, builds: $*; artifacts $work"

load() { # run-id
  ARTIFACTS_DIR="$work" JUDGE_SLO=0 node dist/apps/sim-coordinator/main.js loadtest run \
    --connections $devices --partitions 2 --parallelism 100 \
    --mps "$(node -e "console.log($rate / $devices)")" --duration "$dur" --qos 1 --model lean \
    --run-id "$1" --max-attempts 1 >"$work/$1.out" 2>&1 || true
}

# AB_NODE_FLAGS_<NAME>: node options for that build only (e.g. a V8 heap setting on the same bundle).
node_flags() { local var="AB_NODE_FLAGS_$1"; echo "${!var:-}"; }

gateway() { # name bundle round
  local name=$1 bundle=$2 round=$3 run
  run="ab-$name-$round-$(date +%s)"
  # Session expiry 0: a variant's broker sessions end with it, so the next variant (another
  # GATEWAY_ID, adopting predecessors' sessions by default) never starts by draining them.
  GATEWAY_ID="ab-$name-$round" OPS_PORT=$ops_port INGEST_MQTT_CONNECTIONS=4 INGEST_MQTT_SESSION_EXPIRY_SEC=0 \
    node $(node_flags "$name") "$bundle" >"$work/gw-$run.log" 2>&1 &
  local pid=$!
  wait_until 60 $pid http_ok "http://127.0.0.1:$ops_port/health" ||
    { echo "gateway-ab: $name did not become healthy within 60 s, see $work/gw-$run.log" >&2; kill $pid 2>/dev/null; exit 1; }
  local c0 c1
  c0=$(awk '{print $14+$15}' /proc/$pid/stat)
  load "$run"
  c1=$(awk '{print $14+$15}' /proc/$pid/stat)
  local hwm
  hwm=$(awk '/^VmHWM:/ {print int($2 / 1024)}' /proc/$pid/status)
  kill -TERM $pid
  wait $pid || true
  local summary
  summary=$(ls -d "$work/$run"/attempt-*/business-summary.json | tail -1)
  node -e "
    const b = require('$summary'); const cpu = ($c1 - $c0) / $tck;
    const line = ['$name', $round, b.recv_total, (cpu * 1e6 / b.recv_total).toFixed(1), b.e2e_latency_ms.p95, b.accounting.stored];
    console.log('$name round $round: recv', line[2], 'ms/1k', line[3], 'e2e p95', line[4], 'stored', line[5], 'peak RSS MiB', $hwm);
    require('fs').appendFileSync('$results', line.join('\t') + '\n');"
}

bare() { # round
  local round=$1 out="$work/bare-$1.out"
  node tools/bench/bare-subscriber.js "$MQTT_URL" >"$out" 2>&1 &
  local pid=$!
  until grep -q ready "$out" 2>/dev/null; do sleep 0.2; done
  load "ab-bare-$round-$(date +%s)"
  kill -TERM $pid
  wait $pid || true
  node -e "
    const j = JSON.parse(require('fs').readFileSync('$out', 'utf8').trim().split('\n').pop());
    const line = ['bare', $round, j.received, (j.cpuMs * 1000 / j.received).toFixed(1), '', ''];
    console.log('bare round $round: recv', line[2], 'ms/1k', line[3]);
    require('fs').appendFileSync('$results', line.join('\t') + '\n');"
}

for round in $(seq 1 "${AB_ROUNDS:-3}"); do
  for arg in "$@"; do
    gateway "${arg%%=*}" "${arg#*=}" "$round"
  done
  bare "$round"
done
node - "$results" "${1%%=*}" <<'EOF'
const [file, first] = process.argv.slice(2);
const rows = require('fs').readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const names = [...new Set(rows.map((r) => r[0]))].filter((n) => n !== 'bare');
const rounds = [...new Set(rows.map((r) => r[1]))];
const at = (n, r) => rows.find((x) => x[0] === n && x[1] === r);
const head = ['round', ...names.map((n) => `${n} ms/1k (x bare)`), 'bare ms/1k', ...names.slice(1).map((n) => `${n} / ${first}`)];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => ' ---: ').join('|')}|`);
for (const r of rounds) {
  const bare = Number(at('bare', r)[3]);
  const cells = names.map((n) => `${at(n, r)[3]} (${(Number(at(n, r)[3]) / bare).toFixed(2)}x)`);
  const vs = names.slice(1).map((n) => (Number(at(n, r)[3]) / Number(at(first, r)[3])).toFixed(2));
  console.log(`| ${[r, ...cells, bare, ...vs].join(' | ')} |`);
}
EOF
