#!/usr/bin/env bash
# Makes the TLS material for the stack with openssl: a private CA, one server certificate for the
# services (Mosquitto, Redis, Influx) and client certificates for mutual TLS. ECDSA P-256 keys:
# a handshake costs the broker far less CPU than with RSA, which matters at thousands of connects/s.
#
#   tools/security/make-certs.sh [--out DIR] [--days N] [--san NAME|IP]... [--client NAME]...
#
# --out     directory to write (default .secrets/tls, created 0700; .secrets/ is git-ignored)
# --days    lifetime of the server and client certificates (default 397; the CA gets 3650)
# --san     extra subject alternative name of the server certificate, added to the defaults
#           localhost, 127.0.0.1, ::1, mosquitto, redis, influx (the compose service names)
# --client  common name of a client certificate (repeatable; default ingest-gateway sim-agent)
#
# An existing ca.key/ca.crt in DIR is reused, so running again renews the server and client
# certificates under the same CA (clients keep trusting it). A new CA: a new --out directory.
# Writes ca.crt, ca.key, server.crt, server.key, client-<name>.crt/.key; keys are 0600.
set -euo pipefail
out=.secrets/tls days=397
sans=(DNS:localhost IP:127.0.0.1 IP:::1 DNS:mosquitto DNS:redis DNS:influx)
clients=()
die() { echo "make-certs: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --days) days=${2:?--days needs a number}; shift 2 ;;
    --san)
      name=${2:?--san needs a name or address}
      if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then sans+=("IP:$name"); else sans+=("DNS:$name"); fi
      shift 2 ;;
    --client) clients+=("${2:?--client needs a name}"); shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ $days =~ ^[1-9][0-9]*$ ]] || die "--days must be a positive whole number, got '$days'"
[ ${#clients[@]} -gt 0 ] || clients=(ingest-gateway sim-agent)
command -v openssl >/dev/null || die "openssl is not installed (apt-get install openssl)"
for c in "${clients[@]}"; do
  [[ $c =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "client name '$c' may only hold letters, digits, . _ -"
done

umask 077
mkdir -p "$out"
chmod 700 "$out"
cd "$out"
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 16)"; }
# sign NAME CN EXTENSIONS: a CSR for NAME.key signed by the CA into NAME.crt.
sign() {
  local name=$1 cn=$2 ext=$3
  newkey "$name.key"
  openssl req -new -key "$name.key" -subj "/O=sousvide-fleet/CN=$cn" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -set_serial "$(serial)" \
    -days "$days" -sha256 -extfile <(printf '%s\n' "$ext") -out "$name.crt" 2>/dev/null
  rm -f "$name.csr"
  chmod 644 "$name.crt"
  echo "make-certs: $out/$name.crt (CN=$cn, $days days)" >&2
}

if [ -s ca.key ] && [ -s ca.crt ]; then
  echo "make-certs: reusing the CA in $out" >&2
else
  newkey ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 3650 -set_serial "$(serial)" \
    -subj "/O=sousvide-fleet/CN=sousvide-fleet CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt
  chmod 644 ca.crt
  echo "make-certs: $out/ca.crt (new CA, 3650 days)" >&2
fi

san_list=$(IFS=,; echo "${sans[*]}")
sign server sousvide-server "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san_list"
for c in "${clients[@]}"; do
  sign "client-$c" "$c" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
