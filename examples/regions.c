/*
 * regions.c — record only the parts of a program you care about.
 *
 * Run it with recording off at start:
 *
 *     CALLTRACE_START=0 ./regions
 *
 * (It calls calltrace_stop() first thing in main, so it records the same
 * calls when CALLTRACE_START is not set. main itself is marked
 * no_instrument_function: with CALLTRACE_START=1 its entry would be recorded
 * before that calltrace_stop(), and the trace would differ.)
 *
 * What happens:
 *
 *     setup()          not recorded (recording is off)
 *     calltrace_start()
 *       parse_input()  -> parse_line() x 3                  recorded
 *       calltrace_mark("parsed")
 *       compute()      -> square() x 3                      recorded
 *       calltrace_flush()  writes a partial trace now; it is a complete JSON
 *                          document with "metadata.complete": false
 *     calltrace_stop()
 *     cleanup()        not recorded
 *     calltrace_start()
 *       report()       -> format_total() x 1                recorded
 *     calltrace_stop()
 *
 * so the final trace (written at exit to <executable>.json beside the
 * executable, or $CALLTRACE_OUTPUT) holds exactly 10 calls, all on the main
 * thread, with three roots: parse_input, compute and report, and one mark.
 *
 *   jq '.metadata.total_calls, .metadata.complete' regions.json   -> 10, true
 *   jq '.call_trees[].root_calls[].function' regions.json  -> parse_input, compute, report
 *   jq '.call_trees[].marks' regions.json
 *
 * Every calltrace_* call returns 0 or a negative CALLTRACE_E* code;
 * calltrace_strerror() says what went wrong. The program exits with 1 if a
 * call that should succeed fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <calltrace.h>

#define N_VALUES 3

static const char *const input[N_VALUES] = {"3", "4", "5"};
static char *lines[N_VALUES];
static long values[N_VALUES];
static long total;

/* Not recorded: runs before calltrace_start(). */
static char *copy_line(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static int setup(void)
{
    for (int i = 0; i < N_VALUES; i++) {
        lines[i] = copy_line(input[i]);
        if (!lines[i])
            return -1;
    }
    return 0;
}

/* Region 1: recorded. */
static long parse_line(const char *line)
{
    return strtol(line, NULL, 10);
}

static void parse_input(void)
{
    for (int i = 0; i < N_VALUES; i++)
        values[i] = parse_line(lines[i]);
}

static long square(long v)
{
    return v * v;
}

static void compute(void)
{
    total = 0;
    for (int i = 0; i < N_VALUES; i++)
        total += square(values[i]);
}

/* Not recorded: runs after calltrace_stop(). */
static void release_line(int i)
{
    free(lines[i]);
    lines[i] = NULL;
}

static void cleanup(void)
{
    for (int i = 0; i < N_VALUES; i++)
        release_line(i);
}

/* Region 2: recorded. */
static void format_total(char *buf, size_t cap)
{
    snprintf(buf, cap, "sum of squares of 3, 4, 5 = %ld", total);
}

static void report(void)
{
    char buf[64];
    format_total(buf, sizeof(buf));
    printf("%s\n", buf);
}

/* Where the trace goes: the same rule as the runtime's. Not instrumented, so
 * it never shows up in the trace even when called while recording. */
__attribute__((no_instrument_function)) static void trace_path(char *out, size_t cap)
{
    const char *env = getenv("CALLTRACE_OUTPUT");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        snprintf(exe, sizeof(exe), "regions");
    else
        exe[n] = '\0';
    snprintf(out, cap, "%s.json", exe);
}

/* A light check that the file is a whole JSON document: it starts with '{',
 * ends with '}' and has the top-level keys. (jq does the real check.)
 * Returns the file's size, or -1. */
__attribute__((no_instrument_function)) static long check_trace_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *text = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (text = malloc((size_t)size + 1)) != NULL &&
        fread(text, 1, (size_t)size, f) == (size_t)size) {
        text[size] = '\0';
        const char *first = text + strspn(text, " \t\r\n");
        long end = size;
        while (end > 0 && text[end - 1] && strchr(" \t\r\n", text[end - 1]))
            end--;
        if (*first != '{' || end == 0 || text[end - 1] != '}' || !strstr(text, "\"metadata\"") ||
            !strstr(text, "\"call_trees\""))
            size = -1;
    } else {
        size = -1;
    }
    free(text);
    fclose(f);
    return size;
}

/* Runs a calltrace call; on failure prints what failed and why, and counts it. */
static int failures;
#define CHECK(call)                                                                       \
    do {                                                                                  \
        int rc_ = (call);                                                                 \
        if (rc_ != 0) {                                                                   \
            fprintf(stderr, "regions: %s failed: %s (%d)\n", #call,                       \
                    calltrace_strerror(rc_), rc_);                                        \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

__attribute__((no_instrument_function)) int main(void)
{
    /* Same behaviour whether or not CALLTRACE_START=0 was given. */
    CHECK(calltrace_stop());
    printf("calltrace %s; recording at start of main: %s (run with CALLTRACE_START=0)\n",
           calltrace_version(), calltrace_is_recording() ? "yes" : "no");

    if (setup() != 0) {
        fprintf(stderr, "regions: out of memory\n");
        return 1;
    }

    /* ---- region 1 ---- */
    CHECK(calltrace_start());
    parse_input();
    CHECK(calltrace_mark("parsed"));
    compute();

    char path[4200];
    trace_path(path, sizeof(path));
    int rc = calltrace_flush();
    if (rc != 0) {
        fprintf(stderr, "regions: calltrace_flush() failed: %s (%d)\n", calltrace_strerror(rc),
                rc);
        failures++;
    } else {
        long size = check_trace_file(path);
        if (size < 0) {
            fprintf(stderr, "regions: the partial trace %s is missing or malformed\n", path);
            failures++;
        } else {
            printf("partial trace written to %s by calltrace_flush(): %ld bytes, a whole JSON "
                   "document (8 calls so far, \"complete\": false in its metadata)\n",
                   path, size);
        }
    }
    CHECK(calltrace_stop());

    /* Stopped: a mark is refused with CALLTRACE_ESTOPPED, and not kept. */
    rc = calltrace_mark("not kept");
    if (rc == CALLTRACE_ESTOPPED) {
        printf("calltrace_mark() while stopped: %s, as expected\n", calltrace_strerror(rc));
    } else {
        fprintf(stderr, "regions: calltrace_mark() while stopped returned %d (%s), expected %d\n",
                rc, calltrace_strerror(rc), CALLTRACE_ESTOPPED);
        failures++;
    }

    cleanup(); /* not recorded */

    /* ---- region 2 ---- */
    CHECK(calltrace_start());
    report();
    CHECK(calltrace_stop());

    printf("recorded: parse_input (+3 parse_line), compute (+3 square), report (+1 format_total)"
           " = 10 calls; setup and cleanup are not in the trace\n");
    printf("final trace written to %s at exit; try: jq '.call_trees[].root_calls[].function' %s\n",
           path, path);
    return failures ? 1 : 0;
}
