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
#include "base/config.h"
#include "filter/filter.h"

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

/* Regexes that glibc's regcomp() would take seconds and gigabytes to compile
 * are refused before it sees them, with one line each; everyday ones, and
 * operator characters that are literals, still work. */
#define SIX_TIMES(s) s s s s s s

static void costly_regexes_refused(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *why;
    } bad[] = {
        {"/x++/", "a repetition operator right after another (at offset 2)"},
        {"/x++++++++++++++++++++++/", "right after another (at offset 2)"},
        {"/x**{999}/", "right after another (at offset 2)"},
        {"/a*?/", "right after another"},
        {"/a{2}{3}/", "right after another (at offset 4)"},
        {"/(ab)+*/", "right after another"},
        {"/x{1,32767}{1,32767}/", "a repetition bound over 255 (at offset 1)"},
        {"/x{1,300}/", "a repetition bound over 255"},
        {"/x{256}/", "a repetition bound over 255"},
        {"/x{300,}/", "a repetition bound over 255"},
        {"/x{,256}/", "a repetition bound over 255"},
        {"/(a{1,100}){1,100}/", "bounds multiply to over 1000 (at offset 10)"},
        {"/((x{200}){200}){200}/", "bounds multiply to over 1000 (at offset 9)"},
        {"/((a{10})b{10}){2}(c|(d{10}){10}){11}/", "bounds multiply to over 1000 (at offset 32)"},
        {"/((a+)+)+/", "more than 2 unbounded repetitions (*, +, {m,}) nested (at offset 7)"},
        {"/(((a)*b)+c){1,}/", "more than 2 unbounded repetitions"},
        {"!/((a+)+)+//**", "more than 2 unbounded repetitions"},
        /* a loop over something that matches the empty string */
        {"/(a*)*/", "of something that can match the empty string (at offset 4)"},
        {"/(a|)+/", "of something that can match the empty string"},
        {"/(|a)+/", "of something that can match the empty string"},
        {"/(b?){1,}/", "of something that can match the empty string"},
        {"/((c*|){3,}){7}/", "of something that can match the empty string (at offset 6)"},
        {"/((b|){1,}[a-z]?){20,255}/", "of something that can match the empty string"},
        /* expanded size */
        {"/(.{1,200}.{1,200}.{1,200}.{1,200}.{1,200})*/", "an unbounded repetition (*, +, {m,}) "
                                                          "of over 1000 atoms once expanded"},
        {"/((.{1,30}.{1,30}.{1,30}.{1,30}.{1,30}.{1,30}.{1,30}.{1,30}.{1,30}){1,33})+/",
         "of over 1000 atoms"},
        {"/(" SIX_TIMES(SIX_TIMES(".{250}")) ".{250}.{250}.{250}.{250}.{250}){4}/",
         "expands to over 20000 atoms (at offset 248)"}, /* 41 * 251 * 4 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct ct_patterns p = {0};
        capture_begin();
        int rc = ct_patterns_add(&p, bad[i].pattern, strlen(bad[i].pattern), "CALLTRACE_FILTER");
        capture_end();
        if (rc != -1 || p.n != 0 || lines(err_buf) != 1 ||
            strncmp(err_buf, "calltrace: CALLTRACE_FILTER: regex /", 36) != 0 ||
            !strstr(err_buf, "/ too costly to compile: ") || !strstr(err_buf, bad[i].why) ||
            !strstr(err_buf, "; ignored\n"))
            fail_msg("%s: rc %d, %zu patterns, stderr: %s", bad[i].pattern, rc, p.n, err_buf);
        ct_patterns_free(&p);
    }

    /* too long: 257 characters between the slashes */
    char long_re[300];
    long_re[0] = '/';
    memset(long_re + 1, 'a', 257);
    long_re[258] = '/';
    struct ct_patterns p = {0};
    capture_begin();
    assert_int_equal(ct_patterns_add(&p, long_re, 259, "CALLTRACE_FILTER"), -1);
    capture_end();
    assert_int_equal(lines(err_buf), 1);
    assert_non_null(strstr(err_buf, "longer than 256 characters"));
    assert_int_equal(p.n, 0);
    /* 256 is fine */
    long_re[257] = '/';
    assert_int_equal(ct_patterns_add(&p, long_re, 258, "CALLTRACE_FILTER"), 0);
    assert_int_equal(p.n, 1);
    ct_patterns_free(&p);

    /* in a list, the others stay */
    capture_begin();
    ct_patterns_add_list(&p, "/x++/,parse_*,/^main$/", "CALLTRACE_FILTER");
    capture_end();
    assert_int_equal(lines(err_buf), 1);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.v[0].text, "parse_*");
    assert_string_equal(p.v[1].text, "^main$");
    ct_patterns_free(&p);
}

static void cheap_regexes_accepted(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *name;
        unsigned flags;
    } ok[] = {
        {"/^main$/", "main", CT_F_POS},
        {"/^main$/", "domain", 0},
        {"/foo|bar/", "a_bar", CT_F_POS},
        {"/a{2,3}b/", "xaab", CT_F_POS},
        {"/^a{2,3}b/", "ab", 0},
        {"/(ab)+c/", "ababc", CT_F_POS},
        {"/^(ab)+c$/", "abac", 0},
        {"/x{255}/", "x", 0},
        {"/x{0,255}y/", "y", CT_F_POS},
        {"/(a{1,10}){1,100}/", "a", CT_F_POS},      /* 1000: the limit */
        {"/((a{10}){10}){10}/", "a", 0},            /* 1000 */
        {"/(a+b*)+c/", "aabc", CT_F_POS},           /* 2 unbounded nested */
        {"/(a*b)*/", "", CT_F_POS},
        {"/^(a(b|c?))*x$/", "aabax", CT_F_POS}, /* a(b|c?) cannot be empty */
        {"/(a|b*c)+/", "bbc", CT_F_POS},
        {"/((c*|){3}){7}/", "", CT_F_POS}, /* nullable, but no loop around it */
        {"/a+b+c+d*e*f?/", "abcdef", CT_F_POS},    /* many, none nested */
        {"/a{200}|b{200}|c{200}/", "b", 0},        /* alternatives: no product */
        {"/(a{100})(b{100})/", "ab", 0},           /* siblings: no product */
        /* literal operator characters: escaped, in brackets */
        {"/x\\+\\+\\+/", "x+++", CT_F_POS},
        {"/^operator[*+?]+$/", "operator++", CT_F_POS},
        {"/^operator[]*+{}]+$/", "operator+{*}", CT_F_POS},
        {"/^a[^]*+]+b$/", "axyb", CT_F_POS},
        {"/^a[^]*+]+b$/", "a*b", 0},
        {"/^[[:alpha:]*+]+$/", "ab*", CT_F_POS},
        {"/^[[:digit:]]{1,3}x?$/", "123x", CT_F_POS},
        {"/a\\{2}/", "a{2}", CT_F_POS},
        {"/\\(x+\\)+/", "(xx))", CT_F_POS},  /* \(: no group */
        {"/operator\\(\\)/", "S::operator()(int)", CT_F_POS},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        struct ct_patterns p = {0};
        capture_begin();
        int rc = ct_patterns_add(&p, ok[i].pattern, strlen(ok[i].pattern), "CALLTRACE_FILTER");
        capture_end();
        if (rc != 0 || p.n != 1 || err_buf[0])
            fail_msg("%s: rc %d, %zu patterns, stderr: %s", ok[i].pattern, rc, p.n, err_buf);
        unsigned got = ct_patterns_match(&p, ok[i].name);
        if (got != ok[i].flags)
            fail_msg("%s on '%s': flags %u, expected %u", ok[i].pattern, ok[i].name, got,
                     ok[i].flags);
        ct_patterns_free(&p);
    }
    /* invalid ones still get regcomp's message, not ours */
    static const char *const invalid[] = {"/a{1/", "/a{x}/", "/{2}/", "/[a/", "/[[:alpha:/",
                                          "/a\\/", "/(a/"};
    for (size_t i = 0; i < sizeof(invalid) / sizeof(*invalid); i++) {
        struct ct_patterns p = {0};
        capture_begin();
        int rc = ct_patterns_add(&p, invalid[i], strlen(invalid[i]), "CALLTRACE_FILTER");
        capture_end();
        if (rc != -1 || p.n != 0 || lines(err_buf) != 1 || !strstr(err_buf, ": invalid regex /"))
            fail_msg("%s: rc %d, %zu patterns, stderr: %s", invalid[i], rc, p.n, err_buf);
        ct_patterns_free(&p);
    }
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
        cmocka_unit_test(costly_regexes_refused),
        cmocka_unit_test(cheap_regexes_accepted),
        cmocka_unit_test(filter_file),
        cmocka_unit_test(address_set),
        cmocka_unit_test(durations_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
