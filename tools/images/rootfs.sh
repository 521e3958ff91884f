# Source me: the one debootstrap step every registry-free image starts from
# (docs/architecture.md section 8).
#   make_rootfs DIR PACKAGES  -> a Debian minbase root in DIR with PACKAGES (comma-separated),
#                                apt caches and lists removed.
# DEBIAN_SUITE and DEBIAN_MIRROR override the suite (bookworm) and the mirror (the one apt uses).

debian_mirror() {
  local mirror="${DEBIAN_MIRROR:-}"
  if [ -z "$mirror" ]; then
    # Use the mirror apt already reaches on this host.
    mirror=$(grep -hoE '^(deb|URIs:) *[^ ]*https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
      | grep -oE 'https?://[^ ]+' | head -n1 || true)
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

make_rootfs() {
  local root=$1 packages=${2:-} suite="${DEBIAN_SUITE:-bookworm}" mirror log
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; return 1; }
  mirror=$(debian_mirror)
  log="/tmp/sousvide-debootstrap.$(basename "$root").log"
  echo "debootstrap $suite from $mirror into $root (packages: $packages)"
  debootstrap --variant=minbase ${packages:+--include="$packages"} "$suite" "$root" "$mirror" >"$log" 2>&1 \
    || { tail -20 "$log" >&2; return 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
}
