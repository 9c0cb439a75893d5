/* filters: CALLTRACE_FILTER / CALLTRACE_FILTER_FILE at record time,
 * CALLTRACE_MIN_DURATION and CALLTRACE_MAX_CALLS when the trace is written,
 * and CALLTRACE_HOOK user hooks.
 *   check_filters FILTERS_PROG HOOKS_PROG THREADS_PROG */
#include "check_common.h"

static const char *g_filters, *g_hooks, *g_threads;

/* Every test names the variables it sets and unsets the others. */
#define CLEAN_ENV "CALLTRACE_FILTER", "CALLTRACE_FILTER_FILE", "CALLTRACE_MIN_DURATION", \
                  "CALLTRACE_MAX_CALLS", "CALLTRACE_FORMAT", "CALLTRACE_CLOCK"

static void use_prog(const char *prog)
{
    g_prog = prog;
    snprintf(g_trace, sizeof(g_trace), "%s.filters.json", prog);
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

static const cJSON *roots_of(const cJSON *t)
{
    const cJSON *th = tu_main_thread(t);
    assert_non_null(th);
    return cJSON_GetObjectItem(th, "root_calls");
}

/* The functions of `nodes` in order, joined by spaces, each followed by its
 * children in braces: "a{b c{d}} e". */
static void shape(const cJSON *nodes, char *out, size_t cap)
{
    const cJSON *n;
    size_t len = strlen(out);
    int first = 1;
    cJSON_ArrayForEach(n, nodes) {
        len += (size_t)snprintf(out + len, cap - len, "%s%s", first ? "" : " ", tu_str(n, "function"));
        first = 0;
        const cJSON *kids = cJSON_GetObjectItem(n, "children");
        if (cJSON_GetArraySize(kids) > 0) {
            len += (size_t)snprintf(out + len, cap - len, "{");
            shape(kids, out, cap);
            len = strlen(out);
            len += (size_t)snprintf(out + len, cap - len, "}");
        }
    }
}

static void assert_shape(const cJSON *t, const char *want)
{
    char got[4096] = "";
    shape(roots_of(t), got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("tree\n  got:  %s\n  want: %s", got, want);
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

/* ---- CALLTRACE_MIN_DURATION ---------------------------------------------- */

/* A view file into a static buffer; NULL when it does not exist. */
static char *read_view(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The path of another view of g_trace: its ".json" replaced by `ext`. */
static const char *view_path(const char *ext, char *path, size_t cap)
{
    snprintf(path, cap, "%.*s%s", (int)(strlen(g_trace) - 5), g_trace, ext);
    return path;
}

static void min_duration(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_filters(&r, "durations", NULL);
    assert_int_equal((int)tu_num(meta(t), "total_calls"), 18);
    cJSON_Delete(t);

    const char *env[] = {"CALLTRACE_MIN_DURATION=20ms", "CALLTRACE_FORMAT=json,text,folded,chrome",
                         NULL};
    t = run_filters(&r, "durations", env);
    assert_string_equal(r.err, "");
    /* the 30 ms call and its ancestors; every sub-µs call is gone, with
     * fast_parent's whole subtree */
    assert_shape(t, "main{slow_parent{slow_leaf}}");
    assert_int_equal((int)filtered(t, "min_duration"), 15);
    assert_int_equal((int)filtered(t, "functions"), 0);
    assert_false(tu_true(meta(t), "truncated"));
    const cJSON *roots = roots_of(t);
    const cJSON *mainn = cJSON_GetArrayItem(roots, 0);
    const cJSON *sp = tu_find(roots, "slow_parent"), *sl = tu_find(roots, "slow_leaf");
    assert_true(tu_num(sl, "duration_ns") >= 20e6);
    assert_true(tu_num(sp, "duration_ns") >= tu_num(sl, "duration_ns"));
    /* marks go to the nearest kept frame, in time order */
    cJSON *marks = cJSON_GetObjectItem(tu_main_thread(t), "marks");
    assert_int_equal(cJSON_GetArraySize(marks), 3);
    static const struct {
        const char *label, *fn;
        int depth;
    } want[] = {{"early-in-slow-leaf", "slow_leaf", 3},
                {"in-slow-parent", "slow_parent", 2},
                {"in-fast-parent", "main", 1}};
    const cJSON *within[] = {sl, sp, mainn};
    for (int i = 0; i < 3; i++) {
        const cJSON *m = cJSON_GetArrayItem(marks, i);
        assert_string_equal(tu_str(m, "label"), want[i].label);
        assert_string_equal(tu_str(m, "function"), want[i].fn);
        assert_int_equal((int)tu_num(m, "depth"), want[i].depth);
        assert_true(tu_num(m, "timestamp_ns") >= tu_num(within[i], "start_ns"));
        assert_true(tu_num(m, "timestamp_ns") <= tu_num(within[i], "end_ns"));
    }
    cJSON_Delete(t);

    /* every view agrees */
    static const struct {
        const char *ext, *has;
    } views[] = {{".txt", "slow_leaf"}, {".folded", "main;slow_parent;slow_leaf "}};
    char path[4300];
    for (size_t i = 0; i < sizeof(views) / sizeof(*views); i++) {
        view_path(views[i].ext, path, sizeof(path));
        const char *text = read_view(path);
        assert_non_null(text);
        assert_non_null(strstr(text, views[i].has));
        assert_null(strstr(text, "fast_"));
        unlink(path);
    }
    cJSON *c = tu_load(view_path(".chrome.json", path, sizeof(path)));
    assert_non_null(c);
    int calls = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(c, "traceEvents")) {
        const char *ph = tu_str(ev, "ph");
        if (ph && strcmp(ph, "X") == 0) {
            calls++;
            assert_null(strstr(tu_str(ev, "name"), "fast_"));
        }
    }
    assert_int_equal(calls, 3);
    cJSON_Delete(c);
    unlink(path);

    /* a bad value: one line, every call written */
    const char *bad[] = {"CALLTRACE_MIN_DURATION=fast", NULL};
    t = run_filters(&r, "durations", bad);
    assert_int_equal(count_lines(r.err), 1);
    assert_int_equal(strncmp(r.err, "calltrace: CALLTRACE_MIN_DURATION='fast'", 40), 0);
    assert_int_equal((int)tu_num(meta(t), "total_calls"), 18);
    cJSON_Delete(t);
}

/* ---- CALLTRACE_MAX_CALLS ------------------------------------------------- */

static void max_calls(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_MAX_CALLS=10", "CALLTRACE_FORMAT=json,chrome", NULL};
    cJSON *t = run_filters(&r, "many", env);
    assert_string_equal(r.err, "");
    const cJSON *m = meta(t);
    assert_true(tu_true(m, "truncated"));
    assert_int_equal((int)tu_num(m, "max_calls"), 10);
    assert_int_equal((int)tu_num(m, "calls_not_written"), 101 - 10);
    assert_int_equal((int)tu_num(m, "total_calls"), 10);
    const cJSON *roots = roots_of(t);
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    const cJSON *mainn = cJSON_GetArrayItem(roots, 0);
    assert_string_equal(tu_str(mainn, "function"), "main");
    assert_false(tu_true(mainn, "unfinished")); /* open frames close normally */
    assert_int_equal(tu_count(roots, "leaf"), 9);
    cJSON_Delete(t);
    char path[4300];
    cJSON *c = tu_load(view_path(".chrome.json", path, sizeof(path)));
    assert_non_null(c);
    cJSON_Delete(c);
    unlink(path);

    /* a cap above the count changes nothing but the metadata */
    const char *big[] = {"CALLTRACE_MAX_CALLS=1000", NULL};
    t = run_filters(&r, "many", big);
    assert_false(tu_true(meta(t), "truncated"));
    assert_int_equal((int)tu_num(meta(t), "calls_not_written"), 0);
    assert_int_equal((int)tu_num(meta(t), "total_calls"), 101);
    cJSON_Delete(t);
}

/* Across threads, the budget goes in output order: every thread before the
 * one where it ran out is complete, the rest are not written. */
static void max_calls_across_threads(void **state)
{
    (void)state;
    use_prog(g_threads);
    const char *env[] = {CLEAN_ENV, NULL};
    struct tu_run r;
    run_prog(&r, NULL, env);
    cJSON *full = load_valid();
    double total = tu_num(meta(full), "total_calls");

    const double cap = 150000;
    const char *env2[] = {CLEAN_ENV, "CALLTRACE_MAX_CALLS=150000", NULL};
    run_prog(&r, NULL, env2);
    assert_int_equal(r.status, 0);
    cJSON *t = load_valid();
    assert_true(tu_true(meta(t), "truncated"));
    assert_true(tu_num(meta(t), "total_calls") == cap);
    assert_true(tu_num(meta(t), "calls_not_written") == total - cap);
    double left = cap;
    const cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItem(t, "call_trees")) {
        const cJSON *whole = tu_thread_named(full, tu_str(th, "name"));
        assert_non_null(whole);
        double want = tu_num(whole, "calls") < left ? tu_num(whole, "calls") : left;
        assert_true(tu_num(th, "calls") == want);
        left -= want;
    }
    assert_true(left == 0);
    cJSON_Delete(t);
    cJSON_Delete(full);
    char flushed[4300];
    snprintf(flushed, sizeof(flushed), "%s.flush", g_trace);
    unlink(flushed);
}

/* ---- user hooks ---------------------------------------------------------- */

static long printed(const struct tu_run *r, const char *fmt, int i)
{
    char key[64];
    snprintf(key, sizeof(key), fmt, i);
    return tu_printed(r, key);
}

static void user_hooks(void **state)
{
    (void)state;
    use_prog(g_hooks);
    const char *env[] = {CLEAN_ENV, "CALLTRACE_START=0", NULL};
    struct tu_run r;
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_int_equal(tu_printed(&r, "recording_at_start"), 0);
    assert_int_equal(tu_printed(&r, "recording_at_end"), 0);
    /* handle_request's on_enter ran while stopped, started recording, and
     * the call itself was then recorded; on_exit ran after its exit was
     * recorded and stopped recording */
    assert_int_equal(tu_printed(&r, "req_enter_depth"), 0);
    assert_int_equal(tu_printed(&r, "req_start_rc"), 0);
    assert_int_equal(tu_printed(&r, "req_enter_recording"), 1);
    assert_int_equal(tu_printed(&r, "req_exit_recording"), 1);
    assert_int_equal(tu_printed(&r, "req_stop_rc"), 0);
    /* observed: stopped in main, recording in handle_request(2), stopped in
     * the worker; calls made by its hook are not hooked; hooks_more.c's
     * hook on the same function saw the same three calls */
    assert_int_equal(tu_printed(&r, "nobs_in"), 3);
    assert_int_equal(tu_printed(&r, "nobs_out"), 3);
    assert_int_equal(tu_printed(&r, "obs_nested"), 0);
    assert_int_equal(tu_printed(&r, "more_hook_calls"), 3);
    long main_tid = tu_printed(&r, "main_tid"), worker_tid = tu_printed(&r, "worker_tid");
    assert_true(main_tid > 0 && worker_tid > 0 && main_tid != worker_tid);
    static const int depth[] = {0, 1, 0};
    for (int i = 0; i < 3; i++) {
        long tid = i == 2 ? worker_tid : main_tid;
        assert_int_equal(printed(&r, "obs%d_in_tid", i), tid);
        assert_int_equal(printed(&r, "obs%d_out_tid", i), tid);
        assert_int_equal(printed(&r, "obs%d_in_depth", i), depth[i]);
        assert_int_equal(printed(&r, "obs%d_out_depth", i), depth[i]);
        assert_int_equal(printed(&r, "obs%d_fn_ok", i), 1);
        assert_true(printed(&r, "obs%d_out_ns", i) >= printed(&r, "obs%d_in_ns", i));
    }
    assert_true(printed(&r, "obs%d_in_ns", 1) > printed(&r, "obs%d_out_ns", 0));
    assert_true(printed(&r, "obs%d_in_ns", 2) > printed(&r, "obs%d_out_ns", 1));

    cJSON *t = load_valid();
    assert_shape(t, "handle_request{helper{leaf} leaf} "
                    "handle_request{helper{leaf} observed{helper{leaf}} leaf}");
    assert_int_equal((int)tu_num(meta(t), "threads"), 1);
    const cJSON *roots = roots_of(t);
    const cJSON *n;
    cJSON_ArrayForEach(n, roots)
        assert_false(tu_true(n, "unfinished"));
    /* the hook's timestamps are on the trace's clock: observed's on_enter
     * just before its start, on_exit just after its end */
    const cJSON *obs = tu_find(roots, "observed");
    double in_ns = (double)printed(&r, "obs%d_in_ns", 1), out_ns = (double)printed(&r, "obs%d_out_ns", 1);
    assert_true(in_ns <= tu_num(obs, "start_ns") + 1e6 && in_ns >= tu_num(obs, "start_ns") - 1e6);
    assert_true(out_ns <= tu_num(obs, "end_ns") + 1e6 && out_ns >= tu_num(obs, "end_ns") - 1e6);
    cJSON_Delete(t);

    /* hooks and filters together */
    const char *env2[] = {CLEAN_ENV, "CALLTRACE_START=0", "CALLTRACE_FILTER=!helper", NULL};
    run_prog(&r, NULL, env2);
    assert_int_equal(r.status, 0);
    t = load_valid();
    assert_shape(t, "handle_request{leaf leaf} handle_request{leaf observed{leaf} leaf}");
    assert_int_equal((int)filtered(t, "functions"), 3);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s FILTERS_PROG HOOKS_PROG THREADS_PROG\n", argv[0]);
        return 2;
    }
    g_filters = argv[1];
    g_hooks = argv[2];
    g_threads = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unfiltered),
        cmocka_unit_test(include_glob),
        cmocka_unit_test(exclude_keeps_callees),
        cmocka_unit_test(exclude_subtree),
        cmocka_unit_test(regex),
        cmocka_unit_test(filter_file_and_list),
        cmocka_unit_test(bad_regex_and_unreadable_file),
        cmocka_unit_test(min_duration),
        cmocka_unit_test(max_calls),
        cmocka_unit_test(max_calls_across_threads),
        cmocka_unit_test(user_hooks),
    };
    return cmocka_run_group_tests_name("filters", tests, NULL, NULL);
}
