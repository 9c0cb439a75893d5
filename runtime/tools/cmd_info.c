/* cmd_info.c — `calltrace info FILE`: what a trace holds, one item a line:
 * the program, pid, start, duration, calls, threads (each with its calls),
 * whether it is complete, what was lost or left out, how the process ended
 * and how it was recorded. */
#include <stdlib.h>
#include <string.h>

#include "tools/cmd.h"

static void info_usage(FILE *to)
{
    fputs("usage: calltrace info [--ns] FILE\n"
          "Describes the trace FILE (.json, or an event file .ctraw): the program, its pid,\n"
          "when it started, how long it ran, its calls and threads, what was dropped or\n"
          "filtered, how it ended (exit, crash, signal) and how it was recorded.\n"
          "  --ns   durations in nanoseconds\n",
          to);
}

struct info_ctx {
    FILE *out;
    bool ns;
    uint64_t threads;
};

static void info_thread(void *ctx, const struct ct_thread *th)
{
    struct info_ctx *x = ctx;
    x->threads++;
    uint64_t unf = ct_jv_u64(th->rest, "unfinished_calls");
    uint64_t unw = ct_jv_u64(th->rest, "unwound_calls");
    const struct ct_jv *marks = ct_jv_get(th->rest, "marks");
    uint64_t nm = marks && marks->type == CT_JV_ARR ? marks->n : 0;
    fprintf(x->out, "  thread %llu \"%s\": %llu calls", (unsigned long long)th->tid, th->name,
            (unsigned long long)th->calls);
    if (nm)
        fprintf(x->out, ", %llu marks", (unsigned long long)nm);
    if (unf)
        fprintf(x->out, ", %llu unfinished", (unsigned long long)unf);
    if (unw)
        fprintf(x->out, ", %llu unwound", (unsigned long long)unw);
    fputc('\n', x->out);
}

/* "none" or "depth 3, buffer 10": the non-zero counters of an object. */
static void info_counts(FILE *out, const char *label, const struct ct_jv *obj)
{
    fprintf(out, "%-12s ", label);
    bool any = false;
    for (size_t i = 0; obj && obj->type == CT_JV_OBJ && i < obj->n; i++)
        if (obj->items[i]->type == CT_JV_NUM && strcmp(obj->items[i]->s, "0") != 0) {
            fprintf(out, "%s%s %s", any ? ", " : "", obj->keys[i], obj->items[i]->s);
            any = true;
        }
    fputs(any ? "\n" : "none\n", out);
}

static void info_ending(FILE *out, const struct ct_jv *m)
{
    const struct ct_jv *e = ct_jv_get(m, "crash");
    bool crash = e != NULL;
    if (!e)
        e = ct_jv_get(m, "terminated_by");
    fprintf(out, "%-12s ", "ended");
    if (!e) {
        fputs(ct_jv_true(m, "complete") ? "exit\n" : "still running (a flush)\n", out);
        return;
    }
    fprintf(out, "%s %s", crash ? "crash:" : "terminated by", ct_jv_str(e, "name"));
    if (crash && ct_jv_str(e, "fault_address"))
        fprintf(out, " at %s", ct_jv_str(e, "fault_address"));
    fprintf(out, " in thread %llu\n", (unsigned long long)ct_jv_u64(e, "thread_id"));
    const struct ct_jv *st = ct_jv_get(e, "stack");
    for (size_t i = 0; st && st->type == CT_JV_ARR && i < st->n; i++)
        fprintf(out, "  %s  %s:%llu\n", ct_jv_str(st->items[i], "function"),
                ct_jv_str(st->items[i], "file"),
                (unsigned long long)ct_jv_u64(st->items[i], "line"));
}

static void info_meta(struct info_ctx *x, const struct ct_jv *m, const char *threads)
{
    FILE *out = x->out;
    char d[40];
    fprintf(out, "%-12s %s\n", "executable", ct_jv_str(m, "executable"));
    fprintf(out, "%-12s %llu\n", "pid", (unsigned long long)ct_jv_u64(m, "pid"));
    fprintf(out, "%-12s %s\n", "started", ct_jv_str(m, "timestamp"));
    fprintf(out, "%-12s %s\n", "duration",
            ct_cmd_dur(d, sizeof(d), ct_jv_u64(m, "duration_ns"), x->ns));
    fprintf(out, "%-12s %llu\n", "calls", (unsigned long long)ct_jv_u64(m, "total_calls"));
    fprintf(out, "%-12s %llu\n", "threads", (unsigned long long)x->threads);
    fputs(threads, out);
    fprintf(out, "%-12s %s%s\n", "complete", ct_jv_true(m, "complete") ? "yes" : "no",
            ct_jv_true(m, "truncated") ? ", truncated" : "");
    info_counts(out, "dropped", ct_jv_get(m, "dropped"));
    info_counts(out, "filtered", ct_jv_get(m, "filtered"));
    if (ct_jv_get(m, "max_calls"))
        fprintf(out, "%-12s %llu (%llu calls not written)\n", "max calls",
                (unsigned long long)ct_jv_u64(m, "max_calls"),
                (unsigned long long)ct_jv_u64(m, "calls_not_written"));
    info_ending(out, m);
    fprintf(out, "%-12s clock %s, max depth %llu, arguments %s\n", "recorded",
            ct_jv_str(m, "clock") ? ct_jv_str(m, "clock") : "?",
            (unsigned long long)ct_jv_u64(m, "max_depth"),
            ct_jv_true(m, "capture_args") ? "yes" : "no");
    if (ct_jv_str(m, "host"))
        fprintf(out, "%-12s %s\n", "host", ct_jv_str(m, "host"));
    if (ct_jv_str(m, "traceparent"))
        fprintf(out, "%-12s %s\n", "traceparent", ct_jv_str(m, "traceparent"));
    fprintf(out, "%-12s calltrace %s\n", "written by", ct_jv_str(m, "version"));
}

int ct_cmd_info(int argc, char **argv)
{
    struct info_ctx x = {.out = stdout};
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            info_usage(stdout);
            return CT_CMD_OK;
        } else if (strcmp(argv[i], "--ns") == 0) {
            x.ns = true;
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else {
            info_usage(stderr);
            return CT_CMD_USAGE;
        }
    }
    if (!file) {
        info_usage(stderr);
        return CT_CMD_USAGE;
    }
    struct ct_cmd_trace t;
    const char *path = ct_cmd_open_trace(&t, file);
    if (!path)
        return CT_CMD_ERR;
    /* the threads' lines are gathered first: the metadata leads */
    char *threads = NULL;
    size_t tlen = 0;
    x.out = open_memstream(&threads, &tlen);
    struct ct_trace_cb cb = {.ctx = &x, .thread_end = info_thread};
    struct ct_jv *meta = NULL;
    int rc = x.out ? ct_trace_read(path, &cb, &meta) : -1;
    ct_cmd_close_trace(&t);
    if (x.out)
        fclose(x.out);
    if (rc == 0) {
        x.out = stdout;
        info_meta(&x, meta, threads);
    }
    free(threads);
    ct_jv_free(meta);
    if (rc == 0 && ct_cmd_out_close(stdout) != 0)
        rc = -1;
    return rc ? CT_CMD_ERR : CT_CMD_OK;
}
