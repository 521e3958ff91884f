#!/usr/bin/env bash
# Makes the coordinator API's bearer token if it is missing, and prints the file's absolute path
# (for COORDINATOR_API_TOKEN_FILE). `serve` refuses to start without a token (ADR 0029).
#
#   tools/security/api-token.sh [--rotate] [FILE]   # FILE default: <repo>/.secrets/coordinator-api-token
#
# The token is 32 random bytes as 64 hex characters, in a file only its owner can read (0600,
# directory 0700; .secrets/ is git-ignored). An existing file is kept, so every caller of the stack
# reads the same token; --rotate writes a new one (restart `serve`, then callers read the new file).
# Never prints the token itself.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rotate=
if [ "${1:-}" = --rotate ]; then rotate=--rotate; shift; fi
exec bash "$here/random-secret.sh" "api-token" "coordinator API token" "${1:-$here/../../.secrets/coordinator-api-token}" $rotate
