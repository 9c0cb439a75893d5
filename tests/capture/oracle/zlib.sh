#!/bin/sh
# zlib.sh fetch SRCDIR
#   zlib's Debian source package (the bookworm release) into SRCDIR/zlib:
#   apt-get source, which needs a deb-src line (scripts/setup-debian.sh adds
#   one for the same mirror). Fails when it cannot.
# zlib.sh build SRCDIR OUT OPT LINK...
#   zlib's test/example.c and the library's sources, with
#   -finstrument-functions -g -OPT, linked with LINK (the runtime archive and
#   what it needs) into OUT.
set -eu
case $1 in
fetch)
    src=$2
    [ -f "$src/zlib/test/example.c" ] && exit 0
    rm -rf "$src" && mkdir -p "$src/dl"
    cd "$src/dl"
    apt-get source --download-only zlib/bookworm >fetch.log 2>&1 ||
        { cat fetch.log >&2; echo "zlib.sh: apt-get source zlib failed (is there a deb-src line?)" >&2; exit 1; }
    dpkg-source -x --skip-patches ./zlib_*.dsc "$src/zlib" >/dev/null
    [ -f "$src/zlib/test/example.c" ] || { echo "zlib.sh: no test/example.c in the source" >&2; exit 1; }
    ;;
build)
    src=$2/zlib out=$3 opt=$4
    shift 4
    cc=${CC:-gcc}
    # the library's own files (no configure: zconf.h as shipped), its names
    # prefixed (Z_PREFIX) so that they never meet the system zlib the
    # runtime's libelf links
    files="adler32.c compress.c crc32.c deflate.c gzclose.c gzlib.c gzread.c gzwrite.c infback.c
           inffast.c inflate.c inftrees.c trees.c uncompr.c zutil.c"
    cd "$src"
    $cc -finstrument-functions -g -"$opt" -w -D_LARGEFILE64_SOURCE=1 -DZ_PREFIX -I. \
        $files test/example.c -o "$out" -rdynamic "$@" -lpthread -ldl -lm
    ;;
*)
    echo "usage: zlib.sh fetch SRCDIR | build SRCDIR OUT OPT LINK..." >&2
    exit 2
    ;;
esac
