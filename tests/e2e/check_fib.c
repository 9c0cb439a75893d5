/* fib: the exact tree, durations that add up, the environment contract. */
#include "check_common.h"

/* The node is fib(n): its children must be fib(n-1), fib(n-2). Returns depth. */
static int expect_fib(const cJSON *node, int n)
{
    assert_string_equal(tu_str(node, "function"), "fib");
    const cJSON *kids = cJSON_GetObjectItemCaseSensitive(node, "children");
    if (n < 2) {
        assert_int_equal(cJSON_GetArraySize(kids), 0);
        return 1;
    }
    assert_int_equal(cJSON_GetArraySize(kids), 2);
    int a = expect_fib(cJSON_GetArrayItem(kids, 0), n - 1);
    int b = expect_fib(cJSON_GetArrayItem(kids, 1), n - 2);
    return 1 + (a > b ? a : b);
}

static void fib_tree_is_exact(void **state)
{
    (void)state;
    struct tu_run r;
    run_prog(&r, NULL, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "fib=5\n");
    assert_string_equal(r.err, "");
    cJSON *t = load_valid();
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "total_calls"), 16);
    assert_int_equal((int)tu_num(m, "threads"), 1);
    assert_true(tu_true(m, "complete"));
    assert_true(strstr(tu_str(m, "executable"), "e2e_fib") != NULL);
    assert_int_equal((int)tu_num(m, "pid") > 0, 1);

    cJSON *th = tu_main_thread(t);
    assert_non_null(th);
    cJSON *roots = cJSON_GetObjectItem(th, "root_calls");
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    cJSON *main_node = cJSON_GetArrayItem(roots, 0);
    assert_string_equal(tu_str(main_node, "function"), "main");
    assert_true(strstr(tu_str(main_node, "file"), "fib.c") != NULL);
    cJSON *kids = cJSON_GetObjectItem(main_node, "children");
    assert_int_equal(cJSON_GetArraySize(kids), 1);
    assert_int_equal(expect_fib(cJSON_GetArrayItem(kids, 0), 5), 5);
    assert_int_equal(tu_count(roots, "fib"), 15);
    assert_false(tu_true(main_node, "unfinished"));
    cJSON_Delete(t);
}

static void exit_status_is_kept(void **state)
{
    (void)state;
    struct tu_run r;
    const char *args[] = {"3", "42", NULL};
    run_prog(&r, args, NULL);
    assert_int_equal(r.status, 42);
    assert_string_equal(r.out, "fib=2\n");
    cJSON *t = load_valid();
    assert_int_equal(tu_count(cJSON_GetObjectItem(tu_main_thread(t), "root_calls"), "fib"), 5);
    cJSON_Delete(t);
}

static void default_output_is_beside_the_executable(void **state)
{
    (void)state;
    char def[4200];
    snprintf(def, sizeof(def), "%s.json", g_prog);
    unlink(def);
    struct tu_run r;
    char *argv[] = {(char *)g_prog, NULL};
    const char *env[] = {"CALLTRACE_OUTPUT", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 0);
    cJSON *t = tu_load(def);
    assert_non_null(t);
    assert_null(tu_validate(t));
    cJSON_Delete(t);
    unlink(def);
}

static void compact_json_is_one_line(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_PRETTY_JSON=0", NULL};
    run_prog(&r, NULL, env);
    FILE *f = fopen(g_trace, "r");
    assert_non_null(f);
    int c, lines = 0;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    assert_int_equal(lines, 0);
    cJSON_Delete(load_valid());
}

static void bad_environment_gets_defaults(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_MAX_DEPTH=lots", "CALLTRACE_PRETTY_JSON=maybe",
                         "CALLTRACE_BUFFER_SIZE=-5", "CALLTRACE_START=", NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "fib=5\n");
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_MAX_DEPTH='lots'"));
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_PRETTY_JSON='maybe'"));
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_BUFFER_SIZE='-5'"));
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_START=''"));
    int lines = 0;
    for (const char *p = r.err; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
    cJSON *t = load_valid();
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(t, "metadata"), "max_depth"), 100);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(t, "metadata"), "total_calls"), 16);
    cJSON_Delete(t);
}

/* With argument capture the same tree comes out, every fib() node carrying
 * its n and its return value, and nothing is said on stderr. */
static void capture_args_values(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_CAPTURE_ARGS=1", NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.err, "calltrace:"));
    cJSON *t = load_valid();
    assert_true(tu_true(cJSON_GetObjectItem(t, "metadata"), "capture_args"));
    cJSON *fib = tu_find(cJSON_GetObjectItem(tu_main_thread(t), "root_calls"), "fib");
    assert_non_null(fib);
    cJSON *arg = cJSON_GetArrayItem(cJSON_GetObjectItem(fib, "arguments"), 0);
    assert_non_null(arg);
    assert_string_equal(tu_str(arg, "name"), "n");
    cJSON_Delete(t);
}

static void unwritable_output_does_not_hurt(void **state)
{
    (void)state;
    struct tu_run r;
    char *argv[] = {(char *)g_prog, "5", "9", NULL};
    const char *env[] = {"CALLTRACE_OUTPUT=/nonexistent-dir/trace.json", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 9);
    assert_string_equal(r.out, "fib=5\n");
    assert_non_null(strstr(r.err, "calltrace: cannot write the trace /nonexistent-dir/trace.json"));
}

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
        cmocka_unit_test(fib_tree_is_exact),
        cmocka_unit_test(exit_status_is_kept),
        cmocka_unit_test(default_output_is_beside_the_executable),
        cmocka_unit_test(compact_json_is_one_line),
        cmocka_unit_test(bad_environment_gets_defaults),
        cmocka_unit_test(capture_args_values),
        cmocka_unit_test(unwritable_output_does_not_hurt),
        cmocka_unit_test(small_buffers_spill_and_lose_nothing),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "fib");
}
