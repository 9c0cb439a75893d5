/* fmt_chrome.c — the Chrome Trace Event view, for Perfetto UI and
 * chrome://tracing.
 *
 * {"traceEvents": [event], "displayTimeUnit": "ns", "otherData": {the JSON
 * view's metadata}}.
 * Every call is one complete event written as it closes:
 * {"name", "ph": "X", "pid", "tid", "ts", "dur", "args": {"file", "line"[,
 * "unfinished"][, "unwound"]}}, ts and dur in microseconds with the
 * nanoseconds as three decimals. "file" is the source file's name without
 * its directory (the JSON view has the path), which keeps a call near 100
 * bytes. A mark is an instant event ("ph": "i", "s": "t") on its thread;
 * metadata events name the process (the executable's file name) and every
 * thread. Pretty output is one event per line. Memory: the writer's buffer. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "views/format.h"
#include "views/jsonw.h"

#define CT_CHROME_NEST 8u      /* the writer's nesting: events are shallow */
#define CT_CHROME_WRAP_DEPTH 2u /* pretty: one event per line */

struct ct_chrome {
    struct ct_jw w;
    uint64_t pid;
    uint32_t tid; /* of the current thread */
    const struct ct_out_run *run;
};

/* {"name": <name>, "ph": <ph>, "pid", "tid" (and the rest is the caller's). */
CT_NOINST static void ct_chrome_event(struct ct_chrome *c, const char *name, size_t len,
                                      const char *ph)
{
    struct ct_jw *w = &c->w;
    ct_jw_obj(w);
    ct_jw_key(w, "name");
    ct_jw_strn(w, name, len);
    ct_jw_key(w, "ph");
    ct_jw_str(w, ph);
    ct_jw_key(w, "pid");
    ct_jw_u64(w, c->pid);
    ct_jw_key(w, "tid");
    ct_jw_u64(w, c->tid);
}

/* A metadata event: {"name": <what>, "ph": "M", ..., "args": {"name": <name>}}. */
CT_NOINST static void ct_chrome_meta(struct ct_chrome *c, const char *what, const char *name)
{
    struct ct_jw *w = &c->w;
    ct_chrome_event(c, what, strlen(what), "M");
    ct_jw_key(w, "args");
    ct_jw_obj(w);
    ct_jw_key(w, "name");
    ct_jw_str(w, name);
    ct_jw_obj_end(w);
    ct_jw_obj_end(w);
}

CT_NOINST static void *ct_chrome_begin(int fd, const struct ct_out_run *run)
{
    struct ct_chrome *c = calloc(1, sizeof(*c));
    if (!c || ct_jw_init(&c->w, fd, run->cfg->pretty, CT_CHROME_NEST) != 0) {
        free(c);
        return NULL;
    }
    c->w.wrap_depth = CT_CHROME_WRAP_DEPTH;
    c->pid = run->pid;
    c->tid = (uint32_t)c->pid;
    c->run = run;
    ct_jw_obj(&c->w);
    ct_jw_key(&c->w, "traceEvents");
    ct_jw_arr(&c->w);
    const char *slash = strrchr(run->exe, '/');
    ct_chrome_meta(c, "process_name", slash ? slash + 1 : run->exe);
    return c;
}

CT_NOINST static void ct_chrome_thread_begin(void *st, const struct ct_out_thread *th)
{
    struct ct_chrome *c = st;
    c->tid = th->tid;
    ct_chrome_meta(c, "thread_name", th->name);
}

CT_NOINST static void ct_chrome_close(void *st, unsigned depth, uint64_t fn, uint64_t start,
                                      uint64_t end, unsigned flags)
{
    (void)depth;
    struct ct_chrome *c = st;
    struct ct_jw *w = &c->w;
    const struct ct_symbol *sym = ct_out_symbol(c->run, fn);
    uint64_t s = ct_out_ns(c->run, start), e = ct_out_ns(c->run, end);
    ct_chrome_event(c, sym->name, strlen(sym->name), "X");
    ct_jw_key(w, "ts");
    ct_jw_milli(w, s);
    ct_jw_key(w, "dur");
    ct_jw_milli(w, e - s);
    ct_jw_key(w, "args");
    ct_jw_obj(w);
    const char *file = sym->file ? sym->file : "??", *slash = strrchr(file, '/');
    ct_jw_key(w, "file");
    ct_jw_str(w, slash ? slash + 1 : file);
    ct_jw_key(w, "line");
    ct_jw_u64(w, sym->line);
    ct_json_close_flags(w, flags);
    ct_jw_obj_end(w);
    ct_jw_obj_end(w);
}

CT_NOINST static void ct_chrome_mark(void *st, unsigned depth, uint64_t fn, uint64_t ticks,
                                     const char *label, size_t len)
{
    (void)depth;
    (void)fn;
    struct ct_chrome *c = st;
    ct_chrome_event(c, label, len, "i");
    ct_jw_key(&c->w, "s");
    ct_jw_str(&c->w, "t");
    ct_jw_key(&c->w, "ts");
    ct_jw_milli(&c->w, ct_out_ns(c->run, ticks));
    ct_jw_obj_end(&c->w);
}

CT_NOINST static int ct_chrome_end(void *st)
{
    struct ct_chrome *c = st;
    ct_jw_arr_end(&c->w); /* traceEvents */
    ct_jw_key(&c->w, "displayTimeUnit");
    ct_jw_str(&c->w, "ns");
    ct_json_metadata(&c->w, "otherData", c->run);
    ct_jw_obj_end(&c->w);
    int err = ct_jw_finish(&c->w);
    free(c);
    return err;
}

const struct ct_format_ops ct_fmt_chrome = {
    .bit = CT_FMT_CHROME,
    .begin = ct_chrome_begin,
    .thread_begin = ct_chrome_thread_begin,
    .open = ct_fmt_skip_open,
    .close = ct_chrome_close,
    .mark = ct_chrome_mark,
    .thread_end = ct_fmt_skip_thread_end,
    .end = ct_chrome_end,
};
