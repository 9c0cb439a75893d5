#!/usr/bin/env bash
# strace as the oracle: for each thread with markers, the system calls
# between the two marker calls (names and return values) in calltrace's
# trace equal strace -f's, ignoring only the calls calltrace itself makes
# (process_vm_readv for path arguments, the dispatch prctl and SIGSYS
# unblocking, the rt_sigreturn of its SIGSYS handler).
# usage: oracle_test.sh SC_ORACLE_PROGRAM
set -euo pipefail
prog=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
command -v strace >/dev/null || { echo "FAIL: strace is required" >&2; exit 1; }
# LeakSanitizer cannot run under ptrace: no leak check under strace
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
CALLTRACE_SYSCALLS=1 CALLTRACE_OUTPUT=$dir/t.json strace -f -qq -o "$dir/strace.txt" "$prog" >/dev/null
grep -q 'ct-oracle-begin' "$dir/strace.txt" || { echo "FAIL: no marker in strace's output" >&2; exit 1; }
# calltrace: the same lines from the trace
jq -r '.call_trees[] | .thread_id as $t | [.root_calls[] | .. | select(.syscall?)] | sort_by(.start_ns)[] |
       "\($t) \(.syscall) \(if .unfinished then "?" elif .errno then "-1" else (.result | tostring) end) \(.arguments[1]? // "")"' \
   "$dir/t.json" > "$dir/c.raw"
# keep calltrace's lines between its markers (by path), strace's by path too
pick() { # file with a 4th column (calltrace) or the strace text: prints "tid name ret" inside markers
  awk '{ t = $1 }
       /ct-oracle-end/ { inside[t] = 0; next }
       inside[t] { print $1, $2, $3 }
       /ct-oracle-begin/ { inside[t] = 1 }' "$1"
}
pick "$dir/c.raw" > "$dir/c.win"
# strace: "tid name ret marker", calls split by another thread joined by
# their resumed half
awk '
  /^[0-9]+ +---/ || /^[0-9]+ +\+\+\+/ { next }
  / <unfinished \.\.\.>$/ { held[$1] = $0 ~ /ct-oracle-begin/ ? "ct-oracle-begin" : $0 ~ /ct-oracle-end/ ? "ct-oracle-end" : ""; next }
  { tid = $1; line = $0; sub(/^[0-9]+ +/, "", line)
    if (line ~ /^<\.\.\. [a-z0-9_]+ resumed>/) { name = line; sub(/^<\.\.\. /, "", name); sub(/ resumed>.*/, "", name) }
    else { name = line; sub(/\(.*/, "", name) }
    if (name == "rt_sigreturn" || name == "process_vm_readv" || name == "process_vm_writev") next
    if (line ~ /PR_SET_SYSCALL_USER_DISPATCH/ || line ~ /^rt_sigprocmask\(SIG_UNBLOCK, \[SYS\]/) next
    if (match(line, /\) += [^ ]+/) == 0) next
    ret = substr(line, RSTART, RLENGTH); sub(/^\) += /, "", ret)
    mark = line ~ /ct-oracle-begin/ ? "ct-oracle-begin" : line ~ /ct-oracle-end/ ? "ct-oracle-end" : ""
    if (line ~ /^<\.\.\. /) { mark = held[tid]; held[tid] = "" }
    print tid, name, ret, mark }' "$dir/strace.txt" > "$dir/s.raw"
pick "$dir/s.raw" > "$dir/s.win"
[[ ${ORACLE_SHOW:-0} == 1 ]] && cat "$dir/c.win"
threads=$(awk '{print $1}' "$dir/c.win" | sort -u | wc -l)
[[ $threads == 2 ]] || { echo "FAIL: $threads threads with marked calls in calltrace's trace, want 2" >&2; cat "$dir/c.win" >&2; exit 1; }
[[ $(wc -l < "$dir/c.win") -ge 20 ]] || { echo "FAIL: too few calls compared" >&2; exit 1; }
for t in $(awk '{print $1}' "$dir/c.win" | sort -u); do
  if ! diff <(awk -v t="$t" '$1 == t' "$dir/c.win") <(awk -v t="$t" '$1 == t' "$dir/s.win") > "$dir/diff"; then
    echo "FAIL: thread $t: calltrace (<) and strace -f (>) differ:" >&2
    cat "$dir/diff" >&2
    exit 1
  fi
done
echo "oracle: $(wc -l < "$dir/c.win") system calls on $threads threads equal strace -f's"
