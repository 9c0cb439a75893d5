/*
 * ct_tracecheck — validate a calltrace JSON trace and check expectations on it.
 *
 *   ct_tracecheck TRACE.json [--expect-count NAME=N]... [--expect-threads N]
 *                 [--expect-root NAME]... [--expect-function NAME]...
 *
 * The shape is always checked, by the tests' one validator (trace_check.h
 * says what a valid trace is): metadata, call_trees keyed by thread id, every
 * node's fields, times that add up (compared as the integers written, so
 * nanoseconds beyond 2^53 are exact), total_calls and threads that match.
 * Then the expectations:
 *   --expect-count NAME=N   exactly N nodes (all threads) whose function is NAME
 *                           (split at the last '=', so "operator==(...)=1" works)
 *   --expect-threads N      exactly N threads
 *   --expect-root NAME      some thread has a root call named NAME
 *   --expect-function NAME  at least one node is named NAME
 *
 * Exit status: 0 and "ok: N calls, T threads" on stdout; 1 and one line
 * "ct_tracecheck: TRACE: reason" on stderr for a bad trace or a failed
 * expectation; 2 for a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_check.h"

enum { EXIT_BAD = 1, EXIT_USAGE = 2 };

static const char *g_trace_path = "";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "ct_tracecheck: %s: ", g_trace_path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_BAD);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("ct_tracecheck: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nusage: ct_tracecheck TRACE.json [--expect-count NAME=N]... [--expect-threads N]"
          " [--expect-root NAME]... [--expect-function NAME]...\n",
          stderr);
    exit(EXIT_USAGE);
}

static int is_root(const struct tc_trace *t, const char *name)
{
    for (size_t i = 0; i < t->nthreads; i++)
        if (tc_count_roots(&t->threads[i], name) > 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ main */

static int64_t parse_count(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || x < 0)
        usage_error("%s: not a non-negative integer: \"%s\"", what, s);
    return (int64_t)x;
}

enum expect_kind { EXPECT_COUNT, EXPECT_THREADS, EXPECT_ROOT, EXPECT_FUNCTION };

struct expectation {
    enum expect_kind kind;
    const char *name; /* NUL-terminated copy for EXPECT_COUNT */
    int64_t n;
};

int main(int argc, char **argv)
{
    const char *trace = NULL;
    struct expectation *ex = calloc((size_t)argc, sizeof *ex);
    int nex = 0;
    if (!ex)
        usage_error("out of memory");

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            usage_error("validates a calltrace JSON trace");
        bool has_value = strcmp(a, "--expect-count") == 0 || strcmp(a, "--expect-threads") == 0 ||
                         strcmp(a, "--expect-root") == 0 || strcmp(a, "--expect-function") == 0;
        if (has_value) {
            if (i + 1 >= argc)
                usage_error("%s needs a value", a);
            const char *v = argv[++i];
            struct expectation *e = &ex[nex++];
            if (strcmp(a, "--expect-count") == 0) {
                const char *eq = strrchr(v, '=');
                if (!eq || eq == v)
                    usage_error("--expect-count wants NAME=N, got \"%s\"", v);
                char *name = strndup(v, (size_t)(eq - v));
                if (!name)
                    usage_error("out of memory");
                *e = (struct expectation){EXPECT_COUNT, name, parse_count(eq + 1, a)};
            } else if (strcmp(a, "--expect-threads") == 0) {
                *e = (struct expectation){EXPECT_THREADS, NULL, parse_count(v, a)};
            } else if (strcmp(a, "--expect-root") == 0) {
                *e = (struct expectation){EXPECT_ROOT, v, 0};
            } else {
                *e = (struct expectation){EXPECT_FUNCTION, v, 0};
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            usage_error("unknown option \"%s\"", a);
        } else if (trace) {
            usage_error("more than one trace file given");
        } else {
            trace = a;
        }
    }
    if (!trace)
        usage_error("no trace file given");
    g_trace_path = trace;

    struct tc_trace t;
    const char *why = tc_check_file(trace, &t);
    if (why)
        die("%s", why);
    int64_t ntrees = (int64_t)t.nthreads;

    /* expectations */
    for (int i = 0; i < nex; i++) {
        const struct expectation *e = &ex[i];
        switch (e->kind) {
        case EXPECT_COUNT: {
            int64_t n = (int64_t)tc_count_all(&t, e->name);
            if (n != e->n)
                die("expected %" PRId64 " calls of \"%s\", found %" PRId64, e->n, e->name, n);
            break;
        }
        case EXPECT_THREADS:
            if (ntrees != e->n)
                die("expected %" PRId64 " threads, found %" PRId64, e->n, ntrees);
            break;
        case EXPECT_ROOT:
            if (!is_root(&t, e->name))
                die("expected a root call \"%s\", found none", e->name);
            break;
        case EXPECT_FUNCTION:
            if (tc_count_all(&t, e->name) == 0)
                die("expected a call of \"%s\", found none", e->name);
            break;
        }
    }

    printf("ok: %lu calls, %" PRId64 " threads\n", t.nodes, ntrees);
    tc_free(&t);
    for (int i = 0; i < nex; i++)
        if (ex[i].kind == EXPECT_COUNT)
            free((char *)ex[i].name);
    free(ex);
    return 0;
}
