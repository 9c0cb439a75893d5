#!/usr/bin/env bash
# Argument values survive the raw event file: a program run with
# CALLTRACE_FORMAT=raw, its .ctraw turned into JSON by calltrace-convert, and
# every value of that trace checked against the truth like a live one.
#   args_convert.sh <calltrace-convert> <check_args> <prog> c|cxx <level>
set -euo pipefail
convert=$1 check=$2 prog=$3 lang=$4 level=$5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
CALLTRACE_CAPTURE_ARGS=1 CALLTRACE_FORMAT=raw CALLTRACE_OUTPUT="$dir/t.json" "$prog" >"$dir/out"
test -s "$dir/t.ctraw"
"$convert" --output "$dir/conv.json" "$dir/t.ctraw"
"$check" --trace "$dir/conv.json" "$dir/out" "$lang" "$level"
