#!/usr/bin/env bash
# Brings a Debian 12 machine (root, no container registry) to the point where tests can run:
# apt packages, a running dockerd, node_modules, and the registry-free service images.
# Idempotent: every step checks first and says what it did. Exports nothing; callers source
# tools/stack/env.sh themselves (tools/test.sh does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" # dockerd/debootstrap live in sbin
step() { echo "[prereqs] $*"; }
die() { echo "[prereqs] ERROR: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

# 1. apt packages (apt-get update only when something must be installed).
missing=()
{ command -v docker && command -v dockerd; } >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# TLS material for the secure broker and its tests (tools/security/make-certs.sh).
command -v openssl >/dev/null || missing+=(openssl)
# The browser the report tests drive with playwright-core (no browser download, ADR 0022).
command -v chromium >/dev/null || missing+=(chromium)
# ps and pkill: tools/int-lanes.sh lists and ends what a project leaves running (ADR 0048).
{ command -v ps && command -v pkill; } >/dev/null || missing+=(procps)
# Compose for tools/compose/ci-compose.sh: Debian 12 has no v2 plugin, only docker-compose 1.29.
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt: installing ${missing[*]}"
  # Non-interactive: no stdin in CI, and needrestart (a docker.io recommend) must not prompt.
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1
  as_root apt-get update -q >/dev/null
  as_root apt-get install -y -q "${missing[@]}" >/tmp/sousvide-apt.log 2>&1 \
    || { tail -20 /tmp/sousvide-apt.log >&2; die "apt-get install ${missing[*]} failed (log /tmp/sousvide-apt.log)"; }
else
  step "apt: docker.io, debootstrap, compose, openssl and chromium present"
fi

# 2. dockerd (no systemd here: start it by hand when the daemon does not answer).
if docker info >/dev/null 2>&1; then
  step "docker: daemon answering"
else
  if pgrep -x dockerd >/dev/null; then
    step "docker: dockerd process exists but does not answer yet, waiting"
  else
    # docker-proxy (the userland proxy) breaks above ~3,300 connections to a port published on
    # 127.0.0.1; iptables NAT alone does not. Opt-in until the integration tests have run with it:
    # SOUSVIDE_USERLAND_PROXY=off writes it, and only here, before this script starts dockerd
    # (a running daemon is never restarted: others may be using it).
    if [ "${SOUSVIDE_USERLAND_PROXY:-on}" = off ] && [ ! -e /etc/docker/daemon.json ]; then
      step "docker: writing /etc/docker/daemon.json with userland-proxy false"
      as_root mkdir -p /etc/docker
      echo '{ "userland-proxy": false }' | as_root tee /etc/docker/daemon.json >/dev/null
    fi
    step "docker: starting dockerd in the background (log /tmp/sousvide-dockerd.log)"
    # In a session of its own (setsid): not in the caller's process group, so a Ctrl-C on the
    # command that started it, or the end of the job that ran it, does not stop the daemon too.
    as_root setsid nohup dockerd >/tmp/sousvide-dockerd.log 2>&1 </dev/null &
    disown || true
  fi
  for _ in $(seq 1 30); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 \
    || { tail -20 /tmp/sousvide-dockerd.log >&2 || true; die "dockerd did not come up within 30 s (see /tmp/sousvide-dockerd.log)"; }
  step "docker: daemon answering"
fi

# 3. node_modules: install when a version package-lock.json pins is missing (by content: a fresh
# clone's lockfile is always newer than an existing node_modules, e.g. a shared, symlinked one).
# `npm install`, not `npm ci`: npm 11's ci rejects this lockfile for sass-embedded's per-platform
# optional packages (pulled in by @nx/webpack) that install never needs; the lockfile still pins
# every version.
if ! node tools/stack/node-modules-current.js; then
  step "npm: installing dependencies from package-lock.json"
  npm install --no-audit --no-fund </dev/null
else
  step "npm: node_modules matches package-lock.json"
fi

# 4. Service images (the script skips images that already exist).
step "images: tools/images/build-images.sh"
bash tools/images/build-images.sh
step "done"
