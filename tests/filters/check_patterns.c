/* filter patterns: CALLTRACE_FILTER / CALLTRACE_FILTER_FILE at record time
 * (globs, subtrees, regexes, exclusions, a file of patterns, bad patterns).
 *   check_patterns FILTERS_PROG */
#include "check_common.h"

static const char *g_filters;

/* Every test names the variables it sets and unsets the others. */
#define CLEAN_ENV "CALLTRACE_FILTER", "CALLTRACE_FILTER_FILE", "CALLTRACE_MIN_DURATION", \
                  "CALLTRACE_MAX_CALLS", "CALLTRACE_FORMAT", "CALLTRACE_CLOCK"

static void use_prog(const char *prog)
{
    g_prog = prog;
    snprintf(g_trace, sizeof(g_trace), "%s.patterns.json", prog);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static const cJSON *meta(const cJSON *t)
{
    return cJSON_GetObjectItem(t, "metadata");
}

static double filtered(const cJSON *t, const char *what)
{
    return tu_num(cJSON_GetObjectItem(meta(t), "filtered"), what);
}

/* Runs the filters program with `env` (after CLEAN_ENV) and loads its trace. */
static cJSON *run_filters(struct tu_run *r, const char *mode, const char *const *env)
{
    use_prog(g_filters);
    const char *full[24] = {CLEAN_ENV};
    size_t n = 6;
    for (size_t i = 0; env && env[i] && n < 23; i++)
        full[n++] = env[i];
    full[n] = NULL;
    const char *args[] = {mode, NULL};
    run_prog(r, mode ? args : NULL, full);
    assert_int_equal(r->status, 0);
    assert_int_equal(tu_printed(r, "done"), 1);
    return load_valid();
}

#define ALL_CALLS 21 /* the filters program's tree, unfiltered */
#define FULL_TREE "main{parse_config{parse_line{leaf} parse_line{leaf}} debug_dump{format_value{leaf}} " \
                  "noisy{noisy_inner{leaf} noisy_inner{leaf}} handle_request{parse_line{leaf}} "   \
                  "handle_admin{leaf} unrelated{leaf}}"

static void unfiltered(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_filters(&r, NULL, NULL);
    assert_shape(t, FULL_TREE);
    assert_int_equal((int)tu_num(meta(t), "total_calls"), ALL_CALLS);
    assert_int_equal((int)filtered(t, "functions"), 0);
    assert_int_equal((int)filtered(t, "min_duration"), 0);
    assert_false(tu_true(meta(t), "truncated"));
    assert_null(cJSON_GetObjectItem(meta(t), "max_calls"));
    assert_string_equal(r.err, "");
    cJSON_Delete(t);
}

/* Runs the filters program under CALLTRACE_FILTER=`filter` and checks the
 * tree and the count of calls not recorded; stderr stays empty. */
static void check_filter(const char *filter, const char *tree, int not_recorded)
{
    char var[256];
    snprintf(var, sizeof(var), "CALLTRACE_FILTER=%s", filter);
    const char *env[] = {var, NULL};
    struct tu_run r;
    cJSON *t = run_filters(&r, NULL, env);
    assert_shape(t, tree);
    assert_int_equal((int)filtered(t, "functions"), not_recorded);
    assert_string_equal(r.err, "");
    cJSON_Delete(t);
}

static void include_glob(void **state)
{
    (void)state;
    /* inside parse_*: the function and everything it calls; parse_line under
     * handle_request is a root of its own */
    check_filter("parse_*", "parse_config{parse_line{leaf} parse_line{leaf}} parse_line{leaf}",
                 ALL_CALLS - 7);
}

static void exclude_keeps_callees(void **state)
{
    (void)state;
    /* format_value goes up to main, where debug_dump was */
    check_filter("!debug_*",
                 "main{parse_config{parse_line{leaf} parse_line{leaf}} format_value{leaf} "
                 "noisy{noisy_inner{leaf} noisy_inner{leaf}} handle_request{parse_line{leaf}} "
                 "handle_admin{leaf} unrelated{leaf}}",
                 1);
}

static void exclude_subtree(void **state)
{
    (void)state;
    check_filter("!noisy/**",
                 "main{parse_config{parse_line{leaf} parse_line{leaf}} "
                 "debug_dump{format_value{leaf}} handle_request{parse_line{leaf}} "
                 "handle_admin{leaf} unrelated{leaf}}",
                 5);
}

static void regex(void **state)
{
    (void)state;
    check_filter("/^handle_.*$/", "handle_request{parse_line{leaf}} handle_admin{leaf}",
                 ALL_CALLS - 5);
    /* a function both included and excluded: left out, its callees kept */
    check_filter("/^handle_/,!handle_request", "parse_line{leaf} handle_admin{leaf}",
                 ALL_CALLS - 4);
}

static void filter_file_and_list(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof(path), "%s.filters.txt", g_filters);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# record the config parser only\n"
          "parse_config\n"
          "\n"
          "   # but not the line parser itself: its leaf goes to parse_config\n"
          "!parse_line\n",
          f);
    fclose(f);
    char file_var[4300];
    snprintf(file_var, sizeof(file_var), "CALLTRACE_FILTER_FILE=%s", path);
    struct tu_run r;
    const char *env[] = {file_var, "CALLTRACE_FILTER=handle_admin", NULL};
    cJSON *t = run_filters(&r, NULL, env);
    assert_shape(t, "parse_config{leaf leaf} handle_admin{leaf}");
    assert_int_equal((int)filtered(t, "functions"), ALL_CALLS - 5);
    assert_string_equal(r.err, "");
    cJSON_Delete(t);
    unlink(path);
}

static void bad_regex_and_unreadable_file(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_FILTER=/[unclosed/,unrelated", NULL};
    cJSON *t = run_filters(&r, NULL, env);
    assert_int_equal(count_lines(r.err), 1);
    assert_int_equal(strncmp(r.err, "calltrace: CALLTRACE_FILTER: invalid regex /[unclosed/", 54), 0);
    assert_shape(t, "unrelated{leaf}"); /* the good pattern applies */
    cJSON_Delete(t);

    const char *env2[] = {"CALLTRACE_FILTER_FILE=/nonexistent/calltrace-filters", NULL};
    t = run_filters(&r, NULL, env2);
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_FILTER_FILE: cannot read "
                                  "/nonexistent/calltrace-filters"));
    assert_shape(t, FULL_TREE);
    cJSON_Delete(t);

    /* a positive pattern that matches nothing: said once, nothing recorded */
    const char *env3[] = {"CALLTRACE_FILTER=no_such_function_*", NULL};
    t = run_filters(&r, NULL, env3);
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "nothing will be recorded"));
    assert_int_equal((int)tu_num(meta(t), "total_calls"), 0);
    assert_int_equal((int)filtered(t, "functions"), ALL_CALLS);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILTERS_PROG\n", argv[0]);
        return 2;
    }
    g_filters = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unfiltered),
        cmocka_unit_test(include_glob),
        cmocka_unit_test(exclude_keeps_callees),
        cmocka_unit_test(exclude_subtree),
        cmocka_unit_test(regex),
        cmocka_unit_test(filter_file_and_list),
        cmocka_unit_test(bad_regex_and_unreadable_file),
    };
    return cmocka_run_group_tests_name("filter patterns", tests, NULL, NULL);
}
