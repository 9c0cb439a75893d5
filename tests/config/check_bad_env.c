/* bad environment (fib): a value that cannot be used gets its default and
 * one "calltrace:" line on stderr each; the trace is the same. */
#include "check_common.h"

static void bad_environment_gets_defaults(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_MAX_DEPTH=lots", "CALLTRACE_PRETTY_JSON=maybe",
                         "CALLTRACE_BUFFER_SIZE=-5", "CALLTRACE_START=", NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "fib=5\n");
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_MAX_DEPTH='lots'"));
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_PRETTY_JSON='maybe'"));
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_BUFFER_SIZE='-5'"));
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_START=''"));
    int lines = 0;
    for (const char *p = r.err; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
    cJSON *t = load_valid();
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(t, "metadata"), "max_depth"), 65536);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(t, "metadata"), "total_calls"), 16);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_environment_gets_defaults),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "bad_env");
}
