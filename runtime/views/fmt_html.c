/* fmt_html.c — one self-contained HTML page: a flame chart per thread.
 *
 * The page needs no network and loads no other file: its style and code
 * (views/html/, embedded at build time as views/html_page.h) and the trace
 * itself, as JSON data blocks the code reads
 * at load:
 *   <script type="application/json" id="ct-meta">{version, exe, pid,
 *     timestamp, total_calls, threads, complete, truncated, duration_ns,
 *     clock, dropped: [depth, reentrant, buffer, untraced_threads]}
 *   one per thread: <script type="application/json" class="ct-thread">{key,
 *     tid, name, calls, marks, ev: [record...], unfinished, unwound,
 *     unmatched_exits, dropped: [depth, reentrant, buffer]}
 *   <script type="application/json" id="ct-fns">[[name, file, line]...]
 * `ev` is a flat array of records in the order the tree builder emits them:
 *   a call as it closes: depth, dt, dur, fn, flags  (5 numbers, depth >= 0)
 *   a mark:              -1 - depth, dt, fn, label  (4 items)
 * dt is the call's start (the mark's time) minus the previous record's, in
 * ns (the first record's is its time), dur is in ns, fn indexes ct-fns (-1:
 * none) and flags are CT_CLOSE_UNFINISHED (1) | CT_CLOSE_UNWOUND (2). A call
 * of fib(20) takes about 15 bytes. Functions are listed once, at the end, in
 * the order they first appear. Every string is JSON-escaped with '<' written
 * as \u003c, so no name or label can end its <script> element or open a
 * comment; the page builds its DOM with textContent, never from markup.
 * Memory: the writer's buffer, one entry per distinct function and one
 * scratch buffer as long as the longest string escaped. */
#include <stdlib.h>
#include <string.h>

#include "calltrace.h"
#include "base/vec.h"
#include "views/format.h"
#include "views/html_page.h" /* generated from views/html/ at build time */
#include "views/jsonw.h"
#include "views/stacks.h"

#define CT_HTML_PER_LINE 64 /* records per line of `ev` */

#define CT_HTML_NEST 8 /* the writer's nesting: the data blocks are shallow */

struct ct_html {
    struct ct_jw w;
    const struct ct_out_run *run;
    struct ct_stacks fns; /* the functions (parent 0); the page's index is id - 1 */
    uint64_t prev_ns;     /* the time of this thread's previous record */
    uint64_t records;     /* this thread's records so far */
    char *scratch;        /* one escaped string */
    size_t scratch_cap;
};

CT_NOINST static void ct_html_raw(struct ct_html *h, const char *s)
{
    ct_jw_write(&h->w, s, strlen(s));
}

/* A JSON string with every '<' as \u003c. */
CT_NOINST static void ct_html_strn(struct ct_html *h, const char *s, size_t n)
{
    if (!CT_VEC_RESERVE(h->scratch, h->scratch_cap, CT_JSON_ESCAPED_MAX(n))) {
        ct_jw_str(&h->w, "?"); /* ENOMEM: the page still parses */
        return;
    }
    size_t len = ct_json_escape(s, n, h->scratch, h->scratch_cap);
    const char *p = h->scratch, *end = p + len, *lt = memchr(p, '<', len);
    ct_jw_json(&h->w, p, lt ? (size_t)(lt - p) : len); /* the separator, then the text */
    while (lt) {
        ct_jw_write(&h->w, "\\u003c", 6);
        p = lt + 1;
        lt = memchr(p, '<', (size_t)(end - p));
        ct_jw_write(&h->w, p, (size_t)((lt ? lt : end) - p));
    }
}

CT_NOINST static void ct_html_str(struct ct_html *h, const char *s)
{
    ct_html_strn(h, s, strlen(s));
}

CT_NOINST static void ct_html_u64s(struct ct_jw *w, const char *key, const uint64_t *v, size_t n)
{
    ct_jw_key(w, key);
    ct_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        ct_jw_u64(w, v[i]);
    ct_jw_arr_end(w);
}

/* The page's index of `fn`: -1 for none (0) or when memory runs out. */
CT_NOINST static int64_t ct_html_fn(struct ct_html *h, uint64_t fn)
{
    uint32_t id = fn ? ct_stacks_intern(&h->fns, 0, fn) : 0;
    return (int64_t)id - 1;
}

/* A record's first two items: `head`, then its time as a delta. */
CT_NOINST static void ct_html_record(struct ct_html *h, int64_t head, uint64_t ns)
{
    if (h->records && h->records % CT_HTML_PER_LINE == 0)
        ct_jw_write(&h->w, "\n", 1);
    h->records++;
    ct_jw_i64(&h->w, head);
    ct_jw_i64(&h->w, (int64_t)(ns - h->prev_ns));
    h->prev_ns = ns;
}

CT_NOINST static void *ct_html_begin(int fd, const struct ct_out_run *run)
{
    struct ct_html *h = calloc(1, sizeof(*h));
    if (!h || ct_jw_init(&h->w, fd, false, CT_HTML_NEST) != 0) {
        free(h);
        return NULL;
    }
    h->run = run;
    struct ct_jw *w = &h->w;
    ct_jw_write(w, ct_html_head, sizeof(ct_html_head) - 1);
    ct_html_raw(h, "<script type=\"application/json\" id=\"ct-meta\">");
    ct_jw_obj(w);
    ct_jw_key(w, "version");
    ct_jw_str(w, CALLTRACE_VERSION_STRING);
    ct_jw_key(w, "exe");
    ct_html_str(h, run->exe);
    ct_jw_key(w, "pid");
    ct_jw_u64(w, run->pid);
    ct_jw_key(w, "timestamp");
    ct_jw_str(w, run->timestamp);
    ct_jw_key(w, "total_calls");
    ct_jw_u64(w, run->total_calls);
    ct_jw_key(w, "threads");
    ct_jw_u64(w, run->threads);
    ct_jw_key(w, "complete");
    ct_jw_bool(w, run->final);
    ct_jw_key(w, "truncated");
    ct_jw_bool(w, run->truncated);
    ct_jw_key(w, "duration_ns");
    ct_jw_u64(w, ct_out_ns(run, run->end_ticks));
    ct_jw_key(w, "clock");
    ct_jw_str(w, run->clock.use_tsc ? "tsc" : "monotonic");
    const uint64_t dropped[] = {run->drops.depth, run->drops.reentrant, run->drops.buffer,
                                run->drops.untraced_threads};
    ct_html_u64s(w, "dropped", dropped, CT_ARRAY_LEN(dropped));
    ct_jw_obj_end(w);
    ct_html_raw(h, "</script>\n");
    return h;
}

CT_NOINST static void ct_html_thread_begin(void *st, const struct ct_out_thread *th)
{
    struct ct_html *h = st;
    struct ct_jw *w = &h->w;
    h->prev_ns = 0;
    h->records = 0;
    ct_html_raw(h, "<script type=\"application/json\" class=\"ct-thread\">");
    ct_jw_obj(w);
    ct_jw_key(w, "key");
    ct_jw_str(w, th->key);
    ct_jw_key(w, "tid");
    ct_jw_u64(w, th->tid);
    ct_jw_key(w, "name");
    ct_html_str(h, th->name);
    ct_jw_key(w, "calls");
    ct_jw_u64(w, th->calls);
    ct_jw_key(w, "marks");
    ct_jw_u64(w, th->marks);
    ct_jw_key(w, "ev");
    ct_jw_arr(w);
    ct_jw_write(w, "\n", 1);
}

CT_NOINST static void ct_html_close(void *st, unsigned depth, uint64_t fn, uint64_t start,
                                    uint64_t end, unsigned flags)
{
    struct ct_html *h = st;
    uint64_t s = ct_out_ns(h->run, start), e = ct_out_ns(h->run, end);
    ct_html_record(h, depth, s);
    ct_jw_u64(&h->w, e - s);
    ct_jw_i64(&h->w, ct_html_fn(h, fn));
    ct_jw_u64(&h->w, flags);
}

CT_NOINST static void ct_html_mark(void *st, unsigned depth, uint64_t fn, uint64_t ticks,
                                   const char *label, size_t len)
{
    struct ct_html *h = st;
    ct_html_record(h, -1 - (int64_t)depth, ct_out_ns(h->run, ticks));
    ct_jw_i64(&h->w, ct_html_fn(h, fn));
    ct_html_strn(h, label, len > CT_MARK_MAX ? CT_MARK_MAX : len);
}

CT_NOINST static void ct_html_thread_end(void *st, const struct ct_out_thread *th,
                                         const struct ct_tree *tree)
{
    struct ct_html *h = st;
    struct ct_jw *w = &h->w;
    ct_jw_arr_end(w); /* ev */
    ct_jw_key(w, "unfinished");
    ct_jw_u64(w, tree->unfinished);
    ct_jw_key(w, "unwound");
    ct_jw_u64(w, tree->unwound);
    ct_jw_key(w, "unmatched_exits");
    ct_jw_u64(w, tree->unmatched_exits);
    const uint64_t dropped[] = {th->drops.depth, th->drops.reentrant, th->drops.buffer};
    ct_html_u64s(w, "dropped", dropped, CT_ARRAY_LEN(dropped));
    ct_jw_obj_end(w);
    ct_html_raw(h, "</script>\n");
}

CT_NOINST static int ct_html_end(void *st)
{
    struct ct_html *h = st;
    struct ct_jw *w = &h->w;
    ct_html_raw(h, "<script type=\"application/json\" id=\"ct-fns\">");
    ct_jw_arr(w);
    for (uint32_t id = 1; id < h->fns.n; id++) {
        const struct ct_symbol *sym = ct_out_symbol(h->run, h->fns.nodes[id].fn);
        ct_jw_write(w, "\n", 1);
        ct_jw_arr(w);
        ct_html_str(h, sym->name);
        ct_html_str(h, sym->file ? sym->file : "??");
        ct_jw_u64(w, sym->line);
        ct_jw_arr_end(w);
    }
    ct_jw_arr_end(w);
    ct_html_raw(h, "</script>\n");
    ct_jw_write(w, ct_html_tail, sizeof(ct_html_tail) - 1);
    int err = ct_jw_finish(w);
    ct_stacks_free(&h->fns);
    free(h->scratch);
    free(h);
    return err;
}

const struct ct_format_ops ct_fmt_html = {
    .bit = CT_FMT_HTML,
    .begin = ct_html_begin,
    .thread_begin = ct_html_thread_begin,
    .open = ct_fmt_skip_open,
    .close = ct_html_close,
    .mark = ct_html_mark,
    .thread_end = ct_html_thread_end,
    .end = ct_html_end,
};
