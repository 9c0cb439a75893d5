#!/usr/bin/env bash
# longjmp across frames of different sizes (jumps.c): the call tree after each
# jump is exact, with the abandoned frames marked unwound.
# usage: jumps_test.sh JUMPS_PROGRAM
set -euo pipefail
prog=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
want='main{small!,big,middle!{inner!},huge{tiny_leaf},big,middle!{inner!},huge{tiny_leaf},big,middle!{inner!},huge{tiny_leaf},big,middle{inner{tiny_leaf}}}'
for capture in 0 1; do
  CALLTRACE_CAPTURE_ARGS=$capture CALLTRACE_OUTPUT=$dir/j.json "$prog" >"$dir/out"
  grep -qx done "$dir/out" || { echo "FAIL: the program did not finish" >&2; exit 1; }
  got=$(jq -r 'def t: .function + (if .unwound then "!" else "" end) + (if (.children | length) > 0 then "{" + ([.children[] | t] | join(",")) + "}" else "" end); .call_trees[].root_calls[] | t' "$dir/j.json")
  if [[ $got != "$want" ]]; then
    echo "FAIL: tree after longjmp (CALLTRACE_CAPTURE_ARGS=$capture)" >&2
    echo "  got:  $got" >&2
    echo "  want: $want" >&2
    exit 1
  fi
done
echo "jumps: ok"
