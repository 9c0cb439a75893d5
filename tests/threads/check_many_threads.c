/* many threads: 64 threads x 100000 leaf calls, nothing lost. The trace
 * (about 6.4 million calls, a gigabyte of JSON) is validated in one
 * streaming pass instead of through cJSON. */
#include <sys/stat.h>

#include "check_common.h"

#define THREADS 64

/* Runs 64 threads of `calls` leaf calls each and checks the trace. */
static void check_threads(unsigned long calls, const char *const env[])
{
    struct tu_run r;
    char arg[32];
    snprintf(arg, sizeof(arg), "%lu", calls);
    const char *args[] = {arg, NULL};
    run_prog(&r, args, env);
    if (r.status != 0)
        fail_msg("exit status %d; stderr: %s", r.status, r.err);
    char want[64];
    snprintf(want, sizeof(want), "threads=64 calls=%lu\n", THREADS * calls);
    assert_string_equal(r.out, want);
    assert_string_equal(r.err, "");

    struct tc_trace t;
    const char *why = tc_check_file(g_trace, &t);
    unlink(g_trace); /* up to a gigabyte: do not leave it behind */
    if (why)
        fail_msg("%s: %s", g_trace, why);
    const cJSON *m = t.metadata;
    assert_int_equal((long)tu_num(m, "threads"), THREADS + 1);
    assert_int_equal(t.nthreads, THREADS + 1);
    assert_int_equal((long)tu_num(m, "total_calls"), 1 + THREADS * (calls + 1));
    assert_true(tu_true(m, "complete"));
    assert_false(tu_true(m, "truncated"));
    const cJSON *dropped = cJSON_GetObjectItem(m, "dropped");
    static const char *const kinds[] = {"depth", "reentrant", "buffer", "untraced_threads"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
        if (tu_num(dropped, kinds[i]) != 0)
            fail_msg("metadata.dropped.%s is %.0f", kinds[i], tu_num(dropped, kinds[i]));

    /* every worker exactly once, each with its own thread id and exact counts */
    int seen[THREADS] = {0};
    unsigned long leaves = 0;
    for (size_t i = 0; i < t.nthreads; i++) {
        const struct tc_thread *th = &t.threads[i];
        const char *name = tu_str(th->fields, "name");
        assert_non_null(name);
        assert_int_equal(th->unwound + th->unfinished, 0);
        if (tu_num(th->fields, "thread_id") == tu_num(m, "pid")) {
            assert_int_equal(th->nodes, 1);
            assert_string_equal(th->first_root, "main");
            continue;
        }
        int id = -1;
        if (sscanf(name, "rw-%d", &id) != 1 || id < 0 || id >= THREADS)
            fail_msg("unexpected thread named %s", name);
        if (seen[id]++)
            fail_msg("two call trees for %s", name);
        assert_int_equal(th->roots, 1);
        assert_string_equal(th->first_root, "worker");
        assert_int_equal(tc_count(th, "worker"), 1);
        assert_int_equal(tc_count(th, "leaf"), calls);
        assert_int_equal(th->nodes, calls + 1);
        assert_int_equal((long)tu_num(th->fields, "calls"), calls + 1);
        const cJSON *d = cJSON_GetObjectItem(th->fields, "dropped");
        assert_int_equal((long)(tu_num(d, "depth") + tu_num(d, "reentrant") + tu_num(d, "buffer")), 0);
        leaves += tc_count(th, "leaf");
    }
    for (int i = 0; i < THREADS; i++)
        if (!seen[i])
            fail_msg("no call tree for rw-%02d", i);
    assert_int_equal(leaves, THREADS * calls);
    tc_free(&t);
}

static void sixty_four_threads_lose_nothing(void **state)
{
    (void)state;
#ifdef __SANITIZE_THREAD__
    /* Under TSan, formatting a gigabyte of JSON takes minutes (the writer
     * is instrumented byte by byte) and races nothing: it runs after the
     * joins. The races live in recording, hand-off and the writer thread:
     * all 6.4 million calls go through them, into the raw event file, and
     * TSan (halt_on_error) would end the program and print on stderr. The
     * JSON of the same volume is checked in the other builds, and that of
     * the tiny-buffer case below in this one too. */
    struct tu_run r;
    const char *args[] = {"100000", NULL};
    const char *env[] = {"CALLTRACE_FORMAT=raw", NULL};
    run_prog(&r, args, env);
    if (r.status != 0)
        fail_msg("exit status %d; stderr: %.2000s", r.status, r.err);
    assert_string_equal(r.out, "threads=64 calls=6400000\n");
    assert_string_equal(r.err, "");
    char raw[4200];
    snprintf(raw, sizeof(raw), "%.*s.ctraw", (int)(strlen(g_trace) - 5), g_trace);
    struct stat st;
    assert_int_equal(stat(raw, &st), 0);
    assert_true(st.st_size > 64 * 100000); /* packed, but more than a byte a call */
    unlink(raw);
#else
    const char *env[] = {"CALLTRACE_PRETTY_JSON=0", NULL};
    check_threads(100000, env);
#endif
}

/* 16K buffers: every thread hands a buffer to the writer every ~250 calls,
 * 64 threads at once, 16 running at a time. */
static void sixty_four_threads_tiny_buffers(void **state)
{
    (void)state;
    const char *env[] = {"CALLTRACE_PRETTY_JSON=0", "CALLTRACE_BUFFER_SIZE=16K", NULL};
    check_threads(10000, env);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sixty_four_threads_lose_nothing),
        cmocka_unit_test(sixty_four_threads_tiny_buffers),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "many_threads");
}
