/* cmd_json.c — the JSON trace read back in one streaming pass (cmd.h).
 *
 * The metadata, captured values and a thread's other fields become small
 * values (struct ct_jv); the calls under root_calls are never built: each
 * node is a frame on an explicit stack (no recursion, any depth), opened
 * when its "children" start (its function, place, start and arguments come
 * before them, as the writer puts them) and closed at its '}'. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "tools/cmd.h"

#define JR_NOTE_EVERY (64u << 20) /* bytes between two progress lines */

struct ct_jr {
    FILE *f;
    const char *path;
    uint64_t pos;
    uint64_t size, next_note; /* the progress line: on a terminal, for big files */
    jmp_buf fail;
    char why[128];
    char *buf; /* one string */
    size_t len, cap;
    /* what is being built, freed if the file turns out not to be a trace:
     * containers not attached yet (each owns what it holds), the node stack,
     * the thread being read */
    struct ct_jv **building;
    size_t nbuilding, building_cap;
    struct jr_frame *frames;
    size_t nframes, frames_cap;
    struct ct_jv *thread_rest;
    char *thread_key;
};

__attribute__((noreturn, format(printf, 2, 3))) static void jr_fail(struct ct_jr *r,
                                                                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof(r->why), fmt, ap);
    va_end(ap);
    longjmp(r->fail, 1);
}

/* "calltrace: reading FILE: 42%" on stderr, rewritten in place. */
static void jr_progress(struct ct_jr *r)
{
    r->next_note = r->pos + JR_NOTE_EVERY;
    fprintf(stderr, "\rcalltrace: reading %s: %3u%%", r->path,
            (unsigned)(r->pos * 100 / (r->size ? r->size : 1)));
}

static int jr_getc(struct ct_jr *r)
{
    int c = getc_unlocked(r->f);
    if (c == EOF)
        jr_fail(r, "the file ends early");
    if (++r->pos >= r->next_note && r->next_note)
        jr_progress(r);
    return c;
}

static int jr_ws(struct ct_jr *r) /* the next byte that is not blank */
{
    int c;
    while ((c = jr_getc(r)) == ' ' || c == '\n' || c == '\t' || c == '\r')
        ;
    return c;
}

static void jr_expect(struct ct_jr *r, int want)
{
    int c = jr_ws(r);
    if (c != want)
        jr_fail(r, "'%c' expected", want);
}

static void jr_put(struct ct_jr *r, char c)
{
    if (r->len + 1 >= r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        char *b = realloc(r->buf, cap);
        if (!b)
            jr_fail(r, "out of memory");
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    r->buf[r->len] = '\0';
}

static void jr_utf8(struct ct_jr *r, unsigned cp)
{
    if (cp < 0x80) {
        jr_put(r, (char)cp);
    } else if (cp < 0x800) {
        jr_put(r, (char)(0xc0 | cp >> 6));
        jr_put(r, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        jr_put(r, (char)(0xe0 | cp >> 12));
        jr_put(r, (char)(0x80 | ((cp >> 6) & 0x3f)));
        jr_put(r, (char)(0x80 | (cp & 0x3f)));
    } else {
        jr_put(r, (char)(0xf0 | cp >> 18));
        jr_put(r, (char)(0x80 | ((cp >> 12) & 0x3f)));
        jr_put(r, (char)(0x80 | ((cp >> 6) & 0x3f)));
        jr_put(r, (char)(0x80 | (cp & 0x3f)));
    }
}

static unsigned jr_hex4(struct ct_jr *r)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int c = jr_getc(r);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            jr_fail(r, "a bad \\u escape");
        v = v << 4 | (unsigned)d;
    }
    return v;
}

/* A string whose opening quote was read, into r->buf. */
static const char *jr_string(struct ct_jr *r)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    r->len = 0;
    jr_put(r, 'x');
    r->len = 0;
    for (;;) {
        int c = jr_getc(r);
        if (c == '"')
            return r->buf;
        if (c != '\\') {
            jr_put(r, (char)c);
            continue;
        }
        c = jr_getc(r);
        const char *p = c ? strchr(from, c) : NULL;
        if (p) {
            jr_put(r, to[p - from]);
        } else if (c == 'u') {
            unsigned cp = jr_hex4(r);
            if (cp >= 0xd800 && cp < 0xdc00) {
                if (jr_getc(r) != '\\' || jr_getc(r) != 'u')
                    jr_fail(r, "a lone surrogate");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (jr_hex4(r) - 0xdc00);
            }
            jr_utf8(r, cp);
        } else {
            jr_fail(r, "a bad escape");
        }
    }
}

static char *jr_strdup(struct ct_jr *r, const char *s)
{
    char *d = strdup(s);
    if (!d)
        jr_fail(r, "out of memory");
    return d;
}

static struct ct_jv *jr_value(struct ct_jr *r, int c);

/* A new value; a container stays on r->building until it is complete. */
static struct ct_jv *jr_new(struct ct_jr *r, enum ct_jv_type type)
{
    bool container = type == CT_JV_ARR || type == CT_JV_OBJ;
    if (container && r->nbuilding == r->building_cap) {
        size_t cap = r->building_cap ? r->building_cap * 2 : 16;
        struct ct_jv **b = realloc(r->building, cap * sizeof(*b));
        if (!b)
            jr_fail(r, "out of memory");
        r->building = b;
        r->building_cap = cap;
    }
    struct ct_jv *v = calloc(1, sizeof(*v));
    if (!v)
        jr_fail(r, "out of memory");
    v->type = type;
    if (container)
        r->building[r->nbuilding++] = v;
    return v;
}

static void jv_push(struct ct_jr *r, struct ct_jv *v, char *key, struct ct_jv *item)
{
    if ((v->n & (v->n - 1)) == 0) { /* grow at powers of two (room for one more) */
        size_t cap = v->n ? v->n * 2 : 4;
        struct ct_jv **items = realloc(v->items, cap * sizeof(*items));
        char **keys = v->type == CT_JV_OBJ ? realloc(v->keys, cap * sizeof(*keys)) : NULL;
        if (items)
            v->items = items;
        if (keys)
            v->keys = keys;
        if (!items || (v->type == CT_JV_OBJ && !keys)) {
            ct_jv_free(item);
            jr_fail(r, "out of memory");
        }
    }
    if (v->type == CT_JV_OBJ)
        v->keys[v->n] = key;
    v->items[v->n++] = item;
}

static struct ct_jv *jr_container(struct ct_jr *r, struct ct_jv *v, int close)
{
    int c = jr_ws(r);
    if (c == close) {
        r->nbuilding--;
        return v;
    }
    for (;;) {
        if (v->type == CT_JV_OBJ) {
            if (c != '"')
                jr_fail(r, "a key expected");
            v->pending = jr_strdup(r, jr_string(r));
            jr_expect(r, ':');
            c = jr_ws(r);
        }
        struct ct_jv *item = jr_value(r, c);
        jv_push(r, v, v->pending, item);
        v->pending = NULL;
        c = jr_ws(r);
        if (c == close) {
            r->nbuilding--; /* complete: its owner takes it */
            return v;
        }
        if (c != ',')
            jr_fail(r, "',' or '%c' expected", close);
        c = jr_ws(r);
    }
}

static void jr_word(struct ct_jr *r, const char *rest)
{
    for (; *rest; rest++)
        if (jr_getc(r) != *rest)
            jr_fail(r, "a bad literal");
}

/* A value whose first byte is `c`. */
static struct ct_jv *jr_value(struct ct_jr *r, int c)
{
    if (c == '{' || c == '[')
        return jr_container(r, jr_new(r, c == '{' ? CT_JV_OBJ : CT_JV_ARR), c == '{' ? '}' : ']');
    struct ct_jv *v;
    if (c == '"') {
        char *str = jr_strdup(r, jr_string(r));
        v = calloc(1, sizeof(*v));
        if (!v)
            free(str), jr_fail(r, "out of memory");
        v->type = CT_JV_STR;
        v->s = str;
    } else if (c == 't' || c == 'f') {
        jr_word(r, c == 't' ? "rue" : "alse");
        v = jr_new(r, CT_JV_BOOL);
        v->b = c == 't';
    } else if (c == 'n') {
        jr_word(r, "ull");
        v = jr_new(r, CT_JV_NULL);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        r->len = 0;
        jr_put(r, (char)c);
        while ((c = getc_unlocked(r->f)) != EOF && strchr("0123456789+-.eE", c)) {
            jr_put(r, (char)c);
            r->pos++;
        }
        if (c != EOF)
            ungetc(c, r->f);
        char *num = jr_strdup(r, r->buf);
        v = calloc(1, sizeof(*v));
        if (!v)
            free(num), jr_fail(r, "out of memory");
        v->type = CT_JV_NUM;
        v->s = num;
    } else {
        jr_fail(r, "a value expected");
    }
    return v;
}

void ct_jv_free(struct ct_jv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        ct_jv_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->pending);
    free(v->s);
    free(v);
}

/* ---- nodes, streamed ---- */
struct jr_frame {
    struct ct_call c;
    char *function, *file;
    struct ct_jv *args, *ret;
    bool opened;
};

enum jr_keys_end { JR_CHILDREN, JR_END };

static uint64_t jr_u64(struct ct_jr *r, int c)
{
    struct ct_jv *v = jr_value(r, c);
    uint64_t x = v->type == CT_JV_NUM ? strtoull(v->s, NULL, 10) : 0;
    bool b = v->type == CT_JV_BOOL && v->b;
    ct_jv_free(v);
    return x ? x : b;
}

/* A node's fields up to its "children" array or its end. */
static enum jr_keys_end jr_node_keys(struct ct_jr *r, struct jr_frame *f)
{
    for (;;) {
        int c = jr_ws(r);
        if (c == '}')
            return JR_END;
        if (c == ',')
            c = jr_ws(r);
        if (c != '"')
            jr_fail(r, "a node's key expected");
        char key[32];
        snprintf(key, sizeof(key), "%s", jr_string(r));
        jr_expect(r, ':');
        c = jr_ws(r);
        if (strcmp(key, "children") == 0) {
            if (c != '[' || f->opened)
                jr_fail(r, f->opened ? "a second children" : "children are not an array");
            return JR_CHILDREN;
        }
        if (f->opened && (strcmp(key, "function") == 0 || strcmp(key, "file") == 0 ||
                          strcmp(key, "arguments") == 0 || strcmp(key, "start_ns") == 0)) {
            ct_jv_free(jr_value(r, c)); /* what open() gave stays as it was */
            continue;
        }
        if ((strcmp(key, "function") == 0 || strcmp(key, "file") == 0) && c == '"') {
            char *s = jr_strdup(r, jr_string(r));
            char **to = key[1] == 'u' ? &f->function : &f->file;
            free(*to);
            *to = s;
        } else if (strcmp(key, "address") == 0 && c == '"') {
            f->c.address = strtoull(jr_string(r), NULL, 16);
        } else if (strcmp(key, "arguments") == 0 || strcmp(key, "return_value") == 0) {
            struct ct_jv **to = key[0] == 'a' ? &f->args : &f->ret;
            struct ct_jv *v = jr_value(r, c); /* the old one stays owned until then */
            ct_jv_free(*to);
            *to = v;
        } else {
            uint64_t x = jr_u64(r, c);
            if (strcmp(key, "line") == 0)
                f->c.line = (unsigned)x;
            else if (strcmp(key, "start_ns") == 0)
                f->c.start_ns = x;
            else if (strcmp(key, "end_ns") == 0)
                f->c.end_ns = x;
            else if (strcmp(key, "duration_ns") == 0)
                f->c.duration_ns = x;
            else if (strcmp(key, "unfinished") == 0)
                f->c.unfinished = x != 0;
            else if (strcmp(key, "unwound") == 0)
                f->c.unwound = x != 0;
        }
    }
}

static void jr_frame_fill(struct jr_frame *f)
{
    f->c.function = f->function ? f->function : "??";
    f->c.file = f->file ? f->file : "??";
    f->c.args = f->args;
    f->c.ret = f->ret;
}

static void jr_frame_clear(struct jr_frame *f)
{
    free(f->function);
    free(f->file);
    ct_jv_free(f->args);
    ct_jv_free(f->ret);
    memset(f, 0, sizeof(*f));
}

static struct jr_frame *jr_push(struct ct_jr *r)
{
    if (r->nframes == r->frames_cap) {
        size_t cap = r->frames_cap ? r->frames_cap * 2 : 64;
        struct jr_frame *v = realloc(r->frames, cap * sizeof(*v));
        if (!v)
            jr_fail(r, "out of memory");
        r->frames = v;
        r->frames_cap = cap;
    }
    struct jr_frame *f = &r->frames[r->nframes];
    memset(f, 0, sizeof(*f));
    f->c.depth = (unsigned)r->nframes++;
    return f;
}

/* A node's keys after its '{' or after its children: opens it at its
 * children, closes and pops it at its end. */
static void jr_node_step(struct ct_jr *r, const struct ct_trace_cb *cb)
{
    struct jr_frame *f = &r->frames[r->nframes - 1];
    enum jr_keys_end e = jr_node_keys(r, f);
    if (!f->opened) {
        f->opened = true;
        jr_frame_fill(f);
        if (cb->open)
            cb->open(cb->ctx, &f->c);
    }
    if (e == JR_END) {
        jr_frame_fill(f);
        if (cb->close)
            cb->close(cb->ctx, &f->c);
        jr_frame_clear(f);
        r->nframes--;
    }
}

/* root_calls' array, its '[' read. */
static void jr_nodes(struct ct_jr *r, const struct ct_trace_cb *cb)
{
    for (;;) {
        int c = jr_ws(r);
        if (c == ',') {
            continue;
        } else if (c == '{') {
            jr_push(r);
            jr_node_step(r, cb);
        } else if (c == ']') {
            if (r->nframes == 0)
                break;
            jr_node_step(r, cb); /* the parent's keys after its children */
        } else {
            jr_fail(r, "a call expected");
        }
    }
}

/* One thread of call_trees, its key read. */
static void jr_thread(struct ct_jr *r, const char *key, const struct ct_trace_cb *cb)
{
    struct ct_jv *rest = r->thread_rest = calloc(1, sizeof(*rest));
    char *k = r->thread_key = jr_strdup(r, key);
    if (!rest)
        jr_fail(r, "out of memory");
    rest->type = CT_JV_OBJ;
    struct ct_thread th = {.key = k, .name = "?"};
    jr_expect(r, '{');
    for (int c = jr_ws(r); c != '}'; c = jr_ws(r)) {
        if (c == ',')
            continue;
        if (c != '"')
            jr_fail(r, "a key expected");
        char *name = rest->pending = jr_strdup(r, jr_string(r));
        jr_expect(r, ':');
        c = jr_ws(r);
        if (strcmp(name, "root_calls") == 0 && c == '[') {
            free(name);
            rest->pending = NULL;
            th.tid = ct_jv_u64(rest, "thread_id");
            th.name = ct_jv_str(rest, "name") ? ct_jv_str(rest, "name") : "?";
            th.calls = ct_jv_u64(rest, "calls");
            if (cb->thread_begin)
                cb->thread_begin(cb->ctx, &th);
            jr_nodes(r, cb);
        } else {
            struct ct_jv *item = jr_value(r, c);
            jv_push(r, rest, name, item);
            rest->pending = NULL;
        }
    }
    th.rest = rest;
    if (cb->thread_end)
        cb->thread_end(cb->ctx, &th);
    ct_jv_free(rest);
    free(k);
    r->thread_rest = NULL;
    r->thread_key = NULL;
}

static void jr_top(struct ct_jr *r, const struct ct_trace_cb *cb, struct ct_jv **meta)
{
    jr_expect(r, '{');
    for (int c = jr_ws(r); c != '}'; c = jr_ws(r)) {
        if (c == ',')
            continue;
        if (c != '"')
            jr_fail(r, "a key expected");
        bool trees = strcmp(jr_string(r), "call_trees") == 0;
        bool is_meta = !trees && strcmp(r->buf, "metadata") == 0;
        jr_expect(r, ':');
        c = jr_ws(r);
        if (!trees) {
            struct ct_jv *v = jr_value(r, c);
            if (is_meta && !*meta) {
                *meta = v;
                if (cb->meta)
                    cb->meta(cb->ctx, v);
            } else {
                ct_jv_free(v);
            }
            continue;
        }
        if (c != '{')
            jr_fail(r, "call_trees is not an object");
        for (c = jr_ws(r); c != '}'; c = jr_ws(r)) {
            if (c == ',')
                continue;
            if (c != '"')
                jr_fail(r, "a thread's key expected");
            jr_string(r);
            jr_expect(r, ':');
            jr_thread(r, r->buf, cb);
        }
    }
}

/* Frees what a failed read was building. */
static void jr_cleanup(struct ct_jr *r)
{
    while (r->nbuilding)
        ct_jv_free(r->building[--r->nbuilding]);
    while (r->nframes)
        jr_frame_clear(&r->frames[--r->nframes]);
    ct_jv_free(r->thread_rest);
    free(r->thread_key);
    free(r->building);
    free(r->frames);
    free(r->buf);
}

int ct_trace_read(const char *path, const struct ct_trace_cb *cb, struct ct_jv **meta_out)
{
    struct ct_jr r = {.path = path};
    struct ct_jv *volatile meta = NULL;
    r.f = fopen(path, "r");
    if (!r.f) {
        ct_cmd_err("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (isatty(STDERR_FILENO) && fstat(fileno(r.f), &st) == 0 && (uint64_t)st.st_size > JR_NOTE_EVERY) {
        r.size = (uint64_t)st.st_size;
        r.next_note = JR_NOTE_EVERY;
    }
    int rc = 0;
    if (setjmp(r.fail) == 0) {
        jr_top(&r, cb, (struct ct_jv **)&meta);
        if (!meta)
            jr_fail(&r, "no metadata");
    } else {
        ct_cmd_err("%s is not a calltrace JSON trace (byte %llu: %s)", path,
                   (unsigned long long)r.pos, r.why);
        rc = -1;
    }
    if (r.size)
        fprintf(stderr, "\r\033[K"); /* the progress line goes away */
    fclose(r.f);
    jr_cleanup(&r);
    if (meta_out && rc == 0)
        *meta_out = meta;
    else
        ct_jv_free(meta);
    return rc;
}
