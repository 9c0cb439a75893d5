/* robust_ucontext: coroutines switched with swapcontext(). Their calls do
 * not nest the way the hooks see them; the trace must still be a valid tree
 * holding every call exactly once. */
#include "check_common.h"

static void coroutines_keep_the_tree_valid(void **state)
{
    (void)state;
    struct tu_run r;
    run_prog(&r, NULL, NULL);
    if (r.status != 0)
        fail_msg("exit status %d; stderr: %s", r.status, r.err);
    assert_string_equal(r.out, "calls=28 sink=19\n");
#ifdef __SANITIZE_ADDRESS__
    /* ASan's own one-line warning about swapcontext(), and nothing else */
    const char *w = strstr(r.err, "WARNING: ASan doesn't fully support makecontext/swapcontext");
    if (w) {
        assert_true(strncmp(r.err, "==", 2) == 0);
        assert_string_equal(strchr(w, '\n'), "\n");
    } else {
        assert_string_equal(r.err, "");
    }
#else
    assert_string_equal(r.err, "");
#endif
    cJSON *t = load_valid();
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "threads"), 1);
    assert_int_equal((int)tu_num(m, "total_calls"), 28);
    const cJSON *dropped = cJSON_GetObjectItem(m, "dropped");
    assert_int_equal((int)(tu_num(dropped, "depth") + tu_num(dropped, "reentrant") +
                           tu_num(dropped, "buffer")), 0);
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    assert_string_equal(tu_str(roots->child, "function"), "main");
    assert_int_equal(tu_count(roots, "main"), 1);
    assert_int_equal(tu_count(roots, "co_body"), 2);
    assert_int_equal(tu_count(roots, "step"), 12);
    assert_int_equal(tu_count(roots, "main_work"), 13);
    /* main_work() runs on main's stack between switches; main() is the
     * root, closed by its own exit */
    assert_false(tu_true(roots->child, "unfinished"));
    assert_false(tu_true(roots->child, "unwound"));
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(coroutines_keep_the_tree_valid),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "ucontext");
}
