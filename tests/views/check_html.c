/* html: the html view, rendered by headless Chromium.
 *
 *   check_html CHROMIUM FIB REGIONS NAMES THREADS MARKUP
 *
 * Each case runs a program with CALLTRACE_FORMAT=json,html, has Chromium load
 * the page (--dump-dom prints the DOM once the page's code has run) and holds
 * the DOM against the JSON trace of the same run: one lane per thread with
 * its name, one .box per call with the call's function in data-fn, the marks'
 * labels, the unfinished calls; #search=<text> in the URL marks exactly the
 * calls whose function holds the text. A trace of more calls than the page
 * puts in the DOM is drawn on one canvas per lane. Names and labels full of
 * markup come out as text, and the page's only script is its own. */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

#include "check_common.h"

static const char *g_chromium, *g_fib, *g_regions, *g_names, *g_threads, *g_markup;

/* ------------------------------------------------------------ running */


static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* `url` through headless Chromium with a fresh profile; returns the DOM.
 * The page's console goes to the log: an uncaught error fails the test. */
static char *dump_dom(const char *url)
{
    char profile[] = "/tmp/ct-html-test-XXXXXX", dom[4200], err[4200], dir_arg[64];
    assert_non_null(mkdtemp(profile));
    snprintf(dom, sizeof(dom), "%s.dom.html", g_trace);
    snprintf(err, sizeof(err), "%s.chromium.log", g_trace);
    snprintf(dir_arg, sizeof(dir_arg), "--user-data-dir=%s", profile);
    char *argv[] = {(char *)g_chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1200,800",
                    "--enable-logging=stderr", "--v=0", dir_arg, "--dump-dom", (char *)url, NULL};
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0); /* its own group: a timeout ends it and its helpers */
        int out = open(dom, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int log = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || log < 0)
            _exit(126);
        dup2(out, 1);
        dup2(log, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    struct timespec tick = {0, 20 * 1000 * 1000};
    for (int waited = 0;; waited++) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (waited == 60 * 50) { /* a minute */
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            fail_msg("chromium did not finish with %s in a minute", url);
        }
        nanosleep(&tick, NULL);
    }
    nftw(profile, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("chromium failed on %s (status %d), see %s", url, st, err);
    char *log = slurp(err);
    if (strstr(log, "Uncaught"))
        fail_msg("the page threw: see %s", err);
    free(log);
    return slurp(dom);
}

/* Runs `prog` with the json and html views, then loads its page with
 * `hash` (e.g. "#search=fib", or ""). Returns the JSON trace and the DOM. */
static cJSON *run_page(const char *prog, const char *const args[], const char *env,
                       const char *hash, char **dom)
{
    g_prog = prog;
    snprintf(g_trace, sizeof(g_trace), "%s.html_test.json", prog);
    char html[4200];
    snprintf(html, sizeof(html), "%s.html_test.html", prog);
    unlink(html);
    const char *envs[] = {"CALLTRACE_FORMAT=json,html", env, NULL};
    struct tu_run r;
    run_prog(&r, args, envs);
    assert_int_equal(r.status, 0);
    /* file://<path><hash>, the path's unusual bytes %-encoded */
    char url[16000];
    size_t n = (size_t)snprintf(url, sizeof(url), "file://");
    for (const unsigned char *p = (const unsigned char *)html; *p && n + 4 < sizeof(url); p++) {
        if (strchr("/._-~", *p) || (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
            url[n++] = (char)*p;
        else
            n += (size_t)snprintf(url + n, 4, "%%%02X", *p);
    }
    snprintf(url + n, sizeof(url) - n, "%s", hash);
    *dom = dump_dom(url);
    return load_valid();
}

/* ------------------------------------------------------------ the DOM */

/* The text of serialized HTML (text or attribute value) [s, end), unescaped. */
static char *unescape(const char *s, const char *end)
{
    static const struct {
        const char *ent, *ch;
    } ents[] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""},
                {"&#39;", "'"}, {"&nbsp;", "\xc2\xa0"}};
    char *out = malloc((size_t)(end - s) + 1), *o = out;
    assert_non_null(out);
    while (s < end) {
        size_t i = 0;
        for (; i < sizeof(ents) / sizeof(*ents); i++)
            if (strncmp(s, ents[i].ent, strlen(ents[i].ent)) == 0)
                break;
        if (i < sizeof(ents) / sizeof(*ents)) {
            o = stpcpy(o, ents[i].ch);
            s += strlen(ents[i].ent);
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

/* The value of attribute `name` in the tag starting at `tag`, or NULL. */
static char *attr(const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    char key[64];
    snprintf(key, sizeof(key), " %s=\"", name);
    const char *p = strstr(tag, key);
    if (!p || (end && p > end))
        return NULL;
    p += strlen(key);
    return unescape(p, strchr(p, '"'));
}

/* The text of the element whose tag starts at `tag` (no child elements). */
static char *text_of(const char *tag)
{
    const char *s = strchr(tag, '>') + 1;
    return unescape(s, strchr(s, '<'));
}

static bool has_class(const char *tag, const char *cls)
{
    char *v = attr(tag, "class");
    bool yes = false;
    if (!v)
        return false;
    for (char *save = NULL, *t = strtok_r(v, " ", &save); t && !yes; t = strtok_r(NULL, " ", &save))
        yes = strcmp(t, cls) == 0;
    free(v);
    return yes;
}

/* Occurrences of `needle` in [s, end). */
static size_t count_in(const char *s, const char *end, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) && p < end; p++)
        n++;
    return n;
}

/* One lane of the page. */
struct lane {
    const char *begin, *end; /* its part of the DOM */
    char *tid, *name;
    char **boxes;            /* data-fn of each .box, sorted */
    size_t nboxes, matches, unfinished;
    char **marks;            /* .mark-label texts, in order */
    size_t nmarks;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits the DOM into its lanes. */
static size_t lanes_of(const char *dom, struct lane *lanes, size_t cap)
{
    size_t n = 0;
    const char *p = strstr(dom, "<section class=\"lane\"");
    while (p && n < cap) {
        struct lane *l = &lanes[n++];
        memset(l, 0, sizeof(*l));
        l->begin = p;
        p = strstr(p + 1, "<section class=\"lane\"");
        l->end = p ? p : dom + strlen(dom);
        l->tid = attr(l->begin, "data-tid");
        const char *name = strstr(l->begin, "<span class=\"thread-name\">");
        assert_true(name && name < l->end);
        l->name = text_of(name);
        size_t nb = count_in(l->begin, l->end, "<div class=\"box");
        l->boxes = calloc(nb + 1, sizeof(char *));
        for (const char *b = l->begin; (b = strstr(b, "<div class=\"box")) && b < l->end; b++) {
            l->boxes[l->nboxes++] = attr(b, "data-fn");
            assert_non_null(l->boxes[l->nboxes - 1]);
            l->matches += has_class(b, "match");
            l->unfinished += has_class(b, "unfinished");
        }
        qsort(l->boxes, l->nboxes, sizeof(char *), cmp_str);
        size_t nm = count_in(l->begin, l->end, "<span class=\"mark-label\"");
        l->marks = calloc(nm + 1, sizeof(char *));
        for (const char *m = l->begin; (m = strstr(m, "<span class=\"mark-label\"")) && m < l->end; m++)
            l->marks[l->nmarks++] = text_of(m);
    }
    return n;
}

static void free_lanes(struct lane *lanes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < lanes[i].nboxes; k++)
            free(lanes[i].boxes[k]);
        for (size_t k = 0; k < lanes[i].nmarks; k++)
            free(lanes[i].marks[k]);
        free(lanes[i].boxes);
        free(lanes[i].marks);
        free(lanes[i].tid);
        free(lanes[i].name);
    }
}

/* ------------------------------------------------------------ the JSON side */

struct names {
    char **v;
    size_t n, cap;
    size_t unfinished, matching;
};

/* Every call's function under `nodes`; counts the unfinished ones and those
 * whose function holds `query` (any case). */
static void collect(const cJSON *nodes, const char *query, struct names *out)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes) {
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 64;
            out->v = realloc(out->v, out->cap * sizeof(char *));
            assert_non_null(out->v);
        }
        const char *fn = tu_str(n, "function");
        out->v[out->n++] = (char *)fn;
        out->unfinished += tu_true(n, "unfinished") ? 1 : 0;
        out->matching += query && strcasestr(fn, query) ? 1 : 0;
        collect(cJSON_GetObjectItemCaseSensitive(n, "children"), query, out);
    }
}

/* Each lane is the thread of the JSON trace with that tid: its name, the
 * marks in order and, with `boxes`, one box per call with the call's
 * function, `query`'s matches and the unfinished calls. Returns the matches
 * in all lanes. */
static size_t check_lanes(const cJSON *trace, const char *dom, const char *query, bool boxes)
{
    struct lane lanes[16];
    size_t n = lanes_of(dom, lanes, 16), matches = 0;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(trace, "metadata");
    assert_true((double)n == tu_num(m, "threads"));
    for (size_t i = 0; i < n; i++) {
        const cJSON *th = NULL, *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(trace, "call_trees"))
            if (tu_num(t, "thread_id") == strtod(lanes[i].tid, NULL))
                th = t;
        if (!th)
            fail_msg("lane %zu: thread %s is not in the trace", i, lanes[i].tid);
        assert_string_equal(lanes[i].name, tu_str(th, "name"));
        struct names calls = {0};
        collect(cJSON_GetObjectItemCaseSensitive(th, "root_calls"), query, &calls);
        assert_true((double)calls.n == tu_num(th, "calls"));
        assert_int_equal(lanes[i].nboxes, boxes ? calls.n : 0);
        qsort(calls.v, calls.n, sizeof(char *), cmp_str);
        for (size_t k = 0; k < lanes[i].nboxes; k++)
            assert_string_equal(lanes[i].boxes[k], calls.v[k]);
        assert_int_equal(lanes[i].matches, query && boxes ? calls.matching : 0);
        assert_int_equal(lanes[i].unfinished, boxes ? calls.unfinished : 0);
        matches += lanes[i].matches;
        const cJSON *marks = cJSON_GetObjectItemCaseSensitive(th, "marks");
        assert_int_equal(lanes[i].nmarks, (size_t)cJSON_GetArraySize(marks));
        for (size_t k = 0; k < lanes[i].nmarks; k++)
            assert_string_equal(lanes[i].marks[k], tu_str(cJSON_GetArrayItem(marks, (int)k), "label"));
        free(calls.v);
    }
    free_lanes(lanes, n);
    return matches;
}

/* What every page shows: its code is its only script (the data blocks are
 * read and removed), the title names the program, the chart's mode. */
static void check_page(const cJSON *trace, const char *dom, const char *mode)
{
    assert_int_equal(count_in(dom, dom + strlen(dom), "<script"), 1);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(trace, "metadata");
    const char *exe = tu_str(m, "executable"), *slash = strrchr(exe, '/');
    char want[4200];
    snprintf(want, sizeof(want), "<title>calltrace: %s</title>", slash ? slash + 1 : exe);
    assert_non_null(strstr(dom, want));
    const char *body = strstr(dom, "<body");
    assert_non_null(body);
    assert_true(has_class(body, mode));
}

/* ------------------------------------------------------------ the cases */

/* fib(10): 178 calls, one box each; #search=fib marks the 177 fib calls. */
static void fib_boxes_and_search(void **state)
{
    (void)state;
    const char *args[] = {"10", NULL};
    char *dom;
    cJSON *t = run_page(g_fib, args, NULL, "#search=fib", &dom);
    check_page(t, dom, "dom");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(t, "metadata");
    assert_true(tu_num(m, "total_calls") == 178);
    assert_true((double)count_in(dom, dom + strlen(dom), "<div class=\"box") == 178);
    assert_int_equal(check_lanes(t, dom, "fib", true), 177);
    assert_non_null(strstr(dom, ">177 matching calls (1 function)<"));
    assert_true(has_class(strstr(dom, "<body"), "searching"));
    free(dom);
    cJSON_Delete(t);
}

/* Regions: marks on their lane, unfinished calls, no search. */
static void regions_marks(void **state)
{
    (void)state;
    char *dom;
    cJSON *t = run_page(g_regions, NULL, "CALLTRACE_START=0", "", &dom);
    check_page(t, dom, "dom");
    assert_false(has_class(strstr(dom, "<body"), "searching"));
    check_lanes(t, dom, NULL, true);
    const char *end = dom + strlen(dom);
    assert_int_equal(count_in(dom, end, "<span class=\"mark-label\""), 2); /* in-a, after-a */
    assert_int_equal(count_in(dom, end, "<div class=\"box unfinished\""), 2);
    free(dom);
    cJSON_Delete(t);
}

/* C++ names with '<', '>' and '&' as text; a search for "<" finds them. */
static void cxx_names(void **state)
{
    (void)state;
    char *dom;
    cJSON *t = run_page(g_names, NULL, NULL, "#search=%3C", &dom);
    check_page(t, dom, "dom");
    assert_true(check_lanes(t, dom, "<", true) > 0);
    free(dom);
    cJSON_Delete(t);
}

/* 400016 calls: one canvas per lane instead of boxes; every thread named. */
static void threads_on_canvas(void **state)
{
    (void)state;
    char *dom;
    cJSON *t = run_page(g_threads, NULL, NULL, "", &dom);
    check_page(t, dom, "canvas");
    const char *end = dom + strlen(dom);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(t, "metadata");
    assert_int_equal(count_in(dom, end, "<div class=\"box"), 0);
    assert_true((double)count_in(dom, end, "<canvas class=\"chart-canvas\"") == tu_num(m, "threads"));
    check_lanes(t, dom, NULL, false);
    free(dom);
    cJSON_Delete(t);
}

/* Markup in a thread name and in mark labels stays text; the raw file has
 * exactly its own script elements and no comment. */
static void markup_is_text(void **state)
{
    (void)state;
    char *dom;
    cJSON *t = run_page(g_markup, NULL, NULL, "", &dom);
    check_page(t, dom, "dom");
    check_lanes(t, dom, NULL, true);
    assert_null(strstr(dom, "<img")); /* and the title is not 'pwned' (check_page) */
    char html[4200];
    snprintf(html, sizeof(html), "%s.html_test.html", g_markup);
    char *raw = slurp(html);
    const char *end = raw + strlen(raw);
    assert_int_equal(count_in(raw, end, "<script"), 4); /* meta, one thread, functions, code */
    assert_int_equal(count_in(raw, end, "</script"), 4);
    assert_null(strstr(raw, "</SCRIPT"));
    assert_null(strstr(raw, "<!--"));
    free(raw);
    free(dom);
    cJSON_Delete(t);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: %s CHROMIUM FIB REGIONS NAMES THREADS MARKUP\n", argv[0]);
        return 2;
    }
    g_chromium = argv[1];
    g_fib = argv[2];
    g_regions = argv[3];
    g_names = argv[4];
    g_threads = argv[5];
    g_markup = argv[6];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fib_boxes_and_search), cmocka_unit_test(regions_marks),
        cmocka_unit_test(cxx_names),            cmocka_unit_test(threads_on_canvas),
        cmocka_unit_test(markup_is_text),
    };
    return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
