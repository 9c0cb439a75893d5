/* user hooks: CALLTRACE_HOOK functions around chosen functions — when they
 * run, on which thread and depth, their timestamps on the trace's clock,
 * recording started and stopped from a hook, hooks and filters together.
 *   check_hooks HOOKS_PROG */
#include "check_common.h"

/* Every test names the variables it sets and unsets the others. */
#define CLEAN_ENV "CALLTRACE_FILTER", "CALLTRACE_FILTER_FILE", "CALLTRACE_MIN_DURATION", \
                  "CALLTRACE_MAX_CALLS", "CALLTRACE_FORMAT", "CALLTRACE_CLOCK"

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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(user_hooks),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "hooks");
}
