#!/usr/bin/env bash
# Size limits of the runtime's sources: a file fits in CT_MAX_FILE_LINES
# lines, a function in CT_MAX_FUNCTION_LINES (from its first line to its
# closing brace at column 0). Prints every offender.
# usage: check_sizes.sh RUNTIME_DIR
set -euo pipefail
dir=$1
max_file=${CT_MAX_FILE_LINES:-600}
max_fn=${CT_MAX_FUNCTION_LINES:-80}
bad=0
while IFS= read -r f; do
  n=$(wc -l <"$f")
  if (( n > max_file )); then
    echo "${f#$dir/}: $n lines (limit $max_file)"
    bad=1
  fi
  awk -v max="$max_fn" -v file="${f#$dir/}" '
    # brace depth, with string and character literals and comments removed
    function strip(l) {
      gsub(/\\./, "", l); gsub(/"[^"]*"/, "", l); gsub(/'"'"'[^'"'"']*'"'"'/, "", l)
      sub(/\/\/.*/, "", l); gsub(/\/\*([^*]|\*[^\/])*\*\//, "", l)
      return l
    }
    /^[[:space:]]*\/\*/ && !/\*\// { incomment = 1 }
    incomment { if (/\*\//) incomment = 0; next }
    {
      l = strip($0)
      if (depth == 0 && !pending && /^[A-Za-z_]/ && /\(/ && l !~ /;[[:space:]]*$/ && !/^#/) {
        pending = 1; start = NR; sig = $0
      }
      opens = gsub(/\{/, "{", l); closes = gsub(/\}/, "}", l)
      depth += opens - closes
      if (pending && depth > 0) { pending = 0; inside = 1 }
      if (pending && l ~ /;[[:space:]]*$/) pending = 0
      if (inside && depth == 0) {
        len = NR - start + 1
        if (len > max) { printf "%s:%d: %d lines (limit %d): %s\n", file, start, len, max, sig; bad = 1 }
        inside = 0
      }
    }
    END { exit bad }' "$f" || bad=1
done < <(find "$dir" -name '*.c' -o -name '*.h' | sort)
if (( bad )); then exit 1; fi
echo "sizes: ok (files <= $max_file lines, functions <= $max_fn lines)"
