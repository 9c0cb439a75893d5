/* formats: every view (chrome, folded, text, summary) written from the same
 * events as the JSON trace says the same thing.
 *
 *   check_formats FIB REGIONS THREADS
 *
 * The JSON trace of the same run is the reference: chrome's complete events
 * are its calls in closing order with the same times, folded's weights are
 * its self times per stack, the text view is its tree line by line, the
 * summary's numbers are its sums. */
#include <ctype.h>
#include <math.h>

#include "check_common.h"

static const char *g_fib, *g_regions, *g_threads;

/* g_trace with its ".json" replaced by `ext` (two buffers in turn). */
static const char *path_of(const char *ext)
{
    static char buf[2][4200];
    static int k;
    k ^= 1;
    size_t len = strlen(g_trace) - strlen(".json");
    snprintf(buf[k], sizeof(buf[k]), "%.*s%s", (int)len, g_trace, ext);
    return buf[k];
}

static const char *const g_exts[] = {".json", ".chrome.json", ".folded", ".txt", ".summary.txt"};

/* Runs `prog` with `args` and CALLTRACE_FORMAT=`formats` plus `more` env. */
static void run_formats(struct tu_run *r, const char *prog, const char *const args[],
                        const char *formats, const char *more)
{
    g_prog = prog;
    snprintf(g_trace, sizeof(g_trace), "%s.formats.json", prog);
    for (size_t i = 0; i < sizeof(g_exts) / sizeof(*g_exts); i++)
        unlink(path_of(g_exts[i]));
    char fmt[256];
    snprintf(fmt, sizeof(fmt), "CALLTRACE_FORMAT=%s", formats);
    const char *env[] = {fmt, "CALLTRACE_SUMMARY", more, NULL};
    run_prog(r, args, env);
    assert_int_equal(r->status, 0);
}


/* Splits `text` into lines in place; returns how many. */
static size_t split_lines(char *text, char **lines, size_t cap)
{
    size_t n = 0;
    for (char *p = text; *p && n < cap;) {
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ------------------------------------------------------------ the JSON side */

struct jcall {
    const cJSON *node;
    const char *fn;
    double start, dur, self;
    int depth;
    char path[256]; /* "main;fib;fib" */
};

struct jcalls {
    struct jcall *c;
    size_t n, cap;
};

/* The calls under `nodes` in closing order (children first). */
static void collect(const cJSON *nodes, int depth, const char *prefix, struct jcalls *out)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes) {
        char path[256];
        int len = snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? ";" : "",
                           tu_str(n, "function"));
        assert_true(len >= 0 && (size_t)len < sizeof(path)); /* the trees here are shallow */
        const cJSON *kids = cJSON_GetObjectItemCaseSensitive(n, "children");
        collect(kids, depth + 1, path, out);
        double child = 0;
        const cJSON *k;
        cJSON_ArrayForEach(k, kids)
            child += tu_num(k, "duration_ns");
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 64;
            out->c = realloc(out->c, out->cap * sizeof(*out->c));
            assert_non_null(out->c);
        }
        struct jcall *c = &out->c[out->n++];
        c->node = n;
        c->fn = tu_str(n, "function");
        c->start = tu_num(n, "start_ns");
        c->dur = tu_num(n, "duration_ns");
        c->self = c->dur - child;
        c->depth = depth;
        snprintf(c->path, sizeof(c->path), "%s", path);
    }
}

/* No caller of c is a call of c's function ("main;fib;fib": the inner fib
 * is not outermost). */
static int outermost(const struct jcall *c)
{
    size_t k = strlen(c->fn);
    const char *end = strrchr(c->path, ';');
    for (const char *p = c->path; end && p < end;) {
        const char *q = strchr(p, ';');
        if ((size_t)(q - p) == k && strncmp(p, c->fn, k) == 0)
            return 0;
        p = q + 1;
    }
    return 1;
}

static struct jcalls thread_calls(const cJSON *th)
{
    struct jcalls out = {0};
    collect(cJSON_GetObjectItemCaseSensitive(th, "root_calls"), 0, "", &out);
    return out;
}

/* ------------------------------------------------------------ chrome */

static const cJSON *event_arg(const cJSON *ev, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "args"), key);
}

/* Chrome and JSON agree: per thread the X events are the JSON calls in
 * closing order, same name, start, duration, file, line and flags; marks
 * are thread-scoped instant events; metadata events name the process and
 * every thread. */
static void check_chrome(const cJSON *trace)
{
    cJSON *c = tu_load(path_of(".chrome.json"));
    assert_non_null(c);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(trace, "metadata");
    double pid = tu_num(m, "pid");
    assert_string_equal(tu_str(c, "displayTimeUnit"), "ns");
    const cJSON *other = cJSON_GetObjectItemCaseSensitive(c, "otherData");
    assert_true(tu_num(other, "total_calls") == tu_num(m, "total_calls"));
    assert_string_equal(tu_str(other, "executable"), tu_str(m, "executable"));
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(c, "traceEvents");
    assert_true(cJSON_IsArray(events));
    size_t xs = 0, process_names = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events) {
        assert_true(tu_num(ev, "pid") == pid);
        assert_true(tu_num(ev, "tid") > 0);
        const char *ph = tu_str(ev, "ph");
        assert_non_null(ph);
        xs += strcmp(ph, "X") == 0;
        if (strcmp(ph, "M") == 0 && strcmp(tu_str(ev, "name"), "process_name") == 0) {
            process_names++;
            assert_string_equal(tu_str(cJSON_GetObjectItem(ev, "args"), "name"),
                                base_name(tu_str(m, "executable")));
        }
    }
    assert_int_equal(process_names, 1);
    assert_true((double)xs == tu_num(m, "total_calls"));

    const cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(trace, "call_trees")) {
        double tid = tu_num(th, "thread_id");
        struct jcalls calls = thread_calls(th);
        const cJSON *marks = cJSON_GetObjectItemCaseSensitive(th, "marks");
        size_t xi = 0, mi = 0, names = 0;
        cJSON_ArrayForEach(ev, events) {
            if (tu_num(ev, "tid") != tid)
                continue;
            const char *ph = tu_str(ev, "ph");
            if (strcmp(ph, "M") == 0 && strcmp(tu_str(ev, "name"), "thread_name") == 0) {
                names++;
                assert_string_equal(tu_str(cJSON_GetObjectItem(ev, "args"), "name"),
                                    tu_str(th, "name"));
            } else if (strcmp(ph, "X") == 0) {
                assert_true(xi < calls.n);
                const struct jcall *j = &calls.c[xi++];
                assert_string_equal(tu_str(ev, "name"), j->fn);
                /* microseconds with the nanoseconds as decimals: exact */
                assert_true(fabs(tu_num(ev, "ts") * 1000 - j->start) < 0.5);
                assert_true(fabs(tu_num(ev, "dur") * 1000 - j->dur) < 0.5);
                assert_string_equal(cJSON_GetStringValue(event_arg(ev, "file")),
                                    base_name(tu_str(j->node, "file")));
                assert_true(cJSON_GetNumberValue(event_arg(ev, "line")) ==
                            tu_num(j->node, "line"));
                assert_int_equal(cJSON_IsTrue(event_arg(ev, "unfinished")),
                                 tu_true(j->node, "unfinished"));
                assert_int_equal(cJSON_IsTrue(event_arg(ev, "unwound")),
                                 tu_true(j->node, "unwound"));
            } else if (strcmp(ph, "i") == 0) {
                const cJSON *jm = cJSON_GetArrayItem(marks, (int)mi++);
                assert_non_null(jm);
                assert_string_equal(tu_str(ev, "s"), "t");
                assert_string_equal(tu_str(ev, "name"), tu_str(jm, "label"));
                assert_true(fabs(tu_num(ev, "ts") * 1000 - tu_num(jm, "timestamp_ns")) < 0.5);
            }
        }
        assert_int_equal(names, 1);
        assert_int_equal(xi, calls.n);
        assert_int_equal(mi, (size_t)cJSON_GetArraySize(marks));
        free(calls.c);
    }
    cJSON_Delete(c);
}

/* ------------------------------------------------------------ folded */

/* Folded and JSON agree: one line per distinct stack, each weighing the
 * self time of its calls, each starting with its thread's frame
 * "name [tid]". Returns the lines. */
static size_t check_folded(const cJSON *trace, char **lines, size_t cap, char **text)
{
    *text = slurp(path_of(".folded"));
    size_t n = split_lines(*text, lines, cap);
    if (n && !*lines[n - 1])
        n--; /* after the last newline */
    /* the JSON's self time per stack */
    struct {
        const char *path;
        double self;
    } want[256];
    size_t nw = 0;
    struct jcalls all[64];
    size_t nt = 0;
    const cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(trace, "call_trees")) {
        assert_true(nt < 64);
        all[nt] = thread_calls(th);
        for (size_t i = 0; i < all[nt].n; i++) {
            char full[1024];
            snprintf(full, sizeof(full), "%s [%.0f];%s", tu_str(th, "name"), tu_num(th, "thread_id"),
                     all[nt].c[i].path);
            size_t k = 0;
            while (k < nw && strcmp(want[k].path, full) != 0)
                k++;
            if (k == nw) {
                assert_true(nw < 256);
                want[nw].path = strdup(full);
                want[nw++].self = 0;
            }
            want[k].self += all[nt].c[i].self;
        }
        nt++;
    }
    /* the marks come last, as weight-0 lines "<stack>;[mark] <label> 0" made
     * in their innermost call (or in the thread's frame at the root) */
    size_t nmarks = 0;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(trace, "call_trees"))
        nmarks += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(th, "marks"));
    assert_true(nmarks <= n);
    size_t first_mark = n - nmarks, mi = 0;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(trace, "call_trees")) {
        const cJSON *mk;
        cJSON_ArrayForEach(mk, cJSON_GetObjectItemCaseSensitive(th, "marks")) {
            char want_tail[512], frame[160];
            const char *fn = tu_str(mk, "function");
            snprintf(frame, sizeof(frame), "%s [%.0f]", tu_str(th, "name"), tu_num(th, "thread_id"));
            snprintf(want_tail, sizeof(want_tail), "%s;[mark] %s 0", fn ? fn : frame,
                     tu_str(mk, "label"));
            const char *line = lines[first_mark + mi++];
            size_t ll = strlen(line), tl = strlen(want_tail);
            if (ll < tl || strcmp(line + ll - tl, want_tail) != 0 ||
                strncmp(line, frame, strlen(frame)) != 0)
                fail_msg("folded mark line '%s', want '%s...%s'", line, frame, want_tail);
        }
    }
    n = first_mark;
    assert_int_equal(n, nw);
    for (size_t i = 0; i < n; i++) {
        char *sp = strrchr(lines[i], ' ');
        assert_non_null(sp);
        char *end;
        double w = strtod(sp + 1, &end);
        assert_true(*end == '\0' && end > sp + 1);
        size_t k = 0;
        while (k < nw && (strlen(want[k].path) != (size_t)(sp - lines[i]) ||
                          strncmp(want[k].path, lines[i], (size_t)(sp - lines[i])) != 0))
            k++;
        if (k == nw)
            fail_msg("folded stack '%s' is not in the JSON trace", lines[i]);
        if (w != want[k].self)
            fail_msg("folded '%s': JSON self time %.0f", lines[i], want[k].self);
    }
    for (size_t t = 0; t < nt; t++)
        free(all[t].c);
    for (size_t k = 0; k < nw; k++)
        free((char *)want[k].path);
    return n;
}

/* ------------------------------------------------------------ text */

/* A duration column: "  1.234 us"; its value in ns and the size of its
 * last digit. Returns 0 if `s` is not one. */
static int parse_dur(const char *s, double *ns, double *ulp)
{
    double v;
    char unit[3] = "";
    int len = 0;
    if (sscanf(s, "%lf %2c%n", &v, unit, &len) != 2)
        return 0;
    const char *dot = strchr(s, '.');
    if (!dot || !isdigit((unsigned char)dot[3]) || dot[4] != ' ')
        return 0;
    double scale = strcmp(unit, "us") == 0 ? 1e3 : strcmp(unit, "ms") == 0 ? 1e6 : 0;
    if (unit[0] == 's' || (unit[0] == ' ' && unit[1] == 's'))
        scale = 1e9;
    if (strcmp(unit, " s") != 0 && unit[0] == ' ')
        return 0;
    if (!scale)
        return 0;
    *ns = v * scale;
    *ulp = scale / 1000;
    return len;
}

/* `shown` is `ns` truncated to its last digit. */
static void assert_shown(double shown, double ulp, double ns, const char *what)
{
    if (!(shown <= ns + 1e-6 * ulp && ns - shown < ulp * (1 + 1e-9)))
        fail_msg("%s: shown %.3f ns, the JSON says %.0f ns", what, shown, ns);
}

/* The lines of one thread's block of the text view; "D" at the start
 * stands for the duration column. */
static void check_text(const cJSON *trace, const char *const *expect, size_t nexpect)
{
    char *text = slurp(path_of(".txt"));
    assert_true(*text && text[strlen(text) - 1] == '\n');
    char *lines[256];
    size_t n = split_lines(text, lines, 256);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(trace, "metadata");
    const cJSON *th = tu_main_thread(trace);
    char want[4400];
    snprintf(want, sizeof(want), "# calltrace %s text view of %s (pid %.0f): %.0f call%s, 1 thread, complete",
             tu_str(m, "version"), tu_str(m, "executable"), tu_num(m, "pid"),
             tu_num(m, "total_calls"), tu_num(m, "total_calls") == 1 ? "" : "s");
    assert_string_equal(lines[0], want);
    assert_string_equal(lines[1], "");
    snprintf(want, sizeof(want), "# thread %.0f \"%s\": %.0f calls", tu_num(th, "thread_id"),
             tu_str(th, "name"), tu_num(th, "calls"));
    assert_string_equal(lines[2], want);
    assert_int_equal(n, 3 + nexpect);
    struct jcalls calls = thread_calls(th);
    size_t closes = 0;
    for (size_t i = 0; i < nexpect; i++) {
        const char *line = lines[3 + i], *e = expect[i];
        if (e[0] != 'D') {
            assert_string_equal(line, e);
            continue;
        }
        double ns, ulp;
        if (line[0] != ' ' || parse_dur(line + 1, &ns, &ulp) != 10)
            fail_msg("line %zu: '%s' has no duration column", i + 4, line);
        assert_string_equal(line + 11, e + 1);
        assert_true(closes < calls.n);
        assert_shown(ns, ulp, calls.c[closes++].dur, line);
    }
    assert_int_equal(closes, calls.n);
    free(calls.c);
    free(text);
}

/* ------------------------------------------------------------ summary */

struct fstat {
    const char *fn;
    double calls, total, self, min, max;
    double sum, sum2; /* for mean and sigma */
};

static struct fstat *fstat_of(struct fstat *s, size_t *n, const char *fn)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(s[i].fn, fn) == 0)
            return &s[i];
    s[*n] = (struct fstat){.fn = fn, .min = 1e300};
    return &s[(*n)++];
}

/* ": main > parse > read_line" for "main;parse;read_line". */
static void arrow_path(const char *folded, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, ": ");
    for (const char *s = folded; *s && n + 4 < cap; s++) {
        if (*s == ';') {
            memcpy(out + n, " > ", 3);
            n += 3;
        } else {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
}

/* Reads "  <dur>" at *p, checks it shows `ns`, moves past it. */
static void expect_dur(const char **p, double ns, const char *what)
{
    double shown, ulp;
    while (**p == ' ')
        (*p)++;
    int len = parse_dur(*p, &shown, &ulp);
    if (!len)
        fail_msg("%s: no duration at '%s'", what, *p);
    assert_shown(shown, ulp, ns, what);
    *p += len;
}

/* Summary and JSON agree: calls, total, self, average, min and max per
 * function, by self time; calls, root time and marks per thread; the
 * outliers are the slowest calls beyond mean + 3 sigma. `text` is the
 * summary (the file, or stderr). */
static void check_summary(const cJSON *trace, char *text)
{
    char *lines[512];
    size_t n = split_lines(text, lines, 512);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(trace, "metadata");
    char want[4400];
    snprintf(want, sizeof(want), "# calltrace %s summary of %s (pid %.0f): ", tu_str(m, "version"),
             tu_str(m, "executable"), tu_num(m, "pid"));
    assert_memory_equal(lines[0], want, strlen(want));

    struct fstat fs[64];
    size_t nf = 0;
    struct jcalls all[64];
    size_t nt = 0;
    const cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(trace, "call_trees")) {
        all[nt] = thread_calls(th);
        for (size_t i = 0; i < all[nt].n; i++) {
            const struct jcall *c = &all[nt].c[i];
            struct fstat *f = fstat_of(fs, &nf, c->fn);
            f->calls++;
            if (outermost(c)) /* a recursive function's time counts once */
                f->total += c->dur;
            f->self += c->self;
            f->min = c->dur < f->min ? c->dur : f->min;
            f->max = c->dur > f->max ? c->dur : f->max;
            f->sum += c->dur;
            f->sum2 += c->dur * c->dur;
        }
        nt++;
    }

    size_t i = 1;
    while (i < n && strcmp(lines[i], "Functions, by self time:") != 0)
        i++;
    assert_true(i + 1 < n);
    i += 2; /* the column titles */
    double last_self = 1e300;
    size_t rows = 0;
    for (; i < n && lines[i][0]; i++, rows++) {
        const char *p = lines[i];
        char *end;
        double calls = strtod(p, &end);
        p = end;
        const char *name = strrchr(p, ' ') + 1; /* our programs' names have no spaces */
        const struct fstat *f = fstat_of(fs, &nf, name);
        assert_true(f->calls == calls);
        expect_dur(&p, f->total, "total");
        expect_dur(&p, f->self, "self");
        double avg = f->sum / f->calls, shown, ulp;
        while (*p == ' ')
            p++;
        int len = parse_dur(p, &shown, &ulp);
        assert_true(len > 0 && fabs(shown - avg) <= ulp + 0.5);
        p += len;
        expect_dur(&p, f->min, "min");
        expect_dur(&p, f->max, "max");
        assert_true(f->self <= last_self);
        last_self = f->self;
    }
    assert_int_equal(rows, nf);

    assert_string_equal(lines[++i], "Threads:");
    i += 2;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(trace, "call_trees")) {
        const char *p = lines[i++];
        char key[64], name[64];
        double calls, marks;
        int len = 0;
        assert_int_equal(sscanf(p, "%63s %lf%n", key, &calls, &len), 2);
        assert_string_equal(key, th->string);
        assert_true(calls == tu_num(th, "calls"));
        p += len;
        double root = 0;
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(th, "root_calls"))
            root += tu_num(r, "duration_ns");
        expect_dur(&p, root, "root time");
        assert_int_equal(sscanf(p, "%lf %63[^\n]", &marks, name), 2);
        assert_true(marks == cJSON_GetArraySize(cJSON_GetObjectItem(th, "marks")));
        assert_string_equal(name, tu_str(th, "name"));
    }
    assert_string_equal(lines[i++], "");

    /* marks: "  at <time>  thread <key>  in <fn>: <label>" (or "at the root"), in
     * thread order then time order, as the JSON lists them */
    if (strcmp(lines[i], "Marks:") == 0) {
        i++;
        cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(trace, "call_trees")) {
            const cJSON *mk;
            cJSON_ArrayForEach(mk, cJSON_GetObjectItemCaseSensitive(th, "marks")) {
                const char *p = lines[i++];
                assert_memory_equal(p, "  at ", 5);
                p += 5;
                expect_dur(&p, tu_num(mk, "timestamp_ns"), "mark time");
                char line_want[512];
                const char *fn = tu_str(mk, "function");
                snprintf(line_want, sizeof(line_want), "thread %s  %s%s: %s", th->string,
                         fn ? "in " : "at the root", fn ? fn : "", tu_str(mk, "label"));
                while (*p == ' ')
                    p++;
                assert_string_equal(p, line_want);
            }
        }
        assert_string_equal(lines[i++], "");
    } else {
        cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(trace, "call_trees"))
            assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(th, "marks")), 0);
    }

    /* outliers: blocks "  <fn>: mean ..." of lines "   <dur>  thread ...: <path>" */
    assert_memory_equal(lines[i], "Outliers", 8);
    size_t shown[64] = {0};
    for (i++; i < n && lines[i][0]; i++) {
        if (strcmp(lines[i], "  none") == 0)
            continue;
        char *colon = strstr(lines[i], ": mean ");
        assert_true(colon && lines[i][2] != ' ');
        *colon = '\0';
        size_t k = (size_t)(fstat_of(fs, &nf, lines[i] + 2) - fs);
        for (; i + 1 < n && strncmp(lines[i + 1], "   ", 3) == 0; i++) {
            const char *p = lines[i + 1];
            double dur, ulp;
            while (*p == ' ')
                p++;
            assert_true(parse_dur(p, &dur, &ulp) > 0);
            /* one of f's calls that long, with that path */
            int found = 0;
            for (size_t t = 0; t < nt && !found; t++)
                for (size_t c = 0; c < all[t].n && !found; c++) {
                    const struct jcall *j = &all[t].c[c];
                    if (strcmp(j->fn, fs[k].fn) != 0 || dur > j->dur + 1e-6 ||
                        j->dur - dur >= ulp * (1 + 1e-9))
                        continue;
                    char path[512];
                    arrow_path(j->path, path, sizeof(path));
                    found = strcmp(p + strlen(p) - strlen(path), path) == 0;
                }
            if (!found)
                fail_msg("outlier '%s' is none of %s's calls", lines[i + 1], fs[k].fn);
            shown[k]++;
        }
    }
    /* per function with >= 10 calls, those of its 8 slowest calls beyond
     * mean + 3 sigma (a call within a hair of the limit may go either way) */
    for (size_t k = 0; k < nf; k++) {
        const struct fstat *f = &fs[k];
        double durs[8];
        size_t ntop = 0;
        for (size_t t = 0; t < nt; t++)
            for (size_t c = 0; c < all[t].n; c++) {
                if (strcmp(all[t].c[c].fn, f->fn) != 0)
                    continue;
                double d = all[t].c[c].dur;
                size_t at = ntop < 8 ? ntop++ : 8;
                for (; at > 0 && durs[at - 1] < d; at--)
                    if (at < 8)
                        durs[at] = durs[at - 1];
                if (at < 8)
                    durs[at] = d;
            }
        size_t must = 0, may = 0;
        if (f->calls >= 10) {
            double mean = f->sum / f->calls;
            double sigma = sqrt(fmax(0, f->sum2 / f->calls - mean * mean));
            double limit = mean + 3 * sigma, slack = 1e-6 * limit + 1;
            for (size_t t = 0; t < ntop; t++) {
                must += durs[t] > limit + slack;
                may += durs[t] > limit - slack;
            }
        }
        if (shown[k] < must || shown[k] > may)
            fail_msg("%s: %zu outliers listed, expected %zu to %zu", f->fn, shown[k], must, may);
    }
    for (size_t t = 0; t < nt; t++)
        free(all[t].c);
}

/* ------------------------------------------------------------ the tests */

/* The text view's lines of fib(n) called at `depth`: leaves on one line. */
static void fib_text(int n, int depth, char (*lines)[64], size_t *k)
{
    int ind = 2 * depth;
    if (n < 2) {
        snprintf(lines[(*k)++], 64, "D | %*sfib();", ind, "");
        return;
    }
    snprintf(lines[(*k)++], 64, "            | %*sfib() {", ind, "");
    fib_text(n - 1, depth + 1, lines, k);
    fib_text(n - 2, depth + 1, lines, k);
    snprintf(lines[(*k)++], 64, "D | %*s} /* fib */", ind, "");
}

static void fib_views_agree(void **state)
{
    (void)state;
    struct tu_run r;
    run_formats(&r, g_fib, NULL, "json,chrome,folded,text,summary", NULL);
    assert_string_equal(r.err, "");
    cJSON *t = load_valid();
    check_chrome(t);

    char *lines[64], *text;
    size_t n = check_folded(t, lines, 64, &text);
    /* exactly fib(5)'s stacks under its thread, in the order they first appear */
    const char *stacks[] = {"main", "main;fib", "main;fib;fib", "main;fib;fib;fib",
                            "main;fib;fib;fib;fib", "main;fib;fib;fib;fib;fib"};
    assert_int_equal(n, 6);
    double sum = 0;
    const cJSON *fib_thread = tu_main_thread(t);
    for (size_t i = 0; i < n; i++) {
        char *sp = strrchr(lines[i], ' ');
        *sp = '\0';
        char want_stack[256];
        snprintf(want_stack, sizeof(want_stack), "%s [%.0f];%s", tu_str(fib_thread, "name"),
                 tu_num(fib_thread, "thread_id"), stacks[i]);
        assert_string_equal(lines[i], want_stack);
        sum += strtod(sp + 1, NULL);
    }
    const cJSON *main_node = cJSON_GetArrayItem(
        cJSON_GetObjectItem(tu_main_thread(t), "root_calls"), 0);
    assert_true(sum == tu_num(main_node, "duration_ns"));
    free(text);

    char want[64][64] = {"#  DURATION | FUNCTION", "            | main() {"};
    size_t k = 2;
    fib_text(5, 1, want, &k);
    snprintf(want[k++], 64, "D | } /* main */");
    const char *expect[64];
    for (size_t i = 0; i < k; i++)
        expect[i] = want[i];
    check_text(t, expect, k);
    char *sum_text = slurp(path_of(".summary.txt"));
    check_summary(t, sum_text);
    free(sum_text);
    cJSON_Delete(t);
}

static const char *const regions_text[] = {
    "#  DURATION | FUNCTION",
    "            | inside_a() {",
    "D |   leaf();",
    "            |   /* mark: in-a */",
    "D | } /* inside_a */",
    "            | /* mark: after-a */",
    "            | inside_b() {",
    "D |   leaf();",
    "D |   copy_file();",
    "D | } /* inside_b */",
    "            | deep_stop() {",
    "D |   stopper(); [unfinished]",
    "D | } /* deep_stop */ [unfinished]",
    "            | later() {",
    "D |   leaf();",
    "D | } /* later */",
    "# 2 unfinished, 0 unwound, 0 exits without their entry",
};

/* Regions: marks, unfinished calls, calls outside the regions left out. */
static void regions_views_agree(void **state)
{
    (void)state;
    struct tu_run r;
    run_formats(&r, g_regions, NULL, "json,chrome,folded,text,summary", "CALLTRACE_START=0");
    cJSON *t = load_valid();
    check_chrome(t);
    char *lines[64], *text;
    assert_int_equal(check_folded(t, lines, 64, &text), 9); /* stacks, marks apart */
    free(text);
    check_text(t, regions_text, sizeof(regions_text) / sizeof(*regions_text));
    char *sum_text = slurp(path_of(".summary.txt"));
    check_summary(t, sum_text);
    free(sum_text);
    cJSON_Delete(t);
}

/* The outliers of a function with many calls (fib(12): 465 calls). */
static void summary_outliers(void **state)
{
    (void)state;
    struct tu_run r;
    const char *args[] = {"12", NULL};
    run_formats(&r, g_fib, args, "json,summary", NULL);
    cJSON *t = load_valid();
    char *text = slurp(path_of(".summary.txt"));
    assert_non_null(strstr(text, "\n  fib: mean "));
    assert_non_null(strstr(text, ": main > fib\n")); /* fib(12) itself is one */
    check_summary(t, text);
    free(text);
    cJSON_Delete(t);
}

/* CALLTRACE_SUMMARY=1: the summary on stderr at exit, whatever the formats. */
static void summary_on_stderr(void **state)
{
    (void)state;
    struct tu_run r;
    run_formats(&r, g_fib, NULL, "json", "CALLTRACE_SUMMARY=1");
    assert_string_equal(r.out, "fib=5\n");
    assert_memory_equal(r.err, "# calltrace ", 12);
    assert_non_null(strstr(r.err, "summary of"));
    assert_int_equal(access(path_of(".summary.txt"), F_OK), -1);
    cJSON *t = load_valid();
    check_summary(t, r.err);
    cJSON_Delete(t);

    run_formats(&r, g_fib, NULL, "json", "CALLTRACE_SUMMARY=maybe");
    assert_non_null(strstr(r.err, "calltrace: CALLTRACE_SUMMARY='maybe'"));
    assert_null(strstr(r.err, "summary of"));
}

/* Compact chrome JSON is one line of at most ~120 bytes a call; pretty is
 * one event a line. */
static void chrome_is_compact(void **state)
{
    (void)state;
    struct tu_run r;
    const char *args[] = {"20", NULL};
    run_formats(&r, g_fib, args, "chrome", "CALLTRACE_PRETTY_JSON=0");
    assert_int_equal(access(g_trace, F_OK), -1); /* no JSON asked for */
    char *text = slurp(path_of(".chrome.json"));
    size_t bytes = strlen(text), calls = 21892;
    assert_null(strchr(text, '\n'));
    double per_call = (double)bytes / (double)calls;
    print_message("chrome, compact: %zu bytes for %zu calls, %.1f bytes a call\n", bytes, calls,
                  per_call);
    assert_true(per_call <= 120);
    cJSON *c = cJSON_Parse(text);
    assert_non_null(c);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "traceEvents")), calls + 2);
    cJSON_Delete(c);
    free(text);

    run_formats(&r, g_fib, NULL, "chrome", NULL);
    text = slurp(path_of(".chrome.json"));
    char *lines[64];
    size_t n = split_lines(text, lines, 64);
    assert_string_equal(lines[0], "{");
    assert_string_equal(lines[1], "  \"traceEvents\": [");
    assert_int_equal(strcmp(lines[2 + 2 + 16], "  ],"), 0); /* 2 M, 16 X */
    for (size_t i = 2; i < 2 + 2 + 16; i++) {
        size_t len = strlen(lines[i]);
        if (lines[i][len - 1] == ',')
            lines[i][len - 1] = '\0';
        cJSON *ev = cJSON_Parse(lines[i]);
        if (!ev)
            fail_msg("line %zu is not one event: %s", i + 1, lines[i]);
        cJSON_Delete(ev);
    }
    assert_true(n > 20);
    free(text);
}

/* Thread names in every view (marks: regions); threads' blocks in the text
 * view and rows in the summary. */
static void threads_are_named(void **state)
{
    (void)state;
    struct tu_run r;
    run_formats(&r, g_threads, NULL, "chrome,text,summary", NULL);
    const char *names[] = {"early-bird", "worker-0", "worker-1", "worker-2", "worker-3"};
    char *chrome = slurp(path_of(".chrome.json"));
    char *text = slurp(path_of(".txt"));
    char *sum = slurp(path_of(".summary.txt"));
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        char want[128];
        snprintf(want, sizeof(want), "\"args\":{\"name\":\"%s\"}}", names[i]);
        int found = 0;
        for (char *p = chrome; (p = strstr(p, "{\"name\":\"thread_name\",\"ph\":\"M\"")); p++) {
            char line[256];
            snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
            found += strstr(line, want) != NULL;
        }
        assert_int_equal(found, 1);
        snprintf(want, sizeof(want), " \"%s\": ", names[i]);
        char *h = strstr(text, want);
        assert_non_null(h);
        while (h > text && h[-1] != '\n')
            h--;
        assert_memory_equal(h, "# thread ", 9);
        snprintf(want, sizeof(want), "  %s\n", names[i]);
        h = strstr(sum, want);
        assert_non_null(h);
        while (h > sum && h[-1] != '\n')
            h--;
        char key[32];
        double calls;
        assert_int_equal(sscanf(h, "%31s %lf", key, &calls), 2);
        assert_true(calls == (i == 0 ? 1 + 10 : 1 + 100000)); /* the thread's function too */
    }
    free(chrome);
    free(text);
    free(sum);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s FIB REGIONS THREADS\n", argv[0]);
        return 2;
    }
    g_fib = argv[1];
    g_regions = argv[2];
    g_threads = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fib_views_agree),
        cmocka_unit_test(regions_views_agree),
        cmocka_unit_test(summary_outliers),
        cmocka_unit_test(summary_on_stderr),
        cmocka_unit_test(chrome_is_compact),
        cmocka_unit_test(threads_are_named),
    };
    return cmocka_run_group_tests_name("formats", tests, NULL, NULL);
}
