#!/usr/bin/env bash
# Builds every image docker/compose.yml needs on a machine without a container registry:
#   1. the service images (tools/images/build-images.sh: Redis, Mosquitto, VictoriaMetrics);
#   2. a Node 20 runtime image, $NODE_IMAGE (default sousvide/node:20-debian): a Debian minbase
#      root plus this host's Node 20 binary and npm, user `node` (uid 1000) as in the official
#      image; skipped when present unless FORCE=1;
#   3. one image per app from docker/Dockerfile and the built bundles (builds them with Nx when
#      dist/ is missing, or always with BUILD=1): $APP_IMAGE_PREFIX/<app>:$APP_IMAGE_TAG.
# Prints each image's size at the end. With a registry, skip 1-2 and build 3 with the official
# node image: `docker compose -f docker/compose.yml build` does that.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" # debootstrap lives in sbin
# The stack's settings, among them the gateway's node options (GATEWAY_NODE_FLAGS).
. tools/stack/env.sh
NODE_IMAGE="${NODE_IMAGE:-sousvide/node:20-debian}"
APP_IMAGE_PREFIX="${APP_IMAGE_PREFIX:-sousvide}"
APP_IMAGE_TAG="${APP_IMAGE_TAG:-latest}"
NODE_BINARY="${NODE_BINARY:-$(readlink -f "$(command -v node)")}"
# app:ops port (0 = no ops port, no health endpoint)
APPS="sim-coordinator:3000 sim-agent:9471 ingest-gateway:9470 dlq-replayer:0"
say() { echo "[images] $*"; }
die() { echo "[images] ERROR: $*" >&2; exit 1; }
have() { docker image inspect "$1" >/dev/null 2>&1; }

bash tools/images/build-images.sh

build_node_image() {
  local version root npm_dir
  version=$("$NODE_BINARY" -v)
  case "$version" in v20.*) ;; *) die "$NODE_BINARY is Node $version; set NODE_BINARY to a Node 20 binary" ;; esac
  npm_dir=$(readlink -f "$(dirname "$NODE_BINARY")/../lib/node_modules/npm")
  [ -f "$npm_dir/bin/npm-cli.js" ] || die "npm not found beside $NODE_BINARY (looked in $npm_dir)"
  # shellcheck source=rootfs.sh
  . tools/images/rootfs.sh
  root=$(mktemp -d /tmp/sousvide-node-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  # minbase already has everything `ldd node` needs: libc6, libstdc++6, libgcc-s1.
  make_rootfs "$root" ""
  rm -rf "$root"/usr/share/{doc,man,info,locale}/* "$root"/var/cache/* "$root"/var/log/*
  install -D -m 755 "$NODE_BINARY" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$root/etc/passwd"
  echo 'node:x:1000:' >>"$root/etc/group"
  echo 'node:*:19000:0:99999:7:::' >>"$root/etc/shadow"
  install -d -o 1000 -g 1000 "$root/home/node"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${version#v}" \
    --change 'CMD ["node"]' - "$NODE_IMAGE" >/dev/null
  [ "$(docker run --rm "$NODE_IMAGE" node -v)" = "$version" ] || die "$NODE_IMAGE does not run node"
  say "built $NODE_IMAGE (Node $version from $NODE_BINARY)"
}

if [ "${FORCE:-0}" = 1 ] || ! have "$NODE_IMAGE"; then
  build_node_image
else
  say "present: $NODE_IMAGE"
fi

names=()
for entry in $APPS; do names+=("${entry%%:*}"); done
bundles_present() {
  local n
  for n in "${names[@]}"; do [ -f "dist/apps/$n/main.js" ] || return 1; done
}
if [ "${BUILD:-0}" = 1 ] || ! bundles_present; then
  say "building the apps with Nx"
  NX_DAEMON=false npx nx run-many -t build -p "${names[@]}" --outputStyle=static >/tmp/sousvide-app-build.log 2>&1 \
    || { tail -30 /tmp/sousvide-app-build.log >&2; die "nx build failed (log /tmp/sousvide-app-build.log)"; }
fi

# A small context instead of the repo root: the bundles, docker/, and this host's extra CAs (the
# npm registry may sit behind a TLS-intercepting proxy; only the deps stage sees them).
ctx=$(mktemp -d /tmp/sousvide-app-ctx.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/docker/extra-ca"
cp docker/Dockerfile docker/healthcheck.js "$ctx/docker/"
cp docker/extra-ca/*.crt "$ctx/docker/extra-ca/" 2>/dev/null || true
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  cp "$NODE_EXTRA_CA_CERTS" "$ctx/docker/extra-ca/host-extra-ca.crt"
fi
for entry in $APPS; do
  app=${entry%%:*} port=${entry##*:}
  mkdir -p "$ctx/dist/apps/$app"
  cp "dist/apps/$app"/{main.js,package.json,package-lock.json} "$ctx/dist/apps/$app/"
  tag="$APP_IMAGE_PREFIX/$app:$APP_IMAGE_TAG"
  # The gateway's image starts with its young generation (ADR 0038, 0057), also under a bare
  # `docker run`.
  node_flags=""
  [ "$app" = ingest-gateway ] && node_flags=$GATEWAY_NODE_FLAGS
  docker build -q -f "$ctx/docker/Dockerfile" --build-arg NODE_IMAGE="$NODE_IMAGE" \
    --build-arg APP="$app" --build-arg OPS_PORT="$port" --build-arg APP_NODE_FLAGS="$node_flags" \
    -t "$tag" "$ctx" >/tmp/sousvide-image-"$app".log 2>&1 \
    || { tail -30 /tmp/sousvide-image-"$app".log >&2; die "docker build of $tag failed"; }
  say "built $tag"
done
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' \
  | grep -E "^($NODE_IMAGE|$APP_IMAGE_PREFIX/(sim-coordinator|sim-agent|ingest-gateway|dlq-replayer):$APP_IMAGE_TAG) " \
  | sed 's/^/[images] size /'
