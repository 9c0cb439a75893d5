/* fallback (progs/robust_syms.c): binaries whose debug info is missing or
 * broken. argv[2] is the variant:
 *   g0         compiled with -g0 after calltrace's -g: no DWARF for the
 *              program (the runtime's own may be there)
 *   stripped   strip --strip-all: no DWARF, no .symtab; .dynsym remains
 *              (-rdynamic exports the global functions)
 *   badinfo    .debug_info overwritten with text
 *   badabbrev  .debug_abbrev overwritten with text
 * What the symbolizer promises (runtime/symbols/): DWARF first, then the
 * ELF symbol table (.symtab, else .dynsym), then dladdr(), then "0x<hex>";
 * without DWARF a node's file is "??" and its line 0. The program runs as
 * usual, the trace is valid, and one "calltrace:" line says why the files
 * and lines are missing. */
#include "check_common.h"

static const char *g_variant = "";

static void check_node(const cJSON *n, const char *want_name)
{
    const char *fn = tu_str(n, "function"), *addr = tu_str(n, "address");
    if (want_name)
        assert_string_equal(fn, want_name);
    else /* no symbol anywhere: named by its address */
        assert_string_equal(fn, addr);
    assert_string_equal(tu_str(n, "file"), "??");
    assert_int_equal((int)tu_num(n, "line"), 0);
}

static void runs_and_names_what_it_can(void **state)
{
    (void)state;
    struct tu_run r;
    run_prog(&r, NULL, NULL);
    if (r.status != 5)
        fail_msg("%s: exit status %d; stderr: %s", g_variant, r.status, r.err);
    assert_string_equal(r.out, "sum=10\n");
    /* one line, naming the executable */
    const char *nl = strchr(r.err, '\n');
    if (!nl || nl[1] != '\0' || strncmp(r.err, "calltrace: ", 11) != 0)
        fail_msg("%s: want one calltrace line on stderr, got '%s'", g_variant, r.err);
    const char *base = strrchr(g_prog, '/') ? strrchr(g_prog, '/') + 1 : g_prog;
    assert_non_null(strstr(r.err, base));
    assert_non_null(strstr(r.err, "has no DWARF"));
    assert_true(nl - r.err < 300);

    cJSON *t = load_valid();
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal((int)tu_num(m, "total_calls"), 1 + 1 + 4 + 4);
    cJSON *roots = cJSON_GetObjectItem(tu_main_thread(t), "root_calls");
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    /* main > visible_outer > 4 x (visible_leaf > hidden_helper) */
    cJSON *mn = roots->child;
    check_node(mn, "main");
    cJSON *outer = cJSON_GetObjectItem(mn, "children")->child;
    assert_non_null(outer);
    check_node(outer, "visible_outer");
    cJSON *kids = cJSON_GetObjectItem(outer, "children");
    assert_int_equal(cJSON_GetArraySize(kids), 4);
    /* the static function is only in .symtab: named there, by address when
     * that is stripped too (dladdr sees only .dynsym) */
    int stripped = strcmp(g_variant, "stripped") == 0;
    const char *hidden_addr = NULL;
    const cJSON *leaf;
    cJSON_ArrayForEach(leaf, kids) {
        check_node(leaf, "visible_leaf");
        const cJSON *inner = cJSON_GetObjectItem(leaf, "children");
        assert_int_equal(cJSON_GetArraySize(inner), 1);
        check_node(inner->child, stripped ? NULL : "hidden_helper");
        /* the same function each time, by the same name */
        if (!hidden_addr)
            hidden_addr = tu_str(inner->child, "address");
        assert_string_equal(tu_str(inner->child, "address"), hidden_addr);
    }
    cJSON_Delete(t);
}

/* The same with other views: each of them names the functions the same
 * way, and the line is still said once. */
static void other_views_too(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_FORMAT=json,text,folded,summary,chrome", NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 5);
    assert_string_equal(r.out, "sum=10\n");
    int lines = 0;
    for (const char *p = r.err; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1);
    cJSON_Delete(load_valid());
    char path[4200];
    snprintf(path, sizeof(path), "%.*s.folded", (int)(strlen(g_trace) - 5), g_trace);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    int seen = 0;
    while (fgets(line, sizeof(line), f))
        /* each stack starts with its thread's frame, "name [tid]" */
        seen += strstr(line, "];main;visible_outer;visible_leaf ") != NULL;
    fclose(f);
    assert_true(seen >= 1);
}

int main(int argc, char **argv)
{
    if (argc > 2)
        g_variant = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_and_names_what_it_can),
        cmocka_unit_test(other_views_too),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "fallback");
}
