/* Unit tests of the record-time filters: pattern parsing, the glob/regex
 * matcher against symbolizer names, the filter file, the address set, and
 * the CALLTRACE_MIN_DURATION / CALLTRACE_MAX_CALLS settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "calltrace.h"
#include "config.h"
#include "filter.h"

static char err_buf[8192];
static FILE *err_tmp;
static int err_saved = -1;

/* stderr into err_buf between these two */
static void capture_begin(void)
{
    err_tmp = tmpfile();
    err_saved = dup(2);
    dup2(fileno(err_tmp), 2);
}

static void capture_end(void)
{
    dup2(err_saved, 2);
    close(err_saved);
    rewind(err_tmp);
    size_t n = fread(err_buf, 1, sizeof(err_buf) - 1, err_tmp);
    err_buf[n] = '\0';
    fclose(err_tmp);
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void base_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t len;
    } cases[] = {
        {"parse_line", 10},
        {"over(int)", 4},
        {"geo::scale(geo::Circle&, double)", 10},
        {"geo::Circle::area() const", 17},
        {"operator()(int)", 10},
        {"S::operator()(int) const &&", 13},
        {"f(int (*)(int))", 1},
        {"ns::tmpl<int>(int)", 13},
        {"odd)", 4},
        {"(x)", 3},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        size_t got = ct_name_base_len(cases[i].name);
        if (got != cases[i].len)
            fail_msg("%s: base length %zu, expected %zu", cases[i].name, got, cases[i].len);
    }
}

static unsigned match1(const char *list, const char *name)
{
    struct ct_patterns p = {0};
    ct_patterns_add_list(&p, list, "test");
    unsigned f = ct_patterns_match(&p, name);
    ct_patterns_free(&p);
    return f;
}

static void globs_and_regexes(void **state)
{
    (void)state;
    assert_int_equal(match1("parse_*", "parse_line"), CT_F_POS);
    assert_int_equal(match1("parse_*", "reparse_line"), 0);
    assert_int_equal(match1("!debug_*", "debug_dump"), CT_F_EXCL);
    assert_int_equal(match1("!noisy/**", "noisy"), CT_F_EXCL | CT_F_SKIP);
    assert_int_equal(match1("!noisy/**", "noisy_inner"), 0);
    assert_int_equal(match1("/^handle_.*$/", "handle_request"), CT_F_POS);
    assert_int_equal(match1("/^handle_.*$/", "unhandled"), 0);
    assert_int_equal(match1("!/^n.i/", "noisy"), CT_F_EXCL);
    assert_int_equal(match1("!/^noisy$//**", "noisy"), CT_F_EXCL | CT_F_SKIP);
    assert_int_equal(match1("!/^noisy$/**", "noisy"), CT_F_EXCL | CT_F_SKIP);
    /* C++: the full name, or the name without its parameters */
    assert_int_equal(match1("geo::*", "geo::scale(geo::Circle&, double)"), CT_F_POS);
    assert_int_equal(match1("over", "over(int)"), CT_F_POS);
    assert_int_equal(match1("over(double)", "over(int)"), 0);
    assert_int_equal(match1("geo::scale(geo::Circle&, double)", "geo::scale(geo::Circle&, double)"),
                     CT_F_POS);
    assert_int_equal(match1("geo::Circle::area", "geo::Circle::area() const"), CT_F_POS);
    assert_int_equal(match1("/^over$/", "over(int)"), CT_F_POS);
    assert_int_equal(match1("?ver", "over(int)"), CT_F_POS);
    assert_int_equal(match1("[a-n]ver", "over(int)"), 0);
    /* a template function's name starts with its return type */
    assert_int_equal(match1("biggest<int>", "int biggest<int>(int, int)"), CT_F_POS);
    assert_int_equal(match1("biggest*", "unsigned long biggest<int>(int, int)"), CT_F_POS);
    assert_int_equal(match1("biggest*", "std::pair<int, int> biggest<int>(int, int)"), CT_F_POS);
    assert_int_equal(match1("new", "operator new(unsigned long)"), 0);
    assert_int_equal(match1("ns::f", "(anonymous namespace)::ns::f(int)"), 0);
    assert_int_equal(match1("*::ns::f", "(anonymous namespace)::ns::f(int)"), CT_F_POS);
    /* flags of several patterns add up */
    assert_int_equal(match1("parse_*, !parse_debug", "parse_debug"), CT_F_POS | CT_F_EXCL);
    assert_int_equal(match1("parse_*,!parse_debug", "parse_line"), CT_F_POS);
}

static void list_splitting(void **state)
{
    (void)state;
    struct ct_patterns p = {0};
    ct_patterns_add_list(&p,
                         " parse_* , !debug_*,geo::scale(geo::Circle&, double),/a{1,3}/,"
                         "std::map<int, int>::find,!/x,y//**,,",
                         "test");
    assert_int_equal(p.n, 6);
    assert_string_equal(p.v[0].text, "parse_*");
    assert_false(p.v[0].neg);
    assert_string_equal(p.v[1].text, "debug_*");
    assert_true(p.v[1].neg);
    assert_false(p.v[1].subtree);
    assert_string_equal(p.v[2].text, "geo::scale(geo::Circle&, double)");
    assert_string_equal(p.v[3].text, "a{1,3}");
    assert_true(p.v[3].regex);
    assert_string_equal(p.v[4].text, "std::map<int, int>::find");
    assert_string_equal(p.v[5].text, "x,y");
    assert_true(p.v[5].regex && p.v[5].neg && p.v[5].subtree);
    assert_true(p.has_pos);
    ct_patterns_free(&p);

    ct_patterns_add_list(&p, "!a,!b/**", "test");
    assert_int_equal(p.n, 2);
    assert_false(p.has_pos);
    ct_patterns_free(&p);
}

static void bad_patterns_get_one_line_each(void **state)
{
    (void)state;
    struct ct_patterns p = {0};
    capture_begin();
    ct_patterns_add_list(&p, "/[unclosed/,parse_*,/no-end", "CALLTRACE_FILTER");
    assert_int_equal(ct_patterns_add(&p, "!/**", 4, "CALLTRACE_FILTER"), -1);
    assert_int_equal(ct_patterns_add(&p, " ! ", 3, "CALLTRACE_FILTER"), -1);
    assert_int_equal(ct_patterns_add(&p, "  ", 2, "CALLTRACE_FILTER"), 0); /* empty: silent */
    capture_end();
    assert_int_equal(lines(err_buf), 4);
    assert_non_null(strstr(err_buf, "calltrace: CALLTRACE_FILTER: invalid regex /[unclosed/"));
    for (const char *l = err_buf; *l; l = strchr(l, '\n') + 1)
        assert_int_equal(strncmp(l, "calltrace: CALLTRACE_FILTER: ", 29), 0);
    assert_int_equal(p.n, 1); /* the good one stays */
    assert_string_equal(p.v[0].text, "parse_*");
    ct_patterns_free(&p);
}

static void filter_file(void **state)
{
    (void)state;
    char path[] = "/tmp/ct_filter_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# what to record\n"
                        "parse_*\n"
                        "\n"
                        "   # an indented comment\n"
                        "  !debug_*  \n"
                        "geo::scale(geo::Circle&, double)\n"
                        "/[bad/\n"
                        "!noisy/**";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    struct ct_patterns p = {0};
    capture_begin();
    assert_int_equal(ct_patterns_add_file(&p, path), 0);
    capture_end();
    unlink(path);
    assert_int_equal(lines(err_buf), 1);
    assert_non_null(strstr(err_buf, ":7: invalid regex /[bad/"));
    assert_int_equal(p.n, 4);
    assert_string_equal(p.v[1].text, "debug_*");
    assert_string_equal(p.v[2].text, "geo::scale(geo::Circle&, double)");
    assert_true(p.v[3].neg && p.v[3].subtree);
    assert_int_equal(ct_patterns_match(&p, "noisy"), CT_F_EXCL | CT_F_SKIP);
    ct_patterns_free(&p);

    capture_begin();
    assert_int_equal(ct_patterns_add_file(&p, "/nonexistent/filters.txt"), -1);
    capture_end();
    assert_int_equal(lines(err_buf), 1);
    assert_non_null(strstr(err_buf, "calltrace: CALLTRACE_FILTER_FILE: cannot read"));
    assert_int_equal(p.n, 0);
    ct_patterns_free(&p);
}

static void hook_a(const struct calltrace_hook_event *ev) { (void)ev; }
static void hook_b(const struct calltrace_hook_event *ev) { (void)ev; }

static void address_set(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct ct_fentry *v = calloc(N + 1, sizeof(*v));
    for (size_t i = 0; i < N; i++)
        v[i] = (struct ct_fentry){0x400000 + 16 * i, i % 3 == 0 ? CT_F_POS : CT_F_EXCL};
    v[N] = (struct ct_fentry){0x400000, CT_F_SKIP}; /* repeated: flags add up */
    const struct calltrace_hook h[] = {
        {(void (*)(void))(uintptr_t)0x400010, hook_a, NULL},
        {(void (*)(void))(uintptr_t)0x999990, NULL, hook_b},
        {(void (*)(void))(uintptr_t)0x400010, hook_b, hook_b},
    };
    const struct calltrace_hook *hp[] = {&h[0], &h[1], &h[2]};
    struct ct_fset s;
    assert_int_equal(ct_fset_build(&s, v, N + 1, hp, 3), 0);
    assert_int_equal(s.n, N + 1);
    assert_true(((size_t)1 << s.bits) >= 2 * s.n);
    for (size_t i = 0; i < N; i++) {
        const struct ct_fslot *e = ct_fset_find(&s, 0x400000 + 16 * i);
        assert_non_null(e);
        unsigned want = i % 3 == 0 ? CT_F_POS : CT_F_EXCL;
        if (i == 0)
            want |= CT_F_SKIP;
        if (i == 1)
            want |= CT_F_HOOK;
        assert_int_equal(e->flags, want);
        assert_null(ct_fset_find(&s, 0x400000 + 16 * i + 8));
    }
    assert_null(ct_fset_find(&s, 0x1234));
    const struct ct_fslot *e = ct_fset_find(&s, 0x400010);
    assert_int_equal(e->nhooks, 2);
    for (unsigned k = 0; k < 2; k++)
        assert_int_equal((uintptr_t)s.hooks[e->hook + k]->function, 0x400010);
    e = ct_fset_find(&s, 0x999990);
    assert_non_null(e);
    assert_int_equal(e->flags, CT_F_HOOK);
    assert_int_equal(e->nhooks, 1);
    assert_ptr_equal(s.hooks[e->hook]->on_exit, hook_b);
    ct_fset_free(&s);
    free(v);

    /* empty */
    assert_int_equal(ct_fset_build(&s, NULL, 0, NULL, 0), 0);
    assert_null(ct_fset_find(&s, 0x400000));
    ct_fset_free(&s);
}

static void durations_and_caps(void **state)
{
    (void)state;
    uint64_t ns;
    assert_int_equal(ct_parse_duration("10us", &ns), 0);
    assert_int_equal(ns, 10000);
    assert_int_equal(ct_parse_duration("250", &ns), 0);
    assert_int_equal(ns, 250);
    assert_int_equal(ct_parse_duration("3ns", &ns), 0);
    assert_int_equal(ns, 3);
    assert_int_equal(ct_parse_duration("2MS", &ns), 0);
    assert_int_equal(ns, 2000000);
    assert_int_equal(ct_parse_duration("1s", &ns), 0);
    assert_int_equal(ns, 1000000000);
    assert_int_equal(ct_parse_duration("", &ns), -1);
    assert_int_equal(ct_parse_duration("10 us", &ns), -1);
    assert_int_equal(ct_parse_duration("1.5ms", &ns), -1);
    assert_int_equal(ct_parse_duration("-1", &ns), -1);
    assert_int_equal(ct_parse_duration("10m", &ns), -1);
    assert_int_equal(ct_parse_duration("99999999999999999999s", &ns), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_names),
        cmocka_unit_test(globs_and_regexes),
        cmocka_unit_test(list_splitting),
        cmocka_unit_test(bad_patterns_get_one_line_each),
        cmocka_unit_test(filter_file),
        cmocka_unit_test(address_set),
        cmocka_unit_test(durations_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
