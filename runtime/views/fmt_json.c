/* fmt_json.c — the call tree as JSON (the default format).
 *
 * {"metadata": {...}, "call_trees": {"<tid>": {thread_id, name, calls,
 * root_calls: [node], marks: [...], ...}}}, node = {function, address, file,
 * line, start_ns, children: [node], end_ns, duration_ns[, unfinished][,
 * unwound]}. Nodes are written as the calls open and close: memory is the
 * writer's buffer, one byte per nesting level and one thread's marks.
 * Pretty (the default) puts each node on one line, as compact JSON, with
 * its children on the lines below (jsonw.h's line objects) and the closing
 * `],"end_ns":..,"duration_ns":..}` of a node with children on a line of its
 * own at the node's indentation; metadata and thread keys keep a line each.
 * Compact has no whitespace at all. Nothing
 * under root_calls is ever null: the tuning guide's
 * `.. | select(.function? | test(...))` recipe fails on a null. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calltrace.h"
#include "base/hash.h"
#include "base/vec.h"
#include "views/format.h"
#include "views/jsonw.h"
#include "views/values.h"

#define CT_JSON_FNS_BITS 10u    /* the function cache starts with 2^10 slots */
#define CT_JSON_NEST_EXTRA 16u  /* writer nesting above two per call level */
/* a head's keys, separators, address and line */
#define CT_JSON_HEAD_EXTRA 128u

struct ct_mark_rec {
    uint64_t ticks, fn;
    unsigned depth;
    size_t len;
    char label[CT_MARK_MAX + 1];
};

/* What every node of a function starts with, escaped and laid out once:
 * `"function":"f","address":"0x..","file":"..","line":N,"start_ns":`. Most traces call few functions many
 * times, and writing these keys and values one by one was most of the
 * writing time. */
struct ct_json_fn {
    uint64_t fn;  /* 0: empty slot */
    char *head;
    size_t head_len;
};
struct ct_json {
    struct ct_jw w;
    const struct ct_out_run *run;
    struct ct_json_fn *fns; /* open addressing, power-of-two size */
    size_t nfns, fn_cap; /* fn_cap = 2^fn_bits */
    unsigned fn_bits;
    struct ct_mark_rec *marks; /* of the current thread */
    size_t nmarks, marks_cap;
    /* the innermost open call's "children": not begun yet (its arguments
     * may come first), open, or closed (its return value followed) */
    enum { CT_KIDS_PENDING, CT_KIDS_OPEN, CT_KIDS_CLOSED } kids;
};

/* The head of fn's nodes (see struct ct_json_fn), malloc'ed; NULL when
 * memory runs out. */
CT_NOINST static char *ct_json_head(const struct ct_json *j, uint64_t fn, size_t *len)
{
    const struct ct_symbol *sym = ct_out_symbol(j->run, fn);
    const char *file = sym->file ? sym->file : "??";
    size_t nn = strlen(sym->name), nf = strlen(file);
    size_t cap = CT_JSON_ESCAPED_MAX(nn) + CT_JSON_ESCAPED_MAX(nf) + CT_JSON_HEAD_EXTRA;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = (size_t)snprintf(out, cap, "\"function\":");
    n += ct_json_escape(sym->name, nn, out + n, cap - n);
    n += (size_t)snprintf(out + n, cap - n, ",\"address\":\"0x%llx\",\"file\":",
                          (unsigned long long)fn);
    n += ct_json_escape(file, nf, out + n, cap - n);
    n += (size_t)snprintf(out + n, cap - n, ",\"line\":%u,\"start_ns\":", (unsigned)sym->line);
    *len = n;
    return out;
}

CT_NOINST static size_t ct_json_slot(const struct ct_json *j, uint64_t fn)
{
    size_t i = ct_hash_slot(fn, j->fn_bits);
    while (j->fns[i].fn && j->fns[i].fn != fn)
        i = (i + 1) & (j->fn_cap - 1);
    return i;
}

/* The cached entry of `fn`, or NULL when memory runs out. */
CT_NOINST static const struct ct_json_fn *ct_json_fn(struct ct_json *j, uint64_t fn)
{
    if (j->fn_cap && j->fns[ct_json_slot(j, fn)].fn == fn)
        return &j->fns[ct_json_slot(j, fn)];
    if (2 * (j->nfns + 1) > j->fn_cap) {
        unsigned old_bits = j->fn_bits;
        j->fn_bits = j->fn_cap ? j->fn_bits + 1 : CT_JSON_FNS_BITS;
        size_t cap = (size_t)1 << j->fn_bits;
        struct ct_json_fn *old = j->fns;
        size_t old_cap = j->fn_cap;
        j->fns = calloc(cap, sizeof(*j->fns));
        if (!j->fns) {
            j->fns = old;
            j->fn_bits = old_bits;
            return NULL;
        }
        j->fn_cap = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].fn)
                j->fns[ct_json_slot(j, old[i].fn)] = old[i];
        free(old);
    }
    struct ct_json_fn e = {.fn = fn};
    e.head = ct_json_head(j, fn, &e.head_len);
    if (!e.head)
        return NULL;
    struct ct_json_fn *slot = &j->fns[ct_json_slot(j, fn)];
    *slot = e;
    j->nfns++;
    return slot;
}

CT_NOINST static void ct_json_drops(struct ct_jw *w, const struct ct_drops *d, bool threads)
{
    ct_jw_key(w, "dropped");
    ct_jw_obj(w);
    ct_jw_key(w, "depth");
    ct_jw_u64(w, d->depth);
    ct_jw_key(w, "reentrant");
    ct_jw_u64(w, d->reentrant);
    ct_jw_key(w, "buffer");
    ct_jw_u64(w, d->buffer);
    if (threads) {
        ct_jw_key(w, "untraced_threads");
        ct_jw_u64(w, d->untraced_threads);
    }
    ct_jw_obj_end(w);
}

void ct_json_close_flags(struct ct_jw *w, unsigned flags)
{
    if (flags & CT_CLOSE_UNFINISHED) {
        ct_jw_key(w, "unfinished");
        ct_jw_bool(w, true);
    }
    if (flags & CT_CLOSE_UNWOUND) {
        ct_jw_key(w, "unwound");
        ct_jw_bool(w, true);
    }
}

/* "crash" (a fault, abort) or "terminated_by" (SIGTERM/SIGINT/SIGHUP): the
 * signal, where, which thread, and that thread's calls still open, from
 * calltrace's own record (innermost first). */
CT_NOINST static void ct_json_ending(struct ct_jw *w, const struct ct_out_run *run)
{
    const struct ct_ending *e = run->ending;
    ct_jw_key(w, e->crash ? "crash" : "terminated_by");
    ct_jw_obj(w);
    ct_jw_key(w, "signal");
    ct_jw_u64(w, (uint64_t)e->signal);
    ct_jw_key(w, "name");
    ct_jw_str(w, run->signal_name);
    ct_jw_key(w, "code");
    ct_jw_i64(w, e->code);
    if (e->crash) {
        ct_jw_key(w, "fault_address");
        ct_jw_hex(w, e->address);
    }
    ct_jw_key(w, "thread_id");
    ct_jw_u64(w, (uint64_t)e->tid);
    ct_jw_key(w, "stack");
    ct_jw_arr(w);
    for (unsigned i = 0; i < run->ending_depth; i++) {
        const struct ct_symbol *sym = ct_out_symbol(run, run->ending_stack[i]);
        ct_jw_obj_line(w);
        ct_jw_key(w, "function");
        ct_jw_str(w, sym->name);
        ct_jw_key(w, "address");
        ct_jw_hex(w, run->ending_stack[i]);
        ct_jw_key(w, "file");
        ct_jw_str(w, sym->file ? sym->file : "??");
        ct_jw_key(w, "line");
        ct_jw_u64(w, sym->line);
        ct_jw_obj_end(w);
    }
    ct_jw_arr_end(w);
    ct_jw_obj_end(w);
}

void ct_json_metadata(struct ct_jw *w, const char *key, const struct ct_out_run *run)
{
    ct_jw_key(w, key);
    ct_jw_obj(w);
    ct_jw_key(w, "version");
    ct_jw_str(w, CALLTRACE_VERSION_STRING);
    ct_jw_key(w, "format_version");
    ct_jw_u64(w, 1);
    ct_jw_key(w, "timestamp");
    ct_jw_str(w, run->timestamp);
    ct_jw_key(w, "executable");
    ct_jw_str(w, run->exe);
    ct_jw_key(w, "pid");
    ct_jw_u64(w, run->pid);
    ct_jw_key(w, "total_calls");
    ct_jw_u64(w, run->total_calls);
    ct_jw_key(w, "threads");
    ct_jw_u64(w, run->threads);
    ct_jw_key(w, "complete");
    ct_jw_bool(w, run->final);
    ct_jw_key(w, "duration_ns");
    ct_jw_u64(w, ct_out_ns(run, run->end_ticks));
    ct_jw_key(w, "clock");
    ct_jw_str(w, run->clock.use_tsc ? "tsc" : "monotonic");
    ct_jw_key(w, "start_monotonic_ns");
    ct_jw_u64(w, run->clock.base_mono);
    ct_jw_key(w, "max_depth");
    ct_jw_u64(w, run->cfg->max_depth);
    ct_jw_key(w, "capture_args");
    ct_jw_bool(w, run->capture_args || run->values);
    if (run->cfg->host[0]) { /* where it ran, and the trace it joins (calltrace export) */
        ct_jw_key(w, "host");
        ct_jw_str(w, run->cfg->host);
    }
    if (run->cfg->traceparent[0]) {
        ct_jw_key(w, "traceparent");
        ct_jw_str(w, run->cfg->traceparent);
    }
    ct_json_drops(w, &run->drops, true);
    ct_jw_key(w, "filtered");
    ct_jw_obj(w);
    ct_jw_key(w, "functions");
    ct_jw_u64(w, run->filtered.functions);
    ct_jw_key(w, "min_duration");
    ct_jw_u64(w, run->filtered.min_duration);
    ct_jw_obj_end(w);
    ct_jw_key(w, "truncated");
    ct_jw_bool(w, run->truncated);
    if (run->max_calls) {
        ct_jw_key(w, "max_calls");
        ct_jw_u64(w, run->max_calls);
        ct_jw_key(w, "calls_not_written");
        ct_jw_u64(w, run->calls_not_written);
    }
    if (run->ending)
        ct_json_ending(w, run);
    ct_jw_obj_end(w);
}

CT_NOINST static void *ct_json_begin(int fd, const struct ct_out_run *run)
{
    struct ct_json *j = calloc(1, sizeof(*j));
    if (!j || ct_jw_init(&j->w, fd, run->cfg->pretty, run->cfg->max_depth * 2 + CT_JSON_NEST_EXTRA) != 0) {
        free(j);
        return NULL;
    }
    j->run = run;
    ct_jw_obj(&j->w);
    ct_json_metadata(&j->w, "metadata", run);
    ct_jw_key(&j->w, "call_trees");
    ct_jw_obj(&j->w);
    return j;
}

CT_NOINST static void ct_json_thread_begin(void *st, const struct ct_out_thread *th)
{
    struct ct_json *j = st;
    struct ct_jw *w = &j->w;
    j->nmarks = 0;
    ct_jw_key(w, th->key);
    ct_jw_obj(w);
    ct_jw_key(w, "thread_id");
    ct_jw_u64(w, th->tid);
    ct_jw_key(w, "name");
    ct_jw_str(w, th->name);
    ct_jw_key(w, "calls");
    ct_jw_u64(w, th->calls);
    ct_jw_key(w, "root_calls");
    ct_jw_arr(w);
    j->kids = CT_KIDS_OPEN;
}

CT_NOINST static void ct_json_open(void *st, unsigned depth, uint64_t fn, uint64_t start)
{
    (void)depth;
    struct ct_json *j = st;
    struct ct_jw *w = &j->w;
    if (j->kids == CT_KIDS_PENDING) { /* the first child of its parent */
        ct_jw_key(w, "children");
        ct_jw_arr_lines(w);
    }
    if (CT_SC_IS_FN(fn)) { /* a system call: a leaf of its own shape (fmt_sc.c) */
        ct_sc_json_open(w, j->run, fn, start);
        j->kids = CT_KIDS_CLOSED;
        return;
    }
    const struct ct_json_fn *f = ct_json_fn(j, fn);
    ct_jw_obj_line(w);
    if (f) {
        ct_jw_key_raw(w, f->head, f->head_len);
    } else { /* no memory for the cache */
        const struct ct_symbol *sym = ct_out_symbol(j->run, fn);
        ct_jw_key(w, "function");
        ct_jw_str(w, sym->name);
        ct_jw_key(w, "address");
        ct_jw_hex(w, fn);
        ct_jw_key(w, "file");
        ct_jw_str(w, sym->file ? sym->file : "??");
        ct_jw_key(w, "line");
        ct_jw_u64(w, sym->line);
        ct_jw_key(w, "start_ns");
    }
    ct_jw_u64(w, ct_out_ns(j->run, start));
    j->kids = CT_KIDS_PENDING;
}

/* Arguments go before "children"; a return value after it. */
CT_NOINST static void ct_json_values(void *st, unsigned depth, uint64_t fn, unsigned what,
                                     uint32_t sig, const uint8_t *data, size_t len)
{
    (void)depth;
    struct ct_json *j = st;
    if (what == CT_EXT_RETVAL) {
        if (j->kids == CT_KIDS_PENDING) {
            ct_jw_key(&j->w, "children");
            ct_jw_arr_lines(&j->w);
        }
        if (j->kids != CT_KIDS_CLOSED)
            ct_jw_arr_end(&j->w);
        j->kids = CT_KIDS_CLOSED;
    }
    ct_values_json(&j->w, j->run, fn, what, sig, data, len);
}

CT_NOINST static void ct_json_close(void *st, unsigned depth, uint64_t fn, uint64_t start,
                                    uint64_t end, unsigned flags)
{
    (void)depth;
    (void)fn;
    struct ct_json *j = st;
    struct ct_jw *w = &j->w;
    uint64_t s = ct_out_ns(j->run, start), e = ct_out_ns(j->run, end);
    if (j->kids == CT_KIDS_PENDING) { /* a leaf */
        static const char leaf[] = "\"children\":[],\"end_ns\":";
        ct_jw_key_raw(w, leaf, sizeof(leaf) - 1);
    } else {
        if (j->kids != CT_KIDS_CLOSED)
            ct_jw_arr_end(w);
        ct_jw_key(w, "end_ns");
    }
    j->kids = CT_KIDS_OPEN; /* the parent's */
    ct_jw_u64(w, e);
    ct_jw_key(w, "duration_ns");
    ct_jw_u64(w, e - s);
    ct_json_close_flags(w, flags);
    ct_jw_obj_end(w);
}

CT_NOINST static void ct_json_syscall(void *st, unsigned depth, const uint8_t *data, size_t len)
{
    (void)depth;
    ct_sc_json_call(&((struct ct_json *)st)->w, data, len);
}

/* Marks go after root_calls (not inside it: every object there is a call). */
CT_NOINST static void ct_json_mark(void *st, unsigned depth, uint64_t fn, uint64_t ticks,
                                   const char *label, size_t len)
{
    struct ct_json *j = st;
    if (!CT_VEC_RESERVE(j->marks, j->marks_cap, j->nmarks + 1))
        return;
    struct ct_mark_rec *m = &j->marks[j->nmarks++];
    m->ticks = ticks;
    m->fn = fn;
    m->depth = depth;
    m->len = len > CT_MARK_MAX ? CT_MARK_MAX : len;
    memcpy(m->label, label, m->len);
}

CT_NOINST static void ct_json_thread_end(void *st, const struct ct_out_thread *th,
                                         const struct ct_tree *tree)
{
    struct ct_json *j = st;
    struct ct_jw *w = &j->w;
    ct_jw_arr_end(w); /* root_calls */
    ct_jw_key(w, "marks");
    ct_jw_arr(w);
    for (size_t i = 0; i < j->nmarks; i++) {
        const struct ct_mark_rec *m = &j->marks[i];
        ct_jw_obj_line(w);
        ct_jw_key(w, "label");
        ct_jw_strn(w, m->label, m->len);
        ct_jw_key(w, "timestamp_ns");
        ct_jw_u64(w, ct_out_ns(j->run, m->ticks));
        ct_jw_key(w, "function");
        if (m->fn)
            ct_jw_str(w, ct_out_symbol(j->run, m->fn)->name);
        else
            ct_jw_null(w);
        ct_jw_key(w, "depth");
        ct_jw_u64(w, m->depth);
        ct_jw_obj_end(w);
    }
    ct_jw_arr_end(w);
    ct_jw_key(w, "unfinished_calls");
    ct_jw_u64(w, tree->unfinished);
    ct_jw_key(w, "unwound_calls");
    ct_jw_u64(w, tree->unwound);
    ct_jw_key(w, "unmatched_exits");
    ct_jw_u64(w, tree->unmatched_exits);
    ct_json_drops(w, &th->drops, false);
    ct_jw_obj_end(w);
}

CT_NOINST static int ct_json_end(void *st)
{
    struct ct_json *j = st;
    ct_jw_obj_end(&j->w); /* call_trees */
    ct_jw_obj_end(&j->w);
    int err = ct_jw_finish(&j->w);
    for (size_t i = 0; i < j->fn_cap; i++)
        free(j->fns[i].head);
    free(j->fns);
    free(j->marks);
    free(j);
    return err;
}

const struct ct_format_ops ct_fmt_json = {
    .bit = CT_FMT_JSON,
    .begin = ct_json_begin,
    .thread_begin = ct_json_thread_begin,
    .open = ct_json_open,
    .close = ct_json_close,
    .mark = ct_json_mark,
    .values = ct_json_values,
    .thread_end = ct_json_thread_end,
    .end = ct_json_end,
    .syscall = ct_json_syscall,
};
