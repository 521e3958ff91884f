#!/usr/bin/env bash
# Makes the Influx write token if it is missing, and prints the file's absolute path (for
# INFLUX_TOKEN_FILE). The gateway, the replayer and chaos refuse to start without a token
# (ADR 0031); the local stack's VictoriaMetrics ignores it, a real InfluxDB checks it.
#
#   tools/security/influx-token.sh [--rotate] [FILE]   # FILE default: <repo>/.secrets/influx-token
#
# 32 random bytes as 64 hex characters, 0600 in a 0700 directory (.secrets/ is git-ignored); kept
# once made, so every process of the stack sends the same token. Never prints the token itself.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rotate=
if [ "${1:-}" = --rotate ]; then rotate=--rotate; shift; fi
exec bash "$here/random-secret.sh" "influx-token" "Influx token" "${1:-$here/../../.secrets/influx-token}" $rotate
