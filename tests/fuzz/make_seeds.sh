#!/usr/bin/env bash
# Regenerates the event-file seed corpora (corpus/raw, corpus/unpack,
# corpus/convert) from small instrumented programs linked with a build's
# libcalltrace.a. Run it after the event file format changes
# (CT_SPILL_VERSION, the header or the chunk layout in runtime/event.h):
# seeds of an old version are rejected at the header and teach the fuzzer
# little. Each file stays well under 20 KB.
#   usage: tests/fuzz/make_seeds.sh [BUILD_DIR]   (default: build; needs libcalltrace.a)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
lib=$build/libcalltrace.a
[ -f "$lib" ] || { echo "no $lib: cmake --build $build --target calltrace first" >&2; exit 1; }
cc=${CC:-gcc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fuzz=tests/fuzz

build_prog() { # name sources...
  local name=$1
  shift
  "$cc" -O0 -g -finstrument-functions -rdynamic -Iinclude "$@" "$lib" \
        -ldwarf -lelf -lz -lpthread -ldl -o "$tmp/$name"
}
build_prog fib tests/tree/progs/fib.c
build_prog regions tests/api/progs/regions.c
build_prog ending tests/crash/progs/ending.c
build_prog threads $fuzz/seed_threads.c

out=$tmp/out
mkdir -p "$out"
run() { # seed-name env... -- program args...
  local seed=$1
  shift
  { env CALLTRACE_OUTPUT="$out/$seed.json" "$@" >/dev/null; } 2>/dev/null || true
}
run fib5 CALLTRACE_FORMAT=raw "$tmp/fib" 5
run fib12-16k CALLTRACE_FORMAT=raw CALLTRACE_BUFFER_SIZE=16K "$tmp/fib" 12
run fib14-16k CALLTRACE_FORMAT=raw CALLTRACE_BUFFER_SIZE=16K "$tmp/fib" 14
run regions-marks CALLTRACE_FORMAT=raw CALLTRACE_START=0 "$tmp/regions"
run threads-16k CALLTRACE_FORMAT=raw CALLTRACE_BUFFER_SIZE=16K "$tmp/threads"
run threads-16k-drop CALLTRACE_FORMAT=raw CALLTRACE_BUFFER_SIZE=16K CALLTRACE_BUFFER_POLICY=drop \
    "$tmp/threads"
run segv CALLTRACE_FORMAT=json,raw "$tmp/ending" segv
run fib8-args CALLTRACE_FORMAT=raw CALLTRACE_CAPTURE_ARGS=1 "$tmp/fib" 8 # argument and return value records

rm -f $fuzz/corpus/raw/*.ctraw $fuzz/corpus/convert/*.ctraw $fuzz/corpus/unpack/*-chunk-*
mkdir -p $fuzz/corpus/raw $fuzz/corpus/convert $fuzz/corpus/unpack
for f in "$out"/*.ctraw; do
  [ "$(stat -c %s "$f")" -le 20480 ] || { echo "skipping $f: over 20 KB" >&2; continue; }
  cp "$f" $fuzz/corpus/raw/
done
cp "$out"/segv.ctraw "$out"/regions-marks.ctraw "$out"/fib8-args.ctraw $fuzz/corpus/convert/ 2>/dev/null || true
chmod 644 $fuzz/corpus/raw/*.ctraw $fuzz/corpus/convert/*.ctraw

# corpus/unpack: the first two event chunks of each file, as
# <2-byte little-endian record count><packed payload>
for f in $fuzz/corpus/raw/*.ctraw; do
  base=$(basename "$f" .ctraw)
  size=$(stat -c %s "$f")
  # the first chunk follows the header (awk reads all: no SIGPIPE under pipefail)
  off=$(grep -obUa CHNK "$f" | awk -F: 'NR == 1 { print $1 }')
  k=0
  while [ -n "$off" ] && [ $((off + 32)) -le "$size" ] && [ $k -lt 2 ]; do
    read -r _magic serial seq nev _tid nbytes < <(od -An -v -w24 -tu4 -j "$off" -N 24 "$f")
    enc=$(od -An -tu2 -j $((off + 24)) -N 2 "$f" | tr -d ' ')
    if [ "$enc" = 1 ] && [ "$nev" -lt 65536 ]; then
      { printf "$(printf '\\%03o\\%03o' $((nev & 255)) $((nev >> 8)))"
        dd if="$f" bs=1 skip=$((off + 32)) count="$nbytes" status=none; } \
        >"$fuzz/corpus/unpack/$base-chunk-$serial-$seq"
      k=$((k + 1))
    fi
    off=$((off + 32 + nbytes))
  done
done
# hand-made edge cases (any version): an empty file, a foreign one
: >$fuzz/corpus/raw/empty.ctraw
printf 'CTRACE\0\1 but not a calltrace event file' >$fuzz/corpus/raw/foreign.ctraw
printf '\005\000' >$fuzz/corpus/unpack/empty-payload
ls -l $fuzz/corpus/raw $fuzz/corpus/convert $fuzz/corpus/unpack
