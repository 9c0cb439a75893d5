/* regions: only the calls between start and stop, marks where they were
 * made, a flush mid-run that is a valid trace of what came before. */
#include "check_common.h"

static const cJSON *root_named(const cJSON *roots, const char *fn)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, roots)
        if (strcmp(tu_str(n, "function"), fn) == 0)
            return n;
    fail_msg("no root call %s", fn);
    return NULL;
}

static void regions_marks_and_flush(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_START=0", NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_int_equal(tu_printed(&r, "recording_at_start"), 0);
    assert_int_equal(tu_printed(&r, "mark_stopped"), -2); /* CALLTRACE_ESTOPPED */
    assert_int_equal(tu_printed(&r, "flush"), 0);
    assert_int_equal(tu_printed(&r, "mark_null"), -1);    /* CALLTRACE_EINVAL */
    assert_int_equal(tu_printed(&r, "strerror_ok"), 1);

    cJSON *t = load_valid();
    cJSON *th = tu_main_thread(t);
    cJSON *roots = cJSON_GetObjectItem(th, "root_calls");
    /* exactly the calls made while recording, in order */
    const char *expect[] = {"inside_a", "inside_b", "deep_stop", "later"};
    assert_int_equal(cJSON_GetArraySize(roots), 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(tu_str(cJSON_GetArrayItem(roots, i), "function"), expect[i]);
    assert_int_equal(tu_count_all(roots), 4 + 3 + 1 /* leaf under a, b, later */ + 1 /* stopper */);
    assert_int_equal(tu_count(roots, "before"), 0);
    assert_int_equal(tu_count(roots, "between"), 0);
    assert_int_equal(tu_count(roots, "after"), 0);
    assert_int_equal(tu_count(roots, "main"), 0);
    /* stopped two frames deep: both unfinished, nothing else is */
    const cJSON *ds = root_named(roots, "deep_stop");
    assert_true(tu_true(ds, "unfinished"));
    assert_true(tu_true(cJSON_GetArrayItem(cJSON_GetObjectItem(ds, "children"), 0), "unfinished"));
    assert_false(tu_true(root_named(roots, "inside_b"), "unfinished"));
    assert_int_equal((int)tu_num(th, "unfinished_calls"), 2);

    /* marks: "in-a" inside inside_a, "after-a" at the root between a and b */
    cJSON *marks = cJSON_GetObjectItem(th, "marks");
    assert_int_equal(cJSON_GetArraySize(marks), 2);
    const cJSON *m0 = cJSON_GetArrayItem(marks, 0), *m1 = cJSON_GetArrayItem(marks, 1);
    const cJSON *a = root_named(roots, "inside_a"), *b = root_named(roots, "inside_b");
    assert_string_equal(tu_str(m0, "label"), "in-a");
    assert_string_equal(tu_str(m0, "function"), "inside_a");
    assert_int_equal((int)tu_num(m0, "depth"), 1);
    assert_true(tu_num(m0, "timestamp_ns") >= tu_num(a, "start_ns"));
    assert_true(tu_num(m0, "timestamp_ns") <= tu_num(a, "end_ns"));
    assert_string_equal(tu_str(m1, "label"), "after-a");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(m1, "function")));
    assert_int_equal((int)tu_num(m1, "depth"), 0);
    assert_true(tu_num(m1, "timestamp_ns") >= tu_num(a, "end_ns"));
    assert_true(tu_num(m1, "timestamp_ns") <= tu_num(b, "start_ns"));
    cJSON_Delete(t);

    /* the mid-run flush: valid, incomplete, inside_b still running */
    cJSON *f = load_flushed();
    cJSON *froots = cJSON_GetObjectItem(tu_main_thread(f), "root_calls");
    assert_int_equal(cJSON_GetArraySize(froots), 2);
    assert_string_equal(tu_str(cJSON_GetArrayItem(froots, 0), "function"), "inside_a");
    const cJSON *fb = cJSON_GetArrayItem(froots, 1);
    assert_string_equal(tu_str(fb, "function"), "inside_b");
    assert_true(tu_true(fb, "unfinished"));
    assert_int_equal(tu_count(froots, "leaf"), 2);
    cJSON_Delete(f);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(regions_marks_and_flush),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "regions");
}
