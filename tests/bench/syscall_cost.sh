#!/usr/bin/env bash
# Cost per system call: plain (runtime linked, CALLTRACE_SYSCALLS off), with
# CALLTRACE_SYSCALLS=1, and under strace -f. Not a test (not in CI).
# usage: tests/bench/syscall_cost.sh BUILD_DIR [CALLS]
set -euo pipefail
build=${1:-build}
n=${2:-20000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
gcc -O2 -finstrument-functions -g "$here/sc_cost.c" -o "$dir/sc_cost" -rdynamic \
    "$build/runtime/libcalltrace.a" -ldwarf -lelf -lz -lpthread -ldl
for round in 1 2 3; do
  echo "round $round"
  echo -n "  plain:                "; CALLTRACE_OUTPUT=$dir/t.json "$dir/sc_cost" "$n"
  echo -n "  CALLTRACE_SYSCALLS=1: "; CALLTRACE_SYSCALLS=1 CALLTRACE_BUFFER_SIZE=64M CALLTRACE_OUTPUT=$dir/t.json "$dir/sc_cost" "$n"
  echo -n "  strace -f:            "; strace -f -o /dev/null "$dir/sc_cost" "$n"
done
