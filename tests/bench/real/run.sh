#!/usr/bin/env bash
# The real-program benchmark, in one command (not part of CI; about 10
# minutes on 2 busy cores, ~10 GB free under the scratch directory):
#
#   bash tests/bench/real/run.sh [BUILD]       (default BUILD: build)
#
# Fetches the Debian sources of SQLite and Lua 5.4 and uftrace (fetch.sh, once),
# builds the programs four ways (build.sh), builds the micro workloads of
# tests/bench in BUILD, and runs them all interleaved through driver.c:
# SQLite's speedtest1, the Lua interpreter running workload.lua, and the
# micro workloads fib and leaf. Sources, builds and traces stay outside the
# repository: CT_BENCH_SRC (default /var/tmp/calltrace-bench-src),
# CT_BENCH_WORK (/var/tmp/calltrace-bench-work). CT_BENCH_ROUNDS (3) sets
# the rounds; CT_BENCH_SQLITE_SIZE, CT_BENCH_LUA_ROUNDS, CT_BENCH_FIB and
# CT_BENCH_LEAF the sizes.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
src=${CT_BENCH_SRC:-/var/tmp/calltrace-bench-src}
work=${CT_BENCH_WORK:-/var/tmp/calltrace-bench-work}

if ! ls -d "$src"/sqlite3-*/ "$src"/lua5.4-*/ >/dev/null 2>&1 || ! command -v uftrace >/dev/null; then
  bash "$repo/tests/bench/real/fetch.sh" "$src"
fi
cmake --build "$build" -j"$(nproc)" --target calltrace calltrace-convert \
  bench_fib_plain bench_fib_floor bench_fib_calltrace bench_fib_nohooks \
  bench_leaf_plain bench_leaf_floor bench_leaf_calltrace bench_leaf_nohooks
bash "$repo/tests/bench/real/build.sh" "$build" "$src" "$work"
cc -O2 -o "$work/driver" "$repo/tests/bench/real/driver.c" -lm
mkdir -p "$work/tmp"
"$work/driver" --rounds "${CT_BENCH_ROUNDS:-3}" --tmp "$work/tmp" \
  "speedtest1=$work/sqlite/speedtest1 --memdb --size ${CT_BENCH_SQLITE_SIZE:-2}" \
  "lua=$work/lua/lua $repo/tests/bench/real/workload.lua ${CT_BENCH_LUA_ROUNDS:-4}" \
  "fib=$build/tests/bench/bench_fib ${CT_BENCH_FIB:-30}" \
  "leaf=$build/tests/bench/bench_leaf ${CT_BENCH_LEAF:-1000000}"
