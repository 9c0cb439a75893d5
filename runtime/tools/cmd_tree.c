/* cmd_tree.c — `calltrace tree FILE`: the call tree as text, like the text
 * view (`uftrace replay`), with filters applied after the fact.
 *
 * A call's line is written once it is known to be shown: a call hidden by
 * a filter leaves its children to its nearest shown caller; a call shorter
 * than --min-duration is hidden with everything under it (all shorter
 * still). An open line "f() {" is written when the first shown descendant
 * is, and a call with none is one line "f();". Memory: one frame per
 * nesting level. */
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "tools/cmd.h"

static void tree_usage(FILE *to)
{
    fputs("usage: calltrace tree [OPTIONS] FILE [PATTERN...]\n"
          "Prints the call tree of the trace FILE (.json or .ctraw), one thread after the\n"
          "other. PATTERNs (or --filter LIST) choose the calls shown, as CALLTRACE_FILTER\n"
          "does: 'parse_*' only inside matching calls, '!debug_*' hides a call but keeps\n"
          "what it called, '!noisy/**' hides it with everything under it, '/regex/'.\n"
          "  --filter LIST         a comma list of patterns (repeatable)\n"
          "  --depth N             calls nested at most N deep (1: the outermost shown)\n"
          "  --min-duration D      hides calls shorter than D (500ns, 10us, 2ms, 1s)\n"
          "  --tid TID             one thread\n"
          "  --time-range A-B      calls starting between A and B since the start (A- or -B)\n"
          "  --no-args             without argument and return values\n"
          "  --ns                  durations in nanoseconds\n"
          "  --no-pager            never through $PAGER (it is used on a terminal)\n",
          to);
}

struct tree_frame {
    const char *fn;
    const struct ct_jv *args;
    unsigned eff_depth; /* shown callers */
    bool shown, printed, inside, tree_out;
};

struct tree_ctx {
    FILE *out;
    struct ct_pats pats;
    unsigned max_depth; /* 0: any */
    uint64_t min_ns, t0, t1, tid;
    bool one_tid, raw_ns, no_args, thread_shown;
    struct tree_frame *st;
    size_t cap, settled; /* frames [0, settled) have their open line written if shown */
};

static void tree_args(struct tree_ctx *x, const struct ct_jv *args)
{
    fputc('(', x->out);
    for (size_t i = 0; !x->no_args && args && args->type == CT_JV_ARR && i < args->n; i++) {
        const char *name = ct_jv_str(args->items[i], "name");
        fprintf(x->out, "%s%s=", i ? ", " : "", name ? name : "?");
        ct_jv_value_text(x->out, args->items[i]);
    }
    fputc(')', x->out);
}

static void tree_indent(struct tree_ctx *x, const char *dur, unsigned depth)
{
    fprintf(x->out, "%10s | %*s", dur, (int)(2 * depth), "");
}

static void tree_settle(struct tree_ctx *x, unsigned depth)
{
    for (size_t i = x->settled; i < depth; i++) {
        struct tree_frame *f = &x->st[i];
        if (f->shown && !f->printed) {
            tree_indent(x, "", f->eff_depth);
            fputs(f->fn, x->out);
            tree_args(x, f->args);
            fputs(" {\n", x->out);
            f->printed = true;
        }
    }
    if (depth > x->settled)
        x->settled = depth;
}

static void tree_open(void *ctx, const struct ct_call *c)
{
    struct tree_ctx *x = ctx;
    if (c->depth >= x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        struct tree_frame *st = realloc(x->st, cap * sizeof(*st));
        if (!st) {
            ct_cmd_err("out of memory");
            exit(CT_CMD_ERR);
        }
        x->st = st;
        x->cap = cap;
    }
    const struct tree_frame *p = c->depth ? &x->st[c->depth - 1] : NULL;
    struct tree_frame *f = &x->st[c->depth];
    *f = (struct tree_frame){.fn = c->function, .args = c->args};
    f->tree_out = p && p->tree_out;
    f->inside = p && p->inside;
    f->eff_depth = p ? p->eff_depth + p->shown : 0;
    enum ct_pat_verdict v = ct_pats_match(&x->pats, c->function);
    if (v == CT_PAT_EXCLUDE_TREE)
        f->tree_out = true;
    if (v == CT_PAT_INCLUDE)
        f->inside = true;
    f->shown = x->thread_shown && !f->tree_out && (!x->pats.any_include || f->inside) &&
               v != CT_PAT_EXCLUDE && c->start_ns >= x->t0 && c->start_ns <= x->t1 &&
               (!x->max_depth || f->eff_depth < x->max_depth);
    if (x->settled > c->depth)
        x->settled = c->depth;
}

static void tree_close(void *ctx, const struct ct_call *c)
{
    struct tree_ctx *x = ctx;
    struct tree_frame *f = &x->st[c->depth];
    if (x->settled > c->depth + 1u)
        x->settled = c->depth + 1u;
    if (!f->shown || c->duration_ns < x->min_ns)
        return;
    tree_settle(x, c->depth);
    char dur[40];
    tree_indent(x, ct_cmd_dur(dur, sizeof(dur), c->duration_ns, x->raw_ns), f->eff_depth);
    if (f->printed) {
        fputc('}', x->out);
    } else {
        fputs(f->fn, x->out);
        tree_args(x, f->args);
    }
    if (c->ret && !x->no_args) {
        fputs(" = ", x->out);
        ct_jv_value_text(x->out, c->ret);
    }
    if (f->printed)
        fprintf(x->out, " /* %s */", f->fn);
    else
        fputc(';', x->out);
    if (c->unfinished)
        fputs(" [unfinished]", x->out);
    if (c->unwound)
        fputs(" [unwound]", x->out);
    fputc('\n', x->out);
}

static void tree_thread(void *ctx, const struct ct_thread *th)
{
    struct tree_ctx *x = ctx;
    x->thread_shown = !x->one_tid || th->tid == x->tid;
    x->settled = 0;
    if (x->thread_shown)
        fprintf(x->out, "# thread %llu \"%s\": %llu calls\n", (unsigned long long)th->tid,
                th->name, (unsigned long long)th->calls);
}

/* "A-B", "A-", "-B": durations since the trace's start. */
static int tree_range(const char *s, uint64_t *t0, uint64_t *t1)
{
    const char *dash = strchr(s, '-');
    if (!dash)
        return -1;
    char a[64];
    snprintf(a, sizeof(a), "%.*s", (int)(dash - s), s);
    if (a[0] && ct_parse_duration(a, t0) != 0)
        return -1;
    if (dash[1] && ct_parse_duration(dash + 1, t1) != 0)
        return -1;
    return *t0 <= *t1 ? 0 : -1;
}

/* One option at argv[*i]: 0, 1 (not an option of tree's) or -1 (bad). */
static int tree_option(struct tree_ctx *x, int argc, char **argv, int *i, bool *page)
{
    bool bad = false;
    const char *v;
    uint64_t n;
    if ((v = ct_cmd_opt(argc, argv, i, "--filter", "-F", &bad)))
        return ct_pats_add(&x->pats, v);
    if ((v = ct_cmd_opt(argc, argv, i, "--depth", "-d", &bad))) {
        if (ct_cmd_parse_u64(v, &n) || n == 0 || n > 1000000)
            return ct_cmd_err("--depth '%s' is not a number from 1", v), -1;
        x->max_depth = (unsigned)n;
    } else if ((v = ct_cmd_opt(argc, argv, i, "--min-duration", NULL, &bad))) {
        if (ct_parse_duration(v, &x->min_ns) != 0)
            return ct_cmd_err("--min-duration '%s' is not a duration (500ns, 10us, 2ms)", v), -1;
    } else if ((v = ct_cmd_opt(argc, argv, i, "--tid", NULL, &bad))) {
        if (ct_cmd_parse_u64(v, &x->tid))
            return ct_cmd_err("--tid '%s' is not a thread id", v), -1;
        x->one_tid = true;
    } else if ((v = ct_cmd_opt(argc, argv, i, "--time-range", NULL, &bad))) {
        if (tree_range(v, &x->t0, &x->t1) != 0)
            return ct_cmd_err("--time-range '%s' is not A-B (e.g. 1ms-5ms, 2ms-)", v), -1;
    } else if (strcmp(argv[*i], "--no-args") == 0) {
        x->no_args = true;
    } else if (strcmp(argv[*i], "--ns") == 0) {
        x->raw_ns = true;
    } else if (strcmp(argv[*i], "--no-pager") == 0) {
        *page = false;
    } else {
        return bad ? -1 : 1;
    }
    return 0;
}

int ct_cmd_tree(int argc, char **argv)
{
    struct tree_ctx x = {.t1 = UINT64_MAX};
    const char *file = NULL;
    bool page = true;
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            tree_usage(stdout);
            ct_pats_free(&x.pats);
            return CT_CMD_OK;
        }
        rc = tree_option(&x, argc, argv, &i, &page);
        if (rc == 1 && argv[i][0] == '-')
            rc = -2;
        else if (rc == 1 && !file)
            file = argv[i], rc = 0;
        else if (rc == 1)
            rc = ct_pats_add(&x.pats, argv[i]);
    }
    if (rc == -2 || (rc == 0 && !file)) {
        tree_usage(stderr);
        ct_pats_free(&x.pats);
        return CT_CMD_USAGE;
    }
    struct ct_cmd_trace t;
    const char *path = rc == 0 ? ct_cmd_open_trace(&t, file) : NULL;
    if (path) {
        x.out = ct_cmd_out(page);
        struct ct_trace_cb cb = {
            .ctx = &x, .thread_begin = tree_thread, .open = tree_open, .close = tree_close};
        rc = ct_trace_read(path, &cb, NULL);
        ct_cmd_close_trace(&t);
        if (ct_cmd_out_close(x.out) != 0)
            rc = -1;
    }
    free(x.st);
    ct_pats_free(&x.pats);
    return path && rc == 0 ? CT_CMD_OK : rc == -1 && !path && !file ? CT_CMD_USAGE : CT_CMD_ERR;
}
