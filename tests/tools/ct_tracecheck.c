/*
 * ct_tracecheck — validate a calltrace JSON trace and check expectations on it.
 *
 *   ct_tracecheck TRACE.json [--expect-count NAME=N]... [--expect-threads N]
 *                 [--expect-root NAME]... [--expect-function NAME]...
 *
 * The shape is always checked:
 *   - metadata: object with string version, string timestamp (ISO 8601:
 *     YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)), string executable, and
 *     integers pid, total_calls, threads;
 *   - call_trees: object keyed by thread id (the decimal thread_id), each
 *     {thread_id: integer, name: string, root_calls: [node]};
 *   - node: string function, string address ("0x" + hex digits), file (string or
 *     null), integer line, integers start_ns, end_ns, duration_ns with
 *     duration_ns == end_ns - start_ns >= 0, array children; every child lies
 *     within its parent's [start_ns, end_ns], and a parent's duration is at least
 *     the sum of its children's;
 *   - metadata.total_calls == number of nodes, metadata.threads == number of
 *     call_trees entries.
 * Then the expectations:
 *   --expect-count NAME=N   exactly N nodes (all threads) whose function is NAME
 *                           (split at the last '=', so "operator==(...)=1" works)
 *   --expect-threads N      exactly N threads
 *   --expect-root NAME      some thread has a root call named NAME
 *   --expect-function NAME  at least one node is named NAME
 *
 * Exit status: 0 and "ok: N calls, T threads" on stdout; 1 and one line
 * "ct_tracecheck: TRACE: reason" on stderr for a bad trace or a failed
 * expectation; 2 for a usage error.
 *
 * Integers are read from the JSON text itself, not from cJSON's double, so
 * nanosecond timestamps beyond 2^53 are compared exactly.
 */
#include <cjson/cJSON.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_BAD = 1, EXIT_USAGE = 2 };

static const char *g_trace_path = "";

/* The path of the value being checked, e.g. call_trees["42"].root_calls[0].children[3] */
static char g_where[4096];
static size_t g_where_len;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "ct_tracecheck: %s: ", g_trace_path);
    if (g_where_len > 0)
        fprintf(stderr, "%s: ", g_where);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_BAD);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("ct_tracecheck: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nusage: ct_tracecheck TRACE.json [--expect-count NAME=N]... [--expect-threads N]"
          " [--expect-root NAME]... [--expect-function NAME]...\n",
          stderr);
    exit(EXIT_USAGE);
}

/* Appends to g_where and returns the previous length, for where_pop(). */
static size_t where_push(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static size_t where_push(const char *fmt, ...)
{
    size_t old = g_where_len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g_where + old, sizeof g_where - old, fmt, ap);
    va_end(ap);
    if (n > 0)
        g_where_len = old + (size_t)n < sizeof g_where ? old + (size_t)n : sizeof g_where - 1;
    return old;
}

static void where_pop(size_t old)
{
    g_where_len = old;
    g_where[old] = '\0';
}

/* ------------------------------------------------------------------ input */

static char *read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        die("out of memory");
    for (;;) {
        if (len == cap) {
            cap *= 2;
            char *nbuf = realloc(buf, cap);
            if (!nbuf)
                die("out of memory reading the file");
            buf = nbuf;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f))
                die("read error: %s", strerror(errno));
            break;
        }
    }
    fclose(f);
    *len_out = len;
    return buf;
}

/*
 * cJSON keeps numbers as doubles only. To compare nanosecond values exactly, the
 * text of every number token is collected in document order (cJSON builds its
 * tree in the same order) and attached to the number items as valuestring,
 * which cJSON_Delete() frees with the item.
 */
struct numtok {
    const char *text;
    size_t len;
};

static struct numtok *scan_numbers(const char *s, size_t len, size_t *count)
{
    size_t cap = 256, n = 0;
    struct numtok *toks = malloc(cap * sizeof *toks);
    if (!toks)
        die("out of memory");
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i;
            while (i < len && strchr("0123456789+-.eE", s[i]) && s[i] != '\0')
                i++;
            if (n == cap) {
                cap *= 2;
                struct numtok *nt = realloc(toks, cap * sizeof *toks);
                if (!nt)
                    die("out of memory");
                toks = nt;
            }
            toks[n].text = s + start;
            toks[n].len = i - start;
            n++;
            i--;
        }
    }
    *count = n;
    return toks;
}

static void attach_number_text(cJSON *item, const struct numtok *toks, size_t ntoks, size_t *next)
{
    for (; item; item = item->next) {
        if (cJSON_IsNumber(item)) {
            if (*next >= ntoks)
                die("internal error: number tokens out of step with the parser");
            const struct numtok *t = &toks[(*next)++];
            char *copy = malloc(t->len + 1);
            if (!copy)
                die("out of memory");
            memcpy(copy, t->text, t->len);
            copy[t->len] = '\0';
            item->valuestring = copy;
        }
        if (item->child)
            attach_number_text(item->child, toks, ntoks, next);
    }
}

/* ------------------------------------------------------------------ field access */

static const cJSON *field(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v)
        die("missing \"%s\"", name);
    return v;
}

static const char *string_field(const cJSON *obj, const char *name)
{
    const cJSON *v = field(obj, name);
    if (!cJSON_IsString(v) || !v->valuestring)
        die("\"%s\" is not a string", name);
    return v->valuestring;
}

/* An integer written as an integer (no fraction, no exponent), in int64 range. */
static int64_t int_value(const cJSON *v, const char *name)
{
    if (!cJSON_IsNumber(v))
        die("\"%s\" is not a number", name);
    const char *text = v->valuestring;
    if (!text)
        die("internal error: no text for number \"%s\"", name);
    char *end;
    errno = 0;
    long long x = strtoll(text, &end, 10);
    if (end == text || *end != '\0')
        die("\"%s\" is not an integer: %s", name, text);
    if (errno == ERANGE)
        die("\"%s\" is out of range: %s", name, text);
    return (int64_t)x;
}

static int64_t int_field(const cJSON *obj, const char *name)
{
    return int_value(field(obj, name), name);
}

static int64_t nonneg_int_field(const cJSON *obj, const char *name)
{
    int64_t x = int_field(obj, name);
    if (x < 0)
        die("\"%s\" is negative: %" PRId64, name, x);
    return x;
}

/* ------------------------------------------------------------------ shape */

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) */
static bool is_iso8601(const char *s)
{
    if (strlen(s) < 20)
        return false;
    if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2) ||
        s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
        s[16] != ':' || !digits(s + 17, 2))
        return false;
    int month = num2(s + 5), day = num2(s + 8), hour = num2(s + 11), min = num2(s + 14),
        sec = num2(s + 17);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        const char *f = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == f)
            return false;
    }
    if (p[0] == 'Z' && p[1] == '\0')
        return true;
    if ((p[0] == '+' || p[0] == '-') && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) &&
        p[6] == '\0')
        return num2(p + 1) <= 23 && num2(p + 4) <= 59;
    return false;
}

static bool is_hex_address(const char *s)
{
    if (s[0] != '0' || s[1] != 'x' || s[2] == '\0')
        return false;
    for (s += 2; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    return true;
}

struct counts {
    int64_t nodes;
};

struct node_times {
    int64_t start, end, duration;
};

static struct node_times check_node(const cJSON *node, struct counts *counts)
{
    if (!cJSON_IsObject(node))
        die("node is not an object");
    counts->nodes++;

    const char *fn = string_field(node, "function");
    (void)fn;
    const char *addr = string_field(node, "address");
    if (!is_hex_address(addr))
        die("\"address\" is not 0x followed by hex digits: \"%s\"", addr);
    const cJSON *file = field(node, "file");
    if (!cJSON_IsString(file) && !cJSON_IsNull(file))
        die("\"file\" is neither a string nor null");
    (void)int_field(node, "line");

    struct node_times t;
    t.start = nonneg_int_field(node, "start_ns");
    t.end = nonneg_int_field(node, "end_ns");
    t.duration = nonneg_int_field(node, "duration_ns");
    if (t.end < t.start)
        die("end_ns %" PRId64 " < start_ns %" PRId64, t.end, t.start);
    if (t.duration != t.end - t.start)
        die("duration_ns %" PRId64 " != end_ns - start_ns = %" PRId64, t.duration,
            t.end - t.start);

    const cJSON *children = field(node, "children");
    if (!cJSON_IsArray(children))
        die("\"children\" is not an array");
    int64_t child_sum = 0;
    int i = 0;
    for (const cJSON *c = children->child; c; c = c->next, i++) {
        size_t mark = where_push(".children[%d]", i);
        struct node_times ct = check_node(c, counts);
        if (ct.start < t.start || ct.end > t.end)
            die("[%" PRId64 ", %" PRId64 "] is not within its parent's [%" PRId64 ", %" PRId64 "]",
                ct.start, ct.end, t.start, t.end);
        where_pop(mark);
        if (ct.duration > t.duration - child_sum) /* child_sum <= t.duration: no overflow */
            die("children's durations add up to more than duration_ns %" PRId64, t.duration);
        child_sum += ct.duration;
    }
    return t;
}

/* ------------------------------------------------------------------ queries */

static int64_t count_named(const cJSON *nodes, const char *name)
{
    int64_t n = 0;
    for (const cJSON *c = nodes->child; c; c = c->next) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "function");
        if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
            n++;
        n += count_named(cJSON_GetObjectItemCaseSensitive(c, "children"), name);
    }
    return n;
}

static int64_t count_everywhere(const cJSON *trees, const char *name)
{
    int64_t n = 0;
    for (const cJSON *t = trees->child; t; t = t->next)
        n += count_named(cJSON_GetObjectItemCaseSensitive(t, "root_calls"), name);
    return n;
}

static bool is_root(const cJSON *trees, const char *name)
{
    for (const cJSON *t = trees->child; t; t = t->next) {
        const cJSON *roots = cJSON_GetObjectItemCaseSensitive(t, "root_calls");
        for (const cJSON *c = roots->child; c; c = c->next) {
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "function");
            if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
                return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ main */

static int64_t parse_count(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || x < 0)
        usage_error("%s: not a non-negative integer: \"%s\"", what, s);
    return (int64_t)x;
}

enum expect_kind { EXPECT_COUNT, EXPECT_THREADS, EXPECT_ROOT, EXPECT_FUNCTION };

struct expectation {
    enum expect_kind kind;
    const char *name; /* NUL-terminated copy for EXPECT_COUNT */
    int64_t n;
};

int main(int argc, char **argv)
{
    const char *trace = NULL;
    struct expectation *ex = calloc((size_t)argc, sizeof *ex);
    int nex = 0;
    if (!ex)
        usage_error("out of memory");

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            usage_error("validates a calltrace JSON trace");
        bool has_value = strcmp(a, "--expect-count") == 0 || strcmp(a, "--expect-threads") == 0 ||
                         strcmp(a, "--expect-root") == 0 || strcmp(a, "--expect-function") == 0;
        if (has_value) {
            if (i + 1 >= argc)
                usage_error("%s needs a value", a);
            const char *v = argv[++i];
            struct expectation *e = &ex[nex++];
            if (strcmp(a, "--expect-count") == 0) {
                const char *eq = strrchr(v, '=');
                if (!eq || eq == v)
                    usage_error("--expect-count wants NAME=N, got \"%s\"", v);
                char *name = strndup(v, (size_t)(eq - v));
                if (!name)
                    usage_error("out of memory");
                *e = (struct expectation){EXPECT_COUNT, name, parse_count(eq + 1, a)};
            } else if (strcmp(a, "--expect-threads") == 0) {
                *e = (struct expectation){EXPECT_THREADS, NULL, parse_count(v, a)};
            } else if (strcmp(a, "--expect-root") == 0) {
                *e = (struct expectation){EXPECT_ROOT, v, 0};
            } else {
                *e = (struct expectation){EXPECT_FUNCTION, v, 0};
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            usage_error("unknown option \"%s\"", a);
        } else if (trace) {
            usage_error("more than one trace file given");
        } else {
            trace = a;
        }
    }
    if (!trace)
        usage_error("no trace file given");
    g_trace_path = trace;

    size_t len;
    char *text = read_file(trace, &len);
    if (len == 0)
        die("empty file");
    if (memchr(text, '\0', len))
        die("contains a NUL byte");

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long off = at ? (long)(at - text) : -1;
        die("not valid JSON (error near byte %ld; note cJSON nests at most %d levels)", off,
            CJSON_NESTING_LIMIT);
    }
    for (const char *p = end; p < text + len; p++)
        if (!strchr(" \t\r\n", *p))
            die("trailing data after the JSON value at byte %ld", (long)(p - text));

    size_t ntoks, used = 0;
    struct numtok *toks = scan_numbers(text, len, &ntoks);
    attach_number_text(root, toks, ntoks, &used);
    if (used != ntoks)
        die("internal error: %zu number tokens, %zu numbers parsed", ntoks, used);
    free(toks);

    /* metadata */
    if (!cJSON_IsObject(root))
        die("top level is not an object");
    const cJSON *meta = field(root, "metadata");
    if (!cJSON_IsObject(meta))
        die("\"metadata\" is not an object");
    size_t mark = where_push("metadata");
    (void)string_field(meta, "version");
    const char *ts = string_field(meta, "timestamp");
    if (!is_iso8601(ts))
        die("\"timestamp\" is not ISO 8601 (YYYY-MM-DDTHH:MM:SS[.frac]Z): \"%s\"", ts);
    (void)string_field(meta, "executable");
    if (int_field(meta, "pid") <= 0)
        die("\"pid\" is not positive");
    int64_t total_calls = nonneg_int_field(meta, "total_calls");
    int64_t threads = nonneg_int_field(meta, "threads");
    where_pop(mark);

    /* call_trees */
    const cJSON *trees = field(root, "call_trees");
    if (!cJSON_IsObject(trees))
        die("\"call_trees\" is not an object");
    struct counts counts = {0};
    int64_t ntrees = 0;
    for (const cJSON *t = trees->child; t; t = t->next, ntrees++) {
        mark = where_push("call_trees[\"%s\"]", t->string);
        if (!cJSON_IsObject(t))
            die("not an object");
        int64_t tid = int_field(t, "thread_id");
        char key[32];
        snprintf(key, sizeof key, "%" PRId64, tid);
        if (strcmp(key, t->string) != 0)
            die("key does not match thread_id %" PRId64, tid);
        (void)string_field(t, "name");
        const cJSON *roots = field(t, "root_calls");
        if (!cJSON_IsArray(roots))
            die("\"root_calls\" is not an array");
        int i = 0;
        for (const cJSON *c = roots->child; c; c = c->next, i++) {
            size_t m2 = where_push(".root_calls[%d]", i);
            (void)check_node(c, &counts);
            where_pop(m2);
        }
        where_pop(mark);
    }
    if (total_calls != counts.nodes)
        die("metadata.total_calls is %" PRId64 " but the trees hold %" PRId64 " calls",
            total_calls, counts.nodes);
    if (threads != ntrees)
        die("metadata.threads is %" PRId64 " but call_trees has %" PRId64 " entries", threads,
            ntrees);

    /* expectations */
    for (int i = 0; i < nex; i++) {
        const struct expectation *e = &ex[i];
        switch (e->kind) {
        case EXPECT_COUNT: {
            int64_t n = count_everywhere(trees, e->name);
            if (n != e->n)
                die("expected %" PRId64 " calls of \"%s\", found %" PRId64, e->n, e->name, n);
            break;
        }
        case EXPECT_THREADS:
            if (ntrees != e->n)
                die("expected %" PRId64 " threads, found %" PRId64, e->n, ntrees);
            break;
        case EXPECT_ROOT:
            if (!is_root(trees, e->name))
                die("expected a root call \"%s\", found none", e->name);
            break;
        case EXPECT_FUNCTION:
            if (count_everywhere(trees, e->name) == 0)
                die("expected a call of \"%s\", found none", e->name);
            break;
        }
    }

    printf("ok: %" PRId64 " calls, %" PRId64 " threads\n", counts.nodes, ntrees);
    cJSON_Delete(root);
    free(text);
    for (int i = 0; i < nex; i++)
        if (ex[i].kind == EXPECT_COUNT)
            free((char *)ex[i].name);
    free(ex);
    return 0;
}
