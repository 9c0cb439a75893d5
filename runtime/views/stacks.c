/* stacks.c — distinct call stacks and self time (see stacks.h). */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "views/stacks.h"

CT_NOINST static uint32_t ct_stacks_hash(uint32_t parent, uint64_t fn)
{
    uint64_t h = (fn ^ (((uint64_t)parent << 32) | parent)) * UINT64_C(0x9e3779b97f4a7c15);
    return (uint32_t)(h >> 32);
}

CT_NOINST static int ct_stacks_rehash(struct ct_stacks *s, uint32_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return -1;
    for (uint32_t id = 1; id < s->n; id++) {
        uint32_t i = ct_stacks_hash(s->nodes[id].parent, s->nodes[id].fn) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = id;
    }
    free(s->slots);
    s->slots = slots;
    s->nslots = nslots;
    return 0;
}

uint32_t ct_stacks_intern(struct ct_stacks *s, uint32_t parent, uint64_t fn)
{
    if (s->nslots) {
        uint32_t i = ct_stacks_hash(parent, fn) & (s->nslots - 1);
        for (; s->slots[i]; i = (i + 1) & (s->nslots - 1)) {
            const struct ct_stack_node *nd = &s->nodes[s->slots[i]];
            if (nd->fn == fn && nd->parent == parent)
                return s->slots[i];
        }
    }
    if (s->n == 0)
        s->n = 1; /* id 0 means none */
    if (s->n == UINT32_MAX)
        return 0;
    if (s->n >= s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        struct ct_stack_node *nodes = realloc(s->nodes, (size_t)cap * sizeof(*nodes));
        if (!nodes)
            return 0;
        s->nodes = nodes;
        s->cap = cap;
    }
    if ((uint64_t)(s->n + 1) * 2 > s->nslots &&
        ct_stacks_rehash(s, s->nslots ? s->nslots * 2 : 128) != 0)
        return 0;
    uint32_t id = s->n++;
    s->nodes[id] = (struct ct_stack_node){fn, parent, parent ? s->nodes[parent].depth + 1 : 0};
    uint32_t i = ct_stacks_hash(parent, fn) & (s->nslots - 1);
    while (s->slots[i])
        i = (i + 1) & (s->nslots - 1);
    s->slots[i] = id;
    return id;
}

size_t ct_stacks_path(const struct ct_stacks *s, uint32_t id, uint64_t *out, size_t cap)
{
    size_t depth = id ? (size_t)s->nodes[id].depth + 1 : 0;
    size_t k = depth < cap ? depth : cap;
    for (size_t i = k; i > 0 && id; i--, id = s->nodes[id].parent)
        out[i - 1] = s->nodes[id].fn;
    return depth;
}

void ct_stacks_free(struct ct_stacks *s)
{
    free(s->nodes);
    free(s->slots);
    memset(s, 0, sizeof(*s));
}

int ct_calls_init(struct ct_calls *c, unsigned cap)
{
    memset(c, 0, sizeof(*c));
    c->cap = cap + 1;
    c->open = malloc(sizeof(*c->open) * c->cap);
    c->path = malloc(sizeof(*c->path) * c->cap);
    return c->open && c->path ? 0 : -1;
}

size_t ct_calls_path(struct ct_calls *c, uint32_t stack)
{
    size_t depth = ct_stacks_path(&c->stacks, stack, c->path, c->cap);
    return depth < c->cap ? depth : c->cap;
}

void ct_calls_open(struct ct_calls *c, unsigned depth, uint64_t fn, uint64_t start_ticks)
{
    if (depth >= c->cap)
        return;
    uint32_t parent = depth ? c->open[depth - 1].stack : c->root;
    uint32_t id = ct_stacks_intern(&c->stacks, parent, fn);
    c->nomem |= id == 0;
    c->open[depth] = (struct ct_open_call){id, ct_clock_to_ns(start_ticks), 0};
}

bool ct_calls_close(struct ct_calls *c, unsigned depth, uint64_t start_ticks, uint64_t end_ticks,
                    struct ct_call_done *done)
{
    (void)start_ticks;
    if (depth >= c->cap)
        return false;
    const struct ct_open_call *o = &c->open[depth];
    uint64_t end = ct_clock_to_ns(end_ticks);
    done->stack = o->stack;
    done->start_ns = o->start_ns;
    done->dur_ns = end > o->start_ns ? end - o->start_ns : 0;
    done->self_ns = done->dur_ns > o->child_ns ? done->dur_ns - o->child_ns : 0;
    if (depth > 0)
        c->open[depth - 1].child_ns += done->dur_ns;
    return done->stack != 0;
}

void ct_calls_free(struct ct_calls *c)
{
    free(c->open);
    free(c->path);
    ct_stacks_free(&c->stacks);
    c->open = NULL;
    c->path = NULL;
}
