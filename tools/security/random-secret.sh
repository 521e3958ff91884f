#!/usr/bin/env bash
# Makes a random secret file if it is missing, and prints its absolute path (for an X_FILE
# variable). Shared by api-token.sh (the coordinator API token) and influx-token.sh.
#
#   tools/security/random-secret.sh PREFIX DESCRIPTION FILE [--rotate]   # PREFIX starts each message
#
# The secret is 32 random bytes as 64 hex characters, in a file only its owner can read (0600,
# directory 0700; .secrets/ is git-ignored). An existing file is kept, so every caller reads the
# same secret; --rotate writes a new one. Never prints the secret itself.
set -euo pipefail
usage="usage: random-secret.sh PREFIX DESCRIPTION FILE [--rotate]"
label="${1:?$usage}"
what="${2:?$usage}"
file="${3:?$usage}"
rotate=0
if [ "${4:-}" = --rotate ]; then rotate=1; fi
die() { echo "$label: $*" >&2; exit 2; }
(umask 077 && mkdir -p "$(dirname "$file")")
if [ "$rotate" = 1 ] || [ ! -s "$file" ]; then
  tmp="$file.tmp.$$"
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$tmp")
  [ "$(wc -c <"$tmp")" -eq 64 ] || { rm -f "$tmp"; die "could not read 32 bytes from /dev/urandom"; }
  mv -f "$tmp" "$file"
  echo "$label: wrote a new $what to $file (0600)" >&2
fi
[ -r "$file" ] || die "$file is not readable"
perms=$(stat -c %a "$file")
[ "$perms" = 600 ] || [ "$perms" = 400 ] || { chmod 600 "$file"; echo "$label: $file was $perms; now 0600" >&2; }
echo "$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
