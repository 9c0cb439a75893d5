/* lifecycle: instrumented code before main and after it is traced, the exit
 * status is the program's. */
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

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(before_and_after_main),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "lifecycle");
}
