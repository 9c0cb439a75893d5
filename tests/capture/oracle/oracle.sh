#!/bin/sh
# oracle.sh NAME WORKDIR PROGRAM [ARGS...] — gdb as the reference for the
# values calltrace captures (gdb_oracle.py says how). Runs the program once,
# under gdb, with ASLR off and a fixed environment, in WORKDIR.
# ORACLE_PER_FN: calls compared per function and thread (default 3);
# ORACLE_MIN: the least share (%) of gdb's values calltrace must read.
set -eu
name=$1 dir=$2 prog=$(realpath "$3")
shift 3
here=$(cd "$(dirname "$0")" && pwd)
command -v gdb >/dev/null || { echo "oracle: gdb not found" >&2; exit 1; }
command -v objdump >/dev/null || { echo "oracle: objdump not found" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"
rm -f ct.json
# the enter hook and every call to it, in link-time addresses
objdump -d --no-show-raw-insn "$prog" > disasm.txt
hook=$(sed -n 's/^\([0-9a-f]*\) <__cyg_profile_func_enter>:$/\1/p' disasm.txt)
[ -n "$hook" ] || { echo "oracle: $prog has no __cyg_profile_func_enter" >&2; exit 1; }
sites=$(sed -n 's/^ *\([0-9a-f]*\):.*call *[0-9a-f]* <__cyg_profile_func_enter>$/"\1"/p' disasm.txt |
        paste -sd, -)
[ -n "$sites" ] || { echo "oracle: no calls to the enter hook in $prog" >&2; exit 1; }
args=
for a in "$@"; do args="$args${args:+, }\"$a\""; done
cat > cfg.json <<JSON
{"name": "$name", "json": "$dir/ct.json", "hook": "$hook", "sites": [$sites],
 "per_fn": ${ORACLE_PER_FN:-3}, "min": ${ORACLE_MIN:-0}, "args": [$args]}
JSON
exec env -i PATH=/usr/bin:/bin HOME=/nonexistent LANG=C ORACLE_CFG="$dir/cfg.json" \
    CALLTRACE_CAPTURE_ARGS=1 CALLTRACE_OUTPUT="$dir/ct.json" \
    setarch -R gdb -nx -batch -x "$here/gdb_oracle.py" --args "$prog"
