/* fmt_folded.c — folded stacks, for flamegraph.pl, inferno and speedscope.
 *
 * One line per distinct stack, "main;parse;read_line 1234": the functions
 * from the root down, then the stack's SELF time in ns (each call's duration
 * minus its children's) summed over all its calls, so a root's lines add up
 * to its duration. Every stack starts with a frame naming its thread,
 * "worker-1 [4242]" (as perf's stackcollapse does with the command name),
 * so a flame graph splits by thread at the root. ';' and control bytes
 * (newlines) in a name become ':'. A mark is a line of weight 0 under the
 * stack it was made in, "...;fn;[mark] label 0": kept in the file, no time
 * taken from any stack. Lines come in the order their stacks first appear,
 * marks after them. Memory: one entry per distinct stack, one name per
 * thread, the marks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "views/format.h"
#include "views/stacks.h"
#include "views/textw.h"

/* A thread's root frame: not a function address (those are < 2^63). */
#define CT_FOLDED_THREAD (UINT64_C(1) << 63)

#define CT_FOLDED_TID_MAX 16 /* " [4294967295]" */

struct ct_folded {
    struct ct_jw w;
    const struct ct_out_run *run;
    char (*threads)[CT_SNAP_NAME_MAX + CT_FOLDED_TID_MAX]; /* "name [tid]" by thread index */
    size_t nthreads, threads_cap;
    struct ct_folded_mark {
        uint32_t stack; /* where it was made: the innermost open call's stack, or the thread's */
        char label[CT_MARK_MAX + 1];
    } *marks;
    size_t nmarks, marks_cap;
    struct ct_calls calls;
    uint64_t *self_ns; /* by stack id */
    size_t self_cap;
    bool nomem;
};

CT_NOINST static void *ct_folded_begin(int fd, const struct ct_out_run *run)
{
    struct ct_folded *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    if (ct_calls_init(&f->calls, run->cfg->max_depth) != 0 || ct_jw_init(&f->w, fd, false, 0) != 0) {
        ct_calls_free(&f->calls);
        free(f);
        return NULL;
    }
    f->run = run;
    return f;
}

CT_NOINST static void ct_folded_thread(void *st, const struct ct_out_thread *th)
{
    struct ct_folded *f = st;
    if (!CT_VEC_RESERVE(f->threads, f->threads_cap, f->nthreads + 1)) {
        f->nomem = true;
        f->calls.root = 0;
        return;
    }
    snprintf(f->threads[f->nthreads], sizeof(f->threads[0]), "%s [%u]", th->name, th->tid);
    f->calls.root = ct_stacks_intern(&f->calls.stacks, 0, CT_FOLDED_THREAD | (uint64_t)f->nthreads);
    f->nthreads++;
}

CT_NOINST static void ct_folded_mark(void *st, unsigned depth, uint64_t fn, uint64_t ticks,
                                     const char *label, size_t len)
{
    (void)fn, (void)ticks;
    struct ct_folded *f = st;
    if (!CT_VEC_RESERVE(f->marks, f->marks_cap, f->nmarks + 1)) {
        f->nomem = true;
        return;
    }
    struct ct_folded_mark *m = &f->marks[f->nmarks++];
    m->stack = depth && depth <= f->calls.cap ? f->calls.open[depth - 1].stack : f->calls.root;
    if (len > CT_MARK_MAX)
        len = CT_MARK_MAX;
    memcpy(m->label, label, len);
    m->label[len] = '\0';
}

/* Writes the frames of `stack` (root first), ';'-separated. */
CT_NOINST static void ct_folded_frames(struct ct_folded *f, uint32_t stack)
{
    struct ct_jw *w = &f->w;
    size_t depth = stack ? ct_calls_path(&f->calls, stack) : 0;
    for (size_t i = 0; i < depth; i++) {
        uint64_t fn = f->calls.path[i];
        const char *name = (fn & CT_FOLDED_THREAD) ? f->threads[fn & ~CT_FOLDED_THREAD]
                                                   : ct_out_symbol(f->run, fn)->name;
        if (i)
            ct_jw_write(w, ";", 1);
        ct_tw_clean(w, name, strlen(name), ";", ':');
    }
}

CT_NOINST static void ct_folded_open(void *st, unsigned depth, uint64_t fn, uint64_t start)
{
    struct ct_folded *f = st;
    ct_calls_open(&f->calls, depth, fn, ct_out_ns(f->run, start));
}

CT_NOINST static void ct_folded_close(void *st, unsigned depth, uint64_t fn, uint64_t start,
                                      uint64_t end, unsigned flags)
{
    (void)fn;
    (void)flags;
    struct ct_folded *f = st;
    struct ct_call_done d;
    if (!ct_calls_close(&f->calls, depth, ct_out_ns(f->run, start), ct_out_ns(f->run, end), &d))
        return;
    size_t had = f->self_cap;
    if (!CT_VEC_RESERVE(f->self_ns, f->self_cap, (size_t)d.stack + 1)) {
        f->nomem = true;
        return;
    }
    memset(f->self_ns + had, 0, (f->self_cap - had) * sizeof(*f->self_ns));
    f->self_ns[d.stack] += d.self_ns;
}

CT_NOINST static int ct_folded_end(void *st)
{
    struct ct_folded *f = st;
    struct ct_jw *w = &f->w;
    for (uint32_t id = 1; id < f->calls.stacks.n && id < f->self_cap; id++) {
        size_t depth = ct_calls_path(&f->calls, id);
        if (depth == 1 && (f->calls.path[0] & CT_FOLDED_THREAD))
            continue; /* a thread's own frame has no self time */
        ct_folded_frames(f, id);
        ct_jw_write(w, " ", 1);
        ct_tw_u64(w, f->self_ns[id], 0);
        ct_jw_write(w, "\n", 1);
    }
    for (size_t i = 0; i < f->nmarks; i++) {
        ct_folded_frames(f, f->marks[i].stack);
        ct_tw_str(w, f->marks[i].stack ? ";[mark] " : "[mark] ");
        const char *l = f->marks[i].label;
        ct_tw_clean(w, l, strlen(l), ";", ':');
        ct_jw_write(w, " 0\n", 3);
    }
    int err = ct_jw_finish(w);
    if (!err && (f->nomem || f->calls.nomem))
        err = ENOMEM;
    ct_calls_free(&f->calls);
    free(f->threads);
    free(f->marks);
    free(f->self_ns);
    free(f);
    return err;
}

const struct ct_format_ops ct_fmt_folded = {
    .bit = CT_FMT_FOLDED,
    .begin = ct_folded_begin,
    .thread_begin = ct_folded_thread,
    .open = ct_folded_open,
    .close = ct_folded_close,
    .mark = ct_folded_mark,
    .thread_end = ct_fmt_skip_thread_end,
    .end = ct_folded_end,
};
