/* lifecycle: instrumented code before main and after it is traced, the depth
 * limit drops and counts, the exit status is the program's. */
#include "check_common.h"

static void before_and_after_main(void **state)
{
    (void)state;
    struct tu_run r;
    run_prog(&r, NULL, NULL);
    assert_int_equal(r.status, 7);
    cJSON *t = load_valid();
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(cJSON_GetArraySize(roots), 3);
    const cJSON *ctor = cJSON_GetArrayItem(roots, 0), *mn = cJSON_GetArrayItem(roots, 1),
                *ax = cJSON_GetArrayItem(roots, 2);
    assert_string_equal(tu_str(ctor, "function"), "early_init");
    assert_string_equal(tu_str(cJSON_GetArrayItem(cJSON_GetObjectItem(ctor, "children"), 0),
                               "function"),
                        "in_ctor");
    assert_string_equal(tu_str(mn, "function"), "main");
    assert_string_equal(tu_str(ax, "function"), "in_atexit");
    assert_true(tu_num(ax, "start_ns") >= tu_num(mn, "end_ns"));
    assert_int_equal(tu_count(roots, "recurse"), 50);
    cJSON_Delete(t);
}

static void depth_limit_counts_what_it_drops(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_MAX_DEPTH=10", NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 7);
    cJSON *t = load_valid();
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count(roots, "recurse"), 9); /* depths 1..9 under main */
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(m, "dropped"), "depth"), 41);
    assert_int_equal((int)tu_num(m, "max_depth"), 10);
    /* entries and exits stayed paired: nothing after the deep part is lost */
    assert_string_equal(tu_str(cJSON_GetArrayItem(roots, 2), "function"), "in_atexit");
    assert_false(tu_true(cJSON_GetArrayItem(roots, 1), "unfinished"));
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(before_and_after_main),
        cmocka_unit_test(depth_limit_counts_what_it_drops),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "lifecycle");
}
