/* fmt_summary.c — where the time went, in a page of text.
 *
 * Three tables: per function (calls, total, self, average, min and max
 * time, by self time descending; a recursive function's total counts its
 * outermost activations only, so that no total exceeds its thread's time;
 * average, min and max are over every call), per thread
 * (calls, and the time of its root calls), and the outliers: calls slower
 * than their function's mean + 3 sigma, for functions with at least
 * CT_SUM_MIN_CALLS calls, with their thread, start time and call path.
 * Memory: per distinct function its running statistics (Welford) and its
 * CT_SUM_KEEP slowest calls, from which the outliers are picked at the end;
 * per distinct stack one entry (the paths); per thread one line (with its
 * count of marks, and the first marks with where they were made). Printed to
 * stderr at exit as well when CALLTRACE_SUMMARY=1. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "views/format.h"
#include "views/stacks.h"
#include "views/sum_sc.h"
#include "syscalls/sc_decode.h"
#include "views/textw.h"

#define CT_SUM_KEEP 8       /* slowest calls kept per function */
#define CT_SUM_MIN_CALLS 10 /* fewer calls say nothing about outliers */
#define CT_SUM_PATH_HEAD 3  /* a longer path prints its first frames, "...", */
#define CT_SUM_PATH_TAIL 6  /* and its last ones */
#define CT_SUM_SIGMAS 3     /* an outlier: slower than mean + 3 sigma */
#define CT_SUM_SQRT_STEPS 200 /* Newton's method converges long before */
/* column widths of the tables (their headers are written to match) */
#define CT_SUM_W_COUNT 10   /* calls (functions), tid (threads) */
#define CT_SUM_W_CALLS 12   /* calls (threads) */
#define CT_SUM_W_MARKS 8    /* marks (threads) */

struct ct_sum_slow {
    uint64_t dur_ns, start_ns;
    uint32_t stack, thread;
};

struct ct_sum_fn {
    uint64_t fn;
    uint64_t calls, total_ns, self_ns, min_ns, max_ns;
    uint64_t open;   /* activations open on the thread being read */
    uint64_t sum_ns; /* of every call's time, for the average */
    double mean, m2; /* Welford's running mean and sum of squared deviations */
    unsigned nkeep;
    struct ct_sum_slow keep[CT_SUM_KEEP];
};

struct ct_sum_thread {
    char *key, *name;
    uint64_t calls, marks, root_ns;
};

/* The first marks, listed with where they were made. */
#define CT_SUM_MARKS 100u
struct ct_sum_mark {
    uint64_t ticks, fn;
    size_t thread; /* index in threads */
    char label[CT_MARK_MAX + 1];
};

struct ct_summary {
    struct ct_jw w;
    struct ct_sum_mark *marks; /* up to CT_SUM_MARKS */
    size_t nmarks, more_marks;
    const struct ct_out_run *run;
    struct ct_calls calls;
    struct ct_stacks fns;         /* the functions (parent 0) */
    struct ct_sum_fn *fn;         /* by fns id */
    size_t fn_cap;
    struct ct_sum_thread *threads;
    size_t nthreads, threads_cap;
    bool nomem;
    struct ct_sum_sc *sc; /* system calls (sum_sc.h), made at the first one */
    bool sc_failed;       /* the system call node open now failed */
};

CT_NOINST static void *ct_sum_begin(int fd, const struct ct_out_run *run)
{
    struct ct_summary *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->run = run;
    if (ct_calls_init(&s->calls, run->cfg->max_depth) != 0 || ct_jw_init(&s->w, fd, false, 0) != 0) {
        ct_calls_free(&s->calls);
        free(s);
        return NULL;
    }
    return s;
}

CT_NOINST static void ct_sum_thread_begin(void *st, const struct ct_out_thread *th)
{
    struct ct_summary *s = st;
    if (!CT_VEC_RESERVE(s->threads, s->threads_cap, s->nthreads + 1)) {
        s->nomem = true;
        return;
    }
    struct ct_sum_thread *t = &s->threads[s->nthreads];
    *t = (struct ct_sum_thread){strdup(th->key), strdup(th->name), 0, th->marks, 0};
    if (!t->key || !t->name) {
        free(t->key);
        free(t->name);
        s->nomem = true;
        return;
    }
    s->nthreads++;
}

CT_NOINST static void ct_sum_mark(void *st, unsigned depth, uint64_t fn, uint64_t ticks,
                                  const char *label, size_t len)
{
    (void)depth;
    struct ct_summary *s = st;
    if (!s->marks)
        s->marks = calloc(CT_SUM_MARKS, sizeof(*s->marks));
    if (!s->marks || s->nmarks == CT_SUM_MARKS || !s->nthreads) {
        s->more_marks++;
        return;
    }
    struct ct_sum_mark *m = &s->marks[s->nmarks++];
    m->ticks = ticks;
    m->fn = fn;
    m->thread = s->nthreads - 1;
    if (len > CT_MARK_MAX)
        len = CT_MARK_MAX;
    memcpy(m->label, label, len);
    m->label[len] = '\0';
}

CT_NOINST static void ct_sum_name(struct ct_summary *s, uint64_t fn);

/* Marks: when, on which thread, inside which call. */
CT_NOINST static void ct_sum_marks(struct ct_summary *s)
{
    if (!s->nmarks && !s->more_marks)
        return;
    struct ct_jw *w = &s->w;
    ct_tw_str(w, "\nMarks:\n");
    for (size_t i = 0; i < s->nmarks; i++) {
        const struct ct_sum_mark *m = &s->marks[i];
        ct_tw_str(w, "  at ");
        ct_tw_dur(w, ct_out_ns(s->run, m->ticks));
        ct_tw_str(w, "  thread ");
        ct_tw_str(w, s->threads[m->thread].key);
        ct_tw_str(w, m->fn ? "  in " : "  at the root");
        if (m->fn)
            ct_sum_name(s, m->fn);
        ct_tw_str(w, ": ");
        ct_tw_clean(w, m->label, strlen(m->label), NULL, ' ');
        ct_jw_write(w, "\n", 1);
    }
    if (s->more_marks) {
        ct_tw_str(w, "  ... and ");
        ct_tw_u64(w, s->more_marks, 0);
        ct_tw_str(w, " more\n");
    }
}

CT_NOINST static struct ct_sum_fn *ct_sum_fn_get(struct ct_summary *s, uint64_t fn);

CT_NOINST static void ct_sum_open(void *st, unsigned depth, uint64_t fn, uint64_t start)
{
    struct ct_summary *s = st;
    ct_calls_open(&s->calls, depth, fn, ct_out_ns(s->run, start));
    struct ct_sum_fn *f = ct_sum_fn_get(s, fn);
    if (f)
        f->open++; /* activations of fn open on this thread */
    else
        s->nomem = true;
}

/* The statistics of `fn`, added if new; NULL when out of memory. */
CT_NOINST static struct ct_sum_fn *ct_sum_fn_get(struct ct_summary *s, uint64_t fn)
{
    uint32_t id = ct_stacks_intern(&s->fns, 0, fn);
    if (!id)
        return NULL;
    size_t had = s->fn_cap;
    if (!CT_VEC_RESERVE(s->fn, s->fn_cap, (size_t)id + 1))
        return NULL;
    memset(s->fn + had, 0, (s->fn_cap - had) * sizeof(*s->fn));
    s->fn[id].fn = fn;
    return &s->fn[id];
}

/* A system call node closed: into the tables of sum_sc.h, with its caller. */
CT_NOINST static void ct_sum_syscall_done(struct ct_summary *s, unsigned depth, uint64_t fn,
                                          const struct ct_call_done *d)
{
    if (!s->sc && !(s->sc = ct_sum_sc_new())) {
        s->nomem = true;
        return;
    }
    uint64_t caller = 0;
    if (depth > 0 && ct_calls_path(&s->calls, d->stack) > depth)
        caller = s->calls.path[depth - 1];
    if (!ct_sum_sc_add(s->sc, CT_SC_FN_NR(fn), caller, d->dur_ns, s->sc_failed))
        s->nomem = true;
    s->sc_failed = false;
}

CT_NOINST static void ct_sum_syscall(void *st, unsigned depth, const uint8_t *data, size_t len)
{
    (void)depth;
    struct ct_sc_call c;
    ((struct ct_summary *)st)->sc_failed = ct_sc_decode(data, len, &c) && c.failed;
}

CT_NOINST static void ct_sum_close(void *st, unsigned depth, uint64_t fn, uint64_t start,
                                   uint64_t end, unsigned flags)
{
    (void)flags;
    struct ct_summary *s = st;
    struct ct_sum_fn *f = ct_sum_fn_get(s, fn);
    bool outermost = f && f->open && --f->open == 0; /* its time counts once */
    struct ct_call_done d;
    if (!ct_calls_close(&s->calls, depth, ct_out_ns(s->run, start), ct_out_ns(s->run, end), &d))
        return;
    if (!f || !s->nthreads) {
        s->nomem = true;
        return;
    }
    uint64_t x = d.dur_ns;
    f->calls++;
    f->sum_ns += x;
    if (outermost)
        f->total_ns += x;
    f->self_ns += d.self_ns;
    f->min_ns = f->calls == 1 || x < f->min_ns ? x : f->min_ns;
    f->max_ns = x > f->max_ns ? x : f->max_ns;
    double delta = (double)x - f->mean;
    f->mean += delta / (double)f->calls;
    f->m2 += delta * ((double)x - f->mean);
    /* keep the slowest: replace the fastest kept one when slower */
    unsigned slot = f->nkeep;
    if (f->nkeep == CT_SUM_KEEP) {
        slot = 0;
        for (unsigned i = 1; i < CT_SUM_KEEP; i++)
            if (f->keep[i].dur_ns < f->keep[slot].dur_ns)
                slot = i;
        if (f->keep[slot].dur_ns >= x)
            slot = CT_SUM_KEEP;
    } else {
        f->nkeep++;
    }
    if (CT_SC_IS_FN(fn))
        ct_sum_syscall_done(s, depth, fn, &d);
    struct ct_sum_thread *th = &s->threads[s->nthreads - 1];
    if (slot < CT_SUM_KEEP)
        f->keep[slot] = (struct ct_sum_slow){x, d.start_ns, d.stack, (uint32_t)(s->nthreads - 1)};
    th->calls++;
    if (depth == 0)
        th->root_ns += x;
}

/* sqrt without libm: Newton's method from above. */
CT_NOINST static double ct_sum_sqrt(double v)
{
    if (!(v > 0))
        return 0;
    double x = v > 1 ? v : 1;
    for (int i = 0; i < CT_SUM_SQRT_STEPS; i++) {
        double next = 0.5 * (x + v / x);
        if (next >= x)
            break;
        x = next;
    }
    return x;
}

CT_NOINST static int ct_sum_by_self(const void *a, const void *b)
{
    const struct ct_sum_fn *x = *(const struct ct_sum_fn *const *)a;
    const struct ct_sum_fn *y = *(const struct ct_sum_fn *const *)b;
    if (x->self_ns != y->self_ns)
        return x->self_ns < y->self_ns ? 1 : -1;
    if (x->total_ns != y->total_ns)
        return x->total_ns < y->total_ns ? 1 : -1;
    return x < y ? -1 : x > y;
}

CT_NOINST static int ct_sum_by_dur(const void *a, const void *b)
{
    const struct ct_sum_slow *x = a, *y = b;
    if (x->dur_ns != y->dur_ns)
        return x->dur_ns < y->dur_ns ? 1 : -1;
    return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

CT_NOINST static void ct_sum_name(struct ct_summary *s, uint64_t fn)
{
    const char *name = ct_out_symbol(s->run, fn)->name;
    ct_tw_clean(&s->w, name, strlen(name), NULL, ' ');
}

/* A duration with its left padding dropped: "1.234 ms". */
CT_NOINST static void ct_sum_dur_tight(struct ct_jw *w, uint64_t ns)
{
    char tmp[CT_TW_DURATION_MAX];
    size_t n = ct_tw_duration(tmp, ns), i = 0;
    while (i < n && tmp[i] == ' ')
        i++;
    ct_jw_write(w, tmp + i, n - i);
}

/* "main > parse > read_line"; a long path keeps its ends around "...". */
CT_NOINST static void ct_sum_path(struct ct_summary *s, uint32_t stack)
{
    size_t depth = ct_calls_path(&s->calls, stack);
    for (size_t i = 0; i < depth; i++) {
        if (depth > CT_SUM_PATH_HEAD + CT_SUM_PATH_TAIL + 1 && i == CT_SUM_PATH_HEAD) {
            ct_tw_str(&s->w, " > ...");
            i = depth - CT_SUM_PATH_TAIL;
        }
        if (i)
            ct_tw_str(&s->w, " > ");
        ct_sum_name(s, s->calls.path[i]);
    }
}

CT_NOINST static void ct_sum_functions(struct ct_summary *s, struct ct_sum_fn **order, size_t n)
{
    struct ct_jw *w = &s->w;
    ct_tw_str(w, "\nFunctions, by self time:\n"
                 "     calls       total        self     average         min         max"
                 "  function\n");
    for (size_t i = 0; i < n; i++) {
        const struct ct_sum_fn *f = order[i];
        uint64_t avg = (f->sum_ns + f->calls / 2) / f->calls;
        ct_tw_u64(w, f->calls, CT_SUM_W_COUNT);
        const uint64_t cols[] = {f->total_ns, f->self_ns, avg, f->min_ns, f->max_ns};
        for (size_t c = 0; c < CT_ARRAY_LEN(cols); c++) {
            ct_jw_write(w, "  ", 2);
            ct_tw_dur(w, cols[c]);
        }
        ct_jw_write(w, "  ", 2);
        ct_sum_name(s, f->fn);
        ct_jw_write(w, "\n", 1);
    }
}

CT_NOINST static void ct_sum_threads(struct ct_summary *s)
{
    struct ct_jw *w = &s->w;
    ct_tw_str(w, "\nThreads:\n"
                 "       tid       calls   root time   marks  name\n");
    for (size_t i = 0; i < s->nthreads; i++) {
        const struct ct_sum_thread *t = &s->threads[i];
        size_t klen = strlen(t->key);
        ct_tw_fill(w, ' ', klen < CT_SUM_W_COUNT ? CT_SUM_W_COUNT - klen : 0);
        ct_tw_str(w, t->key);
        ct_tw_u64(w, t->calls, CT_SUM_W_CALLS);
        ct_jw_write(w, "  ", 2);
        ct_tw_dur(w, t->root_ns);
        ct_tw_u64(w, t->marks, CT_SUM_W_MARKS);
        ct_jw_write(w, "  ", 2);
        ct_tw_clean(w, t->name, strlen(t->name), NULL, ' ');
        ct_jw_write(w, "\n", 1);
    }
}

CT_NOINST static void ct_sum_outliers(struct ct_summary *s, struct ct_sum_fn **order, size_t n)
{
    struct ct_jw *w = &s->w;
    ct_tw_str(w, "\nOutliers, calls slower than their function's mean + 3 sigma (functions with"
                 " at least ");
    ct_tw_u64(w, CT_SUM_MIN_CALLS, 0);
    ct_tw_str(w, " calls):\n");
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        struct ct_sum_fn *f = order[i];
        if (f->calls < CT_SUM_MIN_CALLS)
            continue;
        double sigma = ct_sum_sqrt(f->m2 / (double)f->calls);
        double limit = f->mean + CT_SUM_SIGMAS * sigma;
        qsort(f->keep, f->nkeep, sizeof(f->keep[0]), ct_sum_by_dur);
        for (unsigned k = 0; k < f->nkeep && (double)f->keep[k].dur_ns > limit; k++) {
            const struct ct_sum_slow *c = &f->keep[k];
            const struct ct_sum_thread *t = &s->threads[c->thread];
            if (k == 0) {
                ct_tw_str(w, "  ");
                ct_sum_name(s, f->fn);
                ct_tw_str(w, ": mean ");
                ct_sum_dur_tight(w, (uint64_t)(f->mean + 0.5));
                ct_tw_str(w, ", sigma ");
                ct_sum_dur_tight(w, (uint64_t)(sigma + 0.5));
                ct_tw_str(w, ", ");
                ct_tw_u64(w, f->calls, 0);
                ct_tw_str(w, " calls\n");
            }
            found++;
            ct_tw_str(w, "   ");
            ct_tw_dur(w, c->dur_ns);
            ct_tw_str(w, "  thread ");
            ct_tw_str(w, t->key);
            ct_jw_write(w, " ", 1);
            ct_tw_quoted(w, t->name);
            ct_tw_str(w, " at ");
            ct_sum_dur_tight(w, c->start_ns);
            ct_tw_str(w, ": ");
            ct_sum_path(s, c->stack);
            ct_jw_write(w, "\n", 1);
        }
    }
    if (!found)
        ct_tw_str(w, "  none\n");
}

CT_NOINST static int ct_sum_end(void *st)
{
    struct ct_summary *s = st;
    size_t n = 0;
    struct ct_sum_fn **order = malloc((s->fn_cap ? s->fn_cap : 1) * sizeof(*order));
    if (order) {
        for (size_t id = 1; id < s->fn_cap; id++)
            if (s->fn[id].calls)
                order[n++] = &s->fn[id];
        qsort(order, n, sizeof(*order), ct_sum_by_self);
        ct_tw_header(&s->w, "summary", s->run);
        ct_sum_functions(s, order, n);
        ct_sum_sc_write(s->sc, &s->w, s->run);
        ct_sum_threads(s);
        ct_sum_marks(s);
        ct_sum_outliers(s, order, n);
    }
    int err = ct_jw_finish(&s->w);
    if (!err && (!order || s->nomem || s->calls.nomem))
        err = ENOMEM;
    free(order);
    for (size_t i = 0; i < s->nthreads; i++) {
        free(s->threads[i].key);
        free(s->threads[i].name);
    }
    free(s->threads);
    free(s->marks);
    ct_calls_free(&s->calls);
    ct_stacks_free(&s->fns);
    ct_sum_sc_free(s->sc);
    free(s->fn);
    free(s);
    return err;
}

const struct ct_format_ops ct_fmt_summary = {
    .bit = CT_FMT_SUMMARY,
    .begin = ct_sum_begin,
    .thread_begin = ct_sum_thread_begin,
    .open = ct_sum_open,
    .close = ct_sum_close,
    .mark = ct_sum_mark,
    .thread_end = ct_fmt_skip_thread_end,
    .end = ct_sum_end,
    .syscall = ct_sum_syscall,
};
