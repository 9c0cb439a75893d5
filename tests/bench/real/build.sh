#!/usr/bin/env bash
# Builds the real programs of the benchmark four ways from the sources that
# fetch.sh put in SRC, into WORK (both outside the repository):
#   plain      -O2 -g
#   floor      -O2 -g -finstrument-functions, linked with tests/bench/floor_hooks.c
#   calltrace  the same instrumented objects, linked through pkg-config against
#              calltrace installed from BUILD into WORK/prefix (as a user would)
#   nohooks    the same instrumented objects, no hooks linked (glibc's empty
#              ones): the binary uftrace records
# Programs: SQLite's speedtest1 (amalgamation generated from the Debian source)
# and the Lua 5.4 interpreter.
#
#   bash tests/bench/real/build.sh BUILD [SRC] [WORK]
set -euo pipefail

build=$(cd "${1:?usage: build.sh BUILD [SRC] [WORK]}" && pwd)
src=${2:-${CT_BENCH_SRC:-/var/tmp/calltrace-bench-src}}
work=${3:-${CT_BENCH_WORK:-/var/tmp/calltrace-bench-work}}
repo=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
cflags=(-O2 -g)
inst=(-finstrument-functions)

cmake --install "$build" --prefix "$work/prefix" >/dev/null
export PKG_CONFIG_PATH=$work/prefix/lib/pkgconfig:$work/prefix/lib64/pkgconfig:$work/prefix/share/pkgconfig
ct_libs=$(pkg-config --libs calltrace)
cc -O2 -c "$repo/tests/bench/floor_hooks.c" -o "$work/floor_hooks.o"

# link NAME OUT_PREFIX LIBS OBJS...: the four executables
link4() {
  local out=$1 libs=$2
  shift 2
  local plain=() instd=()
  for o in "$@"; do plain+=("$o.plain.o"); instd+=("$o.inst.o"); done
  cc -o "${out}_plain" "${plain[@]}" $libs
  cc -rdynamic -o "${out}_floor" "${instd[@]}" "$work/floor_hooks.o" $libs
  cc -o "${out}_calltrace" "${instd[@]}" $libs $ct_libs
  cc -rdynamic -o "${out}_nohooks" "${instd[@]}" $libs
}

# compile2 SRC.c OBJ_PREFIX EXTRA_FLAGS...: OBJ.plain.o and OBJ.inst.o
compile2() {
  local c=$1 o=$2
  shift 2
  if [ "$o.plain.o" -nt "$c" ] && [ "$o.inst.o" -nt "$c" ]; then return; fi
  cc "${cflags[@]}" "$@" -c "$c" -o "$o.plain.o" &
  cc "${cflags[@]}" "${inst[@]}" "$@" -c "$c" -o "$o.inst.o"
  wait
}

# SQLite: speedtest1 on the amalgamation.
sq=$(ls -d "$src"/sqlite3-*/ | head -1)
mkdir -p "$work/sqlite"
cd "$work/sqlite"
if [ ! -f sqlite3.c ]; then
  "$sq/configure" --disable-tcl >configure.log 2>&1
  make sqlite3.c >make.log 2>&1
fi
sqopts=(-I. -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION=1)
compile2 sqlite3.c sqlite3 "${sqopts[@]}"
compile2 "$sq/test/speedtest1.c" speedtest1 "${sqopts[@]}"
link4 "$work/sqlite/speedtest1" "-lm" speedtest1 sqlite3

# Lua 5.4: the interpreter (lua.c and the library), no readline.
lu=$(ls -d "$src"/lua5.4-*/ | head -1)
mkdir -p "$work/lua"
cd "$work/lua"
# the Debian patch of luaconf.h includes a header its build generates
echo "#define DEB_HOST_MULTIARCH \"$(gcc -print-multiarch)\"" >lua5.4-deb-multiarch.h
objs=()
for c in "$lu"/src/*.c; do
  b=$(basename "$c" .c)
  [ "$b" = luac ] && continue
  compile2 "$c" "$b" -I. -DLUA_USE_POSIX -DLUA_USE_DLOPEN
  objs+=("$b")
done
link4 "$work/lua/lua" "-lm -ldl" "${objs[@]}"
ls -la "$work"/sqlite/speedtest1_* "$work"/lua/lua_*
