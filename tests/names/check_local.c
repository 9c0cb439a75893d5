/* names: the methods of local classes have their name, file and line, also
 * when the enclosing function's DWARF entry is an abstract (inline-only)
 * instance with no code of its own. The program prints each method's
 * declaration line. */
#include "check_common.h"

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Every call named fn is in local_class.cpp at the line printed as key. */
static void expect_at(const cJSON *roots, const struct tu_run *r, const char *fn, const char *key)
{
    const cJSON *n = tu_find(roots, fn);
    if (!n)
        fail_msg("no call named '%s'", fn);
    long line = tu_printed(r, key);
    assert_true(line > 0);
    if (strcmp(base(tu_str(n, "file")), "local_class.cpp") != 0 || (long)tu_num(n, "line") != line)
        fail_msg("%s: %s:%ld, want local_class.cpp:%ld", fn, tu_str(n, "file"),
                 (long)tu_num(n, "line"), line);
}

static void local_class_methods(void **state)
{
    (void)state;
    struct tu_run r;
    run_prog(&r, NULL, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(tu_printed(&r, "result"), 4);
    cJSON *t = load_valid();
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    char shape[1024] = "";
    tu_shape(roots, shape, sizeof(shape));
    assert_string_equal(shape, "main{int ns::outer<int>(int){ns::outer<int>(int)::acc::acc(int)} "
                               "plain_local(int){plain_local(int)::counter::counter(int) "
                               "plain_local(int)::counter::bump()}}");
    expect_at(roots, &r, "ns::outer<int>(int)::acc::acc(int)", "acc_line");
    expect_at(roots, &r, "plain_local(int)::counter::counter(int)", "counter_line");
    expect_at(roots, &r, "plain_local(int)::counter::bump()", "bump_line");
    /* and nothing in the trace without a file and line */
    char *text = slurp(g_trace);
    assert_null(strstr(text, "\"??\""));
    free(text);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(local_class_methods),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "names_local");
}
