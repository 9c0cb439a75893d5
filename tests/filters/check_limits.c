/* limits: what is left out of a trace by a limit, and said so —
 * CALLTRACE_MIN_DURATION and CALLTRACE_MAX_CALLS when the trace is written,
 * CALLTRACE_MAX_DEPTH while recording.
 *   check_limits FILTERS_PROG THREADS_PROG LIFECYCLE_PROG */
#include "check_common.h"

static const char *g_filters, *g_threads, *g_lifecycle;

/* Every test names the variables it sets and unsets the others. */
#define CLEAN_ENV "CALLTRACE_FILTER", "CALLTRACE_FILTER_FILE", "CALLTRACE_MIN_DURATION", \
                  "CALLTRACE_MAX_CALLS", "CALLTRACE_FORMAT", "CALLTRACE_CLOCK"

static void use_prog(const char *prog)
{
    g_prog = prog;
    snprintf(g_trace, sizeof(g_trace), "%s.limits.json", prog);
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

/* ---- CALLTRACE_MAX_DEPTH ------------------------------------------------- */

static void depth_limit_counts_what_it_drops(void **state)
{
    (void)state;
    use_prog(g_lifecycle);
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
    if (argc < 4) {
        fprintf(stderr, "usage: %s FILTERS_PROG THREADS_PROG LIFECYCLE_PROG\n", argv[0]);
        return 2;
    }
    g_filters = argv[1];
    g_threads = argv[2];
    g_lifecycle = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(min_duration),
        cmocka_unit_test(max_calls),
        cmocka_unit_test(max_calls_across_threads),
        cmocka_unit_test(depth_limit_counts_what_it_drops),
    };
    return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
