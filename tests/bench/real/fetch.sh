#!/usr/bin/env bash
# Fetches what the real-program benchmark needs, outside the repository:
# the Debian source packages sqlite3 (its speedtest1) and lua5.4, and uftrace.
# Adds a deb-src entry for the Debian mirror the system already uses when
# there is none. Debian 12; root or sudo.
#
#   bash tests/bench/real/fetch.sh [SRC_DIR]     (default: $CT_BENCH_SRC or
#                                                 /var/tmp/calltrace-bench-src)
set -euo pipefail

src=${1:-${CT_BENCH_SRC:-/var/tmp/calltrace-bench-src}}
if [ "$(id -u)" -eq 0 ]; then as_root=(); else as_root=(sudo); fi

# A deb-src twin of the system's Debian entries (deb822 .sources or one-line
# sources.list), same mirror, suites and components.
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      "${as_root[@]}" tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
  elif grep -qE '^deb ' /etc/apt/sources.list 2>/dev/null; then
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      "${as_root[@]}" tee /etc/apt/sources.list.d/debian-src.list >/dev/null
  else
    echo "fetch.sh: no Debian entry in /etc/apt to make a deb-src entry from" >&2
    exit 1
  fi
fi
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends dpkg-dev uftrace

mkdir -p "$src"
cd "$src"
for pkg in sqlite3 lua5.4; do
  if ! ls -d "$pkg"-*/ >/dev/null 2>&1; then
    apt-get source "$pkg"
  fi
done
ls -d "$src"/*/
