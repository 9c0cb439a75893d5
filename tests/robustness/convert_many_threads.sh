#!/usr/bin/env bash
# calltrace-convert on 60000 threads of one call each: linear (or n log n)
# in the threads and chunks of the file, and every value exact.
# usage: convert_many_threads.sh GEN_MANY_THREADS CALLTRACE_CONVERT [CPU_SECONDS]
# (the limit: 3 s, more in the sanitizer builds)
set -euo pipefail
gen=$1 conv=$2 limit=${3:-3}
n=60000
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$gen" "$dir/many.ctraw" $n || fail "the generator failed"
# CPU time, not wall time: the machine may be loaded (before the fix, 6.3 s
# of CPU for these 60000 threads; after it, about 0.5 s)
TIMEFORMAT='%3U %3S'
status=0
{ time timeout 100 "$conv" --output "$dir/many.json" "$dir/many.ctraw" 2>"$dir/err" || status=$?; } 2>"$dir/time"
[[ $status == 0 ]] || fail "calltrace-convert failed or hung (status $status): $(cat "$dir/err")"
read -r user sys <"$dir/time"
ms=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')
echo "calltrace-convert: $n threads in $ms ms of CPU"
(( ms <= limit * 1000 )) || fail "$n threads took $ms ms of CPU (limit ${limit} s): a loop over threads or chunks is not linear"
m=$dir/many.json
# one jq pass: the threads whose name, tid or call is wrong, and the counts.
# Serials n-9999..n are named w<serial> by META, the others thread-<serial>;
# a thread's tid is 100000 + serial, its one call lasts 100 + serial % 3 ns;
# depth drops: one for each named serial divisible by 5
got=$(jq -r --argjson n $n '
  ([.call_trees | to_entries[] | .key as $k | .value |
    (($k | tonumber) - 100000) as $s |
    select(.name != (if $s > $n - 10000 then "w\($s)" else "thread-\($s)" end)
           or (.root_calls | length) != 1
           or .root_calls[0].duration_ns != 100 + ($s % 3)) | $k] | length) as $bad |
  "threads=\(.metadata.threads) calls=\(.metadata.total_calls) trees=\(.call_trees | length) bad=\($bad) depth=\(.metadata.dropped.depth) complete=\(.metadata.complete)"' "$m")
want="threads=$n calls=$n trees=$n bad=0 depth=2000 complete=true"
[[ $got == "$want" ]] || fail "got: $got; want: $want"
echo "convert_many_threads: ok"
