/* test_symbols.c — unit tests of runtime/symbols/ (address -> name, file,
 * line) on this test program's own functions and on the C++ functions of
 * symbols_cxx_fixture.cpp.
 *
 * Build with -g -O0 (the expected lines are those of the definitions below).
 * Built three ways to cover both numberings of DW_AT_decl_file: default
 * (DWARF 5), -gdwarf-4, and -gdwarf-4 -Wa,--gdwarf-5 (version 4 units with a
 * version 5 line table: the numbering follows the line table).
 * test_other_file is the one that tells the numberings apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "symbols/symbols.h"

/* From symbols_cxx_fixture.cpp. */
struct symbols_fx {
    uintptr_t addr;
    const char *name;
    unsigned line;
};
const struct symbols_fx *symbols_cxx_fixture(size_t *n);

/* Defined at the end of this file, under a #line directive naming another
 * file: a function whose DW_AT_decl_file is not the unit's primary file. */
int symbols_line_fixture(int x);
#define LINE_FIXTURE_FILE "symbols_line_fixture.c"
#define LINE_FIXTURE_LINE 7000

int symbols_public_fn(int x);
int symbols_declared_early(int x);

enum { STATIC_FN_LINE = __LINE__ + 1 };
static int __attribute__((noinline)) symbols_static_fn(int x) { return x * 3 + 1; }

enum { PUBLIC_FN_LINE = __LINE__ + 1 };
int symbols_public_fn(int x)
{
    int y = x;
    for (int i = 0; i < 3; i++)
        y += i * x;
    return y;
}

/* The line of the definition, not of the prototype above. */
enum { DECLARED_EARLY_LINE = __LINE__ + 1 };
int symbols_declared_early(int x) { return x - 7; }

static struct ct_symtab *g_tab;

static int setup(void **state)
{
    (void)state;
    g_tab = ct_symtab_new();
    return g_tab ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ct_symtab_free(g_tab);
    g_tab = NULL;
    return 0;
}

/* sym->file is this file: __FILE__ made absolute by DW_AT_comp_dir (CMake
 * passes absolute paths, then they must be equal). */
static void assert_this_file(const char *file)
{
    assert_non_null(file);
    assert_true(file[0] == '/');
    const char *me = __FILE__;
    if (me[0] == '/') {
        assert_string_equal(file, me);
        return;
    }
    while (me[0] == '.' && me[1] == '/')
        me += 2;
    size_t lf = strlen(file), lm = strlen(me);
    assert_true(lf > lm);
    assert_string_equal(file + lf - lm, me);
    assert_true(file[lf - lm - 1] == '/');
}

static void check_fn(uintptr_t addr, const char *name, unsigned line)
{
    const struct ct_symbol *s = ct_symtab_lookup(g_tab, addr);
    assert_non_null(s);
    assert_string_equal(s->name, name);
    assert_this_file(s->file);
    assert_int_equal(s->line, line);
    assert_true(s->entry == addr);
}

static void test_static_function(void **state)
{
    (void)state;
    check_fn((uintptr_t)symbols_static_fn, "symbols_static_fn", STATIC_FN_LINE);
}

static void test_public_function(void **state)
{
    (void)state;
    check_fn((uintptr_t)symbols_public_fn, "symbols_public_fn", PUBLIC_FN_LINE);
    check_fn((uintptr_t)symbols_declared_early, "symbols_declared_early", DECLARED_EARLY_LINE);
}

static void test_main(void **state)
{
    (void)state;
    extern int main(void);
    const struct ct_symbol *s = ct_symtab_lookup(g_tab, (uintptr_t)main);
    assert_string_equal(s->name, "main");
    assert_this_file(s->file);
}

static void test_inside_function(void **state)
{
    (void)state;
    uintptr_t entry = (uintptr_t)symbols_public_fn;
    const struct ct_symbol *s = ct_symtab_lookup(g_tab, entry + 5);
    assert_string_equal(s->name, "symbols_public_fn");
    assert_true(s->entry == entry);
    assert_int_equal(s->line, PUBLIC_FN_LINE);
    assert_ptr_equal(s, ct_symtab_lookup(g_tab, entry));
}

static void test_other_file(void **state)
{
    (void)state;
    const struct ct_symbol *s = ct_symtab_lookup(g_tab, (uintptr_t)symbols_line_fixture);
    assert_string_equal(s->name, "symbols_line_fixture");
    assert_int_equal(s->line, LINE_FIXTURE_LINE);
    assert_non_null(s->file);
    assert_true(s->file[0] == '/');
    size_t lf = strlen(s->file), lx = strlen("/" LINE_FIXTURE_FILE);
    assert_true(lf > lx);
    assert_string_equal(s->file + lf - lx, "/" LINE_FIXTURE_FILE);
}

static void test_unknown_address(void **state)
{
    (void)state;
    const struct ct_symbol *s = ct_symtab_lookup(g_tab, 0x10);
    assert_string_equal(s->name, "0x10");
    assert_null(s->file);
    assert_int_equal(s->line, 0);
    assert_ptr_equal(s, ct_symtab_lookup(g_tab, 0x10));
    s = ct_symtab_lookup(g_tab, 0);
    assert_string_equal(s->name, "0x0");
    assert_ptr_equal(s, ct_symtab_lookup(g_tab, 0));
}

static void test_same_pointer(void **state)
{
    (void)state;
    const struct ct_symbol *a = ct_symtab_lookup(g_tab, (uintptr_t)symbols_static_fn);
    const struct ct_symbol *b = ct_symtab_lookup(g_tab, (uintptr_t)symbols_static_fn);
    assert_ptr_equal(a, b);
}

/* Many distinct addresses: the cache grows, and every one still resolves. */
static void test_many_addresses(void **state)
{
    (void)state;
    uintptr_t base = (uintptr_t)symbols_public_fn;
    for (uintptr_t i = 0; i < 20000; i++) {
        const struct ct_symbol *s = ct_symtab_lookup(g_tab, 0x100000 + i * 16);
        assert_non_null(s->name);
    }
    for (uintptr_t i = 0; i < 8; i++)
        assert_string_equal(ct_symtab_lookup(g_tab, base + i)->name, "symbols_public_fn");
    assert_string_equal(ct_symtab_lookup(g_tab, 0x100000 + 16 * 123)->name, "0x1007b0");
}

/* A function of a shared object without DWARF (libc): some name, no file. */
static void test_shared_object(void **state)
{
    (void)state;
    const struct ct_symbol *s = ct_symtab_lookup(g_tab, (uintptr_t)&abort);
    assert_non_null(s->name);
    assert_true(s->name[0] != '\0');
}

static void test_cxx_names(void **state)
{
    (void)state;
    size_t n = 0;
    const struct symbols_fx *fx = symbols_cxx_fixture(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const struct ct_symbol *s = ct_symtab_lookup(g_tab, fx[i].addr);
        print_message("  %#lx -> %s (%s:%u)\n", (unsigned long)fx[i].addr, s->name,
                      s->file ? s->file : "?", s->line);
        assert_string_equal(s->name, fx[i].name);
        assert_int_equal(s->line, fx[i].line);
        assert_non_null(s->file);
        const char *suffix = "/symbols_cxx_fixture.cpp";
        size_t lf = strlen(s->file), ls = strlen(suffix);
        assert_true(lf > ls);
        assert_string_equal(s->file + lf - ls, suffix);
        assert_true(s->entry == fx[i].addr);
    }
}

static void test_free_null(void **state)
{
    (void)state;
    ct_symtab_free(NULL);
    struct ct_symtab *t = ct_symtab_new();
    assert_non_null(t);
    ct_symtab_free(t); /* never used: nothing loaded */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_function),
        cmocka_unit_test(test_public_function),
        cmocka_unit_test(test_main),
        cmocka_unit_test(test_inside_function),
        cmocka_unit_test(test_other_file),
        cmocka_unit_test(test_unknown_address),
        cmocka_unit_test(test_same_pointer),
        cmocka_unit_test(test_many_addresses),
        cmocka_unit_test(test_shared_object),
        cmocka_unit_test(test_cxx_names),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* Keep last: everything below is "in" another file as far as DWARF knows. */
#line 7000 "symbols_line_fixture.c"
int symbols_line_fixture(int x)
{
    return x * x;
}
