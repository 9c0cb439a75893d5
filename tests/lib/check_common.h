/* check_common.h — what every e2e checker shares (cmocka): the program under
 * test is argv[1]; each run writes its trace next to it, under a name of the
 * checker's group (<program>.<group>.trace.json), so that the checkers of
 * several features can run the same program at the same time. */
#ifndef CT_CHECK_COMMON_H
#define CT_CHECK_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace_check.h"
#include "trace_util.h"

static const char *g_prog;
static char g_trace[4096];

/* Runs g_prog with args and env, trace in g_trace; asserts it ran. */
static inline void run_prog(struct tu_run *r, const char *const args[], const char *const env[])
{
    char *argv[16] = {(char *)g_prog};
    size_t i = 0;
    for (; args && i < 14 && args[i]; i++)
        argv[i + 1] = (char *)args[i];
    argv[i + 1] = NULL;
    char outvar[4200];
    snprintf(outvar, sizeof(outvar), "CALLTRACE_OUTPUT=%s", g_trace);
    const char *full[32] = {outvar, "CALLTRACE_START", "CALLTRACE_MAX_DEPTH",
                            "CALLTRACE_PRETTY_JSON", "CALLTRACE_BUFFER_SIZE",
                            "CALLTRACE_CAPTURE_ARGS", "CALLTRACE_DEBUG"};
    size_t n = 7;
    for (size_t k = 0; env && env[k] && n < 31; k++)
        full[n++] = env[k];
    full[n] = NULL;
    unlink(g_trace);
    assert_int_equal(tu_run(r, argv, full), 0);
}

/* A test that cannot run here (not root, no setpriv...) is skipped, and
 * says why; in CI (CI set in the environment) it fails instead: a skip
 * there would pass what was never tested. */
#define skip_unless_ci(why)                                                                  \
    do {                                                                                     \
        const char *ci_ = getenv("CI");                                                      \
        if (ci_ && *ci_)                                                                     \
            fail_msg("cannot run in CI: %s", (why));                                         \
        print_message("SKIP: %s\n", (why));                                                  \
        skip();                                                                              \
    } while (0)

/* A whole file as a NUL-terminated string (free it); fails the test if unreadable. */
static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Asserts that `path` is a valid trace (trace_check.h) and loads it. */
static inline cJSON *load_valid_at(const char *path)
{
    const char *why = tc_check_file(path, NULL);
    if (why)
        fail_msg("%s: %s", path, why);
    cJSON *t = tu_load(path);
    assert_non_null(t);
    return t;
}

/* Loads g_trace and asserts it is a valid trace. */
static inline cJSON *load_valid(void)
{
    return load_valid_at(g_trace);
}

/* The copy of the trace the program made right after a mid-run flush
 * (<trace>.flush), asserted valid and incomplete. */
static inline cJSON *load_flushed(void)
{
    char flushed[4200];
    snprintf(flushed, sizeof(flushed), "%s.flush", g_trace);
    cJSON *f = load_valid_at(flushed);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "metadata"), "complete")));
    return f;
}

/* Runs g_prog with one argument `mode` (none when NULL) and `env`, asserts
 * its exit status, and returns its trace, asserted valid. */
static inline cJSON *run_mode(struct tu_run *r, const char *mode, const char *const env[],
                              int status)
{
    const char *args[] = {mode, NULL};
    run_prog(r, mode ? args : NULL, env);
    if (r->status != status)
        fail_msg("%s: exit status %d, want %d; stderr: %s", mode ? mode : "(no argument)",
                 r->status, status, r->err);
    return load_valid();
}

/* metadata.<key> of a trace, or NULL. */
static inline const cJSON *meta_item(const cJSON *t, const char *key)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), key);
}

/* A program's stderr holds nothing of calltrace's but, when the trace
 * `t` counts losses, the one line the runtime prints at exit, with those
 * same counts. */
static inline void expect_stderr_losses(const char *err, const cJSON *t)
{
    const cJSON *d = cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), "dropped");
    long depth = (long)tu_num(d, "depth"), re = (long)tu_num(d, "reentrant");
    long buf = (long)tu_num(d, "buffer"), un = (long)tu_num(d, "untraced_threads");
    if (!depth && !re && !buf && !un) {
        assert_string_equal(err, "");
        return;
    }
    static const char head[] = "calltrace: the trace is incomplete; ";
    if (strncmp(err, head, sizeof(head) - 1) != 0 || strchr(err, '\n') != err + strlen(err) - 1)
        fail_msg("stderr is not the one loss line: %s", err);
    char part[96];
    const struct { long n; const char *what; } parts[] = {
        {depth, "calls deeper than"}, {buf, "events of full buffers"},
        {re, "events that came while the runtime was busy"}, {un, "threads not traced"}};
    for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
        snprintf(part, sizeof(part), "; %ld %s", parts[i].n, parts[i].what);
        if ((parts[i].n != 0) != (strstr(err, part) != NULL))
            fail_msg("the loss line and the trace disagree on \"%s\": %s", parts[i].what, err);
    }
}

/* `err` without the loss line of expect_stderr_losses(), into out. */
static inline const char *without_loss_line(const char *err, char *out, size_t cap)
{
    static const char head[] = "calltrace: the trace is incomplete; ";
    size_t n = 0;
    for (const char *l = err; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) + 1 : strlen(l);
        if (strncmp(l, head, sizeof(head) - 1) != 0 && n + len < cap) {
            memcpy(out + n, l, len);
            n += len;
        }
        l += len;
    }
    out[n] = '\0';
    return out;
}

/* Asserts the shape of the main thread's tree (tu_shape(): "a{b c{d}} e"). */
static inline void assert_shape(const cJSON *t, const char *want)
{
    const cJSON *th = tu_main_thread(t);
    assert_non_null(th);
    char got[4096] = "";
    tu_shape(cJSON_GetObjectItem(th, "root_calls"), got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("tree\n  got:  %s\n  want: %s", got, want);
}

/* The checker's main: argv[1] is the program; `group` names the run in
 * cmocka's output and in the trace's file name. */
static inline int check_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n,
                             const char *group)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PROGRAM\n", argv[0]);
        return 2;
    }
    g_prog = argv[1];
    char name[160];
    snprintf(name, sizeof(name), "%.150s", group);
    for (char *c = name; *c; c++)
        if (*c == ' ' || *c == '/')
            *c = '_';
    snprintf(g_trace, sizeof(g_trace), "%s.%s.trace.json", g_prog, name);
    return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}

#endif
