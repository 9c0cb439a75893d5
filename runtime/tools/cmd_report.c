/* cmd_report.c — `calltrace report FILE`: one line per function: calls,
 * total, self, average, min and max time (a recursive function's total
 * counts its outermost activations once; average, min and max are over
 * every call), threads merged or one table per thread, sorted by any
 * column; or the callers or the callees of one function. */
#include <stdlib.h>
#include <string.h>

#include "tools/cmd.h"

static void report_usage(FILE *to)
{
    fputs("usage: calltrace report [OPTIONS] FILE\n"
          "Per-function time of the trace FILE (.json or .ctraw): calls, total (a recursive\n"
          "function's outermost calls once), self (less what it called), avg, min, max.\n"
          "  --sort COL        calls, total (default), self, avg, min, max or name\n"
          "  --top N           the first N lines only\n"
          "  --per-thread      one table per thread (default: threads merged)\n"
          "  --callers F       who called F: per caller, the calls of F and their time\n"
          "  --callees F       what F called: per callee, its calls from F and their time\n"
          "  --ns              durations in nanoseconds\n"
          "  --no-pager        never through $PAGER (it is used on a terminal)\n",
          to);
}

enum report_col { RC_CALLS, RC_TOTAL, RC_SELF, RC_AVG, RC_MIN, RC_MAX, RC_NAME };
static const char *const report_cols[] = {"calls", "total", "self", "avg", "min", "max", "name"};

struct report_frame {
    const char *fn;
    uint64_t kids_ns;
    struct ct_fstat *f;
};

struct report_ctx {
    FILE *out;
    enum report_col sort;
    uint64_t top;
    bool per_thread, raw_ns;
    const char *callers, *callees;
    struct ct_stats s;
    struct report_frame *st;
    size_t cap;
    bool oom;
};

static uint64_t report_key(const struct ct_fstat *f, enum report_col c)
{
    switch (c) {
    case RC_CALLS: return f->calls;
    case RC_TOTAL: return f->total_ns;
    case RC_SELF: return f->self_ns;
    case RC_AVG: return f->calls ? (f->sum_ns + f->calls / 2) / f->calls : 0;
    case RC_MIN: return f->calls ? f->min_ns : 0;
    case RC_MAX: return f->max_ns;
    default: return 0;
    }
}

static enum report_col report_sort_col;

static int report_cmp(const void *a, const void *b)
{
    const struct ct_fstat *x = *(const struct ct_fstat *const *)a;
    const struct ct_fstat *y = *(const struct ct_fstat *const *)b;
    if (report_sort_col != RC_NAME) {
        uint64_t kx = report_key(x, report_sort_col), ky = report_key(y, report_sort_col);
        if (kx != ky)
            return kx > ky ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

static void report_table(struct report_ctx *x, const char *title)
{
    struct ct_fstat **v = ct_stats_list(&x->s);
    if (!v) {
        x->oom = true;
        return;
    }
    report_sort_col = x->sort;
    qsort(v, x->s.n, sizeof(*v), report_cmp);
    if (title)
        fprintf(x->out, "%s\n", title);
    fprintf(x->out, "%10s %11s %11s %11s %11s %11s  %s\n", "calls", "total", "self", "avg", "min",
            "max", x->callers ? "caller" : x->callees ? "callee" : "function");
    for (size_t i = 0; i < x->s.n && (!x->top || i < x->top); i++) {
        char d[5][40];
        for (int c = RC_TOTAL; c <= RC_MAX; c++)
            ct_cmd_dur(d[c - 1], sizeof(d[0]), report_key(v[i], (enum report_col)c), x->raw_ns);
        fprintf(x->out, "%10llu %11s %11s %11s %11s %11s  %s\n", (unsigned long long)v[i]->calls,
                d[0], d[1], d[2], d[3], d[4], v[i]->name);
    }
    free(v);
}

static void report_open(void *ctx, const struct ct_call *c)
{
    struct report_ctx *x = ctx;
    if (c->depth >= x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        struct report_frame *st = realloc(x->st, cap * sizeof(*st));
        if (!st) {
            x->oom = true;
            return;
        }
        x->st = st;
        x->cap = cap;
    }
    struct report_frame *f = &x->st[c->depth];
    *f = (struct report_frame){.fn = c->function};
    const char *parent = c->depth ? x->st[c->depth - 1].fn : "<root>";
    const char *key = NULL;
    if (x->callers)
        key = strcmp(c->function, x->callers) == 0 ? parent : NULL;
    else if (x->callees)
        key = strcmp(parent, x->callees) == 0 ? c->function : NULL;
    else
        key = c->function;
    if (key && !(f->f = ct_stats_get(&x->s, key)))
        x->oom = true;
    if (f->f)
        f->f->open++;
}

static void report_close(void *ctx, const struct ct_call *c)
{
    struct report_ctx *x = ctx;
    if (c->depth >= x->cap)
        return;
    struct report_frame *f = &x->st[c->depth];
    if (f->f) {
        if (x->callers || x->callees)
            f->f->open = 1; /* these tables add the time of every call they list */
        ct_stats_close(f->f, c->duration_ns,
                       c->duration_ns > f->kids_ns ? c->duration_ns - f->kids_ns : 0);
    }
    if (c->depth)
        x->st[c->depth - 1].kids_ns += c->duration_ns;
}

static void report_thread_begin(void *ctx, const struct ct_thread *th)
{
    struct report_ctx *x = ctx;
    (void)th;
    if (x->per_thread)
        ct_stats_free(&x->s);
}

static void report_thread_end(void *ctx, const struct ct_thread *th)
{
    struct report_ctx *x = ctx;
    if (!x->per_thread)
        return;
    char title[256];
    snprintf(title, sizeof(title), "# thread %llu \"%s\": %llu calls", (unsigned long long)th->tid,
             th->name, (unsigned long long)th->calls);
    report_table(x, title);
}

static int report_option(struct report_ctx *x, int argc, char **argv, int *i, bool *page)
{
    bool bad = false;
    const char *v;
    if ((v = ct_cmd_opt(argc, argv, i, "--sort", "-s", &bad))) {
        for (x->sort = RC_CALLS; x->sort <= RC_NAME; x->sort++)
            if (strcmp(v, report_cols[x->sort]) == 0)
                return 0;
        return ct_cmd_err("--sort '%s': one of calls, total, self, avg, min, max, name", v), -1;
    }
    if ((v = ct_cmd_opt(argc, argv, i, "--top", "-n", &bad))) {
        if (ct_cmd_parse_u64(v, &x->top) || !x->top)
            return ct_cmd_err("--top '%s' is not a number from 1", v), -1;
    } else if ((v = ct_cmd_opt(argc, argv, i, "--callers", NULL, &bad))) {
        x->callers = v;
    } else if ((v = ct_cmd_opt(argc, argv, i, "--callees", NULL, &bad))) {
        x->callees = v;
    } else if (strcmp(argv[*i], "--per-thread") == 0) {
        x->per_thread = true;
    } else if (strcmp(argv[*i], "--ns") == 0) {
        x->raw_ns = true;
    } else if (strcmp(argv[*i], "--no-pager") == 0) {
        *page = false;
    } else {
        return bad ? -1 : 1;
    }
    return 0;
}

int ct_cmd_report(int argc, char **argv)
{
    struct report_ctx x = {.sort = RC_TOTAL};
    const char *file = NULL;
    bool page = true;
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            report_usage(stdout);
            return CT_CMD_OK;
        }
        rc = report_option(&x, argc, argv, &i, &page);
        if (rc == 1 && argv[i][0] != '-' && !file)
            file = argv[i], rc = 0;
    }
    if (rc == 1 || (rc == 0 && !file) || (x.callers && x.callees)) {
        report_usage(stderr);
        return CT_CMD_USAGE;
    }
    if (rc)
        return CT_CMD_USAGE;
    struct ct_cmd_trace t;
    const char *path = ct_cmd_open_trace(&t, file);
    if (!path)
        return CT_CMD_ERR;
    x.out = ct_cmd_out(page);
    struct ct_trace_cb cb = {.ctx = &x, .thread_begin = report_thread_begin, .open = report_open,
                             .close = report_close, .thread_end = report_thread_end};
    rc = ct_trace_read(path, &cb, NULL);
    ct_cmd_close_trace(&t);
    if (rc == 0 && !x.per_thread)
        report_table(&x, NULL);
    if (x.oom)
        ct_cmd_err("out of memory"), rc = -1;
    if (ct_cmd_out_close(x.out) != 0)
        rc = -1;
    free(x.st);
    ct_stats_free(&x.s);
    return rc ? CT_CMD_ERR : CT_CMD_OK;
}
