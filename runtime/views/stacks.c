/* stacks.c — distinct call stacks and self time (see stacks.h). */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/vec.h"
#include "views/stacks.h"

#define CT_STACKS_BITS 7u /* the table starts with 2^7 slots */

CT_NOINST static size_t ct_stacks_slot(const struct ct_stacks *s, uint32_t parent, uint64_t fn)
{
    return ct_hash_slot(ct_hash_pair(fn, parent), s->bits);
}

CT_NOINST static int ct_stacks_rehash(struct ct_stacks *s, unsigned bits)
{
    uint32_t nslots = UINT32_C(1) << bits;
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return -1;
    free(s->slots);
    s->slots = slots;
    s->nslots = nslots;
    s->bits = bits;
    for (uint32_t id = 1; id < s->n; id++) {
        size_t i = ct_stacks_slot(s, s->nodes[id].parent, s->nodes[id].fn);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = id;
    }
    return 0;
}

uint32_t ct_stacks_intern(struct ct_stacks *s, uint32_t parent, uint64_t fn)
{
    if (s->nslots) {
        size_t i = ct_stacks_slot(s, parent, fn);
        for (; s->slots[i]; i = (i + 1) & (s->nslots - 1)) {
            const struct ct_stack_node *nd = &s->nodes[s->slots[i]];
            if (nd->fn == fn && nd->parent == parent)
                return s->slots[i];
        }
    }
    if (s->n == 0)
        s->n = 1; /* id 0 means none */
    if (s->n == UINT32_MAX || !CT_VEC_RESERVE(s->nodes, s->cap, (size_t)s->n + 1))
        return 0;
    if ((uint64_t)(s->n + 1) * 2 > s->nslots &&
        ct_stacks_rehash(s, s->nslots ? s->bits + 1 : CT_STACKS_BITS) != 0)
        return 0;
    uint32_t id = s->n++;
    s->nodes[id] = (struct ct_stack_node){fn, parent, parent ? s->nodes[parent].depth + 1 : 0};
    size_t i = ct_stacks_slot(s, parent, fn);
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

void ct_calls_open(struct ct_calls *c, unsigned depth, uint64_t fn, uint64_t start_ns)
{
    if (depth >= c->cap)
        return;
    uint32_t parent = depth ? c->open[depth - 1].stack : c->root;
    uint32_t id = ct_stacks_intern(&c->stacks, parent, fn);
    c->nomem |= id == 0;
    c->open[depth] = (struct ct_open_call){id, start_ns, 0};
}

bool ct_calls_close(struct ct_calls *c, unsigned depth, uint64_t start_ns, uint64_t end_ns,
                    struct ct_call_done *done)
{
    (void)start_ns; /* the open call's, as recorded */
    if (depth >= c->cap)
        return false;
    const struct ct_open_call *o = &c->open[depth];
    uint64_t end = end_ns;
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
