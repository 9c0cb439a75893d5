/* robust_jump: longjmp() out of instrumented frames. The exit hooks of the
 * frames jumped over never run; the trace must stay valid with every call
 * in it, close those frames as "unwound", and put the calls made after the
 * jump under main(). */
#include "check_common.h"

/* Runs one mode: exit status 0, nothing on stderr, a valid trace. */
static cJSON *run_jump(struct tu_run *r, const char *mode)
{
    const char *args[] = {mode, NULL};
    run_prog(r, args, NULL);
    if (r->status != 0)
        fail_msg("%s: exit status %d; stderr: %s", mode, r->status, r->err);
    assert_string_equal(r->err, "");
    return load_valid();
}

/* main(), the only root, closed by its own exit unless `open_ok` */
static cJSON *main_node_(const cJSON *t, int open_ok)
{
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    cJSON *m = cJSON_GetArrayItem(roots, 0);
    assert_string_equal(tu_str(m, "function"), "main");
    assert_false(tu_true(m, "unwound"));
    if (!open_ok)
        assert_false(tu_true(m, "unfinished"));
    return m;
}

static cJSON *main_node(const cJSON *t)
{
    return main_node_(t, 0);
}

/* Holds today: valid, exact counts, the skipped frames flagged. */
static void longjmp_keeps_the_trace_valid(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_jump(&r, "once");
    assert_string_equal(r.out, "mode=once jumps=1 last=2 sink=4\n");
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "total_calls"), 7);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(m, "dropped"), "depth"), 0);
    cJSON *mn = main_node(t);
    cJSON *kids = cJSON_GetObjectItem(mn, "children");
    assert_int_equal(tu_count(kids, "level1"), 1);
    assert_int_equal(tu_count(kids, "level2"), 1);
    assert_int_equal(tu_count(kids, "level3"), 1);
    assert_int_equal(tu_count(kids, "after"), 3);
    /* level1 > level2 > level3, each left by the jump: unwound, not unfinished */
    cJSON *l1 = cJSON_GetArrayItem(kids, 0);
    assert_string_equal(tu_str(l1, "function"), "level1");
    const char *chain[] = {"level1", "level2", "level3"};
    cJSON *n = l1;
    for (int i = 0; i < 3; i++) {
        assert_string_equal(tu_str(n, "function"), chain[i]);
        assert_true(tu_true(n, "unwound"));
        assert_false(tu_true(n, "unfinished"));
        if (i < 2)
            n = tu_find(cJSON_GetObjectItem(n, "children"), chain[i + 1]);
    }
    cJSON *th = tu_main_thread(t);
    assert_int_equal((int)tu_num(th, "unwound_calls"), 3);
    assert_int_equal((int)tu_num(th, "unfinished_calls"), 0);
    cJSON_Delete(t);

    t = run_jump(&r, "deep");
    assert_string_equal(r.out, "mode=deep jumps=1 last=1 sink=3\n");
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(t, "metadata"), "total_calls"), 1 + 50 + 3);
    kids = cJSON_GetObjectItem(main_node(t), "children");
    assert_int_equal(tu_count(kids, "recurse"), 50);
    assert_int_equal(tu_count(kids, "after"), 3);
    assert_int_equal((int)tu_num(tu_main_thread(t), "unwound_calls"), 50);
    cJSON_Delete(t);
}

/* The calls made after a jump nest under main(), and the jumped-over frames
 * end "unwound" right there: every enter compares its stack pointer with the
 * innermost open frame's (hooks.c), so the frames a longjmp abandoned close
 * at the next call, and the depth does not grow jump after jump (40 jumps of
 * 3 frames would pass CALLTRACE_MAX_DEPTH=100 otherwise). */
static void calls_after_longjmp_nest_under_main(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_jump(&r, "once");
    cJSON *kids = cJSON_GetObjectItem(main_node(t), "children");
    assert_int_equal(cJSON_GetArraySize(kids), 4); /* level1, after x 3 */
    for (int i = 1; i < 4; i++)
        assert_string_equal(tu_str(cJSON_GetArrayItem(kids, i), "function"), "after");
    cJSON_Delete(t);

    t = run_jump(&r, "loop");
    assert_string_equal(r.out, "mode=loop jumps=40 last=41 sink=823\n");
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(m, "dropped"), "depth"), 0);
    assert_int_equal((int)tu_num(m, "total_calls"), 1 + 40 * 3 + 3);
    kids = cJSON_GetObjectItem(main_node(t), "children");
    assert_int_equal(tu_count(kids, "level1"), 40);
    assert_int_equal(cJSON_GetArraySize(kids), 40 + 3);
    cJSON_Delete(t);
}

/* Many jumps leave a valid trace and the program's output alone. */
static void many_longjmps_keep_the_trace_valid(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_jump(&r, "loop");
    assert_string_equal(r.out, "mode=loop jumps=40 last=41 sink=823\n");
    cJSON *kids = cJSON_GetObjectItem(main_node_(t, 1), "children");
    assert_true(tu_count(kids, "level1") >= 1);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(longjmp_keeps_the_trace_valid),
        cmocka_unit_test(many_longjmps_keep_the_trace_valid),
        cmocka_unit_test(calls_after_longjmp_nest_under_main),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "longjmp");
}
