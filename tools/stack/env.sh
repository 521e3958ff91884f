# Source me (do not execute): image names and testcontainers settings for tests and the local stack.
# Every value keeps a caller's override. The sousvide/* images are built without a registry by
# tools/images/build-images.sh; the libs default to the official images (redis:7, ...) when these
# variables are unset, so set e.g. REDIS_IMAGE=redis:7 here when a registry is reachable.
export REDIS_IMAGE="${REDIS_IMAGE:-sousvide/redis:7-debian}"
export MOSQUITTO_IMAGE="${MOSQUITTO_IMAGE:-sousvide/mosquitto:2-debian}"
export VICTORIA_IMAGE="${VICTORIA_IMAGE:-sousvide/victoria-metrics:debian}"
# Ryuk (the reaper sidecar) would need an image pull; tests stop their own containers instead.
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-localhost}"
export TZ="${TZ:-UTC}"
# Node options for the ingest gateway (docs/adr/0038, 0057): a larger young generation, all of it
# from the start, so its per-message garbage is collected in fewer scavenges. Set it empty to run
# with Node's default.
export GATEWAY_NODE_FLAGS="${GATEWAY_NODE_FLAGS---max-semi-space-size=64 --min-semi-space-size=64}"
