#!/usr/bin/env bash
# What authenticated devices cost: for each fleet size in AUTH_DEVICES and each identity format
# (dynsec, passwd), the provisioner's time and file size, then how long Mosquitto
# (docker/mosquitto/secure.conf, MOSQUITTO_IMAGE) takes from `docker run` to the first
# authenticated CONNACK, and the broker's resident memory. The reference is
# the same config with 1 device, measured in the same run. Median of AUTH_REPS broker starts.
# Prints a table; not a test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tools/stack/env.sh
npx nx run provisioner:build --outputStyle=static >/dev/null
reps=${AUTH_REPS:-3}
prefix=${AUTH_CONTAINER_PREFIX:-authbench}
work=$(mktemp -d /tmp/broker-auth-bench.XXXXXX)
name="$prefix-$$"
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
bash tools/security/make-certs.sh --out "$work/tls" 2>/dev/null
# The broker reads its key after dropping root: a throwaway copy it can read (docs/security.md).
mkdir -m 755 "$work/broker-tls"
install -m 644 "$work/tls/ca.crt" "$work/tls/server.crt" "$work/tls/server.key" "$work/broker-tls/"

# start_once DIR: seconds from docker run to the gateway identity's first CONNACK, then RSS in KB.
start_once() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  local t0 t1 port
  t0=$(date +%s.%N)
  docker run -d --name "$name" -p 127.0.0.1::1883 --log-driver none --ulimit nofile=20000:20000 \
    -v "$PWD/docker/mosquitto/secure.conf:/c.conf:ro" -v "$1/mosquitto:/mosquitto/auth:ro" \
    -v "$work/broker-tls:/mosquitto/certs:ro" "$MOSQUITTO_IMAGE" mosquitto -c /c.conf >/dev/null
  port=$(docker port "$name" 1883/tcp | head -1 | sed 's/.*://')
  # The gateway identity: the broker accepts no connection before its whole file is loaded.
  node -e '
    const mqtt = require("mqtt");
    const [port, dir] = process.argv.slice(1);
    const password = require("fs").readFileSync(dir + "/gateway-password", "utf8").trim();
    const deadline = Date.now() + 120000;
    (async () => { for (;;) { try {
      const c = await mqtt.connectAsync("mqtt://127.0.0.1:" + port,
        { clientId: "bench-gw", username: "ingest-gateway", password, reconnectPeriod: 0, connectTimeout: 2000 }, false);
      await c.endAsync(); return;
    } catch (e) { if (Date.now() > deadline) throw e; await new Promise((r) => setTimeout(r, 25)); } } })()
      .catch((e) => { console.error(e.message); process.exit(1); });
  ' "$port" "$1"
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(docker exec "$name" awk '/VmRSS/ {print $2}' /proc/1/status)"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-7s %-8s %-10s %-9s %-9s %-10s %-9s %-10s\n' format devices prov_s hash_s file_MB ready_s rss_MB ready_x
for format in dynsec passwd; do
  base=""
  for n in 1 ${AUTH_DEVICES:-10000 100000}; do
    dir="$work/$format-$n"
    json=$(node dist/apps/provisioner/main.js --devices "$n" --out "$dir" --format "$format" --json)
    read -r prov hash mb < <(node -e 'const r=JSON.parse(process.argv[1]);console.log((r.totalMs/1000).toFixed(2),(r.hashMs/1000).toFixed(2),(r.identitiesBytes/1e6).toFixed(1))' "$json")
    : >"$work/runs"
    for _ in $(seq "$reps"); do start_once "$dir" >>"$work/runs"; done
    ready=$(awk '{print $1}' "$work/runs" | median)
    rss=$(awk '{print $2}' "$work/runs" | median)
    [ -n "$base" ] || base=$ready
    printf '%-7s %-8s %-10s %-9s %-9s %-10.2f %-9.1f %-10.2f\n' "$format" "$n" "$prov" "$hash" "$mb" "$ready" \
      "$(echo "$rss / 1024" | bc -l)" "$(echo "$ready / $base" | bc -l)"
  done
done
echo "ready_x: broker ready time / the same format with 1 device. Work dir: $work"
