#!/usr/bin/env bash
# The jq recipes of the seed tuning guide, with their jq expressions verbatim,
# on traces of our own programs: each must run without a jq error and give
# the expected answer. Each jq runs on its own (its exit status counts); the
# shell plumbing of the recipes (sort, head, awk) runs on its output.
# usage: jq_recipes.sh NAMES_PROGRAM REGIONS_PROGRAM FIB_PROGRAM
set -euo pipefail
names=$1 regions=$2 fib=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

CALLTRACE_OUTPUT=$dir/names.json "$names" >/dev/null
CALLTRACE_OUTPUT=$dir/regions.json CALLTRACE_START=0 "$regions" >/dev/null
CALLTRACE_OUTPUT=$dir/fib.json CALLTRACE_PRETTY_JSON=0 "$fib" 12 >/dev/null
fail() { echo "FAIL: $*" >&2; exit 1; }

for trace in "$dir/names.json" "$dir/regions.json" "$dir/fib.json"; do
  total=$(jq '.metadata.total_calls' "$trace")
  o=$dir/out

  # Extract timing statistics
  jq -r '.call_trees[].root_calls[] | .. | select(.duration_ns?) | .duration_ns' "$trace" >"$o"
  out=$(awk '{sum+=$1; count++} END {print "Average:", sum/count "ns", "Total calls:", count}' "$o")
  [[ $out == *"Total calls: $total" ]] || fail "$trace: timing statistics: '$out' (total_calls $total)"

  # Find slowest function calls
  jq -r '.call_trees[].root_calls[] | .. | select(.duration_ns?) | "\(.duration_ns) \(.function)"' "$trace" >"$o"
  [[ $(sort -nr "$o" | sed -n 1,20p | wc -l) -gt 0 ]] || fail "$trace: slowest calls: nothing"

  # Analyze call frequency
  jq -r '.call_trees[].root_calls[] | .. | select(.function?) | .function' "$trace" >"$o"
  [[ $(wc -l <"$o") == "$total" ]] || fail "$trace: call frequency counted $(wc -l <"$o"), total_calls $total"

  # Monitor actual depth
  jq '.call_trees[].root_calls[] | .. | .children? | length' "$trace" >"$o"

  # Functions taking longer than a threshold
  jq '.call_trees[].root_calls[] | .. | select(.duration_ns? > 1000000) | {function, duration_ns}' "$trace" >"$o"

  # Compare with a baseline
  jq '.call_trees[].root_calls[] | .. | select(.function?) | .function' "$trace" | sort >"$o"

  # Request handler timing: test() sees every value under root_calls, so a
  # single null there would make this recipe fail
  jq '.call_trees[] | .root_calls[] | .. | select(.function? | test("handle_request|process_api")) | {function, duration_ns}' "$trace" >"$o"

  # Bottleneck functions
  jq -r '.call_trees[] | .root_calls[] | .. | select(.duration_ns? > 100000) | "\(.duration_ns) \(.function)"' "$trace" >"$o"

  # Range of total_calls over traces
  jq '.metadata.total_calls' "$trace" >"$o"
done

# the recipes find what they should
hits=$(jq '.call_trees[] | .root_calls[] | .. | select(.function? | test("file_static|lib_helper")) | {function, duration_ns}' "$dir/names.json" | jq -s length)
[[ $hits == 2 ]] || fail "test() recipe found $hits of file_static, lib_helper"
top=$(jq -r '.call_trees[].root_calls[] | .. | select(.function?) | .function' "$dir/fib.json" | sort | uniq -c | sort -nr | sed -n 1p)
[[ $top == *"465 fib" ]] || fail "call frequency top: '$top'"
# every recipe's output exactly, on fib 12 (-O2): main and 465 fib calls,
# 232 of them with two children, 233 leaves
f=$dir/fib.json o=$dir/out
main_ns=$(jq '.call_trees[].root_calls[0].duration_ns' "$f")
all_ns=$(jq '[.call_trees[].root_calls[] | .. | .duration_ns? | numbers]' "$f")
jq -r '.call_trees[].root_calls[] | .. | select(.duration_ns?) | .duration_ns' "$f" >"$o"
out=$(awk '{sum+=$1; count++} END {print "Average:", sum/count "ns", "Total calls:", count}' "$o")
want=$(jq -r '"Average: \(add / length)ns Total calls: \(length)"' <<<"$all_ns")
awk -v a="$out" -v b="$want" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[5] == y[5] && x[5] == 466 && (x[2] + 0) - (y[2] + 0) < 1 && (y[2] + 0) - (x[2] + 0) < 1) }' ||
  fail "fib: timing statistics '$out', want '$want'"
jq -r '.call_trees[].root_calls[] | .. | select(.duration_ns?) | "\(.duration_ns) \(.function)"' "$f" >"$o"
[[ $(sort -nr "$o" | sed -n 1p) == "$main_ns main" ]] || fail "fib: slowest call: $(sort -nr "$o" | sed -n 1p), want $main_ns main"
[[ $(sort -nr "$o" | sed -n 1,20p | wc -l) == 20 ]] || fail "fib: not 20 slowest calls"
jq '.call_trees[].root_calls[] | .. | .children? | length' "$f" >"$o"
[[ $(sort -n "$o" | uniq -c | awk '{printf "%s:%s ", $2, $1}') == "0:233 1:1 2:232 " ]] ||
  fail "fib: depth monitor: $(sort -n "$o" | uniq -c | tr '\n' ' ')"
for limit in 1000000 100000; do
  want=$(jq --argjson l $limit '[.[] | select(. > $l)] | length' <<<"$all_ns")
  got=$(jq "[.call_trees[].root_calls[] | .. | select(.duration_ns? > $limit) | {function, duration_ns}] | length" "$f")
  [[ $got == "$want" ]] || fail "fib: calls over $limit ns: $got, want $want"
done
jq -r '.call_trees[] | .root_calls[] | .. | select(.duration_ns? > 100000) | "\(.duration_ns) \(.function)"' "$f" >"$o"
[[ $(wc -l <"$o") == $(jq '[.[] | select(. > 100000)] | length' <<<"$all_ns") ]] || fail "fib: bottleneck lines"
jq '.call_trees[].root_calls[] | .. | select(.function?) | .function' "$f" | sort >"$o"
[[ $(uniq -c "$o" | awk '{printf "%s %s;", $1, $2}') == '465 "fib";1 "main";' ]] || fail "fib: baseline list: $(uniq -c "$o")"
[[ $(jq '.call_trees[] | .root_calls[] | .. | select(.function? | test("handle_request|process_api")) | {function, duration_ns}' "$f") == "" ]] ||
  fail "fib: the handler recipe found something"
[[ $(jq '.metadata.total_calls' "$f") == 466 ]] || fail "fib: total_calls"
echo "jq recipes: ok"
