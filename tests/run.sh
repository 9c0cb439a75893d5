#!/usr/bin/env bash
# The test command of README.md (and of CI): builds calltrace three ways and
# runs ctest on each.
#   1. RelWithDebInfo: every test (unit, e2e at -O0/-O2, integration against
#      an installed prefix).
#   2. ASan+UBSan: runtime and tests instrumented, unit and e2e tests.
#   3. TSan: the unit tests and the threaded end-to-end tests.
# Build trees go to build/, build-asan/, build-tsan/ (or under $CT_BUILD_ROOT).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${CT_BUILD_ROOT:-$PWD}
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n==== %s\n' "$*"; }

step "release build + all tests"
cmake -S . -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$jobs"
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"

step "ASan + UBSan build: unit and e2e tests"
cmake -S . -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DCALLTRACE_SANITIZE=address,undefined \
      -DCALLTRACE_BUILD_EXAMPLES=OFF -DCALLTRACE_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-asan" -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs" -L 'unit|e2e' -LE signals

step "TSan build: unit and threaded tests"
cmake -S . -B "$root/build-tsan" -DCMAKE_BUILD_TYPE=Debug -DCALLTRACE_SANITIZE=thread \
      -DCALLTRACE_BUILD_EXAMPLES=OFF -DCALLTRACE_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-tsan" -j"$jobs"
TSAN_OPTIONS=halt_on_error=1 \
  ctest --test-dir "$root/build-tsan" --output-on-failure -j"$jobs" -L 'unit|threads'
