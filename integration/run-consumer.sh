#!/usr/bin/env bash
# Builds the consumer projects of integration/ against an *installed* calltrace,
# runs them and checks their traces. Driven by ctest (tests/integration/CMakeLists.txt);
# also usable by hand.
#
#   run-consumer.sh install   BUILD_DIR PREFIX [CONFIG]  cmake --install BUILD_DIR into PREFIX
#   run-consumer.sh cmake     PREFIX WORK                 integration/cmake-consumer (find_package)
#   run-consumer.sh make      PREFIX WORK [--static]      integration/make-consumer (pkg-config)
#   run-consumer.sh relocated PREFIX WORK                 copy PREFIX to WORK/prefix, check that
#                                                         no file names PREFIX, build both consumers
#                                                         from the copy
#   run-consumer.sh subdir    PREFIX WORK                 integration/subdir-consumer: a target of a
#                                                         subdirectory added before find_package()
#   run-consumer.sh library-only SOURCE WORK              configure SOURCE with tests, examples and
#                                                         benchmarks off, cJSON, cmocka and C++
#                                                         hidden; build calltrace, calltrace-convert, the command
#   run-consumer.sh parent    SOURCE WORK                 integration/parent-project: SOURCE added with
#                                                         add_subdirectory(), sanitized; nothing of it
#                                                         may reach the parent's own targets
#
# Environment: CT_TRACECHECK (path of ct_tracecheck; required to check traces),
# CMAKE (default cmake), CC, CXX, MAKE, CT_CONSUMER_LDFLAGS (extra link flags for the
# consumers, e.g. -fsanitize=address when the runtime was built with a sanitizer).
# WORK is emptied first. Each consumer's expectations are in its expected-trace.args.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CMAKE=${CMAKE:-cmake}
MAKE=${MAKE:-make}

die() { echo "run-consumer: $*" >&2; exit 1; }
step() { echo "run-consumer: $*" >&2; }

abspath() { (mkdir -p "$1" && cd "$1" && pwd); }

# Runs PROGRAM with CALLTRACE_OUTPUT=TRACE and checks TRACE against EXPECT_FILE.
run_and_check() {
  local program=$1 trace=$2 expect_file=$3
  rm -f "$trace"
  step "running $program"
  CALLTRACE_OUTPUT=$trace "$program" || die "$program exited with status $?"
  [ -s "$trace" ] || die "$program wrote no trace at $trace"
  local args=() opt val
  while read -r opt val; do
    case $opt in ''|'#'*) continue ;; esac
    args+=("$opt" "$val")
  done < "$expect_file"
  "$CT_TRACECHECK" "$trace" "${args[@]}"
}

consumer_cmake() {
  local prefix=$1 work=$2
  step "cmake consumer against $prefix"
  local cfg=(-S "$here/cmake-consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix"
             -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
  [ -n "${CC:-}" ] && cfg+=(-DCMAKE_C_COMPILER="$CC")
  [ -n "${CXX:-}" ] && cfg+=(-DCMAKE_CXX_COMPILER="$CXX")
  [ -n "${CT_CONSUMER_LDFLAGS:-}" ] && cfg+=(-DCMAKE_EXE_LINKER_FLAGS="$CT_CONSUMER_LDFLAGS")
  "$CMAKE" "${cfg[@]}"
  # The package must have come from PREFIX, not from some other installed copy.
  local found
  found=$(sed -n 's/^CallTrace_DIR:PATH=//p' "$work/build/CMakeCache.txt")
  case $found in "$prefix"/*) ;; *) die "CallTrace_DIR is '$found', not under $prefix" ;; esac
  "$CMAKE" --build "$work/build" --verbose
  run_and_check "$work/build/consumer_app" "$work/trace.json" "$here/cmake-consumer/expected-trace.args"
}

consumer_subdir() {
  local prefix=$1 work=$2
  step "subdir consumer against $prefix"
  local cfg=(-S "$here/subdir-consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix"
             -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
  [ -n "${CC:-}" ] && cfg+=(-DCMAKE_C_COMPILER="$CC")
  [ -n "${CT_CONSUMER_LDFLAGS:-}" ] && cfg+=(-DCMAKE_EXE_LINKER_FLAGS="$CT_CONSUMER_LDFLAGS")
  "$CMAKE" "${cfg[@]}"
  "$CMAKE" --build "$work/build" --verbose
  run_and_check "$work/build/subdir_app" "$work/trace.json" "$here/subdir-consumer/expected-trace.args"
}

# The library alone: only a C compiler, libdwarf, libelf and zlib. cJSON, cmocka
# (pkg-config's and any CMake config of it) and the C++ compiler are made
# unfindable; configuring must not ask for them.
library_only() {
  local source=$1 work=$2
  step "library-only build of $source"
  local cfg=(-S "$source" -B "$work/build"
             -DCALLTRACE_BUILD_TESTS=OFF -DCALLTRACE_BUILD_EXAMPLES=OFF -DCALLTRACE_BUILD_BENCH=OFF
             -DCMAKE_DISABLE_FIND_PACKAGE_cJSON=ON -DCMAKE_DISABLE_FIND_PACKAGE_cmocka=ON
             -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON
             -DCMAKE_CXX_COMPILER=/nonexistent/c++)
  [ -n "${CC:-}" ] && cfg+=(-DCMAKE_C_COMPILER="$CC")
  PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH= CXX=/nonexistent/c++ "$CMAKE" "${cfg[@]}"
  "$CMAKE" --build "$work/build" --target calltrace calltrace-convert calltrace-cmd
  [ -f "$work/build/runtime/libcalltrace.a" ] || die "no runtime/libcalltrace.a in $work/build"
  "$work/build/runtime/tools/calltrace-convert" --help >/dev/null ||
    die "calltrace-convert --help failed"
  "$work/build/runtime/tools/calltrace" --help >/dev/null || die "calltrace --help failed"
}

# calltrace as a subproject: its flags stay inside it. The CMake-level checks
# are in parent-project/CMakeLists.txt; here the parent's own objects are
# compiled and must carry no -fsanitize, while calltrace's own sources must
# (else the check proves nothing).
consumer_parent() {
  local source=$1 work=$2
  step "parent project adding $source with add_subdirectory()"
  local cfg=(-S "$here/parent-project" -B "$work/build" -DCALLTRACE_SOURCE_DIR="$source"
             -DCALLTRACE_SANITIZE=address,undefined -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
             -DCMAKE_CXX_COMPILER=/nonexistent/c++)
  [ -n "${CC:-}" ] && cfg+=(-DCMAKE_C_COMPILER="$CC")
  CXX=/nonexistent/c++ "$CMAKE" "${cfg[@]}"
  local out
  out=$("$CMAKE" --build "$work/build" --target parent_early parent_plain --verbose 2>&1) ||
    { echo "$out" >&2; die "building the parent's own objects failed"; }
  echo "$out"
  if grep -n -e '-fsanitize' <<<"$out"; then
    die "calltrace's sanitizer flags reached the parent's own targets (above)"
  fi
  local db=$work/build/compile_commands.json
  grep -q -e '-fsanitize=address,undefined.*/runtime/' "$db" ||
    die "calltrace's runtime is not compiled with CALLTRACE_SANITIZE (see $db)"
  if grep -e '-fsanitize' "$db" | grep -e '/integration/parent-project/'; then
    die "the parent's sources are compiled with calltrace's sanitizer flags (above)"
  fi
}

consumer_make() {
  local prefix=$1 work=$2 flags=${3:-}
  local pcfile
  pcfile=$(find "$prefix" -name calltrace.pc -path '*/pkgconfig/*' | head -n 1)
  [ -n "$pcfile" ] || die "no calltrace.pc under $prefix"
  step "make consumer against $pcfile ${flags:+($flags)}"
  export PKG_CONFIG_PATH
  PKG_CONFIG_PATH=$(dirname "$pcfile")
  # The .pc file locates itself: its -L directory must be inside PREFIX.
  local libs libdir
  libs=$("${PKG_CONFIG:-pkg-config}" $flags --libs calltrace)
  step "pkg-config $flags --libs calltrace: $libs"
  libdir=$("${PKG_CONFIG:-pkg-config}" --variable=libdir calltrace)
  [ -f "$libdir/libcalltrace.a" ] || die "libdir '$libdir' has no libcalltrace.a"
  case $(cd "$libdir" && pwd -P) in "$(cd "$prefix" && pwd -P)"/*) ;;
    *) die "calltrace.pc's libdir '$libdir' is not inside $prefix" ;; esac
  mkdir -p "$work"
  "$MAKE" -C "$work" -f "$here/make-consumer/Makefile" \
    ${CC:+CC="$CC"} PKG_CONFIG_FLAGS="$flags" LDFLAGS="${CT_CONSUMER_LDFLAGS:-}"
  run_and_check "$work/make_app" "$work/trace.json" "$here/make-consumer/expected-trace.args"
}

[ $# -ge 1 ] || die "usage: run-consumer.sh install|cmake|make|relocated|subdir|library-only|parent ARGS..."
mode=$1; shift
# PREFIX (install) and WORK are emptied: refuse the obviously wrong ones.
for dir in "${@:2:1}"; do
  case $dir in ''|/|.|..|"$HOME") die "refusing to empty '$dir'" ;; esac
done
case $mode in
  install)
    [ $# -ge 2 ] || die "usage: run-consumer.sh install BUILD_DIR PREFIX [CONFIG]"
    rm -rf "$2"
    unset DESTDIR
    "$CMAKE" --install "$1" --prefix "$2" ${3:+--config "$3"}
    "$2/bin/calltrace" --help >/dev/null || die "no working calltrace command in $2/bin"
    ;;
  library-only|parent)
    [ $# -ge 2 ] || die "usage: run-consumer.sh $mode SOURCE WORK"
    [ -f "$1/CMakeLists.txt" ] || die "no calltrace source tree at $1"
    source=$(cd "$1" && pwd)
    rm -rf "$2"
    work=$(abspath "$2")
    case $mode in
      library-only) library_only "$source" "$work" ;;
      parent) consumer_parent "$source" "$work" ;;
    esac
    ;;
  cmake|make|relocated|subdir)
    [ $# -ge 2 ] || die "usage: run-consumer.sh $mode PREFIX WORK"
    [ -x "${CT_TRACECHECK:-}" ] || die "CT_TRACECHECK='${CT_TRACECHECK:-}' is not an executable"
    [ -d "$1" ] || die "no installed prefix at $1"
    prefix=$(cd "$1" && pwd)
    rm -rf "$2"
    work=$(abspath "$2")
    case $mode in
      cmake) consumer_cmake "$prefix" "$work" ;;
      subdir) consumer_subdir "$prefix" "$work" ;;
      make) consumer_make "$prefix" "$work" "${3:-}" ;;
      relocated)
        moved=$work/prefix
        cp -a "$prefix" "$moved"
        if grep -rIl -F "$prefix" "$moved"; then
          die "the files above name the original prefix $prefix"
        fi
        consumer_make "$moved" "$work/make"
        consumer_cmake "$moved" "$work/cmake"
        ;;
    esac
    ;;
  *) die "unknown mode '$mode'" ;;
esac
