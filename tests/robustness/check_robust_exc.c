/* exceptions: C++ exceptions thrown through instrumented frames and caught
 * in main: the exact tree, every frame the exception left unwound.
 * (The uncaught case is crash/check_uncaught_exception.c.) */
#include "check_common.h"

/* node must be outer(int) > middle(int) > thrower(int), each left by the
 * exception: unwound (GCC's cleanup runs its exit hook, which tells it) */
static void expect_throw_chain(const cJSON *node, int closed)
{
    const char *chain[] = {"outer(int)", "middle(int)", "thrower(int)"};
    for (int i = 0; i < 3; i++) {
        assert_non_null(node);
        assert_string_equal(tu_str(node, "function"), chain[i]);
        assert_true(strstr(tu_str(node, "file"), "robust_exc.cpp") != NULL);
        assert_true(tu_num(node, "line") > 0);
        const cJSON *kids = cJSON_GetObjectItem(node, "children");
        assert_int_equal(cJSON_GetArraySize(kids), i < 2 ? 1 : 0);
        if (closed) {
            assert_true(tu_true(node, "unwound"));
            assert_false(tu_true(node, "unfinished"));
        } else {
            assert_true(tu_true(node, "unfinished"));
        }
        node = kids->child;
    }
}

static void caught_in_main_exact_tree(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "caught", NULL, 0);
    assert_string_equal(r.out, "mode=caught\ncaught=3 sink=5\n");
    assert_string_equal(r.err, "");
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "total_calls"), 9);
    assert_null(cJSON_GetObjectItem(m, "crash"));
    cJSON *th = tu_main_thread(t);
    cJSON *roots = cJSON_GetObjectItem(th, "root_calls");
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    cJSON *mn = roots->child;
    assert_string_equal(tu_str(mn, "function"), "main");
    assert_false(tu_true(mn, "unfinished"));
    /* main: outer > middle > thrower, after, outer > middle > thrower, after */
    cJSON *kids = cJSON_GetObjectItem(mn, "children");
    assert_int_equal(cJSON_GetArraySize(kids), 4);
    for (int round = 0; round < 2; round++) {
        expect_throw_chain(cJSON_GetArrayItem(kids, 2 * round), 1);
        cJSON *after = cJSON_GetArrayItem(kids, 2 * round + 1);
        assert_string_equal(tu_str(after, "function"), "after()");
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(after, "children")), 0);
    }
    assert_int_equal((int)tu_num(th, "unwound_calls"), 6);
    assert_int_equal((int)tu_num(th, "unfinished_calls"), 0);
    assert_int_equal((int)tu_num(th, "unmatched_exits"), 0);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest caught[] = {cmocka_unit_test(caught_in_main_exact_tree)};
    return check_main(argc, argv, caught, 1, "exceptions");
}
