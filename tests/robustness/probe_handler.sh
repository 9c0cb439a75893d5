#!/usr/bin/env bash
# The program replaced calltrace's SIGSEGV/SIGBUS handlers; with capture on,
# its string arguments are still read (the good ones exactly), the bad ones
# marked unreadable, and no fault reaches the program: the same output and
# exit status as without calltrace's capture.
# usage: probe_handler.sh PROGRAM
set -euo pipefail
prog=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
CALLTRACE_OUTPUT=$dir/off.json "$prog" >"$dir/off.out" 2>"$dir/off.err" || fail "without capture: status $?"
status=0
CALLTRACE_OUTPUT=$dir/t.json CALLTRACE_CAPTURE_ARGS=1 "$prog" >"$dir/on.out" 2>"$dir/on.err" || status=$?
[[ $status == 0 ]] || fail "with capture: exit status $status ($(cat "$dir/on.out"))"
cmp -s "$dir/off.out" "$dir/on.out" || fail "stdout differs with capture: $(cat "$dir/on.out")"
[[ $(cat "$dir/on.out") == "done 4" ]] || fail "stdout: $(cat "$dir/on.out")"
[[ ! -s $dir/on.err ]] || fail "stderr: $(cat "$dir/on.err")"
got=$(jq -c '[.. | objects | select(.function? == "takes_str") | .arguments |
              map(if .unreadable then "unreadable" else .value end)]' "$dir/t.json")
want='[["hello, probe",0],["unreadable",1],["unreadable",2],["after",3]]'
[[ $got == "$want" ]] || fail "takes_str's arguments: $got, want $want"
echo "probe_handler: ok"
