/* Unit tests of the environment contract: defaults, valid values, and one
 * "calltrace:" line plus the default for every bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/config.h"

static const char *const *fake_env;

static char *fake_getenv(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; fake_env && fake_env[i]; i++)
        if (strncmp(fake_env[i], name, n) == 0 && fake_env[i][n] == '=')
            return (char *)fake_env[i] + n + 1;
    return NULL;
}

static char err_buf[8192];

/* Loads a config from `env` with stderr captured into err_buf. */
static struct ct_config load(const char *const *env)
{
    fake_env = env;
    struct ct_config cfg = {.max_depth = CT_DEFAULT_MAX_DEPTH,
                            .buffer_bytes = CT_DEFAULT_BUFFER_KIB * 1024,
                            .pretty = true,
                            .start = true};
    FILE *tmp = tmpfile();
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    ct_config_load(&cfg, fake_getenv);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(err_buf, 1, sizeof(err_buf) - 1, tmp);
    err_buf[n] = '\0';
    fclose(tmp);
    return cfg;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void defaults(void **state)
{
    (void)state;
    struct ct_config c = load(NULL);
    assert_int_equal(c.max_depth, CT_DEFAULT_MAX_DEPTH);
    assert_true(c.pretty);
    assert_true(c.start);
    assert_false(c.debug);
    assert_false(c.capture_args);
    assert_int_equal(c.buffer_bytes, 1024 * 1024);
    /* <executable>.json beside the executable */
    char expect[4200];
    snprintf(expect, sizeof(expect), "%s.json", c.exe);
    assert_string_equal(c.output, expect);
    assert_non_null(strstr(c.exe, "test_config"));
    assert_string_equal(err_buf, "");
}

static void valid_values(void **state)
{
    (void)state;
    const char *env[] = {"CALLTRACE_OUTPUT=/tmp/x.json", "CALLTRACE_MAX_DEPTH=5000",
                         "CALLTRACE_PRETTY_JSON=off", "CALLTRACE_DEBUG=Yes",
                         "CALLTRACE_START=false", "CALLTRACE_CAPTURE_ARGS=true",
                         "CALLTRACE_BUFFER_SIZE=1M", NULL};
    struct ct_config c = load(env);
    assert_string_equal(c.output, "/tmp/x.json");
    assert_int_equal(c.max_depth, 5000);
    assert_false(c.pretty);
    assert_true(c.debug);
    assert_false(c.start);
    assert_true(c.capture_args);
    assert_int_equal(c.buffer_bytes, 1024 * 1024);
    assert_string_equal(err_buf, "");
}

static void bad_values_fall_back_with_one_line_each(void **state)
{
    (void)state;
    const char *env[] = {"CALLTRACE_OUTPUT=", "CALLTRACE_MAX_DEPTH=0", "CALLTRACE_PRETTY_JSON=2",
                         "CALLTRACE_DEBUG=verbose", "CALLTRACE_START= 1",
                         "CALLTRACE_BUFFER_SIZE=99999999999999999999K", NULL};
    struct ct_config c = load(env);
    assert_int_equal(lines(err_buf), 6);
    assert_int_equal(c.max_depth, CT_DEFAULT_MAX_DEPTH);
    assert_true(c.pretty);
    assert_false(c.debug);
    assert_true(c.start);
    assert_int_equal(c.buffer_bytes, 1024 * 1024);
    assert_non_null(strstr(c.output, "test_config.json"));
    for (const char *p = err_buf; *p; p = strchr(p, '\n') + 1)
        assert_int_equal(strncmp(p, "calltrace: CALLTRACE_", 21), 0);
}

static void out_of_range_and_garbage(void **state)
{
    (void)state;
    const char *env[] = {"CALLTRACE_MAX_DEPTH=100001", "CALLTRACE_OUTPUT=/tmp/dir/",
                         "CALLTRACE_BUFFER_SIZE=1K", NULL};
    struct ct_config c = load(env);
    assert_int_equal(lines(err_buf), 3);
    assert_int_equal(c.max_depth, CT_DEFAULT_MAX_DEPTH);
    assert_int_equal(c.buffer_bytes, 1024 * 1024);
    const char *big[] = {"CALLTRACE_MAX_DEPTH=-1", NULL};
    c = load(big);
    assert_int_equal(c.max_depth, CT_DEFAULT_MAX_DEPTH);
    assert_int_equal(lines(err_buf), 1);
}

static void parsers(void **state)
{
    (void)state;
    bool b;
    assert_int_equal(ct_parse_bool("ON", &b), 0);
    assert_true(b);
    assert_int_equal(ct_parse_bool("0", &b), 0);
    assert_false(b);
    assert_int_equal(ct_parse_bool("", &b), -1);
    assert_int_equal(ct_parse_bool("truee", &b), -1);
    unsigned long v;
    assert_int_equal(ct_parse_uint("42", 1, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(ct_parse_uint("42x", 1, 100, &v), -1);
    assert_int_equal(ct_parse_uint("+4", 1, 100, &v), -1);
    assert_int_equal(ct_parse_uint("101", 1, 100, &v), -1);
    assert_int_equal(ct_parse_uint("18446744073709551616", 1, ~0ul, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(valid_values),
        cmocka_unit_test(bad_values_fall_back_with_one_line_each),
        cmocka_unit_test(out_of_range_and_garbage),
        cmocka_unit_test(parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
