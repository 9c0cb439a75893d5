/* Unit tests of the trace validator (trace_check.h): a valid trace passes
 * with the counts it holds; each way of breaking one is caught and said
 * where; times are compared as the integers written; depth costs no stack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace_check.h"
#include "trace_util.h"

/* main > "a\"b", c(n) — times beyond 2^53, where a double cannot tell 1 ns */
static const char g_valid[] =
    "{\"metadata\":{\"version\":\"1\",\"timestamp\":\"2026-12-03T10:00:00.123Z\","
    "\"executable\":\"x\",\"pid\":42,\"total_calls\":3,\"threads\":1,\"dropped\":{}},\n"
    "\"call_trees\":{\"42\":{\"thread_id\":42,\"name\":\"x\",\"calls\":3,\"root_calls\":[\n"
    " {\"function\":\"main\",\"address\":\"0x1\",\"file\":\"a.c\",\"line\":1,"
    "\"start_ns\":1700000000000000000,\"end_ns\":1700000000000000100,\"duration_ns\":100,"
    "\"children\":[\n"
    "  {\"function\":\"a\\\"b\",\"address\":\"0x2\",\"file\":\"a.c\",\"line\":2,"
    "\"start_ns\":1700000000000000010,\"end_ns\":1700000000000000020,\"duration_ns\":10,"
    "\"children\":[]},\n"
    "  {\"function\":\"c\",\"address\":\"0x3\",\"file\":\"\",\"line\":-1,"
    "\"start_ns\":1700000000000000030,\"end_ns\":1700000000000000040,\"duration_ns\":10,"
    "\"children\":[],\"arguments\":[{\"name\":\"n\",\"type\":\"int\",\"value\":3}],"
    "\"return_value\":{\"type\":\"int\",\"optimized_out\":true}}]}]}}}\n";

/* g_valid with the first `from` replaced by `to` (static buffer). */
static const char *with(const char *from, const char *to)
{
    static char buf[sizeof(g_valid) + 256];
    const char *at = strstr(g_valid, from);
    assert_non_null(at);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - g_valid), g_valid, to, at + strlen(from));
    return buf;
}

static const char *check(const char *text)
{
    return tc_check_text(text, strlen(text), NULL);
}

/* Asserts that `text` is rejected with a message containing `want`. */
static void rejected(const char *text, const char *want)
{
    const char *why = check(text);
    if (!why) {
        fail_msg("accepted, want \"%s\"", want);
        return; /* not reached: fail_msg() does not return */
    }
    if (!strstr(why, want))
        fail_msg("message \"%s\", want \"%s\"", why, want);
}

static void valid_trace_and_its_counts(void **state)
{
    (void)state;
    struct tc_trace t;
    const char *why = tc_check_text(g_valid, strlen(g_valid), &t);
    if (why)
        fail_msg("%s", why);
    assert_int_equal(t.nodes, 3);
    assert_int_equal(t.nthreads, 1);
    const struct tc_thread *th = &t.threads[0];
    assert_int_equal(th->nodes, 3);
    assert_int_equal(th->roots, 1);
    assert_string_equal(th->first_root, "main");
    assert_int_equal(tc_count(th, "a\"b"), 1); /* decoded */
    assert_int_equal(tc_count(th, "c"), 1);
    assert_int_equal(tc_count(th, "nothing"), 0);
    assert_int_equal(tc_count_roots(th, "main"), 1);
    assert_int_equal(tc_count_roots(th, "c"), 0);
    assert_int_equal(tc_count_all(&t, "main"), 1);
    assert_string_equal(cJSON_GetObjectItem(th->fields, "name")->valuestring, "x");
    assert_null(cJSON_GetObjectItem(th->fields, "root_calls"));
    assert_int_equal(cJSON_GetObjectItem(t.metadata, "pid")->valueint, 42);
    tc_free(&t);
}

static void times_are_exact_integers(void **state)
{
    (void)state;
    rejected(with("\"duration_ns\":100", "\"duration_ns\":101"), "inconsistent");
    rejected(with("\"end_ns\":1700000000000000020", "\"end_ns\":1700000000000000021"),
             "inconsistent");
    rejected(with("\"duration_ns\":100", "\"duration_ns\":100.0"), "not an integer >= 0");
    rejected(with("\"duration_ns\":100", "\"duration_ns\":-100"), "not an integer >= 0");
    rejected(with("\"line\":1,", "\"line\":1.5,"), "line is not an integer");
}

static void children_in_order_within_their_parent(void **state)
{
    (void)state;
    /* c starts before a"b ends */
    rejected(with("\"start_ns\":1700000000000000030,\"end_ns\":1700000000000000040",
                  "\"start_ns\":1700000000000000015,\"end_ns\":1700000000000000025"),
             "before its previous sibling ends");
    /* c ends after main */
    rejected(with("\"start_ns\":1700000000000000030,\"end_ns\":1700000000000000040,"
                  "\"duration_ns\":10",
                  "\"start_ns\":1700000000000000030,\"end_ns\":1700000000000000140,"
                  "\"duration_ns\":110"),
             "a child lies outside");
    /* a"b starts before main */
    rejected(with("\"start_ns\":1700000000000000000,\"end_ns\":1700000000000000100,"
                  "\"duration_ns\":100",
                  "\"start_ns\":1700000000000000011,\"end_ns\":1700000000000000100,"
                  "\"duration_ns\":89"),
             "before its parent");
}

static void node_fields(void **state)
{
    (void)state;
    rejected(with("\"address\":\"0x2\"", "\"address\":\"0xzz\""), "address is not 0x");
    rejected(with("\"address\":\"0x2\"", "\"address\":\"2\""), "address is not 0x");
    rejected(with("\"function\":\"c\"", "\"function\":\"\""), "empty function name");
    rejected(with("\"function\":\"c\",", ""), "has no function");
    rejected(with("\"file\":\"\",", ""), "has no file");
    rejected(with("\"file\":\"\"", "\"file\":null"), "file is not a string");
    rejected(with(",\"children\":[],\"arguments\"", ",\"arguments\""), "no children array");
}

static void captured_values(void **state)
{
    (void)state;
    rejected(with("\"optimized_out\":true}", "\"optimized_out\":true,\"x\":1}"), "unknown key");
    rejected(with("\"value\":3}", "\"value\":3,\"optimized_out\":true}"), "exactly one of");
    rejected(with("{\"name\":\"n\",", "{"), "no string name");
    rejected(with("\"arguments\":[{\"name\":\"n\",\"type\":\"int\",\"value\":3}]",
                  "\"arguments\":{\"a\":1}"),
             "not an array");
    rejected(with("\"value\":3}", "\"value\":3,\"truncated\":false}"), "unreadable/truncated");
    rejected(with("\"children\":[],\"arguments\"", "\"unfinished\":true,\"children\":[],\"arguments\""),
             "did not return has a return_value");
}

static void metadata_and_threads(void **state)
{
    (void)state;
    rejected(with("\"total_calls\":3", "\"total_calls\":4"), "total_calls is 4 but");
    rejected(with("\"threads\":1", "\"threads\":2"), "threads is 2 but");
    rejected(with(".123Z", "+01:00"), "not ISO 8601 UTC");
    rejected(with("\"dropped\":{}", "\"dropped\":0"), "dropped is not an object");
    rejected(with("\"pid\":42", "\"pid\":0"), "pid is not an integer > 0");
    rejected(with("\"42\":{", "\"43\":{"), "the key is not the entry's thread_id");
    rejected(with("\"calls\":3", "\"calls\":2"), "calls is 2 but root_calls holds 3");
    rejected(with("\"metadata\":", "\"meta\":"), "no metadata");
}

static void json_syntax(void **state)
{
    (void)state;
    char cut[200];
    snprintf(cut, sizeof(cut), "%.150s", g_valid);
    rejected(cut, ""); /* whatever the cut, an error */
    rejected(with("}}}\n", "}}}\nx"), "after the trace's closing brace");
    rejected(with("\"a\\\"b\"", "\"a\\qb\""), "bad escape");
    rejected(with("\"version\":\"1\"", "\"version\":\"1\t\""), "control character");
    rejected(with("\"line\":2", "\"line\":02"), "leading zero");
    rejected("", "empty file");
    rejected("[]", "expected '{'");
}

/* Where: the thread's key and the path of open nodes. */
static void messages_say_where(void **state)
{
    (void)state;
    const char *why = check(with("\"address\":\"0x3\"", "\"address\":\"x3\""));
    assert_non_null(why);
    assert_non_null(strstr(why, "call_trees[\"42\"].root_calls[0].children[1]: "));
}

/* 100000 levels (CALLTRACE_MAX_DEPTH's limit): no recursion, no overflow. */
static void deep_trace(void **state)
{
    (void)state;
    enum { DEPTH = 100000 };
    static const char node[] = "{\"function\":\"f\",\"address\":\"0x1\",\"file\":\"f.c\","
                               "\"line\":1,\"start_ns\":%d,\"end_ns\":%d,\"duration_ns\":%d,"
                               "\"children\":[";
    size_t cap = (size_t)DEPTH * 160 + 4096, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n,
                          "{\"metadata\":{\"version\":\"1\",\"timestamp\":"
                          "\"2026-12-03T10:00:00Z\",\"executable\":\"x\",\"pid\":7,"
                          "\"total_calls\":%d,\"threads\":1,\"dropped\":{}},\"call_trees\":"
                          "{\"7\":{\"thread_id\":7,\"name\":\"x\",\"calls\":%d,\"root_calls\":[",
                          DEPTH, DEPTH);
    for (int i = 0; i < DEPTH; i++)
        n += (size_t)snprintf(text + n, cap - n, node, i, 2 * DEPTH - i, 2 * DEPTH - 2 * i);
    for (int i = 0; i < DEPTH; i++)
        n += (size_t)snprintf(text + n, cap - n, "]}");
    n += (size_t)snprintf(text + n, cap - n, "]}}}");
    assert_true(n < cap);
    struct tc_trace t;
    const char *why = tc_check_text(text, n, &t);
    if (why)
        fail_msg("%s", why);
    assert_int_equal(tc_count(&t.threads[0], "f"), DEPTH);
    assert_int_equal(t.threads[0].roots, 1);
    tc_free(&t);
    free(text);
}

/* tu_run(): no CALLTRACE_* of the caller's environment reaches the program
 * (the developer's shell cannot leak into a test), the test's own do. */
static void run_clears_every_calltrace_variable(void **state)
{
    (void)state;
    setenv("CALLTRACE_FILTER", "leaked", 1);
    setenv("CALLTRACE_SOMETHING_NEW", "leaked", 1);
    setenv("CT_NOT_OURS", "kept", 1);
    struct tu_run r;
    char *argv[] = {"/usr/bin/env", NULL};
    const char *env[] = {"CALLTRACE_OUTPUT=/dev/null", "CALLTRACE_DEBUG", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, "leaked"));
    assert_non_null(strstr(r.out, "CALLTRACE_OUTPUT=/dev/null\n"));
    assert_non_null(strstr(r.out, "CT_NOT_OURS=kept"));
    const char *p = r.out;
    int n = 0;
    while ((p = strstr(p, "CALLTRACE_")) != NULL) {
        n++;
        p++;
    }
    assert_int_equal(n, 1);
    unsetenv("CALLTRACE_FILTER");
    unsetenv("CALLTRACE_SOMETHING_NEW");
    unsetenv("CT_NOT_OURS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_trace_and_its_counts),
        cmocka_unit_test(times_are_exact_integers),
        cmocka_unit_test(children_in_order_within_their_parent),
        cmocka_unit_test(node_fields),
        cmocka_unit_test(captured_values),
        cmocka_unit_test(metadata_and_threads),
        cmocka_unit_test(json_syntax),
        cmocka_unit_test(messages_say_where),
        cmocka_unit_test(deep_trace),
        cmocka_unit_test(run_clears_every_calltrace_variable),
    };
    return cmocka_run_group_tests_name("trace_check", tests, NULL, NULL);
}
