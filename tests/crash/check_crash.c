/* crash (the ending program): a crash or a kill signal writes the trace up
 * to the event — which signal, where (the stack of open calls, innermost
 * first), the calls still open marked unfinished — and the program's own
 * signal handlers, installed before or after ours, keep working. The exit
 * status and output are the program's. */
#include <signal.h>

#include "check_common.h"

/* The ending object's stack, innermost first, must start with `want`. */
static void expect_stack(const cJSON *ending, const char *const want[])
{
    const cJSON *stack = cJSON_GetObjectItem(ending, "stack");
    for (int i = 0; want[i]; i++) {
        const cJSON *f = cJSON_GetArrayItem(stack, i);
        if (!f || strcmp(tu_str(f, "function"), want[i]) != 0)
            fail_msg("stack[%d] is %s, want %s", i, f ? tu_str(f, "function") : "(none)", want[i]);
        assert_true(strstr(tu_str(f, "file"), "ending.c") != NULL);
        assert_true(tu_num(f, "line") > 0);
    }
}

static void check_crash(const char *mode, int sig, const char *name)
{
    struct tu_run r;
    cJSON *t = run_mode(&r, mode, NULL, 128 + sig);
    assert_string_equal(r.out, "start\n"); /* nothing after the crash ran */
    const cJSON *c = meta_item(t, "crash");
    if (!c)
        fail_msg("%s: no metadata.crash", mode);
    assert_int_equal((int)tu_num(c, "signal"), sig);
    assert_string_equal(tu_str(c, "name"), name);
    assert_int_equal((int)tu_num(c, "thread_id"), (int)tu_num(cJSON_GetObjectItem(t, "metadata"), "pid"));
    const char *stack[] = {"crash_here", "middle", "main", NULL};
    expect_stack(c, stack);
    /* the calls up to the fault are all there, still open */
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count(roots, "leaf"), 2);
    assert_true(tu_true(tu_find(roots, "crash_here"), "unfinished"));
    cJSON_Delete(t);
}

static void segv(void **state) { (void)state; check_crash("segv", SIGSEGV, "SIGSEGV"); }
static void sigabrt(void **state) { (void)state; check_crash("abort", SIGABRT, "SIGABRT"); }
static void sigfpe(void **state) { (void)state; check_crash("fpe", SIGFPE, "SIGFPE"); }
static void sigbus(void **state) { (void)state; check_crash("bus", SIGBUS, "SIGBUS"); }
static void sigill(void **state) { (void)state; check_crash("ill", SIGILL, "SIGILL"); }
static void sigtrap(void **state) { (void)state; check_crash("trap", SIGTRAP, "SIGTRAP"); }

static void segv_fault_address(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "segv", NULL, 128 + SIGSEGV);
    assert_string_equal(tu_str(meta_item(t, "crash"), "fault_address"), "0x0");
    cJSON_Delete(t);
}

static void handler_installed_before_keeps_working(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"ENDING_EARLY_HANDLER=1", NULL};
    cJSON *t = run_mode(&r, "segv", env, 4);
    assert_string_equal(r.out, "start\ncaught-early\n");
    assert_string_equal(tu_str(meta_item(t, "crash"), "name"), "SIGSEGV");
    cJSON_Delete(t);
}

static void handler_installed_after_keeps_working(void **state)
{
    (void)state;
    struct tu_run r; /* the program's handler replaced ours; its _exit writes the trace */
    cJSON *t = run_mode(&r, "segv-late", NULL, 3);
    assert_string_equal(r.out, "start\ncaught-late\n");
    assert_null(meta_item(t, "crash"));
    assert_int_equal(tu_count(cJSON_GetObjectItem(tu_main_thread(t), "root_calls"), "leaf"), 2);
    cJSON_Delete(t);
}

static void check_term(const char *mode, int sig, const char *name)
{
    struct tu_run r;
    cJSON *t = run_mode(&r, mode, NULL, 128 + sig);
    assert_string_equal(r.out, "start\n");
    const cJSON *e = meta_item(t, "terminated_by");
    if (!e)
        fail_msg("%s: no metadata.terminated_by", mode);
    assert_string_equal(tu_str(e, "name"), name);
    assert_null(meta_item(t, "crash"));
    const char *stack[] = {"crash_here", "middle", "main", NULL};
    expect_stack(e, stack);
    cJSON_Delete(t);
}

static void sigterm(void **state) { (void)state; check_term("term", SIGTERM, "SIGTERM"); }
static void sigint(void **state) { (void)state; check_term("int", SIGINT, "SIGINT"); }
static void sighup(void **state) { (void)state; check_term("hup", SIGHUP, "SIGHUP"); }

/* _Exit(7) in crash_here: status 7, the trace complete with every call
 * closed, no crash and no termination. */
static void underscore_Exit(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "_Exit", NULL, 7);
    assert_string_equal(r.out, "start\n");
    assert_null(meta_item(t, "crash"));
    assert_null(meta_item(t, "terminated_by"));
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count(roots, "leaf"), 2);
    assert_int_equal(tu_count(roots, "crash_here"), 1);
    cJSON_Delete(t);
}

static void stack_overflow(void **state)
{
    (void)state;
    struct tu_run r;
    /* the recursion runs until the stack ends (~27000 calls at -O0): kept
     * to 100 levels, which cJSON's nesting limit parses */
    const char *env[] = {"CALLTRACE_MAX_DEPTH=100", NULL};
    cJSON *t = run_mode(&r, "overflow", env, 128 + SIGSEGV);
    const cJSON *c = meta_item(t, "crash");
    assert_non_null(c);
    assert_string_equal(tu_str(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "stack"), 0), "function"),
                        "overflow");
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(segv),
        cmocka_unit_test(sigabrt),
        cmocka_unit_test(sigfpe),
        cmocka_unit_test(segv_fault_address),
        cmocka_unit_test(handler_installed_before_keeps_working),
        cmocka_unit_test(handler_installed_after_keeps_working),
        cmocka_unit_test(sigterm),
        cmocka_unit_test(sigint),
        cmocka_unit_test(sighup),
        cmocka_unit_test(sigbus),
        cmocka_unit_test(sigill),
        cmocka_unit_test(sigtrap),
        cmocka_unit_test(underscore_Exit),
        cmocka_unit_test(stack_overflow),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "crash");
}
