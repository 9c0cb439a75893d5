#!/usr/bin/env bash
# examples.readme_tree: README's first command ends with a jq one-liner that
# prints fib's tree; run it on the fib example's trace and expect the six
# fib calls at depth 4 that README shows.  A script, not a CMake string: the
# recipe's ';' would be split as a list separator there.
#   readme_tree.sh FIB OUT_JSON
set -euo pipefail
fib=$1 out=$2
CALLTRACE_OUTPUT=$out "$fib" >/dev/null
n=$(jq -r 'def walk(p): "\(p)\(.function)  \(.duration_ns) ns  \(.file | split("/") | last):\(.line)", (.children[] | walk(p + "  ")); .call_trees[].root_calls[] | walk("")' "$out" |
    grep -c '^        fib  .* fib.c:' || true)
[[ $n == 6 ]] || { echo "FAIL: $n fib lines at depth 4, want 6" >&2; exit 1; }
