/* uncaught exception (robustness/progs/robust_exc.cpp, mode "uncaught"): a
 * C++ exception nobody catches ends in std::terminate and abort; the trace
 * says SIGABRT in a crash object, with the frames it went through still open
 * (nothing caught it, so nothing unwound). */
#include <signal.h>

#include "check_common.h"

/* node must be outer(int) > middle(int) > thrower(int), all still open */
static void expect_open_throw_chain(const cJSON *node)
{
    const char *chain[] = {"outer(int)", "middle(int)", "thrower(int)"};
    for (int i = 0; i < 3; i++) {
        assert_non_null(node);
        assert_string_equal(tu_str(node, "function"), chain[i]);
        assert_true(strstr(tu_str(node, "file"), "robust_exc.cpp") != NULL);
        assert_true(tu_num(node, "line") > 0);
        const cJSON *kids = cJSON_GetObjectItem(node, "children");
        assert_int_equal(cJSON_GetArraySize(kids), i < 2 ? 1 : 0);
        assert_true(tu_true(node, "unfinished"));
        node = kids->child;
    }
}

static void uncaught_aborts_with_a_crash_object(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "uncaught", NULL, 128 + SIGABRT);
    assert_string_equal(r.out, "mode=uncaught\n");
    assert_string_equal(r.err, "terminate called after throwing an instance of 'Boom'\n");
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    const cJSON *c = cJSON_GetObjectItem(m, "crash");
    if (!c)
        fail_msg("no metadata.crash");
    assert_int_equal((int)tu_num(c, "signal"), SIGABRT);
    assert_string_equal(tu_str(c, "name"), "SIGABRT");
    assert_int_equal((int)tu_num(c, "thread_id"), (int)tu_num(m, "pid"));
    /* nothing caught it, so nothing unwound: the frames are still open */
    const char *stack[] = {"thrower(int)", "middle(int)", "outer(int)", "main"};
    const cJSON *frames = cJSON_GetObjectItem(c, "stack");
    assert_int_equal(cJSON_GetArraySize(frames), 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(tu_str(cJSON_GetArrayItem(frames, i), "function"), stack[i]);
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count_all(roots), 4);
    assert_true(tu_true(roots->child, "unfinished"));
    expect_open_throw_chain(cJSON_GetArrayItem(cJSON_GetObjectItem(roots->child, "children"), 0));
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest uncaught[] = {cmocka_unit_test(uncaught_aborts_with_a_crash_object)};
    return check_main(argc, argv, uncaught, 1, "uncaught_exception");
}
