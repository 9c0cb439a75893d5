/* cmd_stats.c — per-function statistics of a trace (cmd.h): calls, total,
 * self, average, min and max, as the summary view counts them: a recursive
 * function's total counts its outermost activations once (no total exceeds
 * its thread's time); average, min and max are over every call. */
#include <stdlib.h>
#include <string.h>

#include "tools/cmd.h"

static size_t stats_hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t stats_slot(const struct ct_fstat *v, size_t cap, const char *name)
{
    size_t i = stats_hash(name) & (cap - 1);
    while (v[i].name && strcmp(v[i].name, name) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

const struct ct_fstat *ct_stats_find(const struct ct_stats *s, const char *name)
{
    if (!s->cap)
        return NULL;
    const struct ct_fstat *f = &s->v[stats_slot(s->v, s->cap, name)];
    return f->name ? f : NULL;
}

struct ct_fstat *ct_stats_get(struct ct_stats *s, const char *name)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct ct_fstat *v = calloc(cap, sizeof(*v));
        if (!v)
            return NULL;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i].name)
                v[stats_slot(v, cap, s->v[i].name)] = s->v[i];
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    struct ct_fstat *f = &s->v[stats_slot(s->v, s->cap, name)];
    if (!f->name) {
        if (!(f->name = strdup(name)))
            return NULL;
        f->min_ns = UINT64_MAX;
        s->n++;
    }
    return f;
}

struct ct_fstat **ct_stats_list(const struct ct_stats *s)
{
    struct ct_fstat **out = malloc((s->n + 1) * sizeof(*out));
    size_t k = 0;
    for (size_t i = 0; out && i < s->cap; i++)
        if (s->v[i].name)
            out[k++] = &s->v[i];
    return out;
}

void ct_stats_free(struct ct_stats *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->v[i].name);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

void ct_stats_close(struct ct_fstat *f, uint64_t dur, uint64_t self_ns)
{
    f->calls++;
    f->sum_ns += dur;
    f->self_ns += self_ns;
    if (f->open && --f->open == 0)
        f->total_ns += dur;
    if (dur < f->min_ns)
        f->min_ns = dur;
    if (dur > f->max_ns)
        f->max_ns = dur;
}

/* ---- a whole trace, threads merged ---- */
struct stats_walk {
    struct ct_stats *s;
    struct {
        struct ct_fstat *f;
        uint64_t kids_ns;
    } *stack;
    size_t cap;
    bool oom;
};

static void sw_open(void *ctx, const struct ct_call *c)
{
    struct stats_walk *w = ctx;
    if (c->depth >= w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        void *v = realloc(w->stack, cap * sizeof(*w->stack));
        if (!v) {
            w->oom = true;
            return;
        }
        w->stack = v;
        w->cap = cap;
    }
    struct ct_fstat *f = ct_stats_get(w->s, c->function);
    if (!f)
        w->oom = true;
    else
        f->open++;
    w->stack[c->depth].f = f;
    w->stack[c->depth].kids_ns = 0;
}

static void sw_close(void *ctx, const struct ct_call *c)
{
    struct stats_walk *w = ctx;
    if (c->depth >= w->cap || !w->stack[c->depth].f)
        return;
    uint64_t kids = w->stack[c->depth].kids_ns;
    ct_stats_close(w->stack[c->depth].f, c->duration_ns,
                   c->duration_ns > kids ? c->duration_ns - kids : 0);
    if (c->depth)
        w->stack[c->depth - 1].kids_ns += c->duration_ns;
}

int ct_stats_of_trace(const char *path, struct ct_stats *s, struct ct_jv **meta)
{
    struct stats_walk w = {.s = s};
    struct ct_trace_cb cb = {.ctx = &w, .open = sw_open, .close = sw_close};
    int rc = ct_trace_read(path, &cb, meta);
    free(w.stack);
    if (w.oom) {
        ct_cmd_err("out of memory");
        rc = -1;
    }
    return rc;
}
