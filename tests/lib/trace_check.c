/* trace_check.c — see trace_check.h. A JSON parser that builds nothing for
 * call nodes: each node is checked as it is read, with an explicit stack of
 * the open ones (no recursion, so no depth the runtime can write is too
 * deep); the small objects around them (metadata, a thread's fields, the
 * captured values) are handed to cJSON piece by piece and checked there. */
#define _GNU_SOURCE
#include "trace_check.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TC_MAX_SKIP_DEPTH 10000 /* nesting of values outside nodes (arguments, ...) */

/* ------------------------------------------------------------ names */

struct tc_name {
    char *raw;    /* as written between the quotes; NULL: a free slot */
    size_t len;
    unsigned long count;
};

static uint64_t tc_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int tc_names_add(struct tc_names *t, const char *s, size_t n)
{
    if ((t->used + 1) * 10 > t->cap * 7) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct tc_name *slot = calloc(cap, sizeof(*slot));
        if (!slot)
            return -1;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slot[i].raw)
                continue;
            size_t j = tc_hash(t->slot[i].raw, t->slot[i].len) & (cap - 1);
            while (slot[j].raw)
                j = (j + 1) & (cap - 1);
            slot[j] = t->slot[i];
        }
        free(t->slot);
        t->slot = slot;
        t->cap = cap;
    }
    size_t j = tc_hash(s, n) & (t->cap - 1);
    for (; t->slot[j].raw; j = (j + 1) & (t->cap - 1))
        if (t->slot[j].len == n && memcmp(t->slot[j].raw, s, n) == 0) {
            t->slot[j].count++;
            return 0;
        }
    char *copy = malloc(n + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    t->slot[j] = (struct tc_name){copy, n, 1};
    t->used++;
    return 0;
}

static void tc_names_free(struct tc_names *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slot[i].raw);
    free(t->slot);
    memset(t, 0, sizeof(*t));
}

static int tc_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the JSON string contents s[0..n) (already checked) into out, NUL
 * terminated and cut at cap; returns the decoded length (uncut). */
static size_t tc_unescape(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
#define PUT(c) do { if (o + 1 < cap) out[o] = (char)(c); o++; } while (0)
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            PUT(s[i]);
            continue;
        }
        char c = s[++i];
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = strchr(from, c);
        if (c != 'u') {
            PUT(k ? to[k - from] : c);
            continue;
        }
        uint32_t u = 0;
        for (int d = 0; d < 4; d++)
            u = u * 16 + (uint32_t)tc_hex(s[i + 1 + d]);
        i += 4;
        if (u >= 0xd800 && u < 0xdc00 && i + 6 < n + 1 && s[i + 1] == '\\' && s[i + 2] == 'u') {
            uint32_t lo = 0;
            for (int d = 0; d < 4; d++)
                lo = lo * 16 + (uint32_t)tc_hex(s[i + 3 + d]);
            if (lo >= 0xdc00 && lo < 0xe000) {
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
        }
        if (u < 0x80) {
            PUT(u);
        } else if (u < 0x800) {
            PUT(0xc0 | (u >> 6));
            PUT(0x80 | (u & 0x3f));
        } else if (u < 0x10000) {
            PUT(0xe0 | (u >> 12));
            PUT(0x80 | ((u >> 6) & 0x3f));
            PUT(0x80 | (u & 0x3f));
        } else {
            PUT(0xf0 | (u >> 18));
            PUT(0x80 | ((u >> 12) & 0x3f));
            PUT(0x80 | ((u >> 6) & 0x3f));
            PUT(0x80 | (u & 0x3f));
        }
    }
#undef PUT
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
    return o;
}

static unsigned long tc_names_get(const struct tc_names *t, const char *fn)
{
    size_t want = strlen(fn);
    for (size_t i = 0; i < t->cap; i++) {
        const struct tc_name *e = &t->slot[i];
        if (!e->raw)
            continue;
        if (!memchr(e->raw, '\\', e->len)) {
            if (e->len == want && memcmp(e->raw, fn, want) == 0)
                return e->count;
            continue;
        }
        char buf[4096];
        if (tc_unescape(e->raw, e->len, buf, sizeof(buf)) == want && want < sizeof(buf) &&
            memcmp(buf, fn, want) == 0)
            return e->count;
    }
    return 0;
}

unsigned long tc_count(const struct tc_thread *th, const char *fn)
{
    return tc_names_get(&th->fns, fn);
}

unsigned long tc_count_roots(const struct tc_thread *th, const char *fn)
{
    return tc_names_get(&th->root_fns, fn);
}

unsigned long tc_count_all(const struct tc_trace *t, const char *fn)
{
    unsigned long n = 0;
    for (size_t i = 0; i < t->nthreads; i++)
        n += tc_count(&t->threads[i], fn);
    return n;
}

/* ------------------------------------------------------------ the parser */

/* An open node: what its members said so far, and its children's checks. */
struct tc_frame {
    unsigned long index;       /* in its parent's children (or root_calls) */
    const char *fn;
    size_t fn_len;
    uint64_t s, e, d;
    unsigned have;
    int returned, unwound, unfinished;
    unsigned long nkids;
    uint64_t prev_end, sum;
};

enum {
    HAVE_FN = 1, HAVE_ADDR = 2, HAVE_FILE = 4, HAVE_LINE = 8, HAVE_S = 16, HAVE_E = 32,
    HAVE_D = 64, HAVE_KIDS = 128,
};

struct tc_parser {
    const char *p, *end, *base;
    char err[1024];
    /* where: which section, which thread (its key), which open nodes */
    const char *section;
    const char *key;
    size_t keyn;
    struct tc_frame *stack;
    size_t depth, cap; /* depth: open nodes */
    int in_nodes;
    int after; /* checking what was read: no byte offset to give */
};

/* call_trees["key"].root_calls[i].children[j]...: the long middle of a deep
 * path is left out. */
static void tc_where(const struct tc_parser *ps, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
#define ADD(...) do { if (n < cap) n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__); } while (0)
    if (!ps->section)
        return;
    ADD("%s", ps->section);
    if (!ps->key)
        return;
    ADD("[\"%.*s\"]", (int)(ps->keyn > 64 ? 64 : ps->keyn), ps->key);
    if (!ps->in_nodes)
        return;
    ADD(".root_calls");
    for (size_t i = 0; i < ps->depth; i++) {
        if (ps->depth > 12 && i == 4) {
            ADD(".children[..%zu levels..]", ps->depth - 10);
            i = ps->depth - 6;
        }
        ADD("%s[%lu]", i ? ".children" : "", ps->stack[i].index);
    }
#undef ADD
}

static int tc_fail(struct tc_parser *ps, const char *what)
{
    if (ps->err[0])
        return -1;
    char where[512];
    tc_where(ps, where, sizeof(where));
    char at[40] = "";
    if (!ps->after)
        snprintf(at, sizeof(at), " (byte %ld)", (long)(ps->p - ps->base));
    snprintf(ps->err, sizeof(ps->err), "%s%s%s%s", where, where[0] ? ": " : "", what, at);
    return -1;
}

/* (the scanners work on a local pointer: through ps->p, every byte read
 * would have to reload it, a char may alias anything) */
static void tc_ws(struct tc_parser *ps)
{
    const char *p = ps->p, *end = ps->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    ps->p = p;
}

static int tc_eat(struct tc_parser *ps, char c)
{
    tc_ws(ps);
    if (ps->p >= ps->end || *ps->p != c) {
        char what[32];
        snprintf(what, sizeof(what), ps->p >= ps->end ? "unexpected end, expected '%c'"
                                                      : "expected '%c'", c);
        return tc_fail(ps, what);
    }
    ps->p++;
    return 0;
}

/* Opens a container: 1 when members follow, 0 when it is empty (and
 * closed), -1 on error. */
static int tc_open(struct tc_parser *ps, char open, char close)
{
    if (tc_eat(ps, open))
        return -1;
    tc_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    return 1;
}

/* After a member: 1 when a ',' says another follows, 0 when `close` ends
 * the container, -1 on error. */
static int tc_more(struct tc_parser *ps, char close)
{
    tc_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        return 1;
    }
    return tc_eat(ps, close) ? -1 : 0;
}

/* A string: *s, *n are its raw contents between the quotes. */
static int tc_string(struct tc_parser *ps, const char **s, size_t *n)
{
    if (tc_eat(ps, '"'))
        return -1;
    const char *start = ps->p, *p = start, *end = ps->end;
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20) {
            ps->p = p;
            return tc_fail(ps, "a control character in a string");
        }
        if (c != '\\')
            continue;
        if (++p >= end)
            break;
        if (*p == 'u') {
            for (int d = 1; d <= 4; d++)
                if (p + d >= end || tc_hex(p[d]) < 0) {
                    ps->p = p;
                    return tc_fail(ps, "a bad \\u escape in a string");
                }
            p += 4;
        } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
            ps->p = p;
            return tc_fail(ps, "a bad escape in a string");
        }
    }
    if (p >= end) {
        ps->p = end;
        return tc_fail(ps, "an unterminated string");
    }
    *s = start;
    *n = (size_t)(p - start);
    ps->p = p + 1;
    return 0;
}

enum { TC_NUM, TC_UINT, TC_NEGINT };

/* A JSON number. Returns its kind (TC_UINT: a non-negative integer, its value
 * in *u, exact up to 2^64-1; TC_NEGINT: a negative integer; TC_NUM: anything
 * else), or -1 on error. */
static int tc_number(struct tc_parser *ps, uint64_t *u)
{
    tc_ws(ps);
    const char *p = ps->p, *end = ps->end;
    int neg = p < end && *p == '-';
    p += neg;
    const char *digits = p;
    uint64_t v = 0;
    int over = 0;
    while (p < end && (unsigned)(*p - '0') < 10u) {
        unsigned d = (unsigned)(*p++ - '0');
        over |= v > (UINT64_MAX - d) / 10;
        v = v * 10 + d;
    }
    if (p == digits)
        return tc_fail(ps, "a bad number");
    if (p - digits > 1 && *digits == '0')
        return tc_fail(ps, "a number with a leading zero");
    int frac = 0;
    if (p < end && *p == '.') {
        const char *f = ++p;
        while (p < end && (unsigned)(*p - '0') < 10u)
            p++;
        if (p == f)
            return tc_fail(ps, "a bad number");
        frac = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const char *x = p;
        while (p < end && (unsigned)(*p - '0') < 10u)
            p++;
        if (p == x)
            return tc_fail(ps, "a bad number");
        frac = 1;
    }
    ps->p = p;
    *u = v;
    if (frac || over)
        return TC_NUM;
    return neg ? TC_NEGINT : TC_UINT;
}

/* Any value, checked for syntax and skipped. */
static int tc_skip(struct tc_parser *ps)
{
    /* containers by a stack of their closing brackets; after each value: a
     * ',' for another member, or a closer */
    char closers[TC_MAX_SKIP_DEPTH];
    size_t depth = 0;
    for (;;) {
        tc_ws(ps);
        if (ps->p >= ps->end)
            return tc_fail(ps, "unexpected end");
        char c = *ps->p;
        int opened = 0;
        if (c == '{' || c == '[') {
            if (depth == TC_MAX_SKIP_DEPTH)
                return tc_fail(ps, "nesting too deep");
            char close = c == '{' ? '}' : ']';
            int more = tc_open(ps, c, close);
            if (more < 0)
                return -1;
            if (more > 0) {
                closers[depth++] = close;
                opened = 1;
            }
        } else if (c == '"') {
            const char *s;
            size_t n;
            if (tc_string(ps, &s, &n))
                return -1;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            uint64_t u;
            if (tc_number(ps, &u) < 0)
                return -1;
        } else {
            static const char *const lits[] = {"true", "false", "null"};
            size_t i = 0, n = 0;
            for (; i < 3; i++) {
                n = strlen(lits[i]);
                if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lits[i], n) == 0)
                    break;
            }
            if (i == 3)
                return tc_fail(ps, "not a JSON value");
            ps->p += n;
        }
        /* the first member of a container just opened, or what follows */
        for (;;) {
            if (depth == 0)
                return 0;
            if (opened) {
                opened = 0;
            } else {
                int more = tc_more(ps, closers[depth - 1]);
                if (more < 0)
                    return -1;
                if (more == 0) {
                    depth--;
                    continue;
                }
            }
            if (closers[depth - 1] == '}') {
                const char *k;
                size_t kn;
                if (tc_string(ps, &k, &kn) || tc_eat(ps, ':'))
                    return -1;
            }
            break;
        }
    }
}

/* The next value as a cJSON item (parsed from its slice of the text). */
static cJSON *tc_value(struct tc_parser *ps)
{
    tc_ws(ps);
    const char *start = ps->p;
    if (tc_skip(ps))
        return NULL;
    cJSON *v = cJSON_ParseWithLength(start, (size_t)(ps->p - start));
    if (!v)
        tc_fail(ps, "cJSON rejects a value (nested too deep?)");
    return v;
}

static int tc_key_is(const char *k, size_t kn, const char *want)
{
    return strlen(want) == kn && memcmp(k, want, kn) == 0;
}

/* ------------------------------------------------------------ values of cJSON */

static const char *tc_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An integer written as one (cJSON keeps a double: fine for the small
 * integers of metadata and thread fields); 0 if not, 1 if it is. */
static int tc_int(const cJSON *o, const char *k, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!(d > -9e18 && d < 9e18) || d != (double)(long long)d)
        return 0;
    *out = d;
    return 1;
}

/* A captured argument (with "name") or return value (without); see the
 * header. Returns NULL or what is wrong. */
static const char *tc_captured(const cJSON *o, int is_arg)
{
    if (!cJSON_IsObject(o))
        return is_arg ? "an argument is not an object" : "a return_value is not an object";
    if (is_arg && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "name")))
        return "an argument has no string name";
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "type")))
        return "a captured value has no string type";
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(o, "optimized_out");
    if (out && !cJSON_IsTrue(out))
        return "a captured value's optimized_out is not true";
    if (!val == !out)
        return "a captured value needs exactly one of value and optimized_out";
    static const char *const flags[] = {"unreadable", "truncated"};
    for (size_t i = 0; i < 2; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, flags[i]);
        if (f && (!cJSON_IsTrue(f) || !val))
            return "a captured value's unreadable/truncated is not true beside a value";
    }
    static const char *const known[] = {"name", "type", "value", "optimized_out",
                                        "unreadable", "truncated"};
    const size_t nknown = sizeof(known) / sizeof(*known);
    const cJSON *k;
    cJSON_ArrayForEach(k, o) {
        size_t i = is_arg ? 0 : 1;
        while (i < nknown && strcmp(k->string, known[i]) != 0)
            i++;
        if (i == nknown)
            return "a captured value has an unknown key";
    }
    return NULL;
}

/* "arguments": an array of captured values. */
static int tc_arguments(struct tc_parser *ps)
{
    cJSON *args = tc_value(ps);
    if (!args)
        return -1;
    const char *why = cJSON_IsArray(args) ? NULL : "a node's arguments is not an array";
    const cJSON *a;
    cJSON_ArrayForEach(a, args) {
        if (!why)
            why = tc_captured(a, 1);
    }
    cJSON_Delete(args);
    return why ? tc_fail(ps, why) : 0;
}

static int tc_return_value(struct tc_parser *ps)
{
    cJSON *ret = tc_value(ps);
    if (!ret)
        return -1;
    const char *why = tc_captured(ret, 0);
    cJSON_Delete(ret);
    return why ? tc_fail(ps, why) : 0;
}

/* ------------------------------------------------------------ nodes */

static int tc_is_hex_address(const char *s, size_t n)
{
    if (n < 3 || s[0] != '0' || s[1] != 'x')
        return 0;
    for (size_t i = 2; i < n; i++)
        if (tc_hex(s[i]) < 0)
            return 0;
    return 1;
}

static struct tc_frame *tc_push(struct tc_parser *ps, unsigned long index)
{
    if (ps->depth == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        struct tc_frame *s = realloc(ps->stack, cap * sizeof(*s));
        if (!s) {
            tc_fail(ps, "out of memory");
            return NULL;
        }
        ps->stack = s;
        ps->cap = cap;
    }
    struct tc_frame *f = &ps->stack[ps->depth++];
    memset(f, 0, sizeof(*f));
    f->index = index;
    return f;
}

/* One member of the node f, other than "children". */
static int tc_member(struct tc_parser *ps, struct tc_frame *f, const char *k, size_t kn)
{
    tc_ws(ps);
    if (tc_key_is(k, kn, "function") || tc_key_is(k, kn, "address") || tc_key_is(k, kn, "file")) {
        const char *v;
        size_t vn;
        if (ps->p >= ps->end || *ps->p != '"') {
            char what[64];
            snprintf(what, sizeof(what), "a node's %.*s is not a string", (int)kn, k);
            return tc_fail(ps, what);
        }
        if (tc_string(ps, &v, &vn))
            return -1;
        if (k[0] == 'f' && k[1] == 'u') {
            if (vn == 0)
                return tc_fail(ps, "a node has an empty function name");
            f->fn = v;
            f->fn_len = vn;
            f->have |= HAVE_FN;
        } else if (k[0] == 'a') {
            if (!tc_is_hex_address(v, vn))
                return tc_fail(ps, "a node's address is not 0x and hex digits");
            f->have |= HAVE_ADDR;
        } else {
            f->have |= HAVE_FILE;
        }
        return 0;
    }
    if (tc_key_is(k, kn, "line") || tc_key_is(k, kn, "start_ns") || tc_key_is(k, kn, "end_ns") ||
        tc_key_is(k, kn, "duration_ns")) {
        uint64_t u;
        int kind = tc_number(ps, &u);
        if (kind < 0)
            return -1;
        if (k[0] == 'l') {
            if (kind == TC_NUM)
                return tc_fail(ps, "a node's line is not an integer");
            f->have |= HAVE_LINE;
            return 0;
        }
        if (kind != TC_UINT)
            return tc_fail(ps, "a node's start_ns/end_ns/duration_ns is not an integer >= 0");
        if (k[0] == 's')
            f->s = u, f->have |= HAVE_S;
        else if (k[0] == 'e')
            f->e = u, f->have |= HAVE_E;
        else
            f->d = u, f->have |= HAVE_D;
        return 0;
    }
    if (tc_key_is(k, kn, "unwound") || tc_key_is(k, kn, "unfinished")) {
        int yes = (size_t)(ps->end - ps->p) >= 4 && memcmp(ps->p, "true", 4) == 0;
        if (tc_skip(ps))
            return -1;
        if (k[2] == 'w')
            f->unwound = yes;
        else
            f->unfinished = yes;
        return 0;
    }
    if (tc_key_is(k, kn, "arguments"))
        return tc_arguments(ps);
    if (tc_key_is(k, kn, "return_value")) {
        f->returned = 1;
        return tc_return_value(ps);
    }
    return tc_skip(ps);
}

/* The node f is closed: is it complete and consistent? */
static int tc_close(struct tc_parser *ps, struct tc_thread *th, const struct tc_frame *f)
{
    char what[256];
    if (!(f->have & HAVE_FN))
        return tc_fail(ps, "a node has no function");
    if (!(f->have & HAVE_ADDR))
        return tc_fail(ps, "a node has no address");
    if (!(f->have & HAVE_FILE))
        return tc_fail(ps, "a node has no file");
    if (!(f->have & HAVE_LINE))
        return tc_fail(ps, "a node has no line");
    if ((f->have & (HAVE_S | HAVE_E | HAVE_D)) != (HAVE_S | HAVE_E | HAVE_D))
        return tc_fail(ps, "a node lacks start_ns, end_ns or duration_ns");
    if (f->e < f->s || f->d != f->e - f->s) {
        snprintf(what, sizeof(what),
                 "%.*s: start_ns %" PRIu64 ", end_ns %" PRIu64 ", duration_ns %" PRIu64
                 " inconsistent", (int)(f->fn_len > 80 ? 80 : f->fn_len), f->fn, f->s, f->e, f->d);
        return tc_fail(ps, what);
    }
    if (!(f->have & HAVE_KIDS))
        return tc_fail(ps, "a node has no children array");
    if (f->sum > f->d) {
        snprintf(what, sizeof(what), "%.*s: children last %" PRIu64 " ns, longer than its %" PRIu64,
                 (int)(f->fn_len > 80 ? 80 : f->fn_len), f->fn, f->sum, f->d);
        return tc_fail(ps, what);
    }
    if (f->returned && (f->unwound || f->unfinished))
        return tc_fail(ps, "a call that did not return has a return_value");
    if (tc_names_add(&th->fns, f->fn, f->fn_len))
        return tc_fail(ps, "out of memory");
    th->nodes++;
    th->unwound += f->unwound != 0;
    th->unfinished += f->unfinished != 0;
    return 0;
}

/* A child closed: within its parent, after its previous sibling. */
static int tc_child_done(struct tc_parser *ps, struct tc_frame *parent, const struct tc_frame *c)
{
    if (c->s < (parent->nkids ? parent->prev_end : 0)) {
        char what[256];
        snprintf(what, sizeof(what), "child %.*s starts at %" PRIu64
                 ", before its previous sibling ends (%" PRIu64 ")",
                 (int)(c->fn_len > 80 ? 80 : c->fn_len), c->fn, c->s, parent->prev_end);
        return tc_fail(ps, what);
    }
    if ((parent->have & HAVE_S) && c->s < parent->s) {
        char what[256];
        snprintf(what, sizeof(what), "child %.*s starts at %" PRIu64 ", before its parent (%" PRIu64 ")",
                 (int)(c->fn_len > 80 ? 80 : c->fn_len), c->fn, c->s, parent->s);
        return tc_fail(ps, what);
    }
    parent->nkids++;
    parent->prev_end = c->e;
    parent->sum += c->d;
    /* against the parent's end once that is known: children usually come
     * last, but members may be in any order */
    return 0;
}

/* The parent's own times may come after its children: checked again at its
 * close with what the children left (first start, last end). */
static int tc_kids_within(struct tc_parser *ps, const struct tc_frame *f, uint64_t first_start)
{
    if (f->nkids && (first_start < f->s || f->prev_end > f->e)) {
        char what[256];
        snprintf(what, sizeof(what), "%.*s: a child lies outside [%" PRIu64 ", %" PRIu64 "]",
                 (int)(f->fn_len > 80 ? 80 : f->fn_len), f->fn, f->s, f->e);
        return tc_fail(ps, what);
    }
    return 0;
}

/* One root node and everything under it. */
static int tc_root(struct tc_parser *ps, struct tc_thread *th, unsigned long index)
{
    ps->depth = 0;
    /* first child's start per open node (kept beside the stack) */
    uint64_t *first = NULL;
    size_t first_cap = 0;
    int rc = -1;
    if (!tc_push(ps, index))
        return -1;
    int more = tc_open(ps, '{', '}');
    if (more == 0)
        tc_fail(ps, "an empty node");
    if (more <= 0)
        goto out;
    for (;;) {
        struct tc_frame *f = &ps->stack[ps->depth - 1];
        const char *k;
        size_t kn;
        if (tc_string(ps, &k, &kn) || tc_eat(ps, ':'))
            goto out;
        if (tc_key_is(k, kn, "children")) {
            f->have |= HAVE_KIDS;
            int kid = tc_open(ps, '[', ']');
            if (kid < 0)
                goto out;
            if (kid > 0) {
                if (!tc_push(ps, 0))
                    goto out;
                more = tc_open(ps, '{', '}');
                if (more == 0)
                    tc_fail(ps, "an empty node");
                if (more <= 0)
                    goto out;
                continue;
            }
        } else if (tc_member(ps, f, k, kn)) {
            goto out;
        }
        /* after a member: the next one, or the node closes (and maybe its
         * parent's children array, and the parent, ...) */
        for (;;) {
            more = tc_more(ps, '}');
            if (more < 0)
                goto out;
            if (more > 0)
                break;
            struct tc_frame *c = &ps->stack[ps->depth - 1];
            if (ps->depth > first_cap) {
                size_t cap = first_cap ? first_cap * 2 : 64;
                while (cap < ps->depth)
                    cap *= 2;
                uint64_t *nf = realloc(first, cap * sizeof(*nf));
                if (!nf) {
                    tc_fail(ps, "out of memory");
                    goto out;
                }
                first = nf;
                first_cap = cap;
            }
            if (tc_kids_within(ps, c, first[ps->depth - 1]) || tc_close(ps, th, c))
                goto out;
            if (ps->depth == 1) {
                if (tc_names_add(&th->root_fns, c->fn, c->fn_len)) {
                    tc_fail(ps, "out of memory");
                    goto out;
                }
                if (index == 0)
                    tc_unescape(c->fn, c->fn_len, th->first_root, sizeof(th->first_root));
                rc = 0;
                goto out;
            }
            struct tc_frame child = *c;
            ps->depth--;
            struct tc_frame *parent = &ps->stack[ps->depth - 1];
            if (parent->nkids == 0)
                first[ps->depth - 1] = child.s;
            if (tc_child_done(ps, parent, &child))
                goto out;
            int kid = tc_more(ps, ']');
            if (kid < 0)
                goto out;
            if (kid > 0) {
                if (!tc_push(ps, child.index + 1))
                    goto out;
                more = tc_open(ps, '{', '}');
                if (more == 0)
                    tc_fail(ps, "an empty node");
                if (more <= 0)
                    goto out;
                break;
            }
            /* the parent's children array ended: its next member, or its end */
        }
    }
out:
    free(first);
    if (rc == 0)
        ps->depth = 0; /* on an error the open nodes stay: they say where */
    return rc;
}

static int tc_roots(struct tc_parser *ps, struct tc_thread *th)
{
    ps->in_nodes = 1;
    int more = tc_open(ps, '[', ']');
    for (unsigned long i = 0; more > 0; i++) {
        if (tc_root(ps, th, i))
            return -1;
        th->roots++;
        more = tc_more(ps, ']');
    }
    ps->in_nodes = 0;
    return more;
}

/* A thread's fields: its key is its thread_id, its calls its node count. */
static int tc_thread_fields(struct tc_parser *ps, const struct tc_thread *th)
{
    double tid, calls;
    if (!tc_int(th->fields, "thread_id", &tid) || tid <= 0)
        return tc_fail(ps, "thread_id is not an integer > 0");
    char want[32];
    snprintf(want, sizeof(want), "%.0f", tid);
    if (strlen(want) != ps->keyn || memcmp(want, ps->key, ps->keyn) != 0)
        return tc_fail(ps, "the key is not the entry's thread_id");
    if (!tc_str(th->fields, "name"))
        return tc_fail(ps, "name is not a string");
    if (!tc_int(th->fields, "calls", &calls))
        return tc_fail(ps, "calls is not an integer");
    if (calls != (double)th->nodes) {
        char what[128];
        snprintf(what, sizeof(what), "calls is %.0f but root_calls holds %lu calls", calls,
                 th->nodes);
        return tc_fail(ps, what);
    }
    return 0;
}

static int tc_threads(struct tc_parser *ps, struct tc_trace *t)
{
    int more = tc_open(ps, '{', '}');
    while (more > 0) {
        if (tc_string(ps, &ps->key, &ps->keyn) || tc_eat(ps, ':'))
            return -1;
        struct tc_thread *v = realloc(t->threads, (t->nthreads + 1) * sizeof(*v));
        if (!v)
            return tc_fail(ps, "out of memory");
        t->threads = v;
        struct tc_thread *th = &t->threads[t->nthreads++];
        memset(th, 0, sizeof(*th));
        th->fields = cJSON_CreateObject();
        int have_roots = 0, field = tc_open(ps, '{', '}');
        while (field > 0) {
            const char *k;
            size_t kn;
            if (tc_string(ps, &k, &kn) || tc_eat(ps, ':'))
                return -1;
            if (tc_key_is(k, kn, "root_calls")) {
                have_roots = 1;
                if (tc_roots(ps, th))
                    return -1;
            } else {
                cJSON *item = tc_value(ps);
                if (!item)
                    return -1;
                char name[128];
                snprintf(name, sizeof(name), "%.*s", (int)kn, k);
                cJSON_AddItemToObject(th->fields, name, item);
            }
            field = tc_more(ps, '}');
        }
        if (field < 0)
            return -1;
        if (!have_roots)
            return tc_fail(ps, "no root_calls");
        if (tc_thread_fields(ps, th))
            return -1;
        t->nodes += th->nodes;
        ps->key = NULL;
        more = tc_more(ps, '}');
    }
    return more;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction]Z */
static int tc_is_utc_timestamp(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < sizeof(shape) - 1; i++)
        if (shape[i] == 'd' ? (unsigned)(s[i] - '0') >= 10u : s[i] != shape[i])
            return 0;
    int mon = atoi(s + 5), day = atoi(s + 8), h = atoi(s + 11), mi = atoi(s + 14),
        sec = atoi(s + 17);
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60)
        return 0;
    const char *p = s + sizeof(shape) - 1;
    if (*p == '.') {
        const char *f = ++p;
        while ((unsigned)(*p - '0') < 10u)
            p++;
        if (p == f)
            return 0;
    }
    return p[0] == 'Z' && p[1] == '\0';
}

static int tc_metadata(struct tc_parser *ps, const struct tc_trace *t)
{
    const cJSON *m = t->metadata;
    char what[160];
    ps->section = "metadata";
    ps->key = NULL;
    ps->after = 1;
    if (!cJSON_IsObject(m))
        return tc_fail(ps, "not an object");
    static const char *const strs[] = {"version", "timestamp", "executable"};
    for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
        if (!tc_str(m, strs[i])) {
            snprintf(what, sizeof(what), "%s is not a string", strs[i]);
            return tc_fail(ps, what);
        }
    if (!tc_is_utc_timestamp(tc_str(m, "timestamp"))) {
        snprintf(what, sizeof(what), "timestamp is not ISO 8601 UTC "
                 "(YYYY-MM-DDTHH:MM:SS[.fraction]Z): \"%.40s\"", tc_str(m, "timestamp"));
        return tc_fail(ps, what);
    }
    double pid, total, threads;
    if (!tc_int(m, "pid", &pid) || pid <= 0)
        return tc_fail(ps, "pid is not an integer > 0");
    if (!tc_int(m, "total_calls", &total) || total < 0)
        return tc_fail(ps, "total_calls is not an integer >= 0");
    if (!tc_int(m, "threads", &threads) || threads < 0)
        return tc_fail(ps, "threads is not an integer >= 0");
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "dropped")))
        return tc_fail(ps, "dropped is not an object");
    if (total != (double)t->nodes) {
        snprintf(what, sizeof(what), "total_calls is %.0f but the trees hold %lu calls", total,
                 t->nodes);
        return tc_fail(ps, what);
    }
    if (threads != (double)t->nthreads) {
        snprintf(what, sizeof(what), "threads is %.0f but call_trees has %zu entries", threads,
                 t->nthreads);
        return tc_fail(ps, what);
    }
    return 0;
}

static const char *tc_check(const char *text, size_t len, struct tc_trace *out)
{
    static char msg[1100];
    struct tc_trace local;
    struct tc_trace *t = out ? out : &local;
    memset(t, 0, sizeof(*t));
    struct tc_parser ps = {.p = text, .end = text + len, .base = text};
    int have_trees = 0, rc = 0, more;
    if (len == 0) {
        rc = tc_fail(&ps, "empty file");
        goto done;
    }
    more = tc_open(&ps, '{', '}');
    while (more > 0) {
        const char *k;
        size_t kn;
        if ((rc = tc_string(&ps, &k, &kn)) || (rc = tc_eat(&ps, ':')))
            break;
        if (tc_key_is(k, kn, "metadata") && !t->metadata) {
            ps.section = "metadata";
            t->metadata = tc_value(&ps);
            rc = t->metadata ? 0 : -1;
        } else if (tc_key_is(k, kn, "call_trees") && !have_trees) {
            ps.section = "call_trees";
            have_trees = 1;
            rc = tc_threads(&ps, t);
        } else {
            ps.section = NULL;
            rc = tc_skip(&ps);
        }
        if (rc)
            break;
        ps.section = NULL;
        more = tc_more(&ps, '}');
    }
    if (rc == 0 && more < 0)
        rc = -1;
    if (rc == 0) {
        tc_ws(&ps);
        if (ps.p != ps.end)
            rc = tc_fail(&ps, "something after the trace's closing brace");
    }
    if (rc == 0 && !t->metadata)
        rc = tc_fail(&ps, "no metadata");
    if (rc == 0 && !have_trees)
        rc = tc_fail(&ps, "no call_trees");
    if (rc == 0)
        rc = tc_metadata(&ps, t);
done:
    free(ps.stack);
    if (!out)
        tc_free(&local);
    if (rc == 0)
        return NULL;
    snprintf(msg, sizeof(msg), "%s", ps.err[0] ? ps.err : "invalid");
    return msg;
}

const char *tc_check_text(const char *text, size_t len, struct tc_trace *out)
{
    return tc_check(text, len, out);
}

const char *tc_check_file(const char *path, struct tc_trace *out)
{
    static char msg[600];
    if (out)
        memset(out, 0, sizeof(*out));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(msg, sizeof(msg), "cannot open: %m");
        if (fd >= 0)
            close(fd);
        return msg;
    }
    if (st.st_size == 0) {
        close(fd);
        return "empty file";
    }
    const char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(msg, sizeof(msg), "cannot map: %m");
        return msg;
    }
    madvise((void *)map, (size_t)st.st_size, MADV_SEQUENTIAL);
    const char *why = tc_check(map, (size_t)st.st_size, out);
    munmap((void *)map, (size_t)st.st_size);
    return why;
}

void tc_free(struct tc_trace *t)
{
    cJSON_Delete(t->metadata);
    for (size_t i = 0; i < t->nthreads; i++) {
        cJSON_Delete(t->threads[i].fields);
        tc_names_free(&t->threads[i].fns);
        tc_names_free(&t->threads[i].root_fns);
    }
    free(t->threads);
    memset(t, 0, sizeof(*t));
}
