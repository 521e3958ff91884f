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
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rotate=0
if [ "${1:-}" = --rotate ]; then rotate=1; shift; fi
file="${1:-$root/.secrets/coordinator-api-token}"
die() { echo "api-token: $*" >&2; exit 2; }
(umask 077 && mkdir -p "$(dirname "$file")")
if [ "$rotate" = 1 ] || [ ! -s "$file" ]; then
  tmp="$file.tmp.$$"
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$tmp")
  [ "$(wc -c <"$tmp")" -eq 64 ] || { rm -f "$tmp"; die "could not read 32 bytes from /dev/urandom"; }
  mv -f "$tmp" "$file"
  echo "api-token: wrote a new coordinator API token to $file (0600)" >&2
fi
[ -r "$file" ] || die "$file is not readable"
perms=$(stat -c %a "$file")
[ "$perms" = 600 ] || [ "$perms" = 400 ] || { chmod 600 "$file"; echo "api-token: $file was $perms; now 0600" >&2; }
echo "$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
