#!/usr/bin/env bash
# A setuid-root program that opted in to tracing, run by nobody with every
# CALLTRACE_* variable the runtime reads set to a value that would show:
# none is taken (secure_getenv), the trace is the default one beside the
# executable, equal to that of a plain run without any variable.
# usage: setuid_env.sh PROGRAM VARIABLE...   (the variables runtime/ reads)
# Needs root and setpriv: where they are missing the test is skipped (77),
# except in CI (CI set), where a skip is a failure.
set -euo pipefail
prog=$1
shift
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() {
  [[ -z ${CI:-} ]] || fail "cannot run in CI: $*"
  echo "SKIP: $*"
  exit 77
}
[[ $(id -u) == 0 ]] || skip "not root"
setpriv=$(command -v setpriv) || skip "no setpriv"
dir=$(mktemp -d /var/tmp/ct-setuid-XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$prog" "$dir/prog"
chmod 4755 "$dir/prog"
mkdir -m 777 "$dir/w"
echo '!leaf' >"$dir/w/filter.txt"

# the value each variable gets; a variable of runtime/ missing here fails
# the test (a new one must be added)
declare -A val=(
  [CALLTRACE_OUTPUT]=$dir/w/evil.json
  [CALLTRACE_FORMAT]=json,chrome,folded,text,summary,html,perfetto,raw
  [CALLTRACE_FILTER]='!middle'
  [CALLTRACE_FILTER_FILE]=$dir/w/filter.txt
  [CALLTRACE_MAX_DEPTH]=2
  [CALLTRACE_START]=0
  [CALLTRACE_PRETTY_JSON]=0
  [CALLTRACE_CAPTURE_ARGS]=1
  [CALLTRACE_CAPTURE_RETVAL]=1
  [CALLTRACE_DEBUG]=1
  [CALLTRACE_SUMMARY]=1
  [CALLTRACE_BUFFER_SIZE]=4K
  [CALLTRACE_BUFFER_POLICY]=drop
  [CALLTRACE_CLOCK]=monotonic
  [CALLTRACE_MIN_DURATION]=1s
  [CALLTRACE_MAX_CALLS]=3
  [CALLTRACE_SYSCALLS]=all
)
envs=()
for v in "$@"; do
  [[ -n ${val[$v]+x} ]] || fail "$v is read by the runtime but not tried here: add it to setuid_env.sh"
  envs+=("$v=${val[$v]}")
done
(( ${#envs[@]} >= 16 )) || fail "only ${#envs[@]} variables given"

# the reference: the same program, not setuid, no variable
cp "$prog" "$dir/plain"
(cd "$dir" && env -u CALLTRACE_OUTPUT ./plain >"$dir/plain.out") || fail "the plain run failed"
[[ -f $dir/plain.json ]] || fail "no default trace from the plain run"

status=0
env "${envs[@]}" TMPDIR="$dir/w" "$setpriv" --reuid=65534 --regid=65534 --clear-groups \
  "$dir/prog" >"$dir/out" 2>"$dir/err" || status=$?
if grep -q "setpriv" "$dir/err"; then skip "setpriv failed: $(cat "$dir/err")"; fi
[[ $status == 0 ]] || fail "exit status $status: $(cat "$dir/err")"
[[ $(stat -c %u "$dir/prog") == 0 ]] || fail "the copy is not root's"
cmp -s "$dir/out" "$dir/plain.out" || fail "stdout differs: $(cat "$dir/out")"
[[ ! -s $dir/err ]] || fail "stderr not empty (CALLTRACE_DEBUG or _SUMMARY taken?): $(head -3 "$dir/err")"
[[ -z $(ls -A "$dir/w" | grep -v '^filter.txt$') ]] ||
  fail "files in the caller's directory (CALLTRACE_OUTPUT or TMPDIR taken): $(ls -A "$dir/w")"
extra=$(cd "$dir" && ls -A | grep -v '^\(prog\|prog.json\|plain\|plain.json\|plain.out\|out\|err\|w\)$' || true)
[[ -z $extra ]] || fail "other files beside the program (CALLTRACE_FORMAT taken?): $extra"
[[ -f $dir/prog.json ]] || fail "no trace at the default path"
[[ $(stat -c %a "$dir/prog.json") == 600 ]] || fail "the trace is not 0600"
(( $(wc -l <"$dir/prog.json") > 1 )) || fail "one-line JSON (CALLTRACE_PRETTY_JSON taken)"
# the same tree, counts and settings as the plain run
q='[.metadata | .total_calls, .complete, .clock, .max_depth, .capture_args, .dropped, .filtered,
    .truncated], [.call_trees[] | .root_calls[] | .function, (.children | length),
    (.children[0].children | length), .children[0].children[0].children[0].function]'
a=$(jq -c "$q" "$dir/plain.json") b=$(jq -c "$q" "$dir/prog.json")
[[ $a == "$b" ]] || fail "setuid trace differs from the plain one: $b, want $a"
[[ $(jq -c '.metadata | [.total_calls, .max_depth, .capture_args, .dropped.buffer]' "$dir/prog.json") == '[40002,65536,false,0]' ]] ||
  fail "not the defaults: $(jq -c '.metadata' "$dir/prog.json")"
echo "setuid_env: ok (${#envs[@]} variables ignored)"
