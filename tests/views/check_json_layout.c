/* The default (pretty) JSON's layout on fib: one call per line, its children
 * on the lines below, indented two spaces a level up to a bound; the same
 * trees as the compact JSON of the same events; at most 250 bytes a call;
 * the writer's memory does not grow with the number of calls.
 *   check_json_layout <fib> <calltrace-convert> */
#define _GNU_SOURCE
#include "check_common.h"

#include <fcntl.h>
#include <regex.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *g_convert;

/* Indentation: two spaces per line-breaking level, at most 12 levels. The
 * metadata object, call_trees, the thread and root_calls break lines, so a
 * root call is at 4 levels, its children at 5, ... */
#define INDENT_MAX_LEVELS 12
#define ROOT_LEVELS 4

static char g_raw[4200], g_compact[4200];

/* The trace's raw events beside it (CALLTRACE_FORMAT=json,raw). */
static void raw_beside(void)
{
    snprintf(g_raw, sizeof(g_raw), "%.*s.ctraw", (int)(strlen(g_trace) - 5), g_trace);
    snprintf(g_compact, sizeof(g_compact), "%s.compact.json", g_trace);
}

/* Runs fib(n) writing the pretty JSON and the raw events. */
static void run_fib(const char *n)
{
    struct tu_run r;
    const char *args[] = {n, NULL};
    const char *env[] = {"CALLTRACE_FORMAT=json,raw", NULL};
    raw_beside();
    unlink(g_raw);
    run_prog(&r, args, env);
    assert_int_equal(r.status, 0);
}

/* --rss PROG ARGS...: runs PROG and prints its peak RSS in KiB (wait4).
 * The checker runs itself this way, so that the program is forked from a
 * fresh, small process: a child's peak RSS counts what it held when forked. */
static int rss_main(char **argv)
{
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 1;
    printf("rss=%ld\n", ru.ru_maxrss);
    return 0;
}

/* Runs argv; returns its peak RSS in KiB, asserting exit 0. */
static long run_rss(char *const argv[])
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    assert_true(n > 0);
    self[n] = '\0';
    char *full[16] = {self, (char *)"--rss"};
    for (size_t i = 0; argv[i] && i < 13; i++)
        full[i + 2] = argv[i];
    /* tu_run passes none of our CALLTRACE_* variables: name them */
    char outvar[4300];
    snprintf(outvar, sizeof(outvar), "CALLTRACE_OUTPUT=%s", g_trace);
    const char *env[] = {outvar, "CALLTRACE_FORMAT=json,raw", NULL};
    struct tu_run r;
    assert_int_equal(tu_run(&r, full, env), 0);
    if (r.status != 0)
        fail_msg("%s: status %d: %s", argv[0], r.status, r.err);
    long rss = tu_printed(&r, "rss");
    assert_true(rss > 0);
    return rss;
}

static long convert(const char *raw, const char *out, bool compact)
{
    char *argv[] = {(char *)g_convert, (char *)"--output", (char *)out,
                    compact ? (char *)"--compact" : (char *)raw, compact ? (char *)raw : NULL,
                    NULL};
    return run_rss(argv);
}

static void compile(regex_t *re, const char *pattern)
{
    assert_int_equal(regcomp(re, pattern, REG_EXTENDED | REG_NOSUB), 0);
}

static int indent_of(const char *line)
{
    return (int)strspn(line, " ");
}

static int want_indent(int levels)
{
    return 2 * (levels < INDENT_MAX_LEVELS ? levels : INDENT_MAX_LEVELS);
}

/* Walks the lines of the root_calls array: each call one line at its
 * depth's indentation; a call with children ends on a line of its own. */
static void check_lines(char *text, long *calls, long *closes, int *deepest)
{
    regex_t open_re, leaf_re, close_re;
    compile(&open_re, "^ *\\{\"function\":\"fib\",\"address\":\"0x[0-9a-f]+\",\"file\":"
                      "\"[^\"]*/fib\\.c\",\"line\":[0-9]+,\"start_ns\":[0-9]+,"
                      "\"children\":\\[$");
    compile(&leaf_re, "^ *\\{\"function\":\"fib\",\"address\":\"0x[0-9a-f]+\",\"file\":"
                      "\"[^\"]*/fib\\.c\",\"line\":[0-9]+,\"start_ns\":[0-9]+,"
                      "\"children\":\\[\\],\"end_ns\":[0-9]+,\"duration_ns\":[0-9]+\\},?$");
    compile(&close_re, "^ *\\],\"end_ns\":[0-9]+,\"duration_ns\":[0-9]+\\},?$");
    char *roots = strstr(text, "\n        {\"function\":\"main\"");
    assert_non_null(roots);
    int depth = 0; /* open calls above this line */
    *calls = *closes = 0;
    *deepest = 0;
    for (char *line = roots + 1, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!strcmp(line, "      ],")) /* the end of root_calls */
            break;
        int ind = indent_of(line);
        bool is_main = depth == 0;
        if (is_main) {
            assert_non_null(strstr(line, "{\"function\":\"main\","));
            assert_non_null(strstr(line, ",\"children\":["));
        } else if (regexec(&open_re, line, 0, NULL, 0) && regexec(&leaf_re, line, 0, NULL, 0) &&
                   regexec(&close_re, line, 0, NULL, 0)) {
            fail_msg("not a call line: \"%s\"", line);
        }
        bool closing = !regexec(&close_re, line, 0, NULL, 0);
        if (closing) {
            depth--;
            (*closes)++;
        }
        if (ind != want_indent(ROOT_LEVELS + depth))
            fail_msg("indentation %d at depth %d, want %d: \"%s\"", ind, depth,
                     want_indent(ROOT_LEVELS + depth), line);
        if (closing)
            continue;
        (*calls)++;
        if (depth + 1 > *deepest)
            *deepest = depth + 1;
        if (is_main || !regexec(&open_re, line, 0, NULL, 0))
            depth++;
    }
    assert_int_equal(depth, 0);
    regfree(&open_re);
    regfree(&leaf_re);
    regfree(&close_re);
}

static void one_call_per_line(void **state)
{
    (void)state;
    run_fib("16"); /* 3193 calls, 17 deep: past the indentation's bound */
    cJSON *pretty = load_valid();
    convert(g_raw, g_compact, true);
    cJSON *compact = load_valid_at(g_compact);
    /* the same trees and counts as the compact JSON of the same events */
    char *a = cJSON_PrintUnformatted(cJSON_GetObjectItem(pretty, "call_trees"));
    char *b = cJSON_PrintUnformatted(cJSON_GetObjectItem(compact, "call_trees"));
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b); /* cJSON_Compare is quadratic on these trees */
    free(a);
    free(b);
    assert_int_equal((long)tu_num(cJSON_GetObjectItem(pretty, "metadata"), "total_calls"), 3194);
    char *text = slurp(g_trace);
    /* the metadata keeps a line per key */
    assert_non_null(strstr(text, "{\n  \"metadata\": {\n    \"version\": \""));
    assert_non_null(strstr(text, "\n    \"dropped\": {\n      \"depth\": 0,\n"));
    long calls, closes;
    int deepest;
    check_lines(text, &calls, &closes, &deepest);
    assert_int_equal(calls, 3194);
    assert_int_equal(closes, 1 + 1596); /* main, and every fib(n >= 2): F(17) - 1 */
    assert_int_equal(deepest, 17);
    free(text);
    /* jq reads it too */
    char cmd[9000];
    snprintf(cmd, sizeof(cmd),
             "test \"$(jq '[.call_trees[].root_calls[] | .. | .function? // empty] | length' "
             "'%s')\" = 3194",
             g_trace);
    assert_int_equal(system(cmd), 0);
    cJSON_Delete(pretty);
    cJSON_Delete(compact);
}

static void at_most_250_bytes_a_call(void **state)
{
    (void)state;
    run_fib("20"); /* 21892 calls */
    cJSON *t = load_valid();
    const cJSON *main_call = cJSON_GetArrayItem(
        cJSON_GetObjectItem(tu_main_thread(t), "root_calls"), 0);
    size_t path = strlen(tu_str(main_call, "file"));
    struct stat st;
    assert_int_equal(stat(g_trace, &st), 0);
    double per_call = (double)st.st_size / 21892.0;
    convert(g_raw, g_compact, true);
    assert_int_equal(stat(g_compact, &st), 0);
    double compact = (double)st.st_size / 21892.0;
    printf("fib(20), file path of %zu bytes: pretty %.1f bytes/call, compact %.1f\n", path,
           per_call, compact);
    /* every node holds its file's path: a longer checkout costs as much */
    double bound = 250.0 + (path > 48 ? (double)(path - 48) : 0.0);
    assert_true(per_call <= bound);
    assert_true(compact < per_call);
    cJSON_Delete(t);
}

/* The writer's memory is bounded by depth: converting 13.7x the calls
 * (fib(26) against fib(21), 5 levels deeper) takes the same peak RSS, and
 * so does the program that writes the trace at its exit. */
static void memory_does_not_grow_with_calls(void **state)
{
    (void)state;
    char *prog_small[] = {(char *)g_prog, (char *)"21", NULL};
    char *prog_big[] = {(char *)g_prog, (char *)"26", NULL};
    raw_beside();
    long run_small = run_rss(prog_small);
    char raw_small[4300];
    snprintf(raw_small, sizeof(raw_small), "%s.small", g_raw);
    assert_int_equal(rename(g_raw, raw_small), 0);
    long run_big = run_rss(prog_big);
    long conv_small = convert(raw_small, g_compact, false);
    long conv_big = convert(g_raw, g_compact, false);
    printf("peak RSS (KiB): program %ld / %ld, calltrace-convert %ld / %ld\n", run_small,
           run_big, conv_small, conv_big);
    /* 13.7x the calls, 1/8 more at most (page noise) */
    assert_true(conv_big * 8 <= conv_small * 9);
    assert_true(run_big * 8 <= run_small * 9);
    unlink(raw_small);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--rss"))
        return rss_main(argv + 2);
    if (argc < 3) {
        fprintf(stderr, "usage: %s FIB CALLTRACE-CONVERT\n", argv[0]);
        return 2;
    }
    g_convert = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_call_per_line),
        cmocka_unit_test(at_most_250_bytes_a_call),
        cmocka_unit_test(memory_does_not_grow_with_calls),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "json_layout");
}
