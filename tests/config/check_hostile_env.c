/* hostile environment (progs/robust_env.c): every CALLTRACE_* variable set
 * to garbage (control characters, a newline, printf directives, an escape
 * sequence), to a 100 KB string, and to the empty string. The program must run as it would
 * without calltrace; each bad variable gets exactly one "calltrace:" line on
 * stderr, short, and nothing else is printed; the trace is valid, and the
 * default is used (for CALLTRACE_OUTPUT: <executable>.json). */
#define _GNU_SOURCE /* memmem */
#include "check_common.h"

#define BIG (100 * 1024)

/* Whose bad values all fall back to the default: the trace is the usual one. */
static const char *const vars[] = {
    "OUTPUT",  "MAX_DEPTH",    "DEBUG",       "PRETTY_JSON",   "START",  "CAPTURE_ARGS",
    "BUFFER_SIZE", "BUFFER_POLICY", "FORMAT", "SUMMARY", "CLOCK", "MIN_DURATION", "MAX_CALLS",
};
/* Filters: garbage is a pattern that matches nothing, or a file that cannot
 * be read (one line says so); empty is no filter at all, like unset. */
static const char *const filters[] = {"FILTER", "FILTER_FILE"};

static const char garbage[] = "gar\001bage\n%s%n%99999d\033[31m\377,json,";
/* for CALLTRACE_OUTPUT garbage must also be unusable as a file name (any
 * other string is a file in the working directory): a directory */
static const char garbage_dir[] = "gar\001bage\n%s%n%99999d\033[31m\377,json,/";

static char big_digits[BIG + 1], big_mixed[BIG + 1];

static int setup(void **state)
{
    (void)state;
    memset(big_digits, '9', BIG);
    static const char pat[] = "%s,\\\"x\xc3\xa9/";
    for (size_t i = 0; i < BIG; i++)
        big_mixed[i] = pat[i % (sizeof(pat) - 1)];
    return 0;
}

/* The default trace path of the program: <executable>.json. */
static void default_trace(char *out, size_t cap)
{
    char exe[4096];
    ssize_t n = readlink(g_prog, exe, sizeof(exe) - 1); /* in case it is a link */
    if (n > 0 && exe[0] == '/') {
        exe[n] = '\0';
        snprintf(out, cap, "%s.json", exe);
    } else {
        snprintf(out, cap, "%s.json", g_prog);
    }
}

/* Runs the program with CALLTRACE_<var>=<value>; checks status, output,
 * stderr (`lines` calltrace lines, or at most one when lines < 0) and the
 * trace. */
static void run_bad(const char *var, const char *value, const char *what, int lines,
                    int exact_trace)
{
    char *setting = malloc(strlen(var) + strlen(value) + 32);
    sprintf(setting, "CALLTRACE_%s=%s", var, value);
    int is_output = strcmp(var, "OUTPUT") == 0;
    char dflt[4200];
    default_trace(dflt, sizeof(dflt));
    unlink(dflt);
    struct tu_run r;
    const char *env[] = {setting, NULL};
    run_prog(&r, NULL, env);
    free(setting);
    if (r.status != 3)
        fail_msg("CALLTRACE_%s=%s: exit status %d; stderr: %.300s", var, what, r.status, r.err);
    if (strcmp(r.out, "sum=55\n") != 0)
        fail_msg("CALLTRACE_%s=%s: stdout is '%.300s'", var, what, r.out);
    int n = 0;
    for (const char *p = r.err; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, "calltrace: ", 11) != 0 || !nl)
            fail_msg("CALLTRACE_%s=%s: stderr has a line that is not calltrace's: '%.*s'", var,
                     what, (int)(len > 200 ? 200 : len), p);
        if (len > 300)
            fail_msg("CALLTRACE_%s=%s: a stderr line of %zu characters", var, what, len);
        char name[64];
        snprintf(name, sizeof(name), "CALLTRACE_%s", var);
        if (!memmem(p, len, name, strlen(name)))
            fail_msg("CALLTRACE_%s=%s: the line does not name the variable: '%.*s'", var, what,
                     (int)(len > 200 ? 200 : len), p);
        n++;
        p += len + 1;
    }
    if (lines >= 0 ? n != lines : n > 1)
        fail_msg("CALLTRACE_%s=%s: %d calltrace lines on stderr, want %d: %.600s", var, what, n,
                 lines, r.err);
    const char *path = is_output ? dflt : g_trace;
    if (access(path, F_OK) != 0)
        fail_msg("CALLTRACE_%s=%s: no trace at %s", var, what, path);
    const char *why = tc_check_file(path, NULL);
    if (why)
        fail_msg("CALLTRACE_%s=%s: %s", var, what, why);
    cJSON *t = tu_load(path);
    if (!t)
        fail_msg("CALLTRACE_%s=%s: %s is not JSON", var, what, path);
    if (exact_trace) {
        cJSON *m = cJSON_GetObjectItem(t, "metadata");
        assert_int_equal((int)tu_num(m, "total_calls"), 7);
        assert_int_equal((int)tu_num(m, "max_depth"), 65536); /* the default */
        assert_false(tu_true(m, "truncated"));
        cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
        assert_int_equal(tu_count(roots, "square"), 5);
        assert_int_equal(tu_count(roots, "sum_squares"), 1);
    }
    cJSON_Delete(t);
    if (is_output)
        unlink(dflt);
}

static void each_value(const char *var, int lines_bad, int lines_empty, int exact)
{
    run_bad(var, strcmp(var, "OUTPUT") == 0 ? garbage_dir : garbage, "<garbage>", lines_bad, exact);
    run_bad(var, big_digits, "<100 KB of 9s>", lines_bad, exact);
    run_bad(var, big_mixed, "<100 KB of punctuation>", lines_bad, exact);
    run_bad(var, "", "<empty>", lines_empty, exact);
}

static void every_variable_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
        each_value(vars[i], 1, 1, 1);
}

static void filter_patterns_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(filters) / sizeof(*filters); i++) {
        int file = strcmp(filters[i], "FILTER_FILE") == 0; /* unreadable: no patterns */
        run_bad(filters[i], garbage, "<garbage>", 1, file);
        run_bad(filters[i], big_mixed, "<100 KB of punctuation>", 1, file);
        run_bad(filters[i], big_digits, "<100 KB of 9s>", 1, file);
        run_bad(filters[i], "", "<empty>", 0, 1);
    }
}

/* All of them bad at once: one line each, and still the usual trace. */
static void all_at_once(void **state)
{
    (void)state;
    const size_t nv = sizeof(vars) / sizeof(*vars);
    const char *env[32];
    char *mem[32];
    for (size_t i = 0; i < nv; i++) {
        mem[i] = malloc(BIG + 64);
        sprintf(mem[i], "CALLTRACE_%s=%s", vars[i],
                i % 2 ? big_mixed : strcmp(vars[i], "OUTPUT") == 0 ? garbage_dir : garbage);
        env[i] = mem[i];
    }
    env[nv] = NULL;
    char dflt[4200];
    default_trace(dflt, sizeof(dflt));
    unlink(dflt);
    struct tu_run r;
    run_prog(&r, NULL, env);
    for (size_t i = 0; i < nv; i++)
        free(mem[i]);
    assert_int_equal(r.status, 3);
    assert_string_equal(r.out, "sum=55\n");
    int n = 0;
    for (const char *p = r.err; *p; p++)
        n += *p == '\n';
    if (n != (int)nv)
        fail_msg("%d lines on stderr for %zu bad variables: %.2000s", n, nv, r.err);
    assert_null(tc_check_file(dflt, NULL));
    cJSON *t = tu_load(dflt);
    assert_non_null(t);
    assert_int_equal((int)tu_num(cJSON_GetObjectItem(t, "metadata"), "total_calls"), 7);
    cJSON_Delete(t);
    unlink(dflt);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(every_variable_bad, setup),
        cmocka_unit_test_setup(filter_patterns_bad, setup),
        cmocka_unit_test_setup(all_at_once, setup),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "hostile_env");
}
