/* Unit tests of the streaming JSON writer: output parses with cJSON and says
 * exactly what was written, in both layouts, whatever the bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "views/jsonw.h"

static char *written(FILE *f)
{
    static char buf[1 << 20];
    fflush(f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    return buf;
}

static void write_sample(struct ct_jw *w)
{
    ct_jw_obj(w);
    ct_jw_key(w, "s");
    ct_jw_str(w, "quote\" back\\ nl\n tab\t ctl\x01 utf8 \xc3\xa9 bad \xff\xfe end");
    ct_jw_key(w, "u");
    ct_jw_u64(w, UINT64_MAX);
    ct_jw_key(w, "i");
    ct_jw_i64(w, INT64_MIN);
    ct_jw_key(w, "h");
    ct_jw_hex(w, 0x401a2bu);
    ct_jw_key(w, "d");
    ct_jw_double(w, 0.25);
    ct_jw_key(w, "nan");
    ct_jw_double(w, 0.0 / 0.0);
    ct_jw_key(w, "a");
    ct_jw_arr(w);
    ct_jw_bool(w, true);
    ct_jw_null(w);
    ct_jw_arr(w);
    ct_jw_arr_end(w);
    ct_jw_obj(w);
    ct_jw_obj_end(w);
    ct_jw_arr_end(w);
    ct_jw_obj_end(w);
}

static void check_sample(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (!j)
        fail_msg("not JSON: %s", text);
    assert_string_equal(cJSON_GetObjectItem(j, "s")->valuestring,
                        "quote\" back\\ nl\n tab\t ctl\x01 utf8 \xc3\xa9 bad \xef\xbf\xbd\xef\xbf\xbd end");
    assert_string_equal(cJSON_GetObjectItem(j, "h")->valuestring, "0x401a2b");
    assert_true(cJSON_GetObjectItem(j, "d")->valuedouble == 0.25);
    assert_string_equal(cJSON_GetObjectItem(j, "nan")->valuestring, "nan");
    cJSON *a = cJSON_GetObjectItem(j, "a");
    assert_int_equal(cJSON_GetArraySize(a), 4);
    assert_true(cJSON_IsTrue(cJSON_GetArrayItem(a, 0)));
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(a, 1)));
    cJSON_Delete(j);
    /* exact digits, which cJSON's doubles cannot hold */
    assert_non_null(strstr(text, "18446744073709551615"));
    assert_non_null(strstr(text, "-9223372036854775808"));
}

static void compact_output(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fileno(f), false, 8), 0);
    write_sample(&w);
    assert_int_equal(ct_jw_finish(&w), 0);
    char *text = written(f);
    assert_null(strchr(text, '\n'));
    assert_null(strstr(text, ": "));
    check_sample(text);
    assert_string_equal(text + strlen(text) - 18, "[true,null,[],{}]}");
    fclose(f);
}

static void pretty_output(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fileno(f), true, 8), 0);
    write_sample(&w);
    assert_int_equal(ct_jw_finish(&w), 0);
    char *text = written(f);
    assert_non_null(strstr(text, "{\n  \"s\": \"quote"));
    assert_non_null(strstr(text, "\n    true,\n    null,\n    [],\n    {}\n  ]\n}\n"));
    check_sample(text);
    fclose(f);
}

/* A tree of line objects: {"n": k, "kids": [...]} nested `levels` deep. */
static void write_lines(struct ct_jw *w, int n, int levels)
{
    ct_jw_obj_line(w);
    ct_jw_key(w, "n");
    ct_jw_u64(w, (uint64_t)n);
    ct_jw_key(w, "v");
    ct_jw_arr(w); /* inside a line object: stays on the line */
    ct_jw_obj(w);
    ct_jw_key(w, "x");
    ct_jw_i64(w, -n);
    ct_jw_obj_end(w);
    ct_jw_arr_end(w);
    static const char raw[] = "\"r\":";
    ct_jw_key_raw(w, raw, sizeof(raw) - 1);
    ct_jw_bool(w, true);
    ct_jw_key(w, "kids");
    ct_jw_arr_lines(w);
    if (levels > 0) {
        write_lines(w, n + 1, levels - 1);
        write_lines(w, n + 2, 0);
    }
    ct_jw_arr_end(w);
    ct_jw_obj_end(w);
}

static void line_objects(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fileno(f), true, 8), 0);
    ct_jw_obj(&w);
    ct_jw_key(&w, "roots");
    ct_jw_arr(&w);
    write_lines(&w, 0, 1);
    ct_jw_arr_end(&w);
    ct_jw_obj_end(&w);
    assert_int_equal(ct_jw_finish(&w), 0);
    assert_string_equal(written(f),
                        "{\n"
                        "  \"roots\": [\n"
                        "    {\"n\":0,\"v\":[{\"x\":0}],\"r\":true,\"kids\":[\n"
                        "      {\"n\":1,\"v\":[{\"x\":-1}],\"r\":true,\"kids\":[]},\n"
                        "      {\"n\":2,\"v\":[{\"x\":-2}],\"r\":true,\"kids\":[]}\n"
                        "    ]}\n"
                        "  ]\n"
                        "}\n");
    fclose(f);
    /* compact: the same calls write no whitespace */
    f = tmpfile();
    assert_int_equal(ct_jw_init(&w, fileno(f), false, 8), 0);
    write_lines(&w, 0, 0);
    assert_int_equal(ct_jw_finish(&w), 0);
    assert_string_equal(written(f), "{\"n\":0,\"v\":[{\"x\":0}],\"r\":true,\"kids\":[]}");
    fclose(f);
}

/* Indentation stops growing at 12 levels, however deep the lines go. */
static void indentation_is_bounded(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fileno(f), true, 64), 0);
    for (int i = 0; i < 30; i++)
        ct_jw_arr(&w);
    ct_jw_u64(&w, 7);
    for (int i = 0; i < 30; i++)
        ct_jw_arr_end(&w);
    assert_int_equal(ct_jw_finish(&w), 0);
    char *text = written(f);
    size_t longest = 0;
    for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        size_t ind = strspn(l, " ");
        longest = ind > longest ? ind : longest;
    }
    assert_int_equal(longest, 24);
    assert_non_null(strstr(text, "\n                        7\n"));
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    cJSON_Delete(j);
    fclose(f);
}

static void large_output_crosses_the_buffer(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fileno(f), false, 8), 0);
    ct_jw_arr(&w);
    for (int i = 0; i < 100000; i++)
        ct_jw_u64(&w, (uint64_t)i);
    ct_jw_arr_end(&w);
    assert_int_equal(ct_jw_finish(&w), 0);
    cJSON *j = cJSON_Parse(written(f));
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(j), 100000);
    assert_int_equal(cJSON_GetArrayItem(j, 99999)->valueint, 99999);
    cJSON_Delete(j);
    fclose(f);
}

static void write_errors_are_reported(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]); /* writes fail with EPIPE */
    signal(SIGPIPE, SIG_IGN);
    struct ct_jw w;
    assert_int_equal(ct_jw_init(&w, fds[1], false, 8), 0);
    ct_jw_str(&w, "x");
    assert_int_not_equal(ct_jw_finish(&w), 0);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_output),
        cmocka_unit_test(pretty_output),
        cmocka_unit_test(line_objects),
        cmocka_unit_test(indentation_is_bounded),
        cmocka_unit_test(large_output_crosses_the_buffer),
        cmocka_unit_test(write_errors_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
