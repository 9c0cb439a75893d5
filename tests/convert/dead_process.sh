#!/usr/bin/env bash
# calltrace-convert on the event files a dead process leaves: after SIGKILL
# (nothing could be written but the event file) and after a crash (the raw
# stream converts to exactly the trace the crash handler wrote).
# usage: convert_test.sh ENDING_PROGRAM CALLTRACE_CONVERT CT_TRACECHECK
set -euo pipefail
prog=$1 conv=$2 check=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. SIGKILL: the leftover event file converts into a valid, incomplete trace
CALLTRACE_OUTPUT=$dir/k.json CALLTRACE_BUFFER_SIZE=64K "$prog" spin >"$dir/out" &
pid=$!
for _ in $(seq 1000); do grep -q ready "$dir/out" 2>/dev/null && break; sleep 0.02; done
# the writer thread hands full buffers to the file in the background: on a
# loaded machine give it a moment to catch up with what "ready" promises
sleep 0.5
kill -9 "$pid"
wait "$pid" && fail "the spinning program was not killed" || true
raws=("$dir"/k.json."$pid".??????.ctraw)
[[ ${#raws[@]} == 1 && -f ${raws[0]} ]] || fail "no event file k.json.$pid.XXXXXX.ctraw left by the killed process"
raw=${raws[0]}
[[ ! -e $dir/k.json ]] || fail "a trace was written at the final path by a killed process"
"$conv" --output "$dir/k2.json" "$raw" || fail "calltrace-convert failed on $raw"
"$check" "$dir/k2.json" --expect-root main --expect-function middle >/dev/null ||
  fail "the converted trace is not valid"
# one jq pass over the trace: completeness, calls, the thread's name
read -r complete calls name < <(jq -r '"\(.metadata.complete) \(.metadata.total_calls) \([.call_trees[].name] | join(","))"' "$dir/k2.json")
[[ $complete == false ]] || fail "a killed trace claims completeness"
(( calls >= 3 * 20000 && calls <= 3 * 25001 + 2 )) ||
  fail "$calls calls recovered: 'ready' was printed at 20000 iterations of 3 calls, the burst is 25001"
[[ $name == "$(basename "$prog")" ]] || fail "the thread name was not carried in the event file"

# 2. a crash with CALLTRACE_FORMAT=json,raw: both, and they agree exactly
CALLTRACE_OUTPUT=$dir/c.json CALLTRACE_FORMAT=json,raw "$prog" segv >/dev/null 2>&1 && fail "no crash"
"$conv" --output "$dir/c2.json" "$dir/c.ctraw" || fail "calltrace-convert failed after a crash"
# (the host is the live run's metadata only: an event file does not hold it)
diff <(jq -S 'del(.metadata.timestamp, .metadata.host)' "$dir/c.json") <(jq -S 'del(.metadata.timestamp)' "$dir/c2.json") ||
  fail "the converted crash trace differs from the live one"
[[ $(jq -r '.metadata.crash.name' "$dir/c2.json") == SIGSEGV ]] || fail "no crash object after converting"

# 3. other formats and a bad input
"$conv" --format chrome,folded --output "$dir/v.json" "$dir/c.ctraw"
[[ -s $dir/v.chrome.json && -s $dir/v.folded ]] || fail "no chrome/folded from the converter"
echo garbage >"$dir/bad.ctraw"
if "$conv" "$dir/bad.ctraw" 2>"$dir/err"; then fail "garbage accepted"; fi
grep -q "^calltrace: .*not a calltrace event file" "$dir/err" || fail "no clear message for garbage"
# 4. an executable path naming a FIFO: refused at once, never waited on
mkfifo "$dir/fifo"
timeout 20 "$conv" --exe "$dir/fifo" --output "$dir/f.json" "$dir/c.ctraw" 2>"$dir/ferr" ||
  fail "calltrace-convert blocked or failed on a FIFO as the executable ($?)"
grep -q "^calltrace: cannot read $dir/fifo" "$dir/ferr" || fail "no clear message for a FIFO executable"
echo "convert: ok"
