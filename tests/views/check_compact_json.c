/* compact JSON (fib): CALLTRACE_PRETTY_JSON=0 writes the trace on one line. */
#include "check_common.h"

static void compact_json_is_one_line(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_PRETTY_JSON=0", NULL};
    run_prog(&r, NULL, env);
    FILE *f = fopen(g_trace, "r");
    assert_non_null(f);
    int c, lines = 0;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    assert_int_equal(lines, 0);
    cJSON_Delete(load_valid());
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_json_is_one_line),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "compact_json");
}
