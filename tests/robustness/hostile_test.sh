#!/usr/bin/env bash
# The runtime against a hostile program and environment (hostile.c): each case
# does the odd thing and asserts the program's behaviour, exit status and
# output, and the trace.
# usage: hostile_test.sh HOSTILE_PROGRAM PREINIT_PROGRAM
set -euo pipefail
prog=$1 preinit=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { jq "[.. | objects | select(.function? == \"$2\")] | length" "$1"; }
run() { env -u CALLTRACE_MAX_DEPTH -u CALLTRACE_FORMAT -u CALLTRACE_BUFFER_SIZE "$@"; }

# 1. The event file: created exclusively under an unpredictable name, 0600; a
#    FIFO planted at the old predictable name neither blocks nor receives.
out=$dir/ev.json
(cd "$dir" && exec bash -c 'mkfifo "ev.json.$$.ctraw"; exec env CALLTRACE_OUTPUT=ev.json "$0" exit-in-handler' "$prog") >"$dir/ev.out" &
pid=$!
for _ in $(seq 500); do grep -q ready "$dir/ev.out" 2>/dev/null && break; sleep 0.02; done
grep -q ready "$dir/ev.out" || fail "the program did not start (blocked by a planted FIFO?)"
raws=("$dir"/ev.json."$pid".??????.ctraw)
[[ ${#raws[@]} == 1 && -f ${raws[0]} ]] || fail "no event file ev.json.$pid.XXXXXX.ctraw"
[[ $(stat -c %a "${raws[0]}") == 600 ]] || fail "event file mode $(stat -c %a "${raws[0]}")"
[[ -p $dir/ev.json.$pid.ctraw ]] || fail "the planted FIFO was replaced"

# 2. _exit(3) from a SIGTERM handler that interrupted calltrace_flush():
#    the process ends with status 3 within a bounded time, never hangs.
start=$(date +%s)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
(( rc == 3 )) || fail "exit status $rc after _exit(3) in a handler (expected 3)"
(( $(date +%s) - start <= 15 )) || fail "the exit took $(( $(date +%s) - start )) s"
tmps=$(cd "$dir" && ls ev.json.?????? 2>/dev/null || true)
[[ -z $tmps ]] || fail "the interrupted flush left its temporary file: $tmps"

# 3. The program closes every descriptor past stderr and opens its own file:
#    its file holds only what it wrote, and the trace keeps every call.
run CALLTRACE_BUFFER_SIZE=16K CALLTRACE_OUTPUT="$dir/fd.json" "$prog" closes-fds "$dir/own.txt" >"$dir/fd.out"
[[ $(cat "$dir/own.txt") == $'HEADER\nFOOTER' ]] || fail "trace bytes in the program's own file"
[[ $(count "$dir/fd.json" leaf) == 100000 ]] || fail "calls lost after the descriptors were closed"
[[ $(jq .metadata.complete "$dir/fd.json") == true ]] || fail "incomplete trace"
#    ... and started with stderr closed: the event file never takes fd 2.
run CALLTRACE_OUTPUT="$dir/fd2.json" "$prog" closes-fds "$dir/own2.txt" >/dev/null 2>&-
[[ $(cat "$dir/own2.txt") == $'HEADER\nFOOTER' ]] || fail "trace bytes in the program's own file (fd 2 closed)"
[[ $(count "$dir/fd2.json" leaf) == 100000 ]] || fail "calls lost with fd 2 closed"

# 4. A child made by a raw fork system call: no hang, a trace of its own.
timeout 60 env CALLTRACE_OUTPUT="$dir/rf.json" "$prog" raw-fork >"$dir/rf.out" 2>"$dir/rf.err" ||
  fail "raw fork: status $? (a hang ends in 124)"
grep -qx 'child 0' "$dir/rf.out" || fail "raw fork: the child did not exit 0"
[[ $(count "$dir/rf.json" leaf) == 101000 ]] || fail "raw fork: the parent's calls"
kids=("$dir"/rf.[0-9]*.json)
[[ ${#kids[@]} == 1 && -f ${kids[0]} ]] || fail "raw fork: no trace of the child"
kid=$(count "${kids[0]}" leaf)
lost=$(sed -n 's/.*; \([0-9]*\) events around a fork made without fork().*/\1/p' "$dir/rf.err")
(( kid + ${lost:-0} / 2 >= 100000 && kid <= 100000 )) ||
  fail "raw fork: the child has $kid calls, $lost events counted lost"

# 5. A relative CALLTRACE_OUTPUT, then chdir(): the trace stays where it was
#    asked for, complete, and no event file is left behind.
mkdir "$dir/a" "$dir/b"
(cd "$dir/a" && run CALLTRACE_OUTPUT=rel.json "$prog" chdir ../b >/dev/null)
[[ -f $dir/a/rel.json && ! -e $dir/b/rel.json ]] || fail "chdir moved the trace"
[[ $(count "$dir/a/rel.json" leaf) == 100000 ]] || fail "chdir: calls lost"
[[ $(jq .metadata.truncated "$dir/a/rel.json") == false ]] || fail "chdir: truncated"
! ls "$dir"/a/*.ctraw "$dir"/b/*.ctraw >/dev/null 2>&1 || fail "chdir: an event file left behind"

# 6. A SIGSEGV the program recovers from with siglongjmp (its handler was
#    there before the runtime's): no crash, every later call kept.
run CALLTRACE_OUTPUT="$dir/rec.json" "$prog" recovers >"$dir/rec.out"
grep -qx 'recovered 1 500500' "$dir/rec.out" || fail "the program did not recover"
[[ $(jq '.metadata.crash' "$dir/rec.json") == null ]] || fail "a recovered fault ended the trace as a crash"
[[ $(count "$dir/rec.json" leaf) == 1000 ]] || fail "calls after the recovered fault were lost"

# 7. Calls of the program's own thread-exit destructors are in that thread's tree.
run CALLTRACE_OUTPUT="$dir/td.json" "$prog" thread-dtor
[[ $(jq -c '[.call_trees[] | select(.root_calls[0].function == "keyed") | .root_calls[] | [.function, [.children[].function]]]' "$dir/td.json") == '[["keyed",[]],["dtor",["leaf"]]]' ]] ||
  fail "thread destructor calls: $(jq -c '[.call_trees[].root_calls[] | .function]' "$dir/td.json")"

# 8. Deep recursion is kept by default; a lower CALLTRACE_MAX_DEPTH drops, counts
#    and says so in one line at exit.
#    (jq 1.6 parses at most 256 levels of nesting: counted with grep here)
run CALLTRACE_OUTPUT="$dir/deep.json" CALLTRACE_PRETTY_JSON=0 "$prog" deep 5000 >/dev/null 2>"$dir/deep.err"
[[ $(grep -o '"function":"deep"' "$dir/deep.json" | wc -l) == 5001 ]] || fail "deep calls lost at the default depth"
grep -q '"dropped":{"depth":0,' "$dir/deep.json" || fail "depth drops at the default"
[[ ! -s $dir/deep.err ]] || fail "a message without a loss: $(cat "$dir/deep.err")"
run CALLTRACE_OUTPUT="$dir/deep2.json" CALLTRACE_PRETTY_JSON=0 CALLTRACE_MAX_DEPTH=100 "$prog" deep 5000 >/dev/null 2>"$dir/deep2.err"
[[ $(grep -o '"function":"deep"' "$dir/deep2.json" | wc -l) == 99 ]] || fail "deep calls recorded under the limit"
grep -q '"dropped":{"depth":4902,' "$dir/deep2.json" || fail "dropped depth not 4902"
[[ $(cat "$dir/deep2.err") == "calltrace: the trace is incomplete; 4902 calls deeper than CALLTRACE_MAX_DEPTH=100 (raise it)" ]] ||
  fail "drop message: $(cat "$dir/deep2.err")"
# 9. Instrumented code in .preinit_array runs before environ is set: the
#    CALLTRACE_* settings apply all the same.
run CALLTRACE_OUTPUT="$dir/pre.json" CALLTRACE_DEBUG=1 CALLTRACE_PRETTY_JSON=0 "$preinit" 2>"$dir/pre.err" ||
  fail "preinit: status $?"
[[ -f $dir/pre.json ]] || fail "preinit: CALLTRACE_OUTPUT was ignored"
grep -q '^calltrace: calltrace [0-9.]*: output '"$dir"'/pre.json' "$dir/pre.err" || fail "preinit: CALLTRACE_DEBUG was ignored"
(( $(wc -l <"$dir/pre.json") <= 1 )) || fail "preinit: CALLTRACE_PRETTY_JSON was ignored"
[[ $(jq -c '[.call_trees[].root_calls[].function]' "$dir/pre.json") == '["early","main"]' ]] ||
  fail "preinit: roots $(jq -c '[.call_trees[].root_calls[].function]' "$dir/pre.json")"
echo "hostile: ok"
