/* output paths (fib): the trace beside the executable when CALLTRACE_OUTPUT
 * is not set; an output path that cannot be written costs the program
 * nothing but one line on stderr. */
#include "check_common.h"

static void default_output_is_beside_the_executable(void **state)
{
    (void)state;
    char def[4200];
    snprintf(def, sizeof(def), "%s.json", g_prog);
    unlink(def);
    struct tu_run r;
    char *argv[] = {(char *)g_prog, NULL};
    const char *env[] = {"CALLTRACE_OUTPUT", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 0);
    const char *why = tc_check_file(def, NULL);
    if (why)
        fail_msg("%s: %s", def, why);
    unlink(def);
}

static void unwritable_output_does_not_hurt(void **state)
{
    (void)state;
    struct tu_run r;
    char *argv[] = {(char *)g_prog, "5", "9", NULL};
    const char *env[] = {"CALLTRACE_OUTPUT=/nonexistent-dir/trace.json", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 9);
    assert_string_equal(r.out, "fib=5\n");
    assert_non_null(strstr(r.err, "calltrace: cannot write the trace /nonexistent-dir/trace.json"));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_output_is_beside_the_executable),
        cmocka_unit_test(unwritable_output_does_not_hurt),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "output_paths");
}
