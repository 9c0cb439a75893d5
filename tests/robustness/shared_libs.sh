#!/usr/bin/env bash
# Instrumented shared libraries: one linked (lib_*), one dlopen()ed (dl_*).
# Their calls are named and nested exactly; filters apply to the linked one
# and, as README says, patterns match nothing of a module opened later.
# usage: shared_libs.sh PROGRAM MODULE
set -euo pipefail
prog=$1 mod=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# the main thread's tree as "a{b c} d", and what was filtered
shape='def s: [.[] | .function + (if (.children | length) > 0 then "{" + (.children | s) + "}" else "" end)] | join(" ");
       ([.call_trees[] | .root_calls | s] | join(";")) + " | filtered=\(.metadata.filtered.functions)"'
run() { # FILTER WANT
  local status=0
  CALLTRACE_OUTPUT=$dir/t.json CALLTRACE_FILTER=$1 "$prog" "$mod" >"$dir/out" 2>"$dir/err" || status=$?
  [[ $status == 0 && $(cat "$dir/out") == done ]] || fail "filter '$1': status $status, $(cat "$dir/out" "$dir/err")"
  local got
  got=$(jq -r "$shape" "$dir/t.json")
  [[ $got == "$2" ]] || fail "filter '$1': got $got, want $2"
}
run '' 'main{own{lib_outer{lib_inner lib_inner}} dl_outer{dl_inner}} | filtered=0'
run '!lib_inner' 'main{own{lib_outer} dl_outer{dl_inner}} | filtered=2'
run '!own/**' 'main{dl_outer{dl_inner}} | filtered=4'
run 'lib_*' 'lib_outer{lib_inner lib_inner} | filtered=4'
# a module opened later matches no pattern: neither excluded nor a root
run '!dl_inner' 'main{own{lib_outer{lib_inner lib_inner}} dl_outer{dl_inner}} | filtered=0'
run 'dl_*' ' | filtered=7'
grep -q "^calltrace: CALLTRACE_FILTER: no function matches the patterns to record" "$dir/err" ||
  fail "no line saying dl_* matched nothing: $(cat "$dir/err")"
echo "shared_libs: ok"
