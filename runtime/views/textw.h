/* textw.h — plain-text output for the text views. Internal.
 *
 * A text view writes through struct ct_jw used as a buffered writer on its
 * fd (ct_jw_init(w, fd, false, 0); ct_jw_write for the bytes), so the
 * buffering and error handling are jsonw's. These add what text needs:
 * numbers, padding, durations in uftrace's style, and names cleaned of the
 * bytes a line-oriented format cannot carry. */
#ifndef CT_TEXTW_H
#define CT_TEXTW_H

#include "views/format.h"
#include "views/jsonw.h"

/* A duration the way uftrace prints it: three digits, a point, three
 * decimals and a unit, 10 characters wide ("  1.234 us", " 12.345 ms",
 * "  1.500  s"). Returns the length (more than 10 only past 999 s). */
#define CT_TW_DURATION_MAX 32
CT_INTERNAL size_t ct_tw_duration(char *out, uint64_t ns);

/* Writes a NUL-terminated string. */
CT_INTERNAL void ct_tw_str(struct ct_jw *w, const char *s);
/* Writes `n` copies of `c`. */
CT_INTERNAL void ct_tw_fill(struct ct_jw *w, char c, size_t n);
/* Writes `v` in decimal, right-aligned in `width` columns (0: as it is). */
CT_INTERNAL void ct_tw_u64(struct ct_jw *w, uint64_t v, unsigned width);
/* Writes ct_tw_duration(ns). */
CT_INTERNAL void ct_tw_dur(struct ct_jw *w, uint64_t ns);
/* Writes `n` bytes of `s`, each control byte (newline, tab, ...) and each
 * byte of `bad` replaced by `repl`. */
CT_INTERNAL void ct_tw_clean(struct ct_jw *w, const char *s, size_t n, const char *bad, char repl);
/* Writes `s` in double quotes (a '"' in it becomes '\''). */
CT_INTERNAL void ct_tw_quoted(struct ct_jw *w, const char *s);
/* The first line of a text view: "# calltrace <version> <view> of <exe>
 * (pid N): C calls, T threads, complete|flushed while running[, truncated]". */
CT_INTERNAL void ct_tw_header(struct ct_jw *w, const char *view, const struct ct_out_run *run);

#endif
