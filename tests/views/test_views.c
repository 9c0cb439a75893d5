/* Unit tests of the views' plumbing: CALLTRACE_FORMAT names and paths,
 * CALLTRACE_SUMMARY, durations in uftrace's style, exact microseconds in
 * JSON, one-event-per-line JSON, cleaned names, and the distinct-stack table
 * with self time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "base/clock.h"
#include "base/config.h"
#include "views/stacks.h"
#include "views/textw.h"

/* A config read from `env` (NAME=VALUE entries) through the real getenv. */
static struct ct_config load(const char *const *env)
{
    unsetenv("CALLTRACE_SUMMARY");
    for (size_t i = 0; env[i]; i++)
        putenv((char *)env[i]);
    struct ct_config cfg = {.max_depth = CT_DEFAULT_MAX_DEPTH, .formats = CT_FMT_JSON};
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 2); /* the bad values' messages: test_config checks those */
    ct_config_load(&cfg, getenv);
    dup2(saved, 2);
    close(saved);
    close(null);
    return cfg;
}

static void formats_and_paths(void **state)
{
    (void)state;
    const char *env[] = {"CALLTRACE_FORMAT=json,Chrome,folded,text,summary,perfetto,bogus",
                         "CALLTRACE_OUTPUT=/tmp/x/app.json", "CALLTRACE_SUMMARY=yes", NULL};
    struct ct_config cfg = load(env);
    assert_int_equal(cfg.formats, CT_FMT_JSON | CT_FMT_CHROME | CT_FMT_FOLDED | CT_FMT_TEXT |
                                      CT_FMT_SUMMARY | CT_FMT_PERFETTO);
    assert_true(cfg.summary);
    const struct {
        enum ct_format f;
        const char *path;
    } want[] = {
        {CT_FMT_JSON, "/tmp/x/app.json"},
        {CT_FMT_CHROME, "/tmp/x/app.chrome.json"},
        {CT_FMT_FOLDED, "/tmp/x/app.folded"},
        {CT_FMT_TEXT, "/tmp/x/app.txt"},
        {CT_FMT_SUMMARY, "/tmp/x/app.summary.txt"},
        {CT_FMT_PERFETTO, "/tmp/x/app.pftrace"},
    };
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
        ct_format_path(&cfg, want[i].f, path, sizeof(path));
        assert_string_equal(path, want[i].path);
    }
    const char *env2[] = {"CALLTRACE_FORMAT=summary", "CALLTRACE_OUTPUT=/tmp/trace",
                          "CALLTRACE_SUMMARY=maybe", NULL};
    cfg = load(env2);
    assert_int_equal(cfg.formats, CT_FMT_SUMMARY);
    assert_false(cfg.summary);
    ct_format_path(&cfg, CT_FMT_SUMMARY, path, sizeof(path));
    assert_string_equal(path, "/tmp/trace.summary.txt");
}

static char *written(FILE *f)
{
    static char buf[1 << 16];
    fflush(f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    return buf;
}

static const char *dur(uint64_t ns)
{
    static char buf[CT_TW_DURATION_MAX];
    size_t n = ct_tw_duration(buf, ns);
    assert_int_equal(n, strlen(buf));
    return buf;
}

static void durations_read_like_uftrace(void **state)
{
    (void)state;
    assert_string_equal(dur(0), "  0.000 us");
    assert_string_equal(dur(7), "  0.007 us");
    assert_string_equal(dur(1234), "  1.234 us");
    assert_string_equal(dur(999999), "999.999 us");
    assert_string_equal(dur(1000000), "  1.000 ms");
    assert_string_equal(dur(12345678), " 12.345 ms"); /* truncated, as uftrace does */
    assert_string_equal(dur(1500000000), "  1.500  s");
    assert_string_equal(dur(UINT64_C(3600) * 1000000000), "3600.000  s");
}

static void milli_is_exact(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fileno(f), false, 4), 0);
    ct_jw_arr(&w);
    const uint64_t v[] = {0, 5, 60, 1000, 12345, 1200, UINT64_MAX};
    for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
        ct_jw_milli(&w, v[i]);
    ct_jw_arr_end(&w);
    assert_int_equal(ct_jw_finish(&w), 0);
    assert_string_equal(written(f), "[0,0.005,0.06,1,12.345,1.2,18446744073709551.615]");
    fclose(f);
}

static void wrap_depth_gives_one_event_per_line(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fileno(f), true, 8), 0);
    w.wrap_depth = 2;
    ct_jw_obj(&w);
    ct_jw_key(&w, "traceEvents");
    ct_jw_arr(&w);
    for (int i = 0; i < 2; i++) {
        ct_jw_obj(&w);
        ct_jw_key(&w, "n");
        ct_jw_u64(&w, (uint64_t)i);
        ct_jw_key(&w, "args");
        ct_jw_obj(&w);
        ct_jw_key(&w, "x");
        ct_jw_bool(&w, true);
        ct_jw_obj_end(&w);
        ct_jw_obj_end(&w);
    }
    ct_jw_arr_end(&w);
    ct_jw_key(&w, "k");
    ct_jw_str(&w, "v");
    ct_jw_obj_end(&w);
    assert_int_equal(ct_jw_finish(&w), 0);
    assert_string_equal(written(f), "{\n"
                                    "  \"traceEvents\": [\n"
                                    "    {\"n\":0,\"args\":{\"x\":true}},\n"
                                    "    {\"n\":1,\"args\":{\"x\":true}}\n"
                                    "  ],\n"
                                    "  \"k\": \"v\"\n"
                                    "}\n");
    fclose(f);
}

static void text_helpers(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fileno(f), false, 0), 0);
    ct_tw_u64(&w, 42, 5);
    ct_tw_str(&w, "|");
    ct_tw_u64(&w, 123456, 3);
    ct_tw_fill(&w, '.', 70);
    ct_tw_str(&w, "|");
    const char name[] = "ns::f<a;b>(int, char)\nx\x01";
    ct_tw_clean(&w, name, sizeof(name) - 1, ";", ':');
    ct_tw_str(&w, "|");
    ct_tw_quoted(&w, "say \"hi\"");
    ct_tw_dur(&w, 1234);
    assert_int_equal(ct_jw_finish(&w), 0);
    char expect[256];
    snprintf(expect, sizeof(expect), "   42|123456%.70s|ns::f<a:b>(int, char):x:|\"say 'hi'\"  1.234 us",
             "......................................................................");
    assert_string_equal(written(f), expect);
    fclose(f);
}

static void stacks_are_interned(void **state)
{
    (void)state;
    struct ct_stacks s = {0};
    /* a chain 2000 deep and a fan of 2000 under the root: many rehashes */
    uint32_t parent = 0, chain[2000];
    for (uint64_t i = 0; i < 2000; i++)
        parent = chain[i] = ct_stacks_intern(&s, parent, 0x1000 + i % 3);
    for (uint64_t i = 0; i < 2000; i++)
        assert_int_not_equal(ct_stacks_intern(&s, chain[0], 0x9000 + i), 0);
    parent = 0;
    for (uint64_t i = 0; i < 2000; i++) {
        uint32_t id = ct_stacks_intern(&s, parent, 0x1000 + i % 3);
        assert_int_equal(id, chain[i]);
        parent = id;
    }
    assert_int_equal(s.n - 1, 4000);
    uint64_t path[4];
    assert_int_equal(ct_stacks_path(&s, chain[2], path, 4), 3);
    assert_int_equal(path[0], 0x1000);
    assert_int_equal(path[1], 0x1001);
    assert_int_equal(path[2], 0x1002);
    assert_int_equal(ct_stacks_path(&s, chain[1999], path, 4), 2000); /* the innermost 4 */
    assert_int_equal(path[3], 0x1000 + 1999 % 3);
    assert_int_equal(path[0], 0x1000 + 1996 % 3);
    ct_stacks_free(&s);
}

static void calls_give_self_time(void **state)
{
    (void)state;
    ct_clk.base_ticks = 0;
    ct_clk.ns_per_tick = 1.0;
    struct ct_calls c;
    struct ct_call_done d;
    assert_int_equal(ct_calls_init(&c, 4), 0);
    /* main [10, 100] { a [20, 50] { b [30, 35] }, a [60, 70] } */
    ct_calls_open(&c, 0, 1, 10);
    ct_calls_open(&c, 1, 2, 20);
    ct_calls_open(&c, 2, 3, 30);
    assert_true(ct_calls_close(&c, 2, 30, 35, &d));
    assert_int_equal(d.dur_ns, 5);
    assert_int_equal(d.self_ns, 5);
    assert_true(ct_calls_close(&c, 1, 20, 50, &d));
    assert_int_equal(d.dur_ns, 30);
    assert_int_equal(d.self_ns, 25);
    uint32_t a = d.stack;
    ct_calls_open(&c, 1, 2, 60);
    assert_true(ct_calls_close(&c, 1, 60, 70, &d));
    assert_int_equal(d.stack, a); /* the same stack again */
    assert_int_equal(d.start_ns, 60);
    assert_true(ct_calls_close(&c, 0, 10, 100, &d));
    assert_int_equal(d.dur_ns, 90);
    assert_int_equal(d.self_ns, 90 - 30 - 10);
    assert_false(c.nomem);
    assert_int_equal(c.stacks.n - 1, 3);
    assert_int_equal(ct_calls_path(&c, a), 2);
    assert_int_equal(c.path[0], 1);
    assert_int_equal(c.path[1], 2);
    ct_calls_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats_and_paths),
        cmocka_unit_test(durations_read_like_uftrace),
        cmocka_unit_test(milli_is_exact),
        cmocka_unit_test(wrap_depth_gives_one_event_per_line),
        cmocka_unit_test(text_helpers),
        cmocka_unit_test(stacks_are_interned),
        cmocka_unit_test(calls_give_self_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
