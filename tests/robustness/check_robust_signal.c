/* robust_signal: an instrumented handler interrupting a hot loop of
 * instrumented calls. Every delivery either ran while calltrace was idle
 * (its on_signal() and tick() calls are in the trace) or interrupted
 * calltrace itself (its four events are counted in dropped.reentrant):
 * none may be lost, none recorded twice. */
#include "check_common.h"

static void check_mode(const char *mode)
{
    struct tu_run r;
    const char *args[] = {mode, NULL};
    const char *env[] = {"CALLTRACE_PRETTY_JSON=0", NULL};
    run_prog(&r, args, env);
    if (r.status != 0)
        fail_msg("%s: exit status %d; stderr: %s", mode, r.status, r.err);
    char head[64];
    snprintf(head, sizeof(head), "mode=%s\n", mode);
    assert_memory_equal(r.out, head, strlen(head));
    long deliveries = tu_printed(&r, "deliveries"), ticks = tu_printed(&r, "ticks");
    long hot = tu_printed(&r, "hot");
    assert_true(deliveries >= 300); /* enough to hit the hooks many times */
    assert_int_equal(ticks, deliveries);

    cJSON *t = load_valid();
    expect_stderr_losses(r.err, t); /* deliveries inside the hooks: counted and said */
    cJSON *th = tu_main_thread(t);
    assert_non_null(th);
    cJSON *roots = cJSON_GetObjectItem(th, "root_calls");
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    cJSON *loop = tu_find(roots, "hot_loop");
    assert_non_null(loop);
    assert_int_equal((long)tu_count(roots, "hot"), hot); /* the loop itself lost nothing */
    long handled = (long)tu_count(roots, "on_signal");
    assert_int_equal((long)tu_count(roots, "tick"), handled);
    /* every recorded handler call is whole: tick() inside on_signal() */
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(loop, "children")) {
        const char *fn = tu_str(n, "function");
        const cJSON *kids = cJSON_GetObjectItem(n, "children");
        if (strcmp(fn, "on_signal") == 0) {
            assert_int_equal(cJSON_GetArraySize(kids), 1);
            assert_string_equal(tu_str(kids->child, "function"), "tick");
        } else if (strcmp(fn, "hot") == 0 && cJSON_GetArraySize(kids) > 0) {
            /* a delivery inside hot(): on_signal is its only kind of child */
            const cJSON *k;
            cJSON_ArrayForEach(k, kids)
                assert_string_equal(tu_str(k, "function"), "on_signal");
        }
    }
    long reentrant = (long)tu_num(cJSON_GetObjectItem(th, "dropped"), "reentrant");
    assert_int_equal(reentrant % 4, 0); /* a delivery is dropped whole or not at all */
    if (handled + reentrant / 4 != deliveries)
        fail_msg("%s: %ld deliveries, but %ld handler calls recorded and %ld dropped as "
                 "reentrant (%ld events): %ld lost",
                 mode, deliveries, handled, reentrant / 4, reentrant,
                 deliveries - handled - reentrant / 4);
    assert_int_equal((long)tu_num(cJSON_GetObjectItem(th, "dropped"), "depth"), 0);
    assert_int_equal((long)tu_num(cJSON_GetObjectItem(th, "dropped"), "buffer"), 0);
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((long)tu_num(cJSON_GetObjectItem(m, "dropped"), "reentrant"), reentrant);
    assert_int_equal((int)tu_num(m, "threads"), strcmp(mode, "usr1") == 0 ? 2 : 1);
    cJSON_Delete(t);
    unlink(g_trace); /* tens of megabytes */
}

static void setitimer_every_100us(void **state)
{
    (void)state;
    check_mode("alarm");
}

static void sigusr1_from_another_thread(void **state)
{
    (void)state;
    check_mode("usr1");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(setitimer_every_100us),
        cmocka_unit_test(sigusr1_from_another_thread),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "signals");
}
