/* fib with CALLTRACE_CAPTURE_ARGS=1: the same tree, fib's argument named. */
#include "check_common.h"

/* With argument capture the same tree comes out, every fib() node carrying
 * its n and its return value, and nothing is said on stderr. */
static void capture_args_values(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_CAPTURE_ARGS=1", NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.err, "calltrace:"));
    cJSON *t = load_valid();
    assert_true(tu_true(cJSON_GetObjectItem(t, "metadata"), "capture_args"));
    cJSON *fib = tu_find(cJSON_GetObjectItem(tu_main_thread(t), "root_calls"), "fib");
    assert_non_null(fib);
    cJSON *arg = cJSON_GetArrayItem(cJSON_GetObjectItem(fib, "arguments"), 0);
    assert_non_null(arg);
    assert_string_equal(tu_str(arg, "name"), "n");
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capture_args_values),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "fib_args");
}
