/* exits (the ending program): the exits that skip destructors (_exit,
 * quick_exit, exit from a thread) still write the trace; a forked child
 * writes its own, an exec'd one and vfork/posix_spawn children nothing. */
#include "check_common.h"

static void check_exit(const char *mode, int status)
{
    struct tu_run r;
    cJSON *t = run_mode(&r, mode, NULL, status);
    assert_string_equal(r.out, "start\n");
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count(roots, "leaf"), 2);
    assert_true(tu_true(tu_find(roots, "crash_here"), "unfinished"));
    assert_true(tu_true(meta_item(t, "complete"), "complete") || cJSON_IsTrue(meta_item(t, "complete")));
    cJSON_Delete(t);
}

static void underscore_exit(void **state) { (void)state; check_exit("_exit", 5); }
static void quick_exit_(void **state) { (void)state; check_exit("quick_exit", 6); }

static void exit_from_a_thread(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "thread-exit", NULL, 7);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(t, "metadata"), "threads"), 2);
    cJSON_Delete(t);
}

static void fork_child_gets_its_own_trace(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "fork", NULL, 0);
    long child = tu_printed(&r, "child");
    assert_true(child > 0);
    assert_int_equal(tu_printed(&r, "status"), 0);
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count(roots, "parent_work"), 1);
    assert_int_equal(tu_count(roots, "child_work"), 0);
    cJSON_Delete(t);
    char path[4300];
    snprintf(path, sizeof(path), "%.*s.%ld.json", (int)(strlen(g_trace) - 5), g_trace, child);
    if (access(path, F_OK) != 0)
        fail_msg("no child trace %s", path);
    cJSON *c = load_valid_at(path);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(c, "metadata"), "pid"), (int)child);
    cJSON *croots = cJSON_GetObjectItem(tu_main_thread(c), "root_calls");
    assert_int_equal(tu_count(croots, "child_work"), 1);
    assert_int_equal(tu_count(croots, "parent_work"), 0);
    cJSON_Delete(c);
    unlink(path);
}

static void exec_leaves_nothing_behind(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "fork-exec", NULL, 0);
    assert_null(strstr(r.out, ".ctraw")); /* no descriptor of ours leaks into the exec */
    assert_null(strstr(r.out, ".json"));
    long child = tu_printed(&r, "child");
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "ls %.*s.%ld.* >/dev/null 2>&1", (int)(strlen(g_trace) - 5),
             g_trace, child);
    assert_int_not_equal(system(cmd), 0);
    cJSON_Delete(t);
}

static void vfork_and_posix_spawn_leave_the_parent_alone(void **state)
{
    (void)state;
    const char *modes[] = {"vfork", "spawn"};
    for (int i = 0; i < 2; i++) {
        struct tu_run r;
        cJSON *t = run_mode(&r, modes[i], NULL, 0);
        assert_int_equal(tu_printed(&r, "status"), 0);
        cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
        assert_int_equal(tu_count(roots, "parent_work"), 1);
        assert_int_equal(tu_count(roots, "main"), 1);
        assert_false(tu_true(cJSON_GetArrayItem(roots, 0), "unfinished"));
        char cmd[4400];
        snprintf(cmd, sizeof(cmd), "ls %.*s.%ld.* >/dev/null 2>&1", (int)(strlen(g_trace) - 5),
                 g_trace, tu_printed(&r, "child"));
        assert_int_not_equal(system(cmd), 0); /* the child wrote nothing */
        cJSON_Delete(t);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(underscore_exit),
        cmocka_unit_test(quick_exit_),
        cmocka_unit_test(exit_from_a_thread),
        cmocka_unit_test(fork_child_gets_its_own_trace),
        cmocka_unit_test(exec_leaves_nothing_behind),
        cmocka_unit_test(vfork_and_posix_spawn_leave_the_parent_alone),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "exits");
}
