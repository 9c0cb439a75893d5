/* exact (config/progs/exact.c): values a wrong runtime would get slightly
 * wrong, asserted exactly. The clock (CALLTRACE_CLOCK=monotonic and the
 * default): metadata.start_monotonic_ns inside the checker's own
 * CLOCK_MONOTONIC bracket of the run, a call's start and end inside the
 * bracket the program printed around it, metadata.duration_ns from the
 * trace's start to its end. The depth limit (CALLTRACE_MAX_DEPTH=4): the
 * exact tree, drop count and loss line, every frame ending after its
 * children. The mark-label limit: labels of 254 and 255 bytes whole, longer
 * ones cut at 255. */
#include <time.h>

#include "check_common.h"

static uint64_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void check_clock(const char *clock_env, const char *want_clock)
{
    struct tu_run r;
    const char *env[] = {clock_env, NULL};
    uint64_t before = mono_now();
    cJSON *t = run_mode(&r, "clock", env, 0);
    uint64_t after = mono_now();
    const cJSON *m = cJSON_GetObjectItem(t, "metadata");
    if (want_clock)
        assert_string_equal(tu_str(m, "clock"), want_clock);
    uint64_t start = (uint64_t)tu_num(m, "start_monotonic_ns");
    uint64_t dur = (uint64_t)tu_num(m, "duration_ns");
    if (start < before || start > after)
        fail_msg("start_monotonic_ns %llu outside the run [%llu, %llu]", (unsigned long long)start,
                 (unsigned long long)before, (unsigned long long)after);
    if (dur > after - start)
        fail_msg("duration_ns %llu longer than the run after its start (%llu)",
                 (unsigned long long)dur, (unsigned long long)(after - start));
    long t0 = tu_printed(&r, "t0"), t1 = tu_printed(&r, "t1");
    assert_true(t0 > 0 && t1 > t0);
    const cJSON *th = tu_main_thread(t);
    assert_non_null(th);
    const cJSON *mainc = tu_find(cJSON_GetObjectItem(th, "root_calls"), "main");
    const cJSON *outer = tu_find(cJSON_GetObjectItem(th, "root_calls"), "outer");
    assert_non_null(mainc);
    assert_non_null(outer);
    const cJSON *kids = cJSON_GetObjectItem(outer, "children");
    assert_int_equal(cJSON_GetArraySize(kids), 3);
    /* each of the three: the first takes the hooks' slow path, the others the
     * fast one (each clock has its own hook set) */
    for (int i = 0; i < 3; i++) {
        const cJSON *in = cJSON_GetArrayItem(kids, i);
        assert_string_equal(tu_str(in, "function"), "inner");
        uint64_t s = start + (uint64_t)tu_num(in, "start_ns"), e = start + (uint64_t)tu_num(in, "end_ns");
        /* the hooks' stamps lie between the program's two clock reads, within a
         * microsecond of calibration error */
        if (s + 1000 < (uint64_t)t0 || e > (uint64_t)t1 + 1000 || s > e)
            fail_msg("inner() #%d [%llu, %llu] outside the program's bracket [%ld, %ld] (start %llu)",
                     i, (unsigned long long)s, (unsigned long long)e, t0, t1, (unsigned long long)start);
        /* inner spins 2 ms: its duration is that and less than the bracket */
        uint64_t d = (uint64_t)tu_num(in, "duration_ns");
        if (d < 2000000 || d > (uint64_t)(t1 - t0) + 1000)
            fail_msg("inner() #%d lasted %llu ns", i, (unsigned long long)d);
        assert_int_equal(d, (uint64_t)tu_num(in, "end_ns") - (uint64_t)tu_num(in, "start_ns"));
    }
    /* the trace lasts at least until main returned */
    assert_true(dur >= (uint64_t)tu_num(mainc, "end_ns"));
    cJSON_Delete(t);
}

static void monotonic_clock(void **state)
{
    (void)state;
    check_clock("CALLTRACE_CLOCK=monotonic", "monotonic");
}

static void default_clock(void **state)
{
    (void)state;
    check_clock(NULL, NULL);
}

/* Every node ends at or after its children, starts at or before them. */
static void assert_nested(const cJSON *nodes)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes) {
        const cJSON *c, *kids = cJSON_GetObjectItem(n, "children");
        cJSON_ArrayForEach(c, kids) {
            if (tu_num(c, "end_ns") > tu_num(n, "end_ns") || tu_num(c, "start_ns") < tu_num(n, "start_ns"))
                fail_msg("%s ends before its child %s", tu_str(n, "function"), tu_str(c, "function"));
        }
        assert_nested(kids);
    }
}

static void depth_limit(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_MAX_DEPTH=4", NULL};
    cJSON *t = run_mode(&r, "depth", env, 0);
    /* depth 1 main, 2-4 rec(9), rec(8), rec(7); rec(8)'s tail at depth 4 */
    assert_shape(t, "main{rec{rec{rec tail} tail} rec{rec{rec tail} tail} rec{rec{rec tail} tail}}");
    const cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((long)tu_num(m, "max_depth"), 4);
    assert_int_equal((long)tu_num(m, "total_calls"), 16);
    /* per round: rec(6)..rec(0) and the tails of rec(7)..rec(0) */
    assert_int_equal((long)tu_num(cJSON_GetObjectItem(m, "dropped"), "depth"), 3 * (7 + 8));
    assert_nested(cJSON_GetObjectItem(tu_main_thread(t), "root_calls"));
    assert_string_equal(r.err, "calltrace: the trace is incomplete; 45 calls deeper than "
                               "CALLTRACE_MAX_DEPTH=4 (raise it)\n");
    cJSON_Delete(t);
}

static void mark_label_limit(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "mark", NULL, 0);
    const cJSON *marks = cJSON_GetObjectItem(tu_main_thread(t), "marks");
    assert_int_equal(cJSON_GetArraySize(marks), 4);
    static const size_t want[] = {254, 255, 255, 255};
    for (int i = 0; i < 4; i++) {
        const cJSON *m = cJSON_GetArrayItem(marks, i);
        const char *label = tu_str(m, "label");
        assert_int_equal(strlen(label), want[i]);
        assert_int_equal(strspn(label, (char[]){(char)('a' + i), 0}), want[i]);
        assert_string_equal(tu_str(m, "function"), "marked");
        assert_int_equal((int)tu_num(m, "depth"), 2);
    }
    assert_string_equal(r.err, "");
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monotonic_clock),
        cmocka_unit_test(default_clock),
        cmocka_unit_test(depth_limit),
        cmocka_unit_test(mark_label_limit),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "exact");
}
