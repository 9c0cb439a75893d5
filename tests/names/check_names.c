/* names: every instrumented function has its real name, file and line —
 * static functions, functions of a static library, C++ qualified and
 * demangled names with overloads told apart. */
#include "check_common.h"

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void expect_fn(const cJSON *roots, const char *fn, const char *file)
{
    const cJSON *n = tu_find(roots, fn);
    if (!n)
        fail_msg("no call named '%s'", fn);
    assert_string_equal(base(tu_str(n, "file")), file);
    assert_true(tu_num(n, "line") > 0);
}

static void real_names_files_and_lines(void **state)
{
    (void)state;
    struct tu_run r;
    run_prog(&r, NULL, NULL);
    assert_int_equal(r.status, 0);
    cJSON *t = load_valid();
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    expect_fn(roots, "main", "names.c");
    expect_fn(roots, "file_static", "names.c");
    const cJSON *fs = tu_find(roots, "file_static");
    assert_int_equal((long)tu_num(fs, "line"), tu_printed(&r, "file_static_line"));
    expect_fn(roots, "lib_helper", "names_lib.c");
    expect_fn(roots, "lib_static", "names_lib.c");
    expect_fn(roots, "run_cxx", "names_cxx.cpp");
    expect_fn(roots, "geo::Point::norm2() const", "names_cxx.cpp");
    expect_fn(roots, "geo::detail::twice(int)", "names_cxx.cpp");
    expect_fn(roots, "over(int)", "names_cxx.cpp");
    expect_fn(roots, "over(double)", "names_cxx.cpp");
    expect_fn(roots, "int biggest<int>(int, int)", "names_cxx.cpp");
    /* lib_static is called by lib_helper */
    const cJSON *lh = tu_find(roots, "lib_helper");
    assert_int_equal(tu_count(cJSON_GetObjectItem(lh, "children"), "lib_static"), 1);
    /* no address left unnamed */
    cJSON *n;
    size_t all = tu_count_all(roots), named = 0;
    (void)n;
    for (const char *fns[] = {"main", "file_static", "lib_helper", "lib_static", "run_cxx",
                              "geo::Point::norm2() const", "geo::detail::twice(int)",
                              "over(int)", "over(double)", "int biggest<int>(int, int)", NULL},
                    **p = fns;
         *p; p++)
        named += tu_count(roots, *p);
    assert_int_equal(named, all);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_names_files_and_lines),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "names");
}
