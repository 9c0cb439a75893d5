#!/usr/bin/env bash
# The runtime's layers, checked on its object files.
#
# usage: check_layers.sh PARTS_FILE [TOOL_EXECUTABLE...]
#   PARTS_FILE: one line per runtime folder, bottom first:
#               "<folder> <object> <object> ..." (written by CMake)
#   TOOL_EXECUTABLE: calltrace-convert, calltrace; must hold none of the live runtime
#
# Fails, printing each offending edge as "file (folder) -> file (folder): symbol",
#   - on an edge that points up: a file uses a symbol defined in a folder listed
#     after its own;
#   - on any cycle between files (also inside one folder);
#   - when the tool links the hooks or the lifecycle (the symbols below);
#   - on an exported symbol without the ct_ / calltrace_ prefix (a static
#     archive shares the program's namespace; the hooks and the _exit/_Exit
#     overrides are the only exceptions), and on any call of abort() or exit()
#     (the runtime never ends the program).
set -euo pipefail
parts=$1
shift
tools=("$@")
NM=${NM:-nm}

tab=$(mktemp)
trap 'rm -f "$tab"' EXIT
rank=0
while read -r folder objs; do
  [[ -z $folder || $folder == \#* ]] && continue
  for o in $objs; do
    f=$(basename "$o"); f=${f%.o}; f=${f%.obj}
    # "D|U <file> <rank> <folder> <symbol>"
    "$NM" -g "$o" | awk -v f="$f" -v r="$rank" -v d="$folder" '
      NF == 2 && $1 == "U" { print "U", f, r, d, $2 }
        NF == 3 && $2 ~ /^[TDBRVWGSCi]$/ { print "D", f, r, d, $3 }'
  done
  rank=$((rank + 1))
done <"$parts" >"$tab"

rc=0
awk '
  $1 == "D" { def[$5] = $2; drank[$5] = $3; dfold[$5] = $4; frank[$2] = $3; ffold[$2] = $4; next }
  { use[++n] = $0 }
  END {
    bad = 0
    for (i = 1; i <= n; i++) {
      split(use[i], u, " ")
      s = u[5]
      if (!(s in def) || def[s] == u[2]) continue
      if (drank[s] > u[3]) {
        printf "up edge: %s (%s) -> %s (%s): %s\n", u[2], u[4], def[s], dfold[s], s
        bad = 1
      }
      key = u[2] SUBSEP def[s]
      if (!(key in edge)) { edge[key] = s; out[u[2]] = out[u[2]] " " def[s] }
    }
    # cycles: a file that reaches itself
    for (f in frank) {
      delete seen; found = ""
      if (reach(f, f)) {
        printf "cycle: %s%s\n", f, found
        bad = 1
      }
    }
    exit bad
  }
  function reach(from, target,    k, m, t, parts) {
    m = split(out[from], parts, " ")
    for (k = 1; k <= m; k++) {
      t = parts[k]
      if (t == target) { found = " -> " t " (" edge[from SUBSEP t] ")"; return 1 }
      if (t in seen) continue
      seen[t] = 1
      if (reach(t, target)) { found = " -> " t " (" edge[from SUBSEP t] ")" found; return 1 }
    }
    return 0
  }' "$tab" || rc=1

# (symbols a sanitizer adds to a sanitized build are not ours)
names=$(awk '$1 == "D" && $5 !~ /^(ct_|calltrace_|__cyg_profile_func_(enter|exit)$|_exit$|_Exit$)/ &&
             $5 !~ /^(__odr_asan|__asan|__tsan|__ubsan|__sanitizer)/ { print "unprefixed export: " $2 " (" $4 "): " $5 }
             $1 == "U" && $5 ~ /^(abort|exit|quick_exit|__assert_fail)$/ { print "ends the program: " $2 " (" $4 ") calls " $5 }' "$tab")
if [[ -n $names ]]; then
  echo "$names"
  rc=1
fi

for tool in "${tools[@]}"; do
  live=$("$NM" "$tool" | awk '$3 ~ /^(__cyg_profile_func_enter|__cyg_profile_func_exit|ct_runtime_init|ct_runtime_finalize|ct_writer_start|ct_signals_install)$/ { print $3 }')
  if [[ -n $live ]]; then
    echo "the tool $(basename "$tool") links the live runtime:" $live
    rc=1
  fi
done
(( rc == 0 )) || exit 1
echo "layers: ok ($(wc -l <"$parts") folders)"
