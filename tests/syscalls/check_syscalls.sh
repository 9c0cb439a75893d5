#!/usr/bin/env bash
# System calls in the call tree (CALLTRACE_SYSCALLS), case by case: each run
# of progs/sc_cases.c asserts the exit status, the output and the trace.
# usage: check_syscalls.sh SC_CASES_PROGRAM CASE
set -euo pipefail
prog=$1
case=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$dir/t.json
fail() { echo "FAIL ($case): $*" >&2; exit 1; }

# run ENV... MODE WANT_STATUS: runs the program, checks its status
run() {
  local want=${*: -1} mode=${*: -2:1}
  local envs=("${@:1:$#-2}")
  set +e
  env "${envs[@]}" CALLTRACE_OUTPUT="$out" "$prog" "$mode" >"$dir/stdout" 2>"$dir/stderr"
  status=$?
  set -e
  [[ $status == "$want" ]] || fail "exit status $status, want $want; stderr: $(cat "$dir/stderr")"
  if grep -q '^calltrace:' "$dir/stderr"; then fail "runtime said: $(cat "$dir/stderr")"; fi
}
# the compact tree under main: calls as names, system calls as name=result
# (name=-1 ERRNO), unfinished ones as name=?
tree() {
  jq -r 'def t: if .syscall then .syscall + "=" + (if .unfinished then "?" elif .errno then "-1 " + .errno else (.result | tostring) end)
               else .function + (if (.children | length) > 0 then "{" + ([.children[] | t] | join(",")) + "}" else "" end) end;
         [.call_trees[].root_calls[] | select(.function == "main") | t] | join(";")' "$1"
}
expect() { # expect WHAT GOT WANT
  [[ $2 == "$3" ]] || fail "$1: got '$2', want '$3'"
}
contains() { # contains WHAT GOT PART
  [[ $2 == *"$3"* ]] || fail "$1: '$2' lacks '$3'"
}

case $case in
basic)
  run CALLTRACE_SYSCALLS=1 basic 0
  fd=$(jq '[.. | select(.syscall? == "openat")][0].result' "$out")
  expect "read's fd" "$(jq '[.. | select(.syscall? == "read")][0].arguments[0]' "$out")" "$fd"
  expect tree "$(tree "$out")" 'main{basic{open_file{openat='$fd'},read_some{read=16},close=0,open_file{openat=-1 ENOENT},close_bad{close=-1 EBADF},say{write=6}}}'
  expect "openat arguments" "$(jq -c '[.. | select(.syscall? == "openat") | .arguments[1:3]][0]' "$out")" '["/proc/self/stat","O_RDONLY|O_CLOEXEC"]'
  expect "timing" "$(jq '[.. | select(.syscall?) | select(.end_ns - .start_ns == .duration_ns and .duration_ns > 0)] | length' "$out")" 6
  ;;
selector)
  run 'CALLTRACE_SYSCALLS=openat,%desc,!close' basic 0
  fd=$(jq '[.. | select(.syscall? == "openat")][0].result' "$out")
  expect tree "$(tree "$out")" 'main{basic{open_file{openat='$fd'},read_some{read=16},open_file{openat=-1 ENOENT},close_bad,say{write=6}}}'
  run 'CALLTRACE_SYSCALLS=!%desc' basic 0
  expect "no %desc call" "$(jq '[.. | select(.syscall? == "openat" or .syscall? == "read" or .syscall? == "close")] | length' "$out")" 0
  ;;
off)
  run CALLTRACE_SYSCALLS=0 basic 0
  expect tree "$(tree "$out")" 'main{basic{open_file,read_some,open_file,close_bad,say}}'
  run basic 0
  expect "no syscall nodes" "$(jq '[.. | select(.syscall?)] | length' "$out")" 0
  ;;
threads)
  run CALLTRACE_SYSCALLS=1 threads 0
  expect output "$(cat "$dir/stdout")" $'worker\njoined'
  expect "worker thread" "$(jq -r '.call_trees[] | .root_calls[] | select(.function == "worker") | [.function, (.children[0].function), (.children[0].children[0].syscall), (.children[0].children[0].result)] | map(tostring) | join(" ")' "$out")" 'worker say write 7'
  contains "main thread" "$(tree "$out")" 'clone3='
  ;;
fork)
  # LeakSanitizer's exit check stops the world with a ptrace tracer thread;
  # in a forked child with dispatch on it never finishes (a known limit,
  # README): leaks are not checked in this case under ASan
  run ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 CALLTRACE_SYSCALLS=1 fork 0
  expect output "$(cat "$dir/stdout")" $'child\nchild status 7'
  child=$(ls "$dir"/t.*.json)
  expect "child's trace" "$(jq -c '[.. | select(.function? == "child_work") | .children[0] | [.function, .children[0].syscall, .children[0].result]]' "$child")" '[["say","write",6]]'
  contains "parent" "$(tree "$out")" 'forked{clone='
  contains "parent" "$(tree "$out")" 'wait4='
  ;;
vfork)
  run CALLTRACE_SYSCALLS=1 vfork 0
  expect output "$(cat "$dir/stdout")" 'vfork child status 5'
  contains "parent" "$(tree "$out")" 'vforked{vfork='
  ;;
eintr)
  run CALLTRACE_SYSCALLS=1 eintr 0
  expect output "$(cat "$dir/stdout")" $'alarm\nread -1 EINTR'
  contains tree "$(tree "$out")" 'read_some{on_alarm{say{write=6}},read=-1 EINTR}'
  ;;
restart)
  # it forks the signal's sender: no leak check under ASan (see fork)
  run ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 CALLTRACE_SYSCALLS=1 restart 0
  expect output "$(cat "$dir/stdout")" $'usr1\nread 1 x'
  contains tree "$(tree "$out")" 'read_some{on_usr1{say{write=5}},read=1}'
  ;;
sigsys)
  run CALLTRACE_SYSCALLS=1 sigsys 0
  expect output "$(cat "$dir/stdout")" 'own handler 2 kept'
  contains tree "$(tree "$out")" 'rt_sigaction=0'
  ;;
exec)
  run CALLTRACE_SYSCALLS=1 exec 4
  expect output "$(cat "$dir/stdout")" $'before exec\nexec ran'
  contains tree "$(tree "$out")" 'execs{say{write=12},execve=?}'
  expect "execve path" "$(jq -r '.. | select(.syscall? == "execve") | .arguments[0]' "$out")" /bin/sh
  ;;
exit)
  run CALLTRACE_SYSCALLS=1 exit 3
  expect output "$(cat "$dir/stdout")" 'exiting'
  contains tree "$(tree "$out")" 'exits{say{write=8},exit_group=?}'
  ;;
views)
  run CALLTRACE_SYSCALLS=1 CALLTRACE_FORMAT=json,text,csv,summary,folded,chrome,html basic 0
  base=${out%.json}
  contains text "$(cat "$base.txt")" '[sys] openat(AT_FDCWD, "/nonexistent/calltrace", O_RDONLY|O_CLOEXEC, 0) = -1 ENOENT;'
  contains text "$(cat "$base.txt")" '[sys] close(-1) = -1 EBADF;'
  contains csv "$(cat "$base.csv")" ',syscall,openat,,,'
  contains csv "$(cat "$base.csv")" '"AT_FDCWD, ""/nonexistent/calltrace"", O_RDONLY|O_CLOEXEC, 0",-1,ENOENT,'
  expect "csv rows" "$(grep -c ',syscall,' "$base.csv")" 6
  expect "csv calls" "$(grep -c ',call,' "$base.csv")" 7
  sum=$(cat "$base.summary.txt")
  contains summary "$sum" 'System calls, by total time (like strace -c):'
  [[ $sum =~ [0-9.]+\ +2\ +1\ +[^$'\n']*openat ]] || fail "summary: openat row (2 calls, 1 error) missing"
  [[ $sum =~ \ +2\ +[^$'\n']*openat\ +open_file ]] || fail "summary: open_file's openat row missing"
  contains folded "$(cat "$base.folded")" ';main;basic;open_file;syscall:openat '
  expect chrome "$(jq '[.traceEvents[] | select(.name == "syscall:openat")] | length' "$base.chrome.json")" 2
  contains html "$(cat "$base.html")" 'syscall:openat'
  # CALLTRACE_SUMMARY=1: the same tables on stderr at exit
  set +e
  CALLTRACE_SYSCALLS=1 CALLTRACE_SUMMARY=1 CALLTRACE_OUTPUT="$out" "$prog" basic >/dev/null 2>"$dir/stderr"
  set -e
  contains stderr "$(cat "$dir/stderr")" 'System calls per function:'
  ;;
seccomp)
  run CALLTRACE_SYSCALLS=1 seccomp 0
  expect output "$(cat "$dir/stdout")" 'getpgrp -1 EPERM'
  contains tree "$(tree "$out")" 'filtered_call{getpgrp=-1 EPERM}'
  ;;
*) fail "unknown case" ;;
esac
echo "syscalls $case: ok"
