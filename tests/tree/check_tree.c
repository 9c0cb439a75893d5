/* tree: fib's call tree exactly as the program made it, durations that add
 * up, and the program's exit status kept. */
#include "check_common.h"

/* The node is fib(n): its children must be fib(n-1), fib(n-2). Returns depth. */
static int expect_fib(const cJSON *node, int n)
{
    assert_string_equal(tu_str(node, "function"), "fib");
    const cJSON *kids = cJSON_GetObjectItemCaseSensitive(node, "children");
    if (n < 2) {
        assert_int_equal(cJSON_GetArraySize(kids), 0);
        return 1;
    }
    assert_int_equal(cJSON_GetArraySize(kids), 2);
    int a = expect_fib(cJSON_GetArrayItem(kids, 0), n - 1);
    int b = expect_fib(cJSON_GetArrayItem(kids, 1), n - 2);
    return 1 + (a > b ? a : b);
}

static void fib_tree_is_exact(void **state)
{
    (void)state;
    struct tu_run r;
    run_prog(&r, NULL, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "fib=5\n");
    assert_string_equal(r.err, "");
    cJSON *t = load_valid();
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "total_calls"), 16);
    assert_int_equal((int)tu_num(m, "threads"), 1);
    assert_true(tu_true(m, "complete"));
    assert_true(strstr(tu_str(m, "executable"), "e2e_fib") != NULL);
    assert_int_equal((int)tu_num(m, "pid") > 0, 1);

    cJSON *th = tu_main_thread(t);
    assert_non_null(th);
    cJSON *roots = cJSON_GetObjectItem(th, "root_calls");
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    cJSON *main_node = cJSON_GetArrayItem(roots, 0);
    assert_string_equal(tu_str(main_node, "function"), "main");
    assert_true(strstr(tu_str(main_node, "file"), "fib.c") != NULL);
    cJSON *kids = cJSON_GetObjectItem(main_node, "children");
    assert_int_equal(cJSON_GetArraySize(kids), 1);
    assert_int_equal(expect_fib(cJSON_GetArrayItem(kids, 0), 5), 5);
    assert_int_equal(tu_count(roots, "fib"), 15);
    assert_false(tu_true(main_node, "unfinished"));
    cJSON_Delete(t);
}

static void exit_status_is_kept(void **state)
{
    (void)state;
    struct tu_run r;
    const char *args[] = {"3", "42", NULL};
    run_prog(&r, args, NULL);
    assert_int_equal(r.status, 42);
    assert_string_equal(r.out, "fib=2\n");
    cJSON *t = load_valid();
    assert_int_equal(tu_count(cJSON_GetObjectItem(tu_main_thread(t), "root_calls"), "fib"), 5);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fib_tree_is_exact),
        cmocka_unit_test(exit_status_is_kept),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "tree");
}
