/* capture_robust: CALLTRACE_CAPTURE_ARGS=1 hijacks the return address of
 * every instrumented function while it runs. Programs that throw, longjmp,
 * take signals, end threads by pthread_exit/pthread_cancel, take backtraces
 * and use the C++ standard library must behave exactly as without it.
 *
 *   check_capture_robust <prog> exc caught|rethrow|middle|rethrow_ptr|uncaught
 *   check_capture_robust <prog> jump
 *   check_capture_robust <prog> signal alarm|usr1|usr1jump
 *   check_capture_robust <prog> threads|threads_fexc
 *   check_capture_robust <prog> backtrace
 *   check_capture_robust <prog> idioms
 *
 * Each case runs the program twice, without and with capture: the same exit
 * status, stdout and stderr (backtrace: its stderr holds the frame counts,
 * which do differ), a valid trace both times, and with capture the tree says
 * which frames unwound and carries the return values of those that returned. */
#include <limits.h>
#include <signal.h>

#include "check_common.h"

#define ANY_ARG LONG_MIN /* expect_*: do not check the first argument */

static const char *g_kind, *g_mode;
static struct tu_run g_off, g_on;
static int g_check_stderr;

/* Runs the program without and with capture; returns the capture trace. */
static cJSON *run_pair(int want_status, int same_stderr)
{
    /* the modes of one program run in parallel: one trace file each */
    snprintf(g_trace, sizeof(g_trace), "%s.%s%s%s.trace.json", g_prog, g_kind, g_mode ? "." : "",
             g_mode ? g_mode : "");
    const char *args[] = {g_mode, NULL};
    const char *off_env[] = {"CALLTRACE_PRETTY_JSON=0", NULL};
    run_prog(&g_off, g_mode ? args : NULL, off_env);
    if (g_off.status != want_status)
        fail_msg("without capture: exit status %d, want %d; stderr: %s", g_off.status,
                 want_status, g_off.err);
    cJSON *t = load_valid();
    assert_false(tu_true(cJSON_GetObjectItem(t, "metadata"), "capture_args"));
    cJSON_Delete(t);

    const char *on_env[] = {"CALLTRACE_PRETTY_JSON=0", "CALLTRACE_CAPTURE_ARGS=1", NULL};
    run_prog(&g_on, g_mode ? args : NULL, on_env);
    if (g_on.status != g_off.status)
        fail_msg("exit status %d with capture, %d without; stderr with capture: %s", g_on.status,
                 g_off.status, g_on.err);
    if (strcmp(g_on.out, g_off.out) != 0)
        fail_msg("stdout differs\n--- without capture:\n%s--- with capture:\n%s", g_off.out,
                 g_on.out);
    g_check_stderr = same_stderr; /* compared by finish(), after the tree */
    t = load_valid();
    assert_true(tu_true(cJSON_GetObjectItem(t, "metadata"), "capture_args"));
    return t;
}

/* The end of a case: the trace is freed, then stderr is compared (after the
 * tree, so that a difference there does not hide one in the tree). */
static void finish(cJSON *t)
{
    cJSON_Delete(t);
    /* the loss line's counts depend on timing (signals): compared apart */
    static char on[65536], off[65536];
    if (g_check_stderr && strcmp(without_loss_line(g_on.err, on, sizeof(on)),
                                 without_loss_line(g_off.err, off, sizeof(off))) != 0)
        fail_msg("stderr differs\n--- without capture:\n%s--- with capture:\n%s", g_off.err,
                 g_on.err);
}

/* ---- tree helpers */

static cJSON *kids(const cJSON *n)
{
    return cJSON_GetObjectItem(n, "children");
}

/* main() among the main thread's roots */
static cJSON *main_node(const cJSON *t)
{
    cJSON *th = tu_main_thread(t);
    assert_non_null(th);
    cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(th, "root_calls"))
        if (strcmp(tu_str(r, "function"), "main") == 0)
            return r;
    fail_msg("no main() among the main thread's roots");
    return NULL;
}

/* the return value, if there is one with a number value */
static int ret_of(const cJSON *n, long *v)
{
    const cJSON *rv = cJSON_GetObjectItem(n, "return_value");
    const cJSON *val = rv ? cJSON_GetObjectItem(rv, "value") : NULL;
    if (!cJSON_IsNumber(val))
        return 0;
    *v = (long)val->valuedouble;
    return 1;
}

/* argument i, if present with a number value */
static int arg_of(const cJSON *n, int i, long *v)
{
    const cJSON *a = cJSON_GetArrayItem(cJSON_GetObjectItem(n, "arguments"), i);
    const cJSON *val = a ? cJSON_GetObjectItem(a, "value") : NULL;
    if (!cJSON_IsNumber(val))
        return 0;
    *v = (long)val->valuedouble;
    return 1;
}

static void expect_fn(const cJSON *n, const char *fn)
{
    if (!n)
        fail_msg("no node where %s was expected", fn);
    if (strcmp(tu_str(n, "function"), fn) != 0)
        fail_msg("%s where %s was expected", tu_str(n, "function"), fn);
}

/* fn(arg0) was unwound: "unwound": true, no return value */
static void expect_unwound(const cJSON *n, const char *fn, long arg0)
{
    expect_fn(n, fn);
    long a;
    if (arg0 != ANY_ARG && arg_of(n, 0, &a) && a != arg0)
        fail_msg("%s: argument %ld, want %ld", fn, a, arg0);
    if (!tu_true(n, "unwound"))
        fail_msg("%s(%ld): not marked unwound", fn, arg0);
    assert_false(tu_true(n, "unfinished"));
    assert_null(cJSON_GetObjectItem(n, "return_value"));
}

/* fn(arg0) returned `ret`: not unwound, not unfinished, the return value */
static void expect_returned(const cJSON *n, const char *fn, long arg0, long ret)
{
    expect_fn(n, fn);
    long a, v;
    if (arg0 != ANY_ARG && arg_of(n, 0, &a) && a != arg0)
        fail_msg("%s: argument %ld, want %ld", fn, a, arg0);
    if (tu_true(n, "unwound") || tu_true(n, "unfinished"))
        fail_msg("%s(%ld): marked unwound or unfinished, but it returned", fn, arg0);
    if (!ret_of(n, &v))
        fail_msg("%s(%ld): no return value", fn, arg0);
    if (v != ret)
        fail_msg("%s(%ld): return value %ld, want %ld", fn, arg0, v, ret);
}

static void expect_kids(const cJSON *n, int count)
{
    int got = cJSON_GetArraySize(kids(n));
    if (got != count)
        fail_msg("%s: %d children, want %d", tu_str(n, "function"), got, count);
}

static void expect_thread_counts(const cJSON *t, long unwound, long unfinished)
{
    const cJSON *th = tu_main_thread(t);
    assert_int_equal((long)tu_num(th, "unwound_calls"), unwound);
    assert_int_equal((long)tu_num(th, "unfinished_calls"), unfinished);
    assert_int_equal((long)tu_num(th, "unmatched_exits"), 0);
}

/* main() returned 0 and has `count` children */
static cJSON *main_returned(const cJSON *t, int count)
{
    cJSON *m = main_node(t);
    expect_returned(m, "main", ANY_ARG, 0);
    expect_kids(m, count);
    return m;
}

/* ================================================================ exceptions */

static void exc_caught(void)
{
    cJSON *t = run_pair(0, 1);
    cJSON *m = main_returned(t, 400);
    for (int i = 0; i < 200; i++) {
        cJSON *c1 = cJSON_GetArrayItem(kids(m), 2 * i);
        expect_unwound(c1, "c1(int)", i);
        expect_kids(c1, 1);
        cJSON *c2 = kids(c1)->child;
        expect_unwound(c2, "c2(int)", i + 1);
        expect_kids(c2, 2); /* c3, then the destructor its cleanup ran */
        expect_unwound(kids(c2)->child, "c3(int)", i + 2);
        expect_kids(kids(c2)->child, 0);
        cJSON *g = cJSON_GetArrayItem(kids(c2), 1);
        expect_fn(g, "Guard::~Guard()");
        expect_kids(g, 1);
        expect_returned(kids(g)->child, "note(int)", i + 1, i + 1 + 1000);
        expect_returned(cJSON_GetArrayItem(kids(m), 2 * i + 1), "twice(int)", i, 2 * i);
    }
    expect_thread_counts(t, 600, 0);
    finish(t);
}

static void exc_rethrow(void)
{
    cJSON *t = run_pair(0, 1);
    cJSON *m = main_returned(t, 200);
    for (int i = 0; i < 100; i++) {
        cJSON *n = cJSON_GetArrayItem(kids(m), 2 * i);
        const char *chain[] = {"r1(int)", "r2(int)", "r3(int)"};
        for (int d = 0; d < 3; d++) {
            expect_unwound(n, chain[d], i + d);
            expect_kids(n, d < 2 ? 1 : 0);
            n = kids(n)->child;
        }
        expect_returned(cJSON_GetArrayItem(kids(m), 2 * i + 1), "twice(int)", i, 2 * i);
    }
    expect_thread_counts(t, 300, 0);
    finish(t);
}

static void exc_middle(void)
{
    cJSON *t = run_pair(0, 1);
    cJSON *m = main_returned(t, 100);
    for (int i = 0; i < 100; i++) {
        cJSON *m1 = cJSON_GetArrayItem(kids(m), i);
        expect_returned(m1, "m1(int)", i, (i + 3) * 10 + 1);
        expect_kids(m1, 1);
        cJSON *m2 = kids(m1)->child;
        expect_returned(m2, "m2(int)", i + 1, (i + 3) * 10);
        expect_kids(m2, 2); /* m3 (unwound), then the handler's twice() */
        cJSON *m3 = kids(m2)->child;
        expect_unwound(m3, "m3(int)", i + 2);
        expect_kids(m3, 1);
        expect_unwound(kids(m3)->child, "m4(int)", i + 3);
        expect_returned(cJSON_GetArrayItem(kids(m2), 1), "twice(int)", i + 3, 2 * (i + 3));
    }
    expect_thread_counts(t, 200, 0);
    finish(t);
}

static void exc_rethrow_ptr(void)
{
    cJSON *t = run_pair(0, 1);
    cJSON *m = main_returned(t, 300);
    for (int i = 0; i < 100; i++) {
        cJSON *p2 = cJSON_GetArrayItem(kids(m), 3 * i);
        expect_returned(p2, "p2(int)", i, -i);
        expect_kids(p2, 1);
        expect_unwound(kids(p2)->child, "p3(int)", i + 1);
        cJSON *n = cJSON_GetArrayItem(kids(m), 3 * i + 1);
        const char *chain[] = {"q1(int)", "q2(int)", "q3(int)"};
        for (int d = 0; d < 3; d++) {
            expect_unwound(n, chain[d], i + d);
            expect_kids(n, d < 2 ? 1 : 0);
            n = kids(n)->child;
        }
        expect_returned(cJSON_GetArrayItem(kids(m), 3 * i + 2), "twice(int)", i, 2 * i);
    }
    expect_thread_counts(t, 400, 0);
    finish(t);
}

static void exc_uncaught(void)
{
    cJSON *t = run_pair(134, 1); /* std::terminate: abort() */
    assert_string_equal(g_on.out, "mode=uncaught\n");
    assert_non_null(strstr(g_on.err, "terminate called after throwing an instance of 'Boom'"));
    /* nothing caught it, so nothing unwound: the frames are still open */
    cJSON *n = main_node(t);
    const char *chain[] = {"main", "u1(int)", "u2(int)", "u3(int)"};
    for (int d = 0; d < 4; d++) {
        expect_fn(n, chain[d]);
        assert_true(tu_true(n, "unfinished"));
        assert_false(tu_true(n, "unwound"));
        assert_null(cJSON_GetObjectItem(n, "return_value"));
        expect_kids(n, d < 3 ? 1 : 0);
        n = kids(n)->child;
    }
    finish(t);
}

static void exc_case(void **state)
{
    (void)state;
    if (!g_mode)
        fail_msg("exc: give a mode");
    if (strcmp(g_mode, "caught") == 0)
        exc_caught();
    else if (strcmp(g_mode, "rethrow") == 0)
        exc_rethrow();
    else if (strcmp(g_mode, "middle") == 0)
        exc_middle();
    else if (strcmp(g_mode, "rethrow_ptr") == 0)
        exc_rethrow_ptr();
    else if (strcmp(g_mode, "uncaught") == 0)
        exc_uncaught();
    else
        fail_msg("exc: unknown mode %s", g_mode);
}

/* ================================================================ longjmp */

static void jump_case(void **state)
{
    (void)state;
    g_mode = NULL;
    cJSON *t = run_pair(0, 1);
    assert_string_equal(g_on.err, "");
    long sum1 = 0;
    for (int j = 1; j <= 50; j++)
        sum1 += j + 3;
    long sum2 = sum1;
    for (int i = 0; i < 10; i++)
        sum2 += (i + 2) * 7 + 2;
    char want[256];
    snprintf(want, sizeof(want), "phase1 jumps=50 sum=%ld\nphase2 sum=%ld\n", sum1, sum2);
    assert_memory_equal(g_on.out, want, strlen(want));
    assert_non_null(strstr(g_on.out, " bad=0 "));

    /* 50 jmp1 > jmp2 > jmp3, 10 n1, 3000 (deep..., square), 10 (n1, square) */
    cJSON *m = main_returned(t, 50 + 10 + 6000 + 20);
    int at = 0;
    for (int j = 1; j <= 50; j++) {
        cJSON *n = cJSON_GetArrayItem(kids(m), at++);
        const char *chain[] = {"jmp1", "jmp2", "jmp3"};
        for (int d = 0; d < 3; d++) {
            expect_unwound(n, chain[d], j + d);
            expect_kids(n, d < 2 ? 1 : 0);
            n = kids(n)->child;
        }
    }
    for (int i = 0; i < 10; i++) {
        cJSON *n1 = cJSON_GetArrayItem(kids(m), at++);
        expect_returned(n1, "n1", i, (i + 2) * 7 + 2);
        expect_returned(kids(n1)->child, "n2", i + 1, (i + 2) * 7 + 1);
        expect_returned(kids(kids(n1)->child)->child, "n3", i + 2, (i + 2) * 7);
    }
    for (int more = 1; more <= 3000; more++) {
        cJSON *n = cJSON_GetArrayItem(kids(m), at++);
        int depth = more % 5 + 1;
        for (int d = 0; d < depth; d++) {
            expect_unwound(n, "deep", more % 5 - d);
            expect_kids(n, d < depth - 1 ? 1 : 0);
            n = kids(n)->child;
        }
        long got = more + more % 5 + 1;
        expect_returned(cJSON_GetArrayItem(kids(m), at++), "square", got, got * got);
    }
    for (int i = 0; i < 10; i++) {
        long v = (i + 2) * 7 + 2;
        expect_returned(cJSON_GetArrayItem(kids(m), at++), "n1", i, v);
        expect_returned(cJSON_GetArrayItem(kids(m), at++), "square", v, v * v);
    }
    expect_thread_counts(t, 150 + 600 * (1 + 2 + 3 + 4 + 5), 0);
    finish(t);
}

/* ================================================================ signals */

/* every returned call of a function with a known result has that result */
static long check_results(const cJSON *nodes, long *returned)
{
    long wrong = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes) {
        const char *fn = tu_str(n, "function");
        long k, v, want = 0;
        int known = 1;
        if (ret_of(n, &v) && arg_of(n, 0, &k)) {
            if (strcmp(fn, "h3") == 0)
                want = k * 5;
            else if (strcmp(fn, "h2") == 0)
                want = (k + 1) * 5 + 1;
            else if (strcmp(fn, "h1") == 0 || strcmp(fn, "handler_body") == 0)
                want = (k + 2) * 5 + 2;
            else if (strcmp(fn, "w3") == 0)
                want = k * 11;
            else if (strcmp(fn, "w2") == 0)
                want = (k + 1) * 11 + 1;
            else if (strcmp(fn, "w1") == 0)
                want = (k + 2) * 11 + 2;
            else if (strcmp(fn, "on_usr2_work") == 0)
                want = k * 3 + 1;
            else if (strcmp(fn, "nested_raise2") == 0)
                want = k + 1;
            else if (strcmp(fn, "nested_raise1") == 0)
                want = k + 3;
            else if (strcmp(fn, "round_of_work") == 0)
                want = 0;
            else
                known = 0;
            if (known) {
                (*returned)++;
                if (v != want) {
                    if (!wrong)
                        print_error("%s(%ld) returned %ld in the trace, want %ld\n", fn, k, v,
                                    want);
                    wrong++;
                }
            }
        }
        wrong += check_results(kids(n), returned);
    }
    return wrong;
}

static void signal_case(void **state)
{
    (void)state;
    if (!g_mode)
        fail_msg("signal: give a mode");
    cJSON *t = run_pair(0, 1);
    expect_stderr_losses(g_on.err, t);
    assert_true(tu_printed(&g_on, "bad") == 0);
    assert_true(tu_printed(&g_on, "hbad") == 0);
    cJSON *m = main_node(t);
    expect_returned(m, "main", ANY_ARG, 0);
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    long returned = 0;
    assert_int_equal(check_results(roots, &returned), 0);
    assert_true(returned > 0);
    if (strcmp(g_mode, "usr1") == 0) {
        /* synchronous: raise() is never inside a hook, nothing is dropped */
        assert_int_equal((long)tu_count(roots, "on_signal"), tu_printed(&g_on, "deliveries"));
        assert_int_equal((long)tu_count(roots, "on_signal"), 286);
        assert_int_equal((long)tu_count(roots, "on_usr2"), tu_printed(&g_on, "usr2"));
        assert_int_equal((long)tu_count(roots, "round_of_work"), 2000);
        expect_thread_counts(t, 0, 0);
    } else if (strcmp(g_mode, "usr1jump") == 0) {
        /* 500 x round_of_work > w1 > w2 > on_signal, all left by the jump;
         * then 20 round_of_work that return */
        expect_kids(m, 520);
        for (int i = 0; i < 500; i++) {
            cJSON *n = cJSON_GetArrayItem(kids(m), i);
            const char *chain[] = {"round_of_work", "w1", "w2", "on_signal"};
            const long args[] = {i + 1, i + 1, i + 2, SIGUSR1};
            for (int d = 0; d < 4; d++) {
                expect_unwound(n, chain[d], args[d]);
                if (d < 3) {
                    expect_kids(n, 1);
                    n = kids(n)->child;
                }
            }
            expect_returned(kids(n)->child, "handler_body", i % 64, (i % 64 + 2) * 5 + 2);
        }
        for (int k = 0; k < 20; k++)
            expect_returned(cJSON_GetArrayItem(kids(m), 500 + k), "round_of_work", k, 0);
        expect_thread_counts(t, 2000, 0);
    } else {
        /* asynchronous: every handler call recorded is whole */
        const cJSON *th = tu_main_thread(t);
        assert_int_equal((long)tu_num(th, "unfinished_calls"), 0);
        assert_int_equal((long)tu_num(th, "unwound_calls"), 0);
        assert_true(tu_count(roots, "on_signal") > 0);
        assert_int_equal((long)tu_count(roots, "handler_body"),
                         (long)tu_count(roots, "on_signal"));
    }
    finish(t);
}

/* ================================================================ threads */

/* the threads named `name`: `count` of them, each rooted at root > f1 > f2 > f3 */
static void check_ended_threads(const cJSON *t, const char *name, const char *root,
                                const char *const chain[3], int strict)
{
    int seen = 0;
    const cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItem(t, "call_trees")) {
        if (strcmp(tu_str(th, "name"), name) != 0)
            continue;
        seen++;
        const cJSON *roots = cJSON_GetObjectItem(th, "root_calls");
        assert_int_equal(cJSON_GetArraySize(roots), 1);
        const cJSON *n = roots->child;
        expect_fn(n, root);
        for (int d = 0; d < 4; d++) {
            const char *fn = d == 0 ? root : chain[d - 1];
            expect_fn(n, fn);
            /* none of them returned */
            if (cJSON_GetObjectItem(n, "return_value"))
                fail_msg("%s: %s has a return value, but the thread ended inside it", name, fn);
            if (strict && !tu_true(n, "unwound"))
                fail_msg("%s: %s not marked unwound (the forced unwind ran its cleanup, its "
                         "exit hook)",
                         name, fn);
            if (!tu_true(n, "unwound") && !tu_true(n, "unfinished") && !strict)
                fail_msg("%s: %s closed as if it returned", name, fn);
            if (d < 3) {
                n = tu_find(kids(n), chain[d]);
            }
        }
        /* the cleanup handlers ran, their values are there */
        assert_int_equal((long)tu_count(roots, "cleanup_print"), 2);
        long returned = 0;
        const cJSON *c = tu_find(roots, "cleanup_value");
        assert_non_null(c);
        assert_true(ret_of(c, &returned));
    }
    assert_int_equal(seen, 10);
}

static void threads_case(void **state)
{
    (void)state;
    int fexc = strcmp(g_kind, "threads_fexc") == 0;
    g_mode = NULL;
    cJSON *t = run_pair(0, 1);
    assert_string_equal(g_on.err, "");
    char want[4096] = "";
    size_t w = 0;
    for (int i = 1; i <= 10; i++)
        w += (size_t)snprintf(want + w, sizeof(want) - w,
                              "cleanup %d value=%d\ncleanup %d value=%d\nexit thread %d "
                              "returned %d\n",
                              i * 10 + 3, (i * 10 + 3) * 4, i * 10 + 2, (i * 10 + 2) * 4, i,
                              i + 100);
    for (int i = 1; i <= 10; i++)
        w += (size_t)snprintf(want + w, sizeof(want) - w,
                              "cleanup %d value=%d\ncleanup %d value=%d\ncancel thread %d "
                              "canceled\n",
                              i * 10 + 3, (i * 10 + 3) * 4, i * 10 + 1, (i * 10 + 1) * 4, i);
    assert_memory_equal(g_on.out, want, strlen(want));
    const char *e_chain[] = {"e1", "e2", "e3"}, *c_chain[] = {"c1", "c2", "c3"};
    /* with -fexceptions every frame's exit hook runs in the unwind; without,
     * none does and the frames left are closed unwound or unfinished */
    check_ended_threads(t, "ct_exit", "ex_main", e_chain, fexc);
    check_ended_threads(t, "ct_cancel", "cn_main", c_chain, fexc);
    cJSON *m = main_returned(t, 10);
    for (int k = 0; k < 10; k++)
        expect_returned(cJSON_GetArrayItem(kids(m), k), "checked", k, k * k + 1);
    finish(t);
}

/* ================================================================ backtrace */

static void backtrace_case(void **state)
{
    (void)state;
    g_mode = NULL;
    cJSON *t = run_pair(0, 0); /* stderr: the frame counts differ */
    assert_non_null(strstr(g_on.err, "backtrace frames="));
    assert_non_null(strstr(g_on.err, "in handler: backtrace frames="));
    assert_non_null(strstr(g_on.out, "loop sum="));
    assert_non_null(strstr(g_on.out, " bad=0\n"));
    assert_non_null(strstr(g_on.out, "handler result=159 v=5\n"));
    cJSON *m = main_node(t);
    expect_returned(m, "main", ANY_ARG, 0);
    for (int i = 0; i < 100; i++) {
        cJSON *n = cJSON_GetArrayItem(kids(m), i);
        const char *chain[] = {"b1", "b2", "b3", "b4", "take_backtrace"};
        const long rets[] = {(i + 1) * 2 + 3, (i + 1) * 2 + 2, (i + 1) * 2 + 1, (i + 1) * 2, i + 1};
        for (int d = 0; d < 5; d++) {
            expect_returned(n, chain[d], i, rets[d]);
            n = d < 4 ? tu_find(kids(n), chain[d + 1]) : NULL;
        }
    }
    expect_thread_counts(t, 0, 0);
    finish(t);
}

/* ================================================================ idioms */

static void idioms_case(void **state)
{
    (void)state;
    g_mode = NULL;
    cJSON *t = run_pair(0, 1);
    assert_non_null(strstr(g_on.out, "caught=13 tsum="));
    cJSON *m = main_node(t);
    expect_returned(m, "main", ANY_ARG, 0);
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    /* the comparator: many calls, each returned a bool (or was unwound by its throw) */
    assert_true(tu_count(roots, "by_key(Item const&, Item const&)") > 300);
    const cJSON *cmp = tu_find(roots, "by_key(Item const&, Item const&)");
    assert_non_null(cmp);
    const cJSON *rv = cJSON_GetObjectItem(cmp, "return_value");
    assert_non_null(rv);
    assert_true(cJSON_IsBool(cJSON_GetObjectItem(rv, "value")));
    assert_int_equal(tu_count(roots, "make_pair_of(long)"), 30);
    long v;
    assert_true(ret_of(tu_find(roots, "halve(double)"), &v));
    assert_true(tu_num(tu_main_thread(t), "unwound_calls") > 0); /* the throws */
    assert_int_equal((long)tu_num(tu_main_thread(t), "unfinished_calls"), 0);
    finish(t);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PROGRAM exc|jump|signal|threads|threads_fexc|backtrace|"
                        "idioms [MODE]\n", argv[0]);
        return 2;
    }
    g_kind = argv[2];
    g_mode = argc > 3 ? argv[3] : NULL;
    struct CMUnitTest test;
    if (strcmp(g_kind, "exc") == 0)
        test = (struct CMUnitTest)cmocka_unit_test(exc_case);
    else if (strcmp(g_kind, "jump") == 0)
        test = (struct CMUnitTest)cmocka_unit_test(jump_case);
    else if (strcmp(g_kind, "signal") == 0)
        test = (struct CMUnitTest)cmocka_unit_test(signal_case);
    else if (strcmp(g_kind, "threads") == 0 || strcmp(g_kind, "threads_fexc") == 0)
        test = (struct CMUnitTest)cmocka_unit_test(threads_case);
    else if (strcmp(g_kind, "backtrace") == 0)
        test = (struct CMUnitTest)cmocka_unit_test(backtrace_case);
    else if (strcmp(g_kind, "idioms") == 0)
        test = (struct CMUnitTest)cmocka_unit_test(idioms_case);
    else {
        fprintf(stderr, "%s: unknown case %s\n", argv[0], g_kind);
        return 2;
    }
    char group[128];
    snprintf(group, sizeof(group), "capture_robust %s%s%s", g_kind, g_mode ? " " : "",
             g_mode ? g_mode : "");
    return check_main(argc, argv, &test, 1, group);
}
