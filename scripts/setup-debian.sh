#!/usr/bin/env bash
# Installs what calltrace's build, examples and tests need on Debian 12 (or a
# recent Ubuntu): README's first command and CI (.ci/run) both run it, so the
# package list lives here only. Works as root (a fresh container has no sudo)
# and as a user with sudo.
#
#   bash scripts/setup-debian.sh            install everything below
#   bash scripts/setup-debian.sh --list     print the package names, install nothing
set -euo pipefail

packages=(
  build-essential    # gcc, g++ (the tests' and examples' C++ programs), make
  cmake
  pkg-config         # cmocka for the unit tests; the pkg-config consumer (integration/make-consumer)
  libdwarf-dev       # the runtime: DWARF names, files, lines, parameters
  libelf-dev         # the runtime reads ELF symbol tables; libdwarf needs it too
  zlib1g-dev         # libelf's and a static libdwarf's dependency
  libcjson-dev       # tests/lib: the trace validator, ct_tracecheck, the checkers
  libcmocka-dev      # unit and e2e tests
  jq                 # README's one-liners; e2e tests: the tuning guide's jq recipes
  clang              # tests/fuzz: the libFuzzer harnesses; e2e: the clang-built program
  libclang-rt-dev    # tests/fuzz: libFuzzer, ASan and UBSan runtimes for clang
  chromium           # e2e: the html view rendered headless
  gdb                # argument values: gdb at the same PC is the reference
  dpkg-dev           # dpkg-source: the gdb oracle's third-party program (apt-get source zlib)
  strace             # system calls (CALLTRACE_SYSCALLS): strace is the reference
  protobuf-compiler  # the Perfetto (protobuf) view: its traces checked with protoc
)

# tests/command: the calltrace command's checks run under node, and npm installs
# @opentelemetry/otlp-transformer@0.52.1 at configure. A machine that already has
# a Node.js with npm (e.g. from nodesource, whose nodejs conflicts with Debian's
# npm) keeps it; otherwise Debian's packages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

case ${1:-} in
  --list) printf '%s\n' "${packages[@]}"; exit 0 ;;
  '') ;;
  *) echo "usage: setup-debian.sh [--list]" >&2; exit 2 ;;
esac

command -v apt-get >/dev/null 2>&1 ||
  { echo "setup-debian.sh: no apt-get: this script is for Debian and Ubuntu" >&2; exit 1; }

# sudo only when not root: a fresh Debian container runs as root without it.
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup-debian.sh: not root and no sudo; as root, run: apt-get update &&" \
       "apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 1
fi

# tests/capture/oracle/zlib.sh fetches a real program's source with
# `apt-get source`: a deb-src line for the mirror the deb lines use.
# Both formats: deb822 (debian.sources, Debian 12) and one-line sources.list.
if ! grep -rqs '^Types: deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      "${as_root[@]}" tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
  elif grep -qs '^deb ' /etc/apt/sources.list; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
      "${as_root[@]}" tee /etc/apt/sources.list.d/debian-src.list >/dev/null
  fi
fi
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${packages[@]}"
