/* ending: crashes, kill signals, the exits that skip destructors, fork, and
 * hostile output paths. Every case asserts the program's own exit status and
 * output are unchanged and that the trace is valid up to the event. */
#include <signal.h>
#include <sys/stat.h>

#include "check_common.h"

static cJSON *run_mode(struct tu_run *r, const char *mode, const char *const env[], int status)
{
    const char *args[] = {mode, NULL};
    run_prog(r, args, env);
    if (r->status != status)
        fail_msg("%s: exit status %d, want %d; stderr: %s", mode, r->status, status, r->err);
    return load_valid();
}

static const cJSON *meta(const cJSON *t, const char *key)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), key);
}

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
    const cJSON *c = meta(t, "crash");
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

static void segv_fault_address(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "segv", NULL, 128 + SIGSEGV);
    assert_string_equal(tu_str(meta(t, "crash"), "fault_address"), "0x0");
    cJSON_Delete(t);
}

static void handler_installed_before_keeps_working(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"ENDING_EARLY_HANDLER=1", NULL};
    cJSON *t = run_mode(&r, "segv", env, 4);
    assert_string_equal(r.out, "start\ncaught-early\n");
    assert_string_equal(tu_str(meta(t, "crash"), "name"), "SIGSEGV");
    cJSON_Delete(t);
}

static void handler_installed_after_keeps_working(void **state)
{
    (void)state;
    struct tu_run r; /* the program's handler replaced ours; its _exit writes the trace */
    cJSON *t = run_mode(&r, "segv-late", NULL, 3);
    assert_string_equal(r.out, "start\ncaught-late\n");
    assert_null(meta(t, "crash"));
    assert_int_equal(tu_count(cJSON_GetObjectItem(tu_main_thread(t), "root_calls"), "leaf"), 2);
    cJSON_Delete(t);
}

static void check_term(const char *mode, int sig, const char *name)
{
    struct tu_run r;
    cJSON *t = run_mode(&r, mode, NULL, 128 + sig);
    assert_string_equal(r.out, "start\n");
    const cJSON *e = meta(t, "terminated_by");
    if (!e)
        fail_msg("%s: no metadata.terminated_by", mode);
    assert_string_equal(tu_str(e, "name"), name);
    assert_null(meta(t, "crash"));
    const char *stack[] = {"crash_here", "middle", "main", NULL};
    expect_stack(e, stack);
    cJSON_Delete(t);
}

static void sigterm(void **state) { (void)state; check_term("term", SIGTERM, "SIGTERM"); }
static void sigint(void **state) { (void)state; check_term("int", SIGINT, "SIGINT"); }

static void check_exit(const char *mode, int status)
{
    struct tu_run r;
    cJSON *t = run_mode(&r, mode, NULL, status);
    assert_string_equal(r.out, "start\n");
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count(roots, "leaf"), 2);
    assert_true(tu_true(tu_find(roots, "crash_here"), "unfinished"));
    assert_true(tu_true(meta(t, "complete"), "complete") || cJSON_IsTrue(meta(t, "complete")));
    cJSON_Delete(t);
}

static void underscore_exit(void **state) { (void)state; check_exit("_exit", 5); }
static void quick_exit_(void **state) { (void)state; check_exit("quick_exit", 6); }

static void exit_from_a_thread(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "thread-exit", NULL, 7);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(t, "metadata"), "threads"), 2);
    cJSON_Delete(t);
}

static void stack_overflow(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "overflow", NULL, 128 + SIGSEGV);
    const cJSON *c = meta(t, "crash");
    assert_non_null(c);
    assert_string_equal(tu_str(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "stack"), 0), "function"),
                        "overflow");
    cJSON_Delete(t);
}

static void fork_child_gets_its_own_trace(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "fork", NULL, 0);
    long child = tu_printed(&r, "child");
    assert_true(child > 0);
    assert_int_equal(tu_printed(&r, "status"), 0);
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(tu_count(roots, "parent_work"), 1);
    assert_int_equal(tu_count(roots, "child_work"), 0);
    cJSON_Delete(t);
    char path[4300];
    snprintf(path, sizeof(path), "%.*s.%ld.json", (int)(strlen(g_trace) - 5), g_trace, child);
    cJSON *c = tu_load(path);
    if (!c)
        fail_msg("no child trace %s", path);
    assert_null(tu_validate(c));
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(c, "metadata"), "pid"), (int)child);
    cJSON *croots = cJSON_GetObjectItem(tu_main_thread(c), "root_calls");
    assert_int_equal(tu_count(croots, "child_work"), 1);
    assert_int_equal(tu_count(croots, "parent_work"), 0);
    cJSON_Delete(c);
    unlink(path);
}

static void exec_leaves_nothing_behind(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON *t = run_mode(&r, "fork-exec", NULL, 0);
    assert_null(strstr(r.out, ".ctraw")); /* no descriptor of ours leaks into the exec */
    assert_null(strstr(r.out, ".json"));
    long child = tu_printed(&r, "child");
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "ls %.*s.%ld.* >/dev/null 2>&1", (int)(strlen(g_trace) - 5),
             g_trace, child);
    assert_int_not_equal(system(cmd), 0);
    cJSON_Delete(t);
}

static void vfork_and_posix_spawn_leave_the_parent_alone(void **state)
{
    (void)state;
    const char *modes[] = {"vfork", "spawn"};
    for (int i = 0; i < 2; i++) {
        struct tu_run r;
        cJSON *t = run_mode(&r, modes[i], NULL, 0);
        assert_int_equal(tu_printed(&r, "status"), 0);
        cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
        assert_int_equal(tu_count(roots, "parent_work"), 1);
        assert_int_equal(tu_count(roots, "main"), 1);
        assert_false(tu_true(cJSON_GetArrayItem(roots, 0), "unfinished"));
        char cmd[4400];
        snprintf(cmd, sizeof(cmd), "ls %.*s.%ld.* >/dev/null 2>&1", (int)(strlen(g_trace) - 5),
                 g_trace, tu_printed(&r, "child"));
        assert_int_not_equal(system(cmd), 0); /* the child wrote nothing */
        cJSON_Delete(t);
    }
}

/* A setuid program must not take its configuration from whoever runs it,
 * nor leave files owned by its privileged user: run a setuid-root copy as
 * nobody and point CALLTRACE_OUTPUT somewhere; nothing is written at all
 * (the program did not say CALLTRACE_ALLOW_SECURE_EXECUTION()). */
static void setuid_program_ignores_the_environment(void **state)
{
    (void)state;
    if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0)
        skip();
    char dir[] = "/tmp/ct-setuid-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char copy[256], evil[256], def[300], cmd[1200];
    snprintf(copy, sizeof(copy), "%s/prog", dir);
    snprintf(evil, sizeof(evil), "%s/evil.json", dir);
    snprintf(def, sizeof(def), "%s.json", copy);
    snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 4755 %s && chmod 777 %s", g_prog, copy, copy, dir);
    assert_int_equal(system(cmd), 0);
    struct tu_run r;
    char *argv[] = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    copy, "", NULL};
    char outvar[300];
    snprintf(outvar, sizeof(outvar), "CALLTRACE_OUTPUT=%s", evil);
    const char *env[] = {outvar, "CALLTRACE_PRETTY_JSON=0", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    int nosuid = r.status != 0 && strstr(r.err, "setpriv") != NULL;
    if (!nosuid) {
        assert_int_equal(r.status, 0);
        assert_int_not_equal(access(evil, F_OK), 0); /* the environment was not used */
        /* and nothing at all is written: not opted in (calltrace.h) */
        assert_int_not_equal(access(def, F_OK), 0);
        snprintf(cmd, sizeof(cmd), "ls %s | grep -c . | grep -qx 1", dir); /* prog alone */
        assert_int_equal(system(cmd), 0);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    if (nosuid)
        skip();
}

static void output_file_is_private(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON_Delete(run_mode(&r, "", NULL, 0));
    struct stat st;
    assert_int_equal(stat(g_trace, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void planted_symlink_is_replaced_not_followed(void **state)
{
    (void)state;
    char victim[4200];
    snprintf(victim, sizeof(victim), "%s.victim", g_trace);
    FILE *f = fopen(victim, "w");
    fputs("precious", f);
    fclose(f);
    struct tu_run r;
    const char *args[] = {"", NULL};
    run_prog(&r, args, NULL); /* removes g_trace first */
    unlink(g_trace);
    assert_int_equal(symlink(victim, g_trace), 0);
    char *argv[] = {(char *)g_prog, "", NULL};
    char outvar[4300];
    snprintf(outvar, sizeof(outvar), "CALLTRACE_OUTPUT=%s", g_trace);
    const char *env[] = {outvar, NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 0);
    char buf[64] = "";
    f = fopen(victim, "r");
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "precious");
    struct stat st;
    assert_int_equal(lstat(g_trace, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    unlink(victim);
}

static void output_path_is_a_directory(void **state)
{
    (void)state;
    struct tu_run r;
    char *argv[] = {(char *)g_prog, "", NULL};
    const char *env[] = {"CALLTRACE_OUTPUT=/tmp", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "start\nend\n");
    assert_non_null(strstr(r.err, "calltrace: cannot write the trace /tmp"));
    /* no temporary left; the recorded events are kept, and it says where */
    assert_int_equal(system("ls /tmp.?????? >/dev/null 2>&1"), 256 * 2);
    const char *kept = strstr(r.err, "calltrace: the recorded events are kept in ");
    assert_non_null(kept);
    char path[512];
    assert_int_equal(sscanf(kept, "calltrace: the recorded events are kept in %511s", path), 1);
    assert_int_equal(access(path, F_OK), 0);
    unlink(path);
}

static void file_size_limit_fails_the_write_not_the_program(void **state)
{
    (void)state;
    struct tu_run r;
    char script[4600];
    snprintf(script, sizeof(script),
             "ulimit -f 2; CALLTRACE_OUTPUT=%s CALLTRACE_PRETTY_JSON=1 exec %s overflow-free",
             g_trace, g_prog);
    unlink(g_trace);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    assert_int_equal(tu_run(&r, argv, NULL), 0);
    /* the trace is bigger than 2 KiB: writing it fails, the program does not die */
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "start\nend\n");
    assert_non_null(strstr(r.err, "calltrace: cannot write the trace"));
    assert_int_not_equal(access(g_trace, F_OK), 0); /* no partial file at the final path */
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
        cmocka_unit_test(underscore_exit),
        cmocka_unit_test(quick_exit_),
        cmocka_unit_test(exit_from_a_thread),
        cmocka_unit_test(stack_overflow),
        cmocka_unit_test(fork_child_gets_its_own_trace),
        cmocka_unit_test(exec_leaves_nothing_behind),
        cmocka_unit_test(vfork_and_posix_spawn_leave_the_parent_alone),
        cmocka_unit_test(setuid_program_ignores_the_environment),
        cmocka_unit_test(output_file_is_private),
        cmocka_unit_test(planted_symlink_is_replaced_not_followed),
        cmocka_unit_test(output_path_is_a_directory),
        cmocka_unit_test(file_size_limit_fails_the_write_not_the_program),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "ending");
}
