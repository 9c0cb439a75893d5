#!/usr/bin/env bash
# The Perfetto view (CALLTRACE_FORMAT=perfetto, .pftrace) against the JSON
# view of the same run, call for call. Each trace is decoded by protoc with
# Perfetto's own perfetto_trace.proto, its call trees rebuilt the way the
# trace processor reads them (perfetto_trees.awk: sequences, interning,
# incremental clock, SLICE_BEGIN/END nesting per thread track), and
# compared with the JSON trees: threads (tid, name), every call (depth,
# function, start and end ns, unfinished/unwound, captured values), marks.
#   trees: fib, threads (six sequences), regions (marks, a flush), captured values,
#          CALLTRACE_MIN_DURATION (calls opened late: absolute timestamps),
#          CALLTRACE_MAX_CALLS (truncated), and the size: at most 32 bytes
#          per call on fib
#   crash: a crash (unfinished calls, the signal's instants), live and
#          through calltrace-convert
# usage: perfetto_test.sh PROTOC PROTO trees FIB THREADS REGIONS FILTERS
#        perfetto_test.sh PROTOC PROTO crash ENDING CALLTRACE_CONVERT
set -euo pipefail
protoc=$1 proto=$2 mode=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
MAX_BYTES_PER_CALL=32
BYTES_FIB_N=18 # 8361 calls

# The canonical lines of the JSON view (the awk script's format).
json_trees() {
  jq -r '
    def flags: (if .unfinished then " unfinished" else "" end)
             + (if .unwound then " unwound" else "" end)
             + (if has("return_value") then " ret=" + (.return_value | tojson) else "" end)
             + (if has("arguments") then " args=" + (.arguments | tojson) else "" end);
    def walk(d): "C \(d) \(.function) \(.start_ns) \(.end_ns)" + flags, (.children[] | walk(d + 1));
    .call_trees[] | "T \(.thread_id) \(.name)", (.root_calls[] | walk(0)),
                    (.marks[] | "M \(.label) \(.timestamp_ns)")' "$1"
}

# decode NAME.pftrace into NAME.txt and its trees into NAME.trees
decode() {
  "$protoc" --decode=perfetto.protos.Trace -I "$(dirname "$proto")" "$proto" <"$1.pftrace" >"$1.txt" ||
    fail "protoc cannot decode $1.pftrace"
  awk -f "$here/perfetto_trees.awk" "$1.txt" >"$1.trees" ||
    fail "$1.pftrace breaks Perfetto's rules: $(grep ERROR "$1.trees" | head -5)"
}

# run NAME PROGRAM ARGS... with the given environment: json and perfetto,
# then the trees of both must be the same
run_compare() {
  local name=$1 prog=$2
  shift 2
  local out=$dir/$name
  env CALLTRACE_FORMAT=json,perfetto CALLTRACE_OUTPUT="$out.json" "$prog" "$@" >/dev/null 2>&1 || true
  [[ -s $out.json && -s $out.pftrace ]] || fail "$name: no json and pftrace"
  compare "$out"
}

compare() {
  local out=$1
  decode "$out"
  json_trees "$out.json" >"$out.jtrees"
  diff <(grep -v '^[IP]' "$out.trees") "$out.jtrees" >"$out.diff" ||
    fail "$(basename "$out"): the Perfetto trees differ from the JSON ones:
$(head -20 "$out.diff")"
  local calls n
  calls=$(jq '.metadata.total_calls' "$out.json")
  n=$(grep -c '^C ' "$out.trees" || true)
  [[ $n == "$calls" ]] || fail "$(basename "$out"): $n slices for $calls calls"
  grep -q "^P $(jq '.metadata.pid' "$out.json") $(basename "$(jq -r '.metadata.executable' "$out.json")")\$" \
    "$out.trees" || fail "$(basename "$out"): no process track for the traced process"
}

trees() {
  local fib=$1 threads=$2 regions=$3 filters=$4
  # plain, threads, regions (marks, flush, unfinished), values
  run_compare fib "$fib" 6
  # (without its 400000 leaf calls: six threads, each its own sequence)
  CALLTRACE_FILTER='!leaf' run_compare threads "$threads"
  [[ $(grep -c '^T ' "$dir/threads.trees") == 6 ]] || fail "not six thread tracks"
  run_compare regions "$regions"
  CALLTRACE_CAPTURE_ARGS=1 run_compare fib_args "$fib" 5
  grep -q '^C 1 fib .* args=\[{"name":"n","type":"int","value":5}\]$' "$dir/fib_args.trees" ||
    fail "fib(5)'s argument is not an annotation"
  if jq -e '[.. | .return_value? | objects] | length > 0' "$dir/fib_args.json" >/dev/null; then
    grep -q '^C .* ret={"type":"int","value":' "$dir/fib_args.trees" ||
      fail "no return value as an annotation"
  fi
  grep -q '^PI calltrace .* complete=true truncated=false' "$dir/fib.trees" ||
    fail "no process-level summary: $(grep '^PI' "$dir/fib.trees")"

  # calls opened late (CALLTRACE_MIN_DURATION) and a cap (CALLTRACE_MAX_CALLS)
  CALLTRACE_MIN_DURATION=20ms run_compare durations "$filters" durations
  grep -q '^M early-in-slow-leaf' "$dir/durations.trees" || fail "the held mark is missing"
  CALLTRACE_MAX_CALLS=10 run_compare many "$filters" many
  grep -q '^PI calltrace: truncated .* truncated=true .*max_calls=10 calls_not_written=' \
    "$dir/many.trees" || fail "the cap is not said: $(grep '^PI' "$dir/many.trees")"

  # size on a recursive program
  local calls bytes
  run_compare bytes "$fib" "$BYTES_FIB_N"
  calls=$(jq '.metadata.total_calls' "$dir/bytes.json")
  bytes=$(stat -c %s "$dir/bytes.pftrace")
  printf 'fib(%s): %s calls, %s bytes: %d.%02d bytes per call\n' "$BYTES_FIB_N" "$calls" "$bytes" \
    $((bytes / calls)) $((bytes * 100 / calls % 100))
  ((bytes <= MAX_BYTES_PER_CALL * calls)) || fail "more than $MAX_BYTES_PER_CALL bytes per call"
}

# the crash of ending.c's "segv" in NAME.trees
check_crash() {
  grep -q '^C .* unfinished' "$1.trees" || fail "$1: no unfinished call after the crash"
  grep -q '^I SIGSEGV [0-9]* signal=11 crash=true$' "$1.trees" ||
    fail "$1: no SIGSEGV instant on the crashing thread"
  grep -q '^PI crash: SIGSEGV .* signal=11 .*fault_address=0 .*stack=crash_here (.*ending.c:[0-9]*)|middle (.*)|main (.*)$' \
    "$1.trees" || fail "$1: no crash instant on the process: $(grep '^PI' "$1.trees")"
}

crash() {
  local ending=$1 conv=$2
  # a crash: unfinished calls, the signal on its thread and the process
  env CALLTRACE_OUTPUT="$dir/crash.json" CALLTRACE_FORMAT=json,perfetto "$ending" segv >/dev/null 2>&1 &&
    fail "no crash"
  compare "$dir/crash"
  check_crash "$dir/crash"
  # calltrace-convert: the event file a crash leaves, converted to both views
  env CALLTRACE_OUTPUT="$dir/raw.json" CALLTRACE_FORMAT=json,raw "$ending" segv >/dev/null 2>&1 &&
    fail "no crash"
  "$conv" --format json,perfetto --output "$dir/conv.json" "$dir/raw.ctraw" ||
    fail "calltrace-convert --format json,perfetto failed"
  compare "$dir/conv"
  check_crash "$dir/conv"
}

case $mode in
  trees) (($# == 4)) || fail "usage: trees FIB THREADS REGIONS FILTERS"; trees "$@" ;;
  crash) (($# == 2)) || fail "usage: crash ENDING CALLTRACE_CONVERT"; crash "$@" ;;
  *) fail "unknown mode $mode" ;;
esac
echo "perfetto $mode: ok"
