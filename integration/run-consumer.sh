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

[ $# -ge 1 ] || die "usage: run-consumer.sh install|cmake|make|relocated ARGS..."
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
    ;;
  cmake|make|relocated)
    [ $# -ge 2 ] || die "usage: run-consumer.sh $mode PREFIX WORK"
    [ -x "${CT_TRACECHECK:-}" ] || die "CT_TRACECHECK='${CT_TRACECHECK:-}' is not an executable"
    [ -d "$1" ] || die "no installed prefix at $1"
    prefix=$(cd "$1" && pwd)
    rm -rf "$2"
    work=$(abspath "$2")
    case $mode in
      cmake) consumer_cmake "$prefix" "$work" ;;
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
