/* robust_stream.c — see robust_stream.h. A recursive-descent JSON parser
 * that builds nothing for call nodes: each node is checked as it is read
 * (the node checks of tu_validate()), everything outside root_calls is
 * handed to cJSON piece by piece, and tu_validate() then checks that
 * skeleton. */
#define _GNU_SOURCE
#include "robust_stream.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_util.h"

struct rs_parser {
    const char *p, *end;
    const char *base;
    char err[512];
};

static int rs_fail(struct rs_parser *ps, const char *what)
{
    if (!ps->err[0])
        snprintf(ps->err, sizeof(ps->err), "%s at byte %ld", what, (long)(ps->p - ps->base));
    return -1;
}

/* (the scanners work on a local pointer: through ps->p, every byte read
 * would have to reload it, a char may alias anything) */
static void rs_ws(struct rs_parser *ps)
{
    const char *p = ps->p, *end = ps->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    ps->p = p;
}

static int rs_eat(struct rs_parser *ps, char c)
{
    rs_ws(ps);
    if (ps->p >= ps->end || *ps->p != c) {
        char what[32];
        snprintf(what, sizeof(what), "expected '%c'", c);
        return rs_fail(ps, what);
    }
    ps->p++;
    return 0;
}

/* Opens a container: 1 when members follow, 0 when it is empty (and
 * closed), -1 on error. */
static int rs_open(struct rs_parser *ps, char open, char close)
{
    if (rs_eat(ps, open))
        return -1;
    rs_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    return 1;
}

/* After a member: 1 when a ',' says another follows, 0 when `close` ends
 * the container, -1 on error. */
static int rs_more(struct rs_parser *ps, char close)
{
    rs_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        return 1;
    }
    return rs_eat(ps, close) ? -1 : 0;
}

/* A string: *s, *n are its raw contents between the quotes. */
static int rs_string(struct rs_parser *ps, const char **s, size_t *n)
{
    if (rs_eat(ps, '"'))
        return -1;
    const char *start = ps->p, *p = start, *end = ps->end;
    /* most strings have no escape: find the quote with memchr, and walk
     * byte by byte (control characters, escapes) only when there is one */
    const char *q = memchr(start, '"', (size_t)(end - start));
    if (q && !memchr(start, '\\', (size_t)(q - start))) {
        *s = start;
        *n = (size_t)(q - start);
        ps->p = q + 1;
        return 0;
    }
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20) {
            ps->p = p;
            return rs_fail(ps, "control character in a string");
        }
        if (c == '\\')
            p++;
    }
    if (p >= end) {
        ps->p = end;
        return rs_fail(ps, "unterminated string");
    }
    *s = start;
    *n = (size_t)(p - start);
    ps->p = p + 1;
    return 0;
}

/* A JSON number; *u is its value when it is a non-negative integer, and
 * *is_uint says whether it is one. */
static int rs_number(struct rs_parser *ps, uint64_t *u, int *is_uint)
{
    rs_ws(ps);
    const char *start = ps->p, *p = start, *end = ps->end;
    uint64_t v = 0;
    while (p < end && (unsigned)(*p - '0') < 10u)
        v = v * 10 + (uint64_t)(*p++ - '0');
    size_t digits = (size_t)(p - start);
    if (digits > 0 && digits < 20 && (p >= end || (*p != '.' && *p != 'e' && *p != 'E'))) {
        if (digits > 1 && *start == '0')
            return rs_fail(ps, "a number with a leading zero");
        *u = v;
        *is_uint = 1;
        ps->p = p;
        return 0;
    }
    /* the rare rest: negative, fractions, exponents, huge */
    char buf[64], *endp;
    size_t len = 0;
    p = start;
    while (p < end && strchr("+-0123456789.eE", *p) && *p)
        p++, len++;
    if (len == 0 || len >= sizeof(buf))
        return rs_fail(ps, "bad number");
    memcpy(buf, start, len);
    buf[len] = '\0';
    strtod(buf, &endp);
    if (*endp)
        return rs_fail(ps, "bad number");
    *is_uint = strspn(buf, "0123456789") == len;
    *u = *is_uint ? strtoull(buf, NULL, 10) : 0;
    ps->p = p;
    return 0;
}

static int rs_skip(struct rs_parser *ps, int depth);

static int rs_skip_container(struct rs_parser *ps, int depth, char open, char close)
{
    if (depth > 10000)
        return rs_fail(ps, "nesting too deep");
    int more = rs_open(ps, open, close);
    while (more > 0) {
        if (open == '{') {
            const char *k;
            size_t kn;
            if (rs_string(ps, &k, &kn) || rs_eat(ps, ':'))
                return -1;
        }
        if (rs_skip(ps, depth + 1))
            return -1;
        more = rs_more(ps, close);
    }
    return more;
}

/* Any value, checked for syntax and skipped. */
static int rs_skip(struct rs_parser *ps, int depth)
{
    rs_ws(ps);
    if (ps->p >= ps->end)
        return rs_fail(ps, "unexpected end");
    switch (*ps->p) {
    case '{':
        return rs_skip_container(ps, depth, '{', '}');
    case '[':
        return rs_skip_container(ps, depth, '[', ']');
    case '"': {
        const char *s;
        size_t n;
        return rs_string(ps, &s, &n);
    }
    default:
        break;
    }
    static const char *const lits[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(lits[i]);
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lits[i], n) == 0) {
            ps->p += n;
            return 0;
        }
    }
    uint64_t u;
    int is_uint;
    return rs_number(ps, &u, &is_uint);
}

/* The next value as a cJSON item (parsed from its slice of the file). */
static cJSON *rs_value(struct rs_parser *ps)
{
    rs_ws(ps);
    const char *start = ps->p;
    if (rs_skip(ps, 0))
        return NULL;
    cJSON *v = cJSON_ParseWithLength(start, (size_t)(ps->p - start));
    if (!v)
        rs_fail(ps, "cJSON rejects a value");
    return v;
}

static int rs_key_is(const char *k, size_t kn, const char *want)
{
    return strlen(want) == kn && memcmp(k, want, kn) == 0;
}

static void rs_count_fn(struct rs_thread *th, const char *s, size_t n)
{
    if (n >= sizeof(th->fns[0].name))
        return;
    for (size_t i = 0; i < th->nfns; i++)
        if (strlen(th->fns[i].name) == n && memcmp(th->fns[i].name, s, n) == 0) {
            th->fns[i].count++;
            return;
        }
    if (th->nfns == RS_MAX_FNS)
        return;
    memcpy(th->fns[th->nfns].name, s, n);
    th->fns[th->nfns].name[n] = '\0';
    th->fns[th->nfns++].count = 1;
}

struct rs_span {
    uint64_t start, end, dur;
};

/* One node and its subtree, with the checks of trace_util.c's validate_node(). */
static int rs_node(struct rs_parser *ps, struct rs_thread *th, int depth, struct rs_span *out,
                   const char **fn_out, size_t *fn_len_out)
{
    if (depth > 100000)
        return rs_fail(ps, "nodes nested too deep");
    const char *fn = NULL;
    size_t fn_len = 0;
    int have_addr = 0, have_file = 0, have_line = 0, have_kids = 0;
    int have_s = 0, have_e = 0, have_d = 0;
    uint64_t s = 0, e = 0, d = 0;
    /* children: checked against each other as they come, against the
     * parent once its end is known */
    int nkids = 0;
    uint64_t first_start = 0, prev_end = 0, sum = 0;
    int more = rs_open(ps, '{', '}');
    if (more == 0)
        return rs_fail(ps, "an empty node");
    while (more > 0) {
        const char *k;
        size_t kn;
        if (rs_string(ps, &k, &kn) || rs_eat(ps, ':'))
            return -1;
        rs_ws(ps);
        if (rs_key_is(k, kn, "function") || rs_key_is(k, kn, "address") ||
            rs_key_is(k, kn, "file")) {
            const char *v;
            size_t vn;
            if (ps->p >= ps->end || *ps->p != '"')
                return rs_fail(ps, "function/address/file is not a string");
            if (rs_string(ps, &v, &vn))
                return -1;
            if (k[0] == 'f' && k[1] == 'u') {
                if (vn == 0)
                    return rs_fail(ps, "a node has no function name");
                fn = v;
                fn_len = vn;
            } else if (k[0] == 'a') {
                if (vn < 2 || memcmp(v, "0x", 2) != 0)
                    return rs_fail(ps, "a node has no 0x address");
                have_addr = 1;
            } else {
                have_file = 1;
            }
        } else if (rs_key_is(k, kn, "line") || rs_key_is(k, kn, "start_ns") ||
                   rs_key_is(k, kn, "end_ns") || rs_key_is(k, kn, "duration_ns")) {
            uint64_t u;
            int is_uint;
            if (rs_number(ps, &u, &is_uint))
                return -1;
            if (k[0] == 'l') {
                have_line = 1;
            } else {
                if (!is_uint)
                    return rs_fail(ps, "a time is not a non-negative integer");
                if (k[0] == 's')
                    s = u, have_s = 1;
                else if (k[0] == 'e')
                    e = u, have_e = 1;
                else
                    d = u, have_d = 1;
            }
        } else if (rs_key_is(k, kn, "children")) {
            have_kids = 1;
            int kid = rs_open(ps, '[', ']');
            while (kid > 0) {
                struct rs_span c;
                const char *cf;
                size_t cfl;
                if (rs_node(ps, th, depth + 1, &c, &cf, &cfl))
                    return -1;
                if (nkids++ == 0)
                    first_start = c.start;
                else if (c.start < prev_end)
                    return rs_fail(ps, "a child overlaps its previous sibling");
                prev_end = c.end;
                sum += c.dur;
                kid = rs_more(ps, ']');
            }
            if (kid < 0)
                return -1;
        } else if (rs_key_is(k, kn, "unwound") || rs_key_is(k, kn, "unfinished")) {
            int yes = (size_t)(ps->end - ps->p) >= 4 && memcmp(ps->p, "true", 4) == 0;
            if (rs_skip(ps, 0))
                return -1;
            if (yes && k[2] == 'w')
                th->unwound++;
            else if (yes)
                th->unfinished++;
        } else if (rs_skip(ps, 0)) {
            return -1;
        }
        more = rs_more(ps, '}');
    }
    if (more < 0)
        return -1;
    if (!fn)
        return rs_fail(ps, "a node has no function name");
    if (!have_addr)
        return rs_fail(ps, "a node has no 0x address");
    if (!have_file)
        return rs_fail(ps, "a node's file is not a string");
    if (!have_line)
        return rs_fail(ps, "a node's line is not a number");
    if (!have_s || !have_e || !have_d || e < s || d != e - s)
        return rs_fail(ps, "start/end/duration missing or inconsistent");
    if (!have_kids)
        return rs_fail(ps, "a node has no children array");
    if (nkids && (first_start < s || prev_end > e))
        return rs_fail(ps, "a child lies outside its parent");
    if (sum > d)
        return rs_fail(ps, "children last longer than their parent");
    rs_count_fn(th, fn, fn_len);
    th->nodes++;
    *out = (struct rs_span){s, e, d};
    *fn_out = fn;
    *fn_len_out = fn_len;
    return 0;
}

static int rs_roots(struct rs_parser *ps, struct rs_thread *th)
{
    int more = rs_open(ps, '[', ']');
    while (more > 0) {
        struct rs_span sp;
        const char *fn;
        size_t fl;
        if (rs_node(ps, th, 0, &sp, &fn, &fl))
            return -1;
        if (th->roots++ == 0 && fl < sizeof(th->first_root)) {
            memcpy(th->first_root, fn, fl);
            th->first_root[fl] = '\0';
        }
        more = rs_more(ps, ']');
    }
    return more;
}

static int rs_threads(struct rs_parser *ps, struct rs_trace *t, cJSON *trees)
{
    int more = rs_open(ps, '{', '}');
    while (more > 0) {
        const char *key;
        size_t keyn;
        if (rs_string(ps, &key, &keyn) || rs_eat(ps, ':'))
            return -1;
        struct rs_thread *v = realloc(t->threads, (t->nthreads + 1) * sizeof(*v));
        if (!v)
            return rs_fail(ps, "out of memory");
        t->threads = v;
        struct rs_thread *th = &t->threads[t->nthreads++];
        memset(th, 0, sizeof(*th));
        th->fields = cJSON_CreateObject();
        int have_roots = 0, field = rs_open(ps, '{', '}');
        while (field > 0) {
            const char *k;
            size_t kn;
            if (rs_string(ps, &k, &kn) || rs_eat(ps, ':'))
                return -1;
            if (rs_key_is(k, kn, "root_calls")) {
                have_roots = 1;
                if (rs_roots(ps, th))
                    return -1;
            } else {
                cJSON *item = rs_value(ps);
                if (!item)
                    return -1;
                char name[128];
                snprintf(name, sizeof(name), "%.*s", (int)kn, k);
                cJSON_AddItemToObject(th->fields, name, item);
            }
            field = rs_more(ps, '}');
        }
        if (field < 0)
            return -1;
        if (!have_roots)
            return rs_fail(ps, "a thread lacks root_calls");
        if (tu_num(th->fields, "calls") != (double)th->nodes)
            return rs_fail(ps, "a thread's calls differs from its node count");
        t->nodes += th->nodes;
        /* the skeleton tu_validate() sees: no nodes, so zero calls */
        cJSON *copy = cJSON_Duplicate(th->fields, 1);
        cJSON_ReplaceItemInObject(copy, "calls", cJSON_CreateNumber(0));
        cJSON_AddItemToObject(copy, "root_calls", cJSON_CreateArray());
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)keyn, key);
        cJSON_AddItemToObject(trees, name, copy);
        more = rs_more(ps, '}');
    }
    return more;
}

const char *rs_load(const char *path, struct rs_trace *out)
{
    static char msg[700];
    memset(out, 0, sizeof(*out));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        snprintf(msg, sizeof(msg), "%s: cannot open, or empty", path);
        if (fd >= 0)
            close(fd);
        return msg;
    }
    const char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(msg, sizeof(msg), "%s: cannot map", path);
        return msg;
    }
    madvise((void *)map, (size_t)st.st_size, MADV_SEQUENTIAL);
    struct rs_parser ps = {.p = map, .end = map + st.st_size, .base = map};
    cJSON *skel = cJSON_CreateObject(), *trees = cJSON_CreateObject();
    int have_trees = 0, more = rs_open(&ps, '{', '}'), rc = 0;
    while (more > 0) {
        const char *k;
        size_t kn;
        if ((rc = rs_string(&ps, &k, &kn)) || (rc = rs_eat(&ps, ':')))
            break;
        if (rs_key_is(k, kn, "metadata")) {
            out->metadata = rs_value(&ps);
            rc = out->metadata ? 0 : -1;
        } else if (rs_key_is(k, kn, "call_trees")) {
            have_trees = 1;
            rc = rs_threads(&ps, out, trees);
        } else {
            rc = rs_skip(&ps, 0);
        }
        if (rc)
            break;
        more = rs_more(&ps, '}');
    }
    if (rc == 0 && more < 0)
        rc = -1;
    rs_ws(&ps);
    if (rc == 0 && ps.p != ps.end)
        rc = rs_fail(&ps, "garbage after the trace");
    munmap((void *)map, (size_t)st.st_size);
    if (rc == 0 && (!out->metadata || !have_trees))
        rc = rs_fail(&ps, "no metadata or no call_trees");
    if (rc == 0 && tu_num(out->metadata, "total_calls") != (double)out->nodes) {
        snprintf(ps.err, sizeof(ps.err), "total_calls %.0f but %lu nodes",
                 tu_num(out->metadata, "total_calls"), out->nodes);
        rc = -1;
    }
    const char *why = NULL;
    if (rc == 0) {
        cJSON *m = cJSON_Duplicate(out->metadata, 1);
        cJSON_ReplaceItemInObject(m, "total_calls", cJSON_CreateNumber(0));
        cJSON_AddItemToObject(skel, "metadata", m);
        cJSON_AddItemToObject(skel, "call_trees", trees);
        trees = NULL;
        why = tu_validate(skel);
    }
    cJSON_Delete(skel);
    cJSON_Delete(trees);
    if (rc == 0 && !why)
        return NULL;
    snprintf(msg, sizeof(msg), "%s: %s", path, rc ? ps.err : why);
    return msg;
}

void rs_free(struct rs_trace *t)
{
    cJSON_Delete(t->metadata);
    for (size_t i = 0; i < t->nthreads; i++)
        cJSON_Delete(t->threads[i].fields);
    free(t->threads);
    memset(t, 0, sizeof(*t));
}

unsigned long rs_count(const struct rs_thread *th, const char *fn)
{
    for (size_t i = 0; i < th->nfns; i++)
        if (strcmp(th->fns[i].name, fn) == 0)
            return th->fns[i].count;
    return 0;
}
