#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, CALLTRACE_BUILD_FUZZ=ON) and runs every
# target for FUZZ_SECONDS (default 20) on its seed corpus, FUZZ_JOBS at a time
# (default: the number of cores). Prints each target's executions (libFuzzer's
# stat::number_of_executed_units) and the crashes it found. Exits 1 if any
# target crashed, timed out or ran out of memory.
#
#   bash tests/fuzz/run.sh                     # CI: 20 s a target
#   FUZZ_SECONDS=3600 bash tests/fuzz/run.sh   # locally, for long
#   bash tests/fuzz/run.sh raw dwarf           # only some targets
#
# A crash does not end a target's time: it is recorded (its input and log
# under <build>/fuzz-artifacts/<target>/) and the target starts again for the
# rest of its time, up to FUZZ_MAX_CRASHES (default 5) crashes. New inputs
# accumulate in <build>/fuzz-corpus/<target>/, so later runs start from
# there. The build goes to $CT_BUILD_ROOT/build-fuzz (default: the repository).
#
# Without a clang that links -fsanitize=fuzzer the step is skipped (exit 0),
# unless FUZZ_REQUIRED=1 (CI), which makes it an error.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${CT_BUILD_ROOT:-$PWD}
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
secs=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
max_crashes=${FUZZ_MAX_CRASHES:-5}
# FUZZ_SEED and FUZZ_RUNS make a run reproducible: the same mutations in the
# same order, at most FUZZ_RUNS inputs per target (the time limit still caps
# it, so a slower machine runs a prefix of the same sequence). CI uses them.
extra=${FUZZ_SEED:+-seed=$FUZZ_SEED}${FUZZ_RUNS:+ -runs=$FUZZ_RUNS}
cc=${FUZZ_CC:-clang}
cxx=${FUZZ_CXX:-clang++}

skip() {
  echo "fuzz: $*" >&2
  if [ "${FUZZ_REQUIRED:-0}" = 1 ]; then
    echo "fuzz: FUZZ_REQUIRED=1: failing" >&2
    exit 1
  fi
  echo "fuzz: SKIPPED (install clang and libclang-rt-dev to run it)" >&2
  exit 0
}

command -v "$cc" >/dev/null 2>&1 || skip "no $cc"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
  >"$probe/p.c"
"$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1 ||
  skip "$cc cannot link -fsanitize=fuzzer,address,undefined (libFuzzer runtime missing?)"

echo "fuzz: configuring $build" >&2
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_BUILD_TYPE=Debug -DCALLTRACE_BUILD_FUZZ=ON -DCALLTRACE_BUILD_TESTS=OFF \
      -DCALLTRACE_BUILD_EXAMPLES=OFF -DCALLTRACE_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target fuzz_all >/dev/null

manifest=$build/tests/fuzz/fuzz_targets.txt
[ -f "$manifest" ] || { echo "fuzz: $manifest missing" >&2; exit 1; }

# Which targets: all in the manifest, or those named on the command line.
declare -a names=()
while IFS='|' read -r name exe args seeds; do
  case $name in '#'*|'') continue ;; esac
  if [ $# -gt 0 ]; then
    want=0
    for a in "$@"; do [ "$a" = "$name" ] || [ "$a" = "fuzz_$name" ] && want=1; done
    [ $want = 1 ] || continue
  fi
  names+=("$name")
done <"$manifest"
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no target matches: $*" >&2; exit 1; }

results=$build/fuzz-results
rm -rf "$results"
mkdir -p "$results"

# run_target <name>: fuzzes for $secs seconds; writes "<execs> <crashes>" to
# $results/<name>.
run_target() {
  local name=$1 line exe args seeds
  line=$(grep "^$name|" "$manifest")
  IFS='|' read -r _ exe args seeds <<<"$line"
  local work=$build/fuzz-corpus/$name art=$build/fuzz-artifacts/$name
  mkdir -p "$work" "$art"
  local deadline=$((SECONDS + secs)) execs=0 crashes=0 round=0 left rc n
  while :; do
    left=$((deadline - SECONDS))
    [ "$left" -ge 1 ] || break
    round=$((round + 1))
    local log=$results/$name.$round.log
    set +e
    # shellcheck disable=SC2086 # args and seeds are word lists
    UBSAN_OPTIONS=print_stacktrace=1 "$exe" -max_total_time="$left" $extra -artifact_prefix="$art/" \
      $args "$work" $seeds >"$log" 2>&1
    rc=$?
    set -e
    n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    execs=$((execs + ${n:-0}))
    [ "$rc" -eq 0 ] && break
    crashes=$((crashes + 1))
    local unit
    unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    cp "$log" "$art/crash-$round.log"
    echo "fuzz: $name: exit $rc: $(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z]+: check failed)' "$log" || echo 'see log')" >&2
    echo "fuzz: $name:   input ${unit:-?}, log $art/crash-$round.log" >&2
    [ "$crashes" -lt "$max_crashes" ] || break
  done
  echo "$execs $crashes" >"$results/$name"
}

echo "fuzz: ${#names[@]} targets x ${secs}s, $jobs at a time" >&2
running=0
for name in "${names[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$name" &
  running=$((running + 1))
done
wait

total_execs=0 total_crashes=0
printf '\n%-14s %8s %14s %8s\n' target seconds executions crashes
for name in "${names[@]}"; do
  read -r e c <"$results/$name" || { e=0; c=1; }
  printf '%-14s %8s %14s %8s\n' "fuzz_$name" "$secs" "$e" "$c"
  total_execs=$((total_execs + e))
  total_crashes=$((total_crashes + c))
done
printf '%-14s %8s %14s %8s\n' total "" "$total_execs" "$total_crashes"
if [ "$total_crashes" -gt 0 ]; then
  echo "fuzz: FAILED: inputs and logs under $build/fuzz-artifacts/" >&2
  exit 1
fi
