/* spill (fib): buffers far smaller than the run spill to the event file
 * and nothing is lost; the event file is removed once the trace is written. */
#include "check_common.h"

static void small_buffers_spill_and_lose_nothing(void **state)
{
    (void)state;
    struct tu_run r;
    const char *args[] = {"20", NULL};
    const char *env[] = {"CALLTRACE_BUFFER_SIZE=16K", "CALLTRACE_PRETTY_JSON=0", NULL};
    run_prog(&r, args, env);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "fib=6765\n");
    cJSON *t = load_valid();
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count(roots, "fib"), 21891); /* 2 * fib(21) - 1 */
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(m, "dropped"), "buffer"), 0);
    assert_false(tu_true(m, "truncated"));
    cJSON_Delete(t);
    /* the event file is removed after a successful write */
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "ls %s.*.ctraw >/dev/null 2>&1", g_trace);
    assert_int_not_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_buffers_spill_and_lose_nothing),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "spill");
}
