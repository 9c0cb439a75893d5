#!/usr/bin/env bash
# A mutation campaign (not part of CI): each one-line mutant of mutants.txt
# is applied, one at a time, to a separate copy of this working tree, the
# programs of the tests of its area rebuilt there and those tests run (the
# -O0 variants: a runtime mutant does not depend on the program's level); a
# mutant is killed when one of them fails. Prints one line per mutant and
# the kill rate.
#   usage: tests/mutation/run.sh [ID...]      (no ID: every mutant)
#   MUT_DIR   where the copy and its build go (default /tmp/mut); reused by
#             later runs: the first build is the long one
#   MUT_JOBS  build and ctest parallelism (default 2)
#   MUT_REUSE=1  use the copy and its build as they are (no refresh)
# The copy is refreshed from this tree (tracked and untracked files) at start;
# the working tree itself is never edited. Results also go to
# $MUT_DIR/results.txt (one line per mutant: id, verdict, seconds).
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
list=$src/tests/mutation/mutants.txt
dir=${MUT_DIR:-/tmp/mut}
jobs=${MUT_JOBS:-2}
copy=$dir/calltrace build=$dir/build log=$dir/log
mkdir -p "$copy" "$log"
# the views tests need ../shared/perfetto beside the repository
[[ -e $dir/shared ]] || ln -s "$(cd "$src/../shared" 2>/dev/null && pwd || echo /work/shared)" "$dir/shared"

# 1. the copy: this tree's files, nothing else (builds excluded); with
# MUT_REUSE=1 the copy and its build are used as they are (a second run)
if [[ -z ${MUT_REUSE:-} ]]; then
  (cd "$src" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$copy"
  (cd "$copy" && { [[ -d .git ]] || { git init -q && git add -A && git -c user.name=m -c user.email=m@m commit -qm base; }; }
   git add -A && git -c user.name=m -c user.email=m@m commit -qm refresh >/dev/null 2>&1; git reset -q --hard)
  cmake -S "$copy" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALLTRACE_BUILD_BENCH=OFF \
        >"$log/configure.txt" 2>&1 || { echo "configure failed: $log/configure.txt"; exit 2; }
  echo "building the unmutated copy in $build"
  cmake --build "$build" -j"$jobs" >"$log/base-build.txt" 2>&1 ||
    { echo "the unmutated copy does not build: $log/base-build.txt"; exit 2; }
fi

# 2. the mutants
mapfile -t lines < <(grep -v '^#' "$list" | grep -v '^[[:space:]]*$')
if [[ $# -gt 0 ]]; then # the mutants named, in the order named
  picked=()
  for id in "$@"; do
    for line in "${lines[@]}"; do
      [[ ${line%% @@ *} == "$id" ]] && picked+=("$line")
    done
  done
  lines=("${picked[@]}")
fi
# each mutant rebuilds only what its tests run: the executables their
# commands name (a checker, a program, calltrace-convert...)
declare -A targets
for line in "${lines[@]}"; do
  tests=$(printf '%s' "$line" | awk -F ' @@ ' '{print $5}')
  [[ -n ${targets[$tests]+x} ]] && continue
  t=$(ctest --test-dir "$build" -N -V -R "$tests" | grep -oE "$build/[^\" ]+" | sort -u |
      while read -r p; do [[ -f $p && -x $p ]] && basename "$p"; done | sort -u | tr '\n' ' ')
  n=$(ctest --test-dir "$build" -N -R "$tests" | grep -c 'Test *#' || true)
  [[ $n -gt 0 && -n $t ]] || { echo "no test matches $tests"; exit 2; }
  targets[$tests]=$t
done
killed=0 survived=0 bad=0 total=0
for line in "${lines[@]}"; do
  id=${line%% @@ *}
  IFS=$'\x1f' read -r _ file pat rep tests why < <(printf '%s' "$line" | sed 's/ @@ /\x1f/g')
  total=$((total + 1))
  t0=$(date +%s)
  if ! python3 - "$copy/$file" "$pat" "$rep" <<'PY'
import sys
path, pat, rep = sys.argv[1], sys.argv[2].replace('\\n', '\n'), sys.argv[3].replace('\\n', '\n')
src = open(path).read()
if src.count(pat) != 1:
    sys.exit(1)
open(path, 'w').write(src.replace(pat, rep))
PY
  then
    verdict="bad (pattern not found exactly once)"
    bad=$((bad + 1))
  elif ! cmake --build "$build" -j"$jobs" --target ${targets[$tests]} >"$log/$id-build.txt" 2>&1; then
    verdict="bad (does not compile)"
    bad=$((bad + 1))
  elif ctest --test-dir "$build" -R "$tests" -j"$jobs" --stop-on-failure --timeout 300 \
         >"$log/$id-ctest.txt" 2>&1; then
    verdict=SURVIVED
    survived=$((survived + 1))
  else
    first=$(grep -m1 -oE '[0-9]+ - [^ ]+ \(' "$log/$id-ctest.txt" | sed 's/^[0-9]* - //; s/ ($//')
    [[ -n $first ]] || first=$(grep -m1 -E '\*\*\*Failed|\*\*\*Timeout|Not Run' "$log/$id-ctest.txt" | awk '{print $4}')
    verdict="killed by ${first:-?}"
    killed=$((killed + 1))
  fi
  (cd "$copy" && git checkout -q -- "$file")
  secs=$(( $(date +%s) - t0 ))
  printf '%-4s %-40s %4ss  %s: %s\n' "$id" "$verdict" "$secs" "$file" "$why"
  printf '%s\t%s\t%s\n' "$id" "$verdict" "$secs" >>"$dir/results.txt"
done
# the copy back to its unmutated state, built
cmake --build "$build" -j"$jobs" >/dev/null 2>&1
valid=$((killed + survived))
echo "mutants: $total, killed $killed, survived $survived, bad $bad;" \
     "kill rate $(( valid ? 100 * killed / valid : 0 ))% of $valid valid"
