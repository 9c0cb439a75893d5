/* robust_malloc: a program whose own instrumented malloc/free/calloc/realloc
 * serve every allocation in the process, calltrace's included. */
#include "check_common.h"

static const char *const kinds[] = {"malloc", "free", "calloc", "realloc"};
static const long explicit_calls[] = {9, 19, 10, 5}; /* made by main() itself */

/* Nodes named fn that are direct children of node. */
static long direct(const cJSON *node, const char *fn)
{
    long n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(node, "children"))
        n += strcmp(tu_str(c, "function"), fn) == 0;
    return n;
}

static void own_allocator_is_traced_not_recursed(void **state)
{
    (void)state;
    struct tu_run r;
    alarm(60); /* a recursion or a deadlock would hang: fail instead */
    run_prog(&r, NULL, NULL);
    alarm(0);
    if (r.status != 0)
        fail_msg("exit status %d; stderr: %s", r.status, r.err);
    static const char head[] = "flush=0 sum=45 buf=ok\nexplicit malloc=9 free=19 calloc=10 realloc=5\n";
    assert_memory_equal(r.out, head, sizeof(head) - 1);
    cJSON *t = load_valid();
    /* calltrace's own calls of the program's malloc are counted, and said */
    expect_stderr_losses(r.err, t);
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "threads"), 1); /* calltrace's writer thread is never traced */
    cJSON *th = tu_main_thread(t);
    assert_non_null(th);
    cJSON *main_node = tu_find(cJSON_GetObjectItem(th, "root_calls"), "main");
    assert_non_null(main_node);
    assert_false(tu_true(main_node, "unfinished"));
    cJSON *kids = cJSON_GetObjectItem(main_node, "children");
    long runtime_calls = 0;
    for (int k = 0; k < 4; k++) {
        char key[32];
        snprintf(key, sizeof(key), "main_%s", kinds[k]);
        long in_main = tu_printed(&r, key);
        snprintf(key, sizeof(key), "flush_%s", kinds[k]);
        long in_flush = tu_printed(&r, key);
        assert_true(in_main >= explicit_calls[k]);
        runtime_calls += in_flush;
        /* every call main() made is in main's subtree, and none of those
         * calltrace made while flushing */
        long traced = (long)tu_count(kids, kinds[k]);
        if (traced != in_main)
            fail_msg("%s: %ld calls under main in the trace, the program made %ld (and %ld "
                     "during the flush)", kinds[k], traced, in_main, in_flush);
    }
    /* the explicit ones where they were made */
    cJSON *build = tu_find(kids, "build_list"), *drop = tu_find(kids, "drop_list");
    assert_non_null(build);
    assert_non_null(drop);
    assert_int_equal(direct(build, "calloc"), 10);
    assert_int_equal(tu_count_all(cJSON_GetObjectItem(build, "children")), 10);
    assert_int_equal(direct(drop, "free"), 10);
    assert_int_equal(tu_count_all(cJSON_GetObjectItem(drop, "children")), 10);
    assert_true(direct(main_node, "realloc") >= 5);
    assert_true(direct(main_node, "malloc") >= 9);
    assert_true(direct(main_node, "free") >= 9);
    /* allocator calls are leaves: nothing nests inside them */
    for (int k = 0; k < 4; k++) {
        cJSON *n = tu_find(cJSON_GetObjectItem(th, "root_calls"), kinds[k]);
        assert_non_null(n);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(n, "children")), 0);
    }
    /* the flush allocated (symbols, buffers): each of those calls reached
     * the hooks while calltrace was busy, and was counted, not recorded */
    assert_true(runtime_calls > 0);
    const cJSON *dropped = cJSON_GetObjectItem(th, "dropped");
    assert_int_equal((long)tu_num(dropped, "reentrant"), 2 * runtime_calls);
    assert_int_equal((long)tu_num(dropped, "depth"), 0);
    assert_int_equal((long)tu_num(dropped, "buffer"), 0);
    cJSON_Delete(t);
}

/* The trace written by the flush in the middle of the run is valid, with
 * every allocation main() had made by then, and with other views too. */
static void flushed_trace_is_valid(void **state)
{
    (void)state;
    struct tu_run r;
    alarm(60);
    run_prog(&r, NULL, (const char *const[]){"CALLTRACE_FORMAT=json,text,summary", NULL});
    alarm(0);
    assert_int_equal(r.status, 0);
    cJSON *f = load_flushed();
    {
        cJSON *fin = load_valid();
        expect_stderr_losses(r.err, fin);
        cJSON_Delete(fin);
    }
    cJSON *main_node = tu_find(cJSON_GetObjectItem(tu_main_thread(f), "root_calls"), "main");
    assert_non_null(main_node);
    assert_true(tu_true(main_node, "unfinished"));
    cJSON *kids = cJSON_GetObjectItem(main_node, "children");
    assert_int_equal(tu_count(kids, "calloc"), 10);
    assert_int_equal(tu_count(kids, "realloc"), 5);
    assert_int_equal(tu_count(kids, "free"), 10);
    assert_true(tu_count(kids, "malloc") >= 9);
    cJSON_Delete(f);
    char flushed[4200];
    snprintf(flushed, sizeof(flushed), "%s.flush", g_trace);
    unlink(flushed);
    cJSON_Delete(load_valid());
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_allocator_is_traced_not_recursed),
        cmocka_unit_test(flushed_trace_is_valid),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "malloc");
}
