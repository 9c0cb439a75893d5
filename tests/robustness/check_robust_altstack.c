/* robust_altstack: the program's own alternate signal stack stays its own,
 * and its SA_ONSTACK handler (instrumented) runs there. */
#include "check_common.h"

static void check(const char *mode)
{
    struct tu_run r;
    const char *args[] = {mode, NULL};
    run_prog(&r, args, NULL);
    if (r.status != 0)
        fail_msg("exit status %d; stderr: %s", r.status, r.err);
    assert_string_equal(r.err, "");
    int flush = strcmp(mode, "flush") == 0;
    assert_string_equal(r.out, flush ? "main: altstack_kept=1/1 handled=5 on_altstack=5\n"
                                       "flush=0\n"
                                       "thread: altstack_kept=1/1 handled=5 on_altstack=5\n"
                                       "main: altstack_kept=1\n"
                                     : "main: altstack_kept=1/1 handled=5 on_altstack=5\n"
                                       "thread: altstack_kept=1/1 handled=5 on_altstack=5\n"
                                       "main: altstack_kept=1\n");
    cJSON *t = load_valid();
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "threads"), 2);
    /* main 17 calls, the thread 16: every handler call recorded */
    assert_int_equal((int)tu_num(m, "total_calls"), 33);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(m, "dropped"), "reentrant"), 0);
    const cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItem(t, "call_trees")) {
        cJSON *roots = cJSON_GetObjectItem(th, "root_calls");
        assert_int_equal(cJSON_GetArraySize(roots), 1);
        assert_int_equal(tu_count(roots, "handler"), 5);
        assert_int_equal(tu_count(roots, "in_handler"), 5);
        cJSON *ex = tu_find(roots, "exercise");
        assert_non_null(ex);
        /* each handler call where raise() delivered it: inside exercise() */
        const cJSON *k;
        int handlers = 0;
        cJSON_ArrayForEach(k, cJSON_GetObjectItem(ex, "children")) {
            if (strcmp(tu_str(k, "function"), "handler") != 0)
                continue;
            handlers++;
            assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(k, "children")), 1);
        }
        assert_int_equal(handlers, 5);
    }
    cJSON_Delete(t);
}

static void own_altstack_kept(void **state)
{
    (void)state;
    check("");
}

static void own_altstack_kept_across_a_flush(void **state)
{
    (void)state;
    check("flush");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_altstack_kept),
        cmocka_unit_test(own_altstack_kept_across_a_flush),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "altstack");
}
