#!/usr/bin/env bash
# C++ exceptions (exceptions.cpp): the exact tree, every frame an exception
# leaves marked unwound and nothing else, the same with argument capture off,
# on, and on without return values (no return trampoline).
# usage: exceptions_test.sh EXCEPTIONS_PROGRAM
set -euo pipefail
prog=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
want='main{catcher(int){outer(int)!{middle(int)!{thrower(int)!,Guard::~Guard(){helper(int)}},Nested::~Nested(){inner_catch(int){thrower(int)!}}}},helper(int),catcher(int){rethrower(int)!{thrower(int)!}}}'
for mode in "CALLTRACE_CAPTURE_ARGS=0" "CALLTRACE_CAPTURE_ARGS=1" \
            "CALLTRACE_CAPTURE_ARGS=1 CALLTRACE_CAPTURE_RETVAL=0"; do
  env $mode CALLTRACE_OUTPUT="$dir/e.json" "$prog" >"$dir/out" 2>"$dir/err"
  grep -qx caught=7 "$dir/out" || { echo "FAIL: the program did not finish ($mode)" >&2; exit 1; }
  [[ ! -s $dir/err ]] || { echo "FAIL: stderr ($mode):" >&2; cat "$dir/err" >&2; exit 1; }
  got=$(jq -r 'def t: .function + (if .unwound then "!" else "" end) + (if .unfinished then "?" else "" end) + (if (.children | length) > 0 then "{" + ([.children[] | t] | join(",")) + "}" else "" end); .call_trees[].root_calls[] | t' "$dir/e.json")
  if [[ $got != "$want" ]]; then
    echo "FAIL: tree of exceptions ($mode)" >&2
    echo "  got:  $got" >&2
    echo "  want: $want" >&2
    exit 1
  fi
  counts=$(jq -r '.call_trees[] | "\(.unwound_calls) \(.unfinished_calls) \(.unmatched_exits)"' "$dir/e.json")
  [[ $counts == "6 0 0" ]] || { echo "FAIL: unwound/unfinished/unmatched $counts, want 6 0 0 ($mode)" >&2; exit 1; }
done
echo "exceptions: ok"
