/* jsonw.h — a streaming JSON writer into a file descriptor. Internal.
 *
 * Memory is one output buffer plus one byte per open nesting level: a trace
 * of any size is written without building it in memory. Strings are escaped
 * and invalid UTF-8 is replaced by U+FFFD, so the output is always valid JSON
 * as long as every begin has its end.
 *
 * Layouts. Compact (pretty = false): no whitespace at all. Pretty: every item
 * of an object or array starts a line indented two spaces a level, `"k": v`,
 * except inside a line object (ct_jw_obj_line), whose items and everything
 * nested in it stay on its line as compact JSON, `{"k":v,"k2":[1,2]}`, until
 * an array opened with ct_jw_arr_lines starts a line per item again: one
 * call per line, its children on the lines below. Indentation counts only
 * the levels that break lines and stops growing at 12 of them (jsonw.c's
 * CT_JW_MAX_INDENT). */
#ifndef CT_JSONW_H
#define CT_JSONW_H

#include <stdbool.h>

#include "base/ct.h"

struct ct_jw {
    int fd;
    int err;          /* first write error (errno), 0 if none */
    bool pretty;
    bool after_key;
    unsigned wrap_depth;      /* pretty: break lines only down to this level (0: all),
                                 compact below it */
    char *buf;
    size_t len, cap;
    unsigned depth, max_depth;
    unsigned lines;           /* open levels that break lines (the indentation) */
    unsigned char *level;     /* per level: CT_JW_ITEMS | its layout (jsonw.c) */
    uint64_t bytes;           /* written so far */
};

/* max_depth: the deepest nesting the caller will open. Returns 0 or -1 (ENOMEM). */
CT_INTERNAL int ct_jw_init(struct ct_jw *w, int fd, bool pretty, unsigned max_depth);
/* Flushes and frees. Returns 0 or the first errno seen. Does not close fd. */
CT_INTERNAL int ct_jw_finish(struct ct_jw *w);

CT_INTERNAL void ct_jw_obj(struct ct_jw *w);
CT_INTERNAL void ct_jw_obj_end(struct ct_jw *w);
CT_INTERNAL void ct_jw_arr(struct ct_jw *w);
CT_INTERNAL void ct_jw_arr_end(struct ct_jw *w);
/* Pretty: an object on one line, with what it holds (see above); closed by
 * ct_jw_obj_end. The same as ct_jw_obj when compact. */
CT_INTERNAL void ct_jw_obj_line(struct ct_jw *w);
/* Pretty: an array whose items each start a line, even inside a line
 * object; closed by ct_jw_arr_end. */
CT_INTERNAL void ct_jw_arr_lines(struct ct_jw *w);
/* `key` must be plain ASCII with no '"' or '\\' (the runtime's own literals). */
CT_INTERNAL void ct_jw_key(struct ct_jw *w, const char *key);
/* Items already written as JSON text, ending with a key and its colon:
 * `"a":1,"b":` (as compact JSON: for a line object or a compact writer).
 * A value must follow. Lets a view cache what most of its objects
 * repeat. */
CT_INTERNAL void ct_jw_key_raw(struct ct_jw *w, const char *text, size_t n);
/* A value that is already JSON text (e.g. a cached escaped string). */
CT_INTERNAL void ct_jw_json(struct ct_jw *w, const char *json, size_t n);
/* Room ct_json_escape() needs for n bytes: each as \u00XX, the quotes, a NUL. */
#define CT_JSON_ESCAPED_MAX(n) ((n) * 6 + 3)
/* Writes `s` as a quoted, escaped JSON string into out (cap bytes). Returns
 * its length, or cap when it does not fit. */
CT_INTERNAL size_t ct_json_escape(const char *s, size_t n, char *out, size_t cap);
CT_INTERNAL void ct_jw_str(struct ct_jw *w, const char *s);
CT_INTERNAL void ct_jw_strn(struct ct_jw *w, const char *s, size_t n);
CT_INTERNAL void ct_jw_u64(struct ct_jw *w, uint64_t v);
CT_INTERNAL void ct_jw_i64(struct ct_jw *w, int64_t v);
CT_INTERNAL void ct_jw_double(struct ct_jw *w, double v);
CT_INTERNAL void ct_jw_hex(struct ct_jw *w, uint64_t v); /* "0x1a2b" as a string */
CT_INTERNAL void ct_jw_bool(struct ct_jw *w, bool v);
CT_INTERNAL void ct_jw_null(struct ct_jw *w);
/* v / 1000 as a number with up to three decimals, trailing zeros dropped:
 * 12345 -> 12.345, 1200 -> 1.2, 7000 -> 7 (ns written as us, exactly). */
CT_INTERNAL void ct_jw_milli(struct ct_jw *w, uint64_t v);

/* Bytes as they are, through the same buffer: no separator, no escaping.
 * With ct_jw_init(w, fd, false, 0) the writer is a buffered plain-text
 * writer (see textw.h). */
CT_INTERNAL void ct_jw_write(struct ct_jw *w, const char *s, size_t n);

/* Writes all of buf to fd (EINTR retried). Returns 0, or the errno of the
 * failed write (ENOSPC for a write of nothing); the views' one write loop. */
CT_INTERNAL int ct_write_all(int fd, const char *buf, size_t len);

#endif
