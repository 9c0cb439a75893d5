/* threads: every thread its own named tree, exact counts, nothing lost from
 * a thread that exited early, also when buffers spill constantly. */
#include "check_common.h"

static void check_counts(const char *const env[])
{
    struct tu_run r;
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "done\n");
    cJSON *t = load_valid();
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "threads"), 6);
    assert_int_equal((int)tu_num(m, "total_calls"), 1 + 11 + 4 * 100001);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(m, "dropped"), "buffer"), 0);
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof(name), "worker-%d", i);
        cJSON *th = tu_thread_named(t, name);
        if (!th)
            fail_msg("no thread named %s", name);
        cJSON *roots = cJSON_GetObjectItem(th, "root_calls");
        assert_int_equal(cJSON_GetArraySize(roots), 1);
        cJSON *w = cJSON_GetArrayItem(roots, 0);
        assert_string_equal(tu_str(w, "function"), "worker");
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(w, "children")), 100000);
        assert_int_equal(tu_count(roots, "leaf"), 100000);
        assert_int_equal((int)tu_num(th, "calls"), 100001);
        assert_int_not_equal((int)tu_num(th, "thread_id"),
                             (int)tu_num(m, "pid")); /* its own tid */
    }
    cJSON *e = tu_thread_named(t, "early-bird");
    assert_non_null(e);
    cJSON *roots = cJSON_GetObjectItem(e, "root_calls");
    assert_int_equal(tu_count(roots, "early"), 1);
    assert_int_equal(tu_count(roots, "early_step"), 10);
    cJSON *mt = tu_main_thread(t);
    assert_non_null(mt);
    assert_int_equal(tu_count_all(cJSON_GetObjectItem(mt, "root_calls")), 1);
    assert_true(tu_true(cJSON_GetObjectItem(mt, "root_calls")->child, "unfinished") == 0);
    cJSON_Delete(t);

    /* the flush made while the workers ran is a valid, partial trace */
    cJSON *f = load_flushed();
    assert_true(tu_num(cJSON_GetObjectItem(f, "metadata"), "total_calls") <= 1 + 11 + 4 * 100001);
    cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItem(f, "call_trees"))
        assert_true(tu_num(th, "calls") <= 100001);
    cJSON_Delete(f);
    char flushed[4200];
    snprintf(flushed, sizeof(flushed), "%s.flush", g_trace);
    unlink(flushed);
}

static void four_threads_exact_counts(void **state)
{
    (void)state;
    const char *env[] = {"CALLTRACE_PRETTY_JSON=0", NULL};
    check_counts(env);
}

static void four_threads_with_tiny_buffers(void **state)
{
    (void)state;
    const char *env[] = {"CALLTRACE_PRETTY_JSON=0", "CALLTRACE_BUFFER_SIZE=16K", NULL};
    check_counts(env);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(four_threads_exact_counts),
        cmocka_unit_test(four_threads_with_tiny_buffers),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "threads");
}
