# embed.cmake — the html view's page as a C header, made at build time:
#
#   cmake -DPAGE=<dir>/view.html -DOUT=<build>/views/html_page.h -P embed.cmake
#
# view.html is the page; three of its lines are markers: "@view.css@" and
# "@view.js@" become the files of those names beside it, and "@data@" is
# where fmt_html.c writes the trace's data blocks. The header defines
# ct_html_head (the page before @data@) and ct_html_tail (after it) as
# NUL-terminated char arrays, byte for byte. Needs nothing but CMake.
cmake_minimum_required(VERSION 3.16)

get_filename_component(dir "${PAGE}" DIRECTORY)
file(READ "${PAGE}" page)
file(READ "${dir}/view.css" css)
file(READ "${dir}/view.js" js)

function(ct_take_marker marker)
  string(FIND "${page}" "${marker}\n" at)
  if(at LESS 0)
    message(FATAL_ERROR "${PAGE}: no line ${marker}")
  endif()
endfunction()
ct_take_marker("@view.css@")
ct_take_marker("@view.js@")
ct_take_marker("@data@")
string(REPLACE "@view.css@\n" "${css}" page "${page}")
string(REPLACE "@view.js@\n" "${js}" page "${page}")
string(FIND "${page}" "@data@\n" at)
string(SUBSTRING "${page}" 0 ${at} head)
math(EXPR after "${at} + 7") # "@data@\n"
string(SUBSTRING "${page}" ${after} -1 tail)

# "<name>[] = {'\x3c', ..., 0}": bytes through a file read back as hex (no
# string(HEX) before CMake 3.18), 16 a line.
set(bytes_per_line 16)
math(EXPR hex_per_line "${bytes_per_line} * 2")
string(REPEAT "[0-9a-f]" ${hex_per_line} line_re)
function(ct_c_array name text out)
  set(tmp "${OUT}.${name}.tmp")
  file(WRITE "${tmp}" "${text}")
  file(READ "${tmp}" hex HEX)
  file(REMOVE "${tmp}")
  string(REGEX REPLACE "(${line_re})" "\\1\n" hex "${hex}")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," hex "${hex}")
  string(REPLACE "\n" "\n    " hex "${hex}")
  set(${out} "static const char ${name}[] = {\n    ${hex}0};\n" PARENT_SCOPE)
endfunction()
ct_c_array(ct_html_head "${head}" head_c)
ct_c_array(ct_html_tail "${tail}" tail_c)

file(WRITE "${OUT}.tmp"
"/* html_page.h — generated at build time by runtime/views/html/embed.cmake
 * from view.html, view.css and view.js: edit those, not this. */
#ifndef CT_HTML_PAGE_H
#define CT_HTML_PAGE_H

/* The page up to the trace's data blocks. */
${head_c}
/* The page after them. */
${tail_c}
#endif
")
file(RENAME "${OUT}.tmp" "${OUT}")
